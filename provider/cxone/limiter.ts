/**
 * A per-tenant adaptive limiter, shared by every call to one tenant in one process.
 *
 * The server is taken to be a token bucket: a burst B it accepts at once, refilled at a rate R,
 * both unknown and shared with whatever else uses the tenant (other stacks, other pipelines).
 * A 429 means the bucket was empty when the rejected request arrived. The limiter paces grants
 * like a token bucket of its own (a rate r and a credit of at most `burst` requests at once) and
 * learns r the way TCP CUBIC learns a window, in pressed time (see below):
 *
 * - Slow start: r begins at `initialRatePerS` and doubles every `slowStartDoublingMs` until the
 *   first 429, so an unknown R is found in a few hundred ms without sending a storm at once.
 * - A 429 is a throttle event. The rate it was sent at, and what the server accepted over the
 *   last half window, are upper bounds on R; what it accepted since the previous event (the
 *   bucket was empty at both) is a lower bound. From them comes `wMax`, the rate the server was
 *   seen to take (see throttleEvent), and r drops to `decrease` x wMax. 429s of requests granted
 *   before that drop belong to the same event and lower nothing further.
 * - After it, r grows as W(t) = wMax (1 + c (t - K)^3), K chosen so W(0) = decrease x wMax:
 *   concave back to wMax within K, a plateau around it, then convex growth past it (a probe).
 *   No estimate sticks at a floor: every event is followed by growth, relative to wMax, so a
 *   host squeezed to a small share finds the capacity a neighbour freed within seconds. Each
 *   probe that found no more than the last halves c (down to `cubicMin`): a steady server then
 *   costs a 429 every 5-6 s, and every 429 costs its own call a whole-second Retry-After.
 *   Finding more (beyond what the span between the two 429s can resolve), or being squeezed
 *   below 80% of the highest rate measured, restores c; a probe that found more also reads R
 *   from the last half window, where `lower` still averages the ramp up to it.
 * - t is pressed time: per grant, the time since the previous one, at most one pacing interval.
 *   It stops while the tenant is idle (a rate grown over an idle minute would only meet a storm
 *   of 429s afterwards). After `idleMs` with nothing queued or in flight, new work (the next
 *   Pulumi phase, a program's next wave) starts at wMax and holds it for `idleHoldMs` of pressed
 *   time before probing: work shorter than that meets no probe, and longer work pays at most one
 *   Retry-After second on at least that long. Any 429 ends the hold. A shorter gap in demand
 *   only stops the span R is measured over: the bucket refilled unseen during it.
 * - The credit models the server's bucket: after an idle spell the server's burst is available
 *   again and is spent at once, capped by the burst learned from a stretch that started from a
 *   full bucket (what it accepted less R x its length). A 429 on a request sent out of that
 *   stored credit lowers the burst, not the rate.
 *
 * A 429 does not stop the tenant for its Retry-After: a token bucket answers "Retry-After: 1"
 * (whole seconds, rounded up) when its next token is 1/R away, and stopping every caller for it
 * would waste up to a second of R each time. The rejected call waits what the server told it
 * (client.ts); the tenant slows down. Only a wait longer than one pacing interval at the floor
 * rate says even the slowest pacing would be refused; then everyone holds for it, but only if
 * the call will wait for it too (the client passes the wait its retry decision took, nothing
 * when the call gives up), so the tenant never stalls for a pause nobody waits for. A 429 with
 * no Retry-After holds everyone for `pauseMs`.
 *
 * Waiting is FIFO and bounded: a caller waits at most for the current hold (at most
 * `maxPauseMs`) plus one pacing interval (at most 1/rateFloorPerS s) per caller ahead of it,
 * and the queue only holds the tenant's concurrent callers. The limiter does not reject: the
 * client's call budget bounds a call's total time.
 */
import { DEFAULTS } from "../shared/defaults";
import type { Clock, Sleep } from "../shared/types";

export type Outcome = "ok" | "throttled" | "failed";

export interface Permit {
  /**
   * Call once when the attempt has an outcome; later calls are ignored. For a 429, `waitMs` is
   * the wait the call will honour before retrying (its Retry-After), undefined when the server
   * named none, and null when the call will not wait (it gives up).
   */
  release(outcome: Outcome, waitMs?: number | null): void;
}

export interface LimiterOptions {
  maxConcurrency: number; // requests in flight at most
  rateFloorPerS: number; // requests/s the pacing never goes below
  decrease: number; // multiplier: the rate after a throttle event, of wMax
  clock: Clock;
  sleep: Sleep;
  initialRatePerS?: number; // requests/s paced at the start (DEFAULTS.rateInitialPerS)
  initialBurst?: number; // requests sent at once at the start (DEFAULTS.rateInitialBurst)
  slowStartDoublingMs?: number; // ms of pressed time per doubling until the first 429 (DEFAULTS.rateSlowStartDoublingMs)
  cubic?: number; // per s^3: growth coefficient c, a fraction of wMax (DEFAULTS.rateCubicPerS3)
  cubicMin?: number; // per s^3: the least c, after probes past a steady rate kept finding nothing (DEFAULTS.rateCubicMinPerS3)
  windowMs?: number; // ms: shortest span a rate is measured over (DEFAULTS.rateWindowMs)
  idleMs?: number; // ms with nothing queued or in flight that ends a stretch: the server's bucket refilled (DEFAULTS.rateIdleMs)
  idleHoldMs?: number; // ms of pressed time after an idle spell before the rate probes past wMax (DEFAULTS.rateIdleHoldMs)
  pauseMs?: number; // ms everyone holds after a 429 that names no Retry-After (DEFAULTS.throttlePauseMs)
  maxPauseMs?: number; // ms, longest hold one 429 may impose on everyone (DEFAULTS.retryAfterMaxMs)
}

export interface LimiterSnapshot {
  ratePerS: number; // the pacing rate now
  wMax: number | null; // the rate of the last throttle event; null: still in slow start
  burst: number; // requests the pacing sends at once at most
  inFlight: number;
  queued: number;
  pausedUntil: number; // ms since the epoch; in the past when not holding
  throttleEvents: number; // throttle events that lowered the rate
}

/** Where the permit was granted: what its answer is judged against. */
interface Grant {
  at: number; // ms since the epoch
  seq: number; // grant sequence number
  rate: number; // requests/s the pacing was at
  fromStoredCredit: number | null; // its place in the burst sent out of credit stored over an idle spell; null: paced
}

export class AdaptiveLimiter {
  private readonly initialRate: number;
  private readonly doublingMs: number;
  private readonly cubic: number;
  private readonly cubicMin: number;
  private readonly windowMs: number;
  private readonly idleMs: number;
  private readonly idleHoldMs: number;
  private readonly pauseMs: number;
  private readonly maxPauseMs: number;
  private readonly queue: Array<(permit: Permit) => void> = [];
  private inFlight = 0;
  private pumping = false;
  private seq = 0; // grants so far
  private lastGrantAt = Number.NEGATIVE_INFINITY;
  private lastActiveAt = Number.NEGATIVE_INFINITY; // ms since the epoch of the latest grant or answer
  private pressedMs = 0; // pressed time since the last throttle event (or the start)
  private holdMs = 0; // pressed time left at wMax before probing past it, after an idle spell
  private wMax: number | null = null; // null: slow start
  private growth: number; // per s^3: c of the cubic past wMax now, between cubicMin and cubic
  private scale = 0; // the highest rate measured between two empty moments: the tenant's rate as this host has seen it
  private recentAccepted: number[] = []; // grant times of accepted requests, oldest first, the last window's
  private events = 0;
  private eventSeq = -1; // grants up to this sequence number belong to the latest throttle event
  private burst: number;
  private credit: number;
  private creditAt: number | null = null; // ms since the epoch when `credit` was last brought up to date; null: before the first grant
  private storedBurst = 0; // grants left that are sent out of the credit stored over an idle spell
  private storedSent = 0; // grants sent so far out of that stored credit
  private pausedUntil = 0;
  // The server's bucket was last seen empty at `emptyAt` (a rejected grant); accepted grants
  // since then measure R at the next throttle event. null: unknown (start, or an idle spell).
  private emptyAt: number | null = null;
  private acceptedSinceEmpty = 0;
  // A stretch starts from a full server bucket (the start, or after an idle spell); a throttle
  // event in it tells the burst: what was accepted less R x its length.
  private stretchFrom: number | null = null;
  private activeSince = 0; // ms since the epoch the current stretch began (first grant, or after an idle spell)
  private acceptedInStretch = 0;
  private fullStretch: { accepted: number; ms: number } | null = null; // the last such stretch, until R is measured

  constructor(private readonly opts: LimiterOptions) {
    this.initialRate = opts.initialRatePerS ?? DEFAULTS.rateInitialPerS;
    this.doublingMs = opts.slowStartDoublingMs ?? DEFAULTS.rateSlowStartDoublingMs;
    this.cubic = opts.cubic ?? DEFAULTS.rateCubicPerS3;
    this.cubicMin = Math.min(this.cubic, opts.cubicMin ?? DEFAULTS.rateCubicMinPerS3);
    this.growth = this.cubic;
    this.windowMs = opts.windowMs ?? DEFAULTS.rateWindowMs;
    this.idleMs = opts.idleMs ?? DEFAULTS.rateIdleMs;
    this.idleHoldMs = opts.idleHoldMs ?? DEFAULTS.rateIdleHoldMs;
    this.pauseMs = opts.pauseMs ?? DEFAULTS.throttlePauseMs;
    this.maxPauseMs = opts.maxPauseMs ?? DEFAULTS.retryAfterMaxMs;
    this.burst = Math.max(1, opts.initialBurst ?? DEFAULTS.rateInitialBurst);
    this.credit = this.burst;
  }

  /** Resolves when a concurrency slot, the pacing credit and any shared hold allow one request. */
  acquire(): Promise<Permit> {
    const now = this.opts.clock.now();
    if (this.queue.length === 0 && this.inFlight === 0 && this.seq > 0) {
      const idleMs = now - this.lastActiveAt;
      // Nothing queued, nothing in flight for a while: the tenant was idle, not slowly paced.
      if (idleMs >= this.idleMs) this.idleRestart(now);
      // A shorter gap in demand (the engine between two steps) still let the server's bucket
      // refill unseen and overflow: what it accepted from the last empty moment on, or over the
      // last half window, is no longer a measure of R (counted over the gap, it once halved the
      // estimate). Measure from after it.
      else if (idleMs > 2000 / this.rate()) {
        this.emptyAt = null;
        this.activeSince = now;
      }
    }
    return new Promise((resolve) => {
      this.queue.push(resolve);
      void this.pump();
    });
  }

  snapshot(): LimiterSnapshot {
    return {
      ratePerS: this.rate(),
      wMax: this.wMax,
      burst: this.burst,
      inFlight: this.inFlight,
      queued: this.queue.length,
      pausedUntil: this.pausedUntil,
      throttleEvents: this.events,
    };
  }

  /** K: seconds of pressed time from a throttle event back to wMax, growing at `c`. */
  private regainS(c: number): number {
    return Math.cbrt((1 - this.opts.decrease) / c);
  }

  /** K in ms at the growth in force now: where the cubic is back at wMax. */
  private regainMsNow(): number {
    return 1000 * this.regainS(this.growthNow());
  }

  /**
   * Below the highest rate measured (a neighbour took a share) growth is always fast: that
   * capacity was there before and may be again. At it, probes that kept finding nothing slow.
   */
  private growthNow(): number {
    return this.wMax !== null && this.wMax < 0.8 * this.scale ? this.cubic : this.growth;
  }

  /** The pacing rate after `pressedMs` of pressed time since the last throttle event. */
  private rate(): number {
    const t = this.pressedMs / 1000;
    if (this.wMax === null) return this.initialRate * 2 ** (this.pressedMs / this.doublingMs);
    // Growth relative to wMax: a host squeezed to a small share by a neighbour multiplies its rate
    // as fast as one with a large share, so the share freed when the neighbour stops is found
    // within seconds whatever wMax it fell to (x20 takes K + cbrt(19 / c) s).
    const c = this.growthNow();
    const k = this.regainS(c);
    return Math.max(this.opts.rateFloorPerS, this.wMax * (1 + c * (t - k) ** 3));
  }

  // One pump at a time hands out permits in arrival order, so no caller can overtake another.
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && this.inFlight < this.opts.maxConcurrency) {
        const now = this.opts.clock.now();
        const waitMs = this.waitBeforeGrant(now);
        if (waitMs > 0) {
          // Re-evaluate after waking: a 429 may have started a hold or lowered the rate meanwhile.
          await this.opts.sleep(waitMs);
          continue;
        }
        const resolve = this.queue.shift() as (permit: Permit) => void;
        const grant: Grant = { at: now, seq: this.seq++, rate: this.rate(), fromStoredCredit: this.storedBurst > 0 ? this.storedSent++ : null };
        if (this.storedBurst > 0) this.storedBurst--;
        // Pressed time: the time since the previous grant, at most one pacing interval, so a burst
        // out of stored credit, or an idle spell, does not count as time spent at the rate.
        this.press(Math.min(now - this.lastGrantAt, 1000 / this.rate()));
        this.lastGrantAt = now;
        this.lastActiveAt = now;
        this.inFlight++;
        resolve(this.permit(grant));
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Pressed time passes; during an idle hold it passes at wMax, the cubic's plateau, not past it. */
  private press(ms: number): void {
    if (this.holdMs > 0 && this.wMax !== null && this.pressedMs >= this.regainMsNow()) {
      this.holdMs = Math.max(0, this.holdMs - ms);
      return;
    }
    this.pressedMs += ms;
  }

  /** 0 when one request may go now (its credit is then spent), else the ms to wait first. */
  private waitBeforeGrant(now: number): number {
    if (now < this.pausedUntil) return this.pausedUntil - now;
    if (this.creditAt === null) {
      // The first request of this limiter's life: the server's bucket is taken as full.
      this.stretchFrom = now;
      this.activeSince = now;
      this.creditAt = now;
    }
    const rate = this.rate();
    this.credit = Math.min(this.burst, this.credit + (rate * Math.max(0, now - this.creditAt)) / 1000);
    this.creditAt = now;
    // The epsilon absorbs float residue, so a wait computed to end exactly on the credit does not repeat.
    if (this.credit >= 1 - 1e-9) {
      this.credit -= 1;
      return 0;
    }
    return Math.max(1e-3, ((1 - this.credit) * 1000) / rate);
  }

  /**
   * After `idleMs` with nothing queued or in flight the server's bucket has refilled (as far as
   * it goes meanwhile): a new stretch from a full bucket. The last empty moment says nothing.
   */
  private idleRestart(now: number): void {
    this.stretchFrom = now;
    this.activeSince = now;
    this.acceptedInStretch = 0;
    this.emptyAt = null;
    this.acceptedSinceEmpty = 0;
    const refilled = Math.min(this.burst, this.credit + (this.rate() * (now - (this.creditAt ?? now))) / 1000);
    // Beyond one request, what goes at once is stored credit, not pacing.
    this.storedBurst = Math.max(0, Math.floor(refilled) - 1);
    this.storedSent = 0;
    // A probe interrupted by the idle spell starts again from wMax: what lay past it is unknown.
    if (this.wMax !== null) this.pressedMs = Math.min(this.pressedMs, this.regainMsNow());
    // New work (the next Pulumi phase, the next wave of a program) after wMax was just measured:
    // a probe early in it buys a 429 whose whole-second Retry-After ends a short phase a second
    // late. Pace at wMax for idleHoldMs first: work shorter than that never probes, longer work
    // pays at most one second on at least idleHoldMs. A 429 ends the hold (throttleEvent).
    this.holdMs = this.idleHoldMs;
  }

  private permit(grant: Grant): Permit {
    let released = false;
    return {
      release: (outcome, waitMs) => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.lastActiveAt = this.opts.clock.now();
        this.settle(outcome, grant, waitMs);
        void this.pump();
      },
    };
  }

  private settle(outcome: Outcome, grant: Grant, waitMs: number | null | undefined): void {
    // A 5xx or a dropped connection says nothing about the rate; the retry backoff handles it.
    if (outcome === "failed") return;
    if (outcome === "ok") {
      if (this.emptyAt !== null && grant.at > this.emptyAt) this.acceptedSinceEmpty++;
      if (this.stretchFrom !== null && grant.at >= this.stretchFrom) this.acceptedInStretch++;
      this.recentAccepted.push(grant.at);
      // Answers come back roughly in grant order, so trimming the front keeps the list short.
      while (this.recentAccepted.length > 0 && this.recentAccepted[0] < grant.at - this.windowMs) this.recentAccepted.shift();
      return;
    }
    const now = this.opts.clock.now();
    this.hold(now, waitMs);
    // Sent before the latest throttle event lowered the rate: the same event, already answered.
    if (grant.seq <= this.eventSeq) return;
    if (grant.fromStoredCredit !== null) {
      // The burst stored over the idle spell was larger than the server's: send at once next
      // time only what went before this one (plus the one paced grant); the rate was not at fault.
      this.burst = Math.max(1, Math.min(this.burst - 1, grant.fromStoredCredit + 1));
      this.storedBurst = 0;
      this.eventSeq = this.seq - 1;
      this.credit = 0;
      this.creditAt = now;
      return;
    }
    this.throttleEvent(now, grant);
  }

  /** Everyone holds for a wait the call honours that is longer than a pacing interval at the floor. */
  private hold(now: number, waitMs: number | null | undefined): void {
    if (waitMs === null) return;
    const ms = waitMs === undefined ? this.pauseMs : waitMs > 1000 / this.opts.rateFloorPerS ? waitMs : 0;
    if (ms > 0) this.pausedUntil = Math.max(this.pausedUntil, now + Math.min(this.maxPauseMs, ms));
  }

  private throttleEvent(now: number, grant: Grant): void {
    const sentAt = grant.rate;
    // Between two empty moments the server accepted R x the span, less what overflowed its
    // bucket: a lower bound on R (on our share of it, with neighbours). Too short a span is noise.
    const spanMs = this.emptyAt === null ? 0 : grant.at - this.emptyAt;
    // (One of them may be the token refilled just before the empty moment.)
    const lower = spanMs >= this.windowMs / 2 ? (Math.max(0, this.acceptedSinceEmpty - 1) * 1000) / spanMs : 0;
    // Over the last half window the server accepted R x its length plus what its bucket held at
    // the start: an upper bound, close when the bucket is small or was empty already.
    const recentMs = Math.min(this.windowMs / 2, grant.at - this.activeSince);
    // Under a tenth of a window since the stretch began says nothing (the bucket was full then).
    const recent = recentMs < this.windowMs / 10 ? Number.POSITIVE_INFINITY : (this.recentAccepted.filter((at) => at > grant.at - recentMs && at <= grant.at).length * 1000) / recentMs;
    // In slow start the rate doubled since the bucket ran dry, so half of it is the bound.
    // With nothing accepted yet (a neighbour had emptied the bucket) the server said nothing
    // about its rate: halve the slow start's, as for any other 429 in slow start.
    const upper = this.wMax === null ? (recent === 0 ? sentAt / 2 : Math.min(sentAt / 2, recent)) : Math.min(sentAt, Math.max(recent, this.opts.rateFloorPerS));
    // A probe past the last event's rate that met a 429 found nothing more than the span since
    // that event shows; taking the probe's own rate would buy a train of 429s while it comes
    // down from an overshoot as large as the server's burst allowed.
    const probe = this.wMax !== null && sentAt > this.wMax;
    // Right after another event (a train of 429s: the last cut was not enough) the bucket has
    // been empty all along, so what it accepted since is R over that short span, give or take one.
    const train = this.wMax !== null && spanMs > 0 && spanMs < this.windowMs / 2;
    const sinceLast = train ? ((this.acceptedSinceEmpty + 1) * 1000) / spanMs : Number.POSITIVE_INFINITY;
    // More than the last event's rate by over 2% and two requests' worth of the span: less is
    // the measurement's own resolution, and taking it for "more" kept probes fast for ever.
    const foundMore = probe && spanMs > 0 && lower > (this.wMax as number) * 1.02 + 2000 / spanMs;
    // A probe that found more (a neighbour left, or slow start stopped short) was sent past R
    // into a bucket already empty: the last half window's count, less what the bucket held at
    // its start (at most the burst), is R. `lower` lags behind: it averages the ramp up to it.
    const found = foundMore && Number.isFinite(recent) ? Math.max(lower, Math.min(sentAt, recent - (2 * this.burst * 1000) / this.windowMs)) : lower;
    const estimate = probe ? (lower > 0 ? found : Math.min(this.wMax as number, upper)) : Math.max(lower, Math.min(upper, sinceLast));
    const wMax = Math.max(this.opts.rateFloorPerS, estimate);
    // Each probe that found no more than the last halves the next one's growth: a steady server
    // then costs a 429 every 5-6 s, not every second. Finding more restores it.
    if (foundMore) this.growth = this.cubic;
    else if (probe) this.growth = Math.max(this.cubicMin, this.growth / 2);
    if (this.stretchFrom !== null) {
      // From a full bucket to empty: the server accepted B + R x the stretch (less overflow).
      // R is known well only once measured between two empty moments, so this may wait for it.
      this.fullStretch = { accepted: this.acceptedInStretch, ms: grant.at - this.stretchFrom };
      this.stretchFrom = null;
    }
    if (this.fullStretch !== null && (lower > 0 || this.wMax === null)) {
      const fromFull = this.fullStretch.accepted - ((lower > 0 ? lower : wMax) * this.fullStretch.ms) / 1000;
      this.burst = Math.max(1, Math.floor(fromFull));
      if (lower > 0) this.fullStretch = null;
    }
    this.wMax = wMax;
    // Only a measured rate counts as seen: the slow start's guess can be far above R.
    if (lower > 0) this.scale = Math.max(this.scale, lower);
    this.pressedMs = 0;
    this.holdMs = 0;
    this.events++;
    this.eventSeq = this.seq - 1;
    this.emptyAt = grant.at;
    this.acceptedSinceEmpty = 0;
    // The server's bucket is empty now: so is the pacing credit.
    this.credit = 0;
    this.creditAt = now;
  }
}
