/**
 * A per-tenant adaptive limiter, shared by every call to one tenant in one process.
 *
 * The server is taken to be a token bucket: a burst B it accepts at once, refilled at a rate R.
 * A 429 means the bucket was empty when the rejected request arrived.
 *
 * It starts unpaced, so the first burst goes out as fast as the server's burst allows. A 429
 * starts an "episode": every caller pauses until its Retry-After time (all 429s of requests
 * sent before the episode began belong to it and only extend the pause). When the pause ends,
 * the limiter judges the episode with what came back meanwhile:
 *
 * - Most requests sent together with the first rejected one were accepted: the server was not
 *   out of capacity (an injected fault, a hiccup), so the pacing stays as it was.
 * - Otherwise it was a throttle. The first one (unpaced) can only tell B + R x busy time, so it
 *   guesses R as if B were one window of R, takes what was accepted less that refill as B,
 *   and lets the guess grow by `probeIncreasePerS` a second until a 429 while paced.
 * - A 429 while paced measures R: since the stretch began (the pause ended) the server
 *   accepted what it refilled during the pause, at most B, plus R per second of the stretch.
 *   That rate is then held, not grown: growing past it would only buy another episode, and
 *   each episode pauses everyone for at least a whole second of Retry-After.
 *
 * Pacing works like a token bucket that holds at most the server's burst and refills at the
 * rate, also during a pause, so what the server refilled while everyone waited is spent at once
 * afterwards but never more than the server was seen to accept at once. The rate never goes
 * below `rateFloorPerS`.
 *
 * Waiting is FIFO and bounded: a caller waits at most for the current pause (at most
 * `maxPauseMs`) plus one pacing interval (at most 1/rateFloorPerS s) per caller ahead of it,
 * and the queue only holds the tenant's concurrent callers. The limiter does not reject:
 * the client's call budget bounds a call's total time, and it checks that budget between
 * attempts, so a long wait here ends that call with a TransientError at its next decision.
 */
import { DEFAULTS } from "../shared/defaults";
import type { Clock, Sleep } from "../shared/types";

export interface Permit {
  /** Call once when the attempt has an outcome; later calls are ignored. */
  release(outcome: "ok" | "throttled" | "failed", retryAfterMs?: number): void;
}

export interface LimiterOptions {
  maxConcurrency: number; // requests in flight at most
  rateFloorPerS: number; // requests/s the pacing never goes below
  decrease: number; // multiplier: a measured rate is lowered by at most this much per episode
  increasePerS: number; // fraction of a lowered rate regained per second without a 429, up to the measured rate
  clock: Clock;
  sleep: Sleep;
  probeIncreasePerS?: number; // fraction per second a guessed rate grows until a paced 429 measures it (DEFAULTS.rateProbeIncreasePerS)
  windowMs?: number; // ms: the first 429 guesses the burst as one window of the rate; an idle window ends a busy period (DEFAULTS.rateWindowMs)
  pauseMs?: number; // ms everyone pauses after a 429 without Retry-After (DEFAULTS.throttlePauseMs)
  maxPauseMs?: number; // ms, longest pause one 429 may impose on everyone (DEFAULTS.retryAfterMaxMs)
}

export interface LimiterSnapshot {
  ratePerS: number | null; // null: unpaced
  burst: number | null; // requests the pacing sends at once at most (the server's burst as seen); null before the first throttle
  measured: boolean; // the rate was measured by a 429 while paced, not guessed
  inFlight: number;
  queued: number;
  pausedUntil: number; // ms since the epoch; in the past when not paused
  throttledEpisodes: number; // episodes judged to be throttling
}

/** One 429 episode, judged when its pause ends. */
interface Episode {
  startedAt: number; // ms since the epoch: the first 429 came back
  firstRejectedGrant: number; // when the first rejected request was sent: the server's bucket was empty then
  rejected: number; // 429s of requests sent before startedAt
  acceptedAlongside: number; // accepted requests sent from firstRejectedGrant to startedAt, answered before or after it
  accepted: number; // accepted requests of the stretch, sent up to firstRejectedGrant
  stretchSince: number; // when the stretch began
  rateAtStart: number | null; // the pacing rate when it began
}

export class AdaptiveLimiter {
  private readonly windowMs: number;
  private readonly pauseMs: number;
  private readonly maxPauseMs: number;
  private readonly probeIncreasePerS: number;
  private readonly queue: Array<(permit: Permit) => void> = [];
  private inFlight = 0;
  private pumping = false;
  private lastGrantAt = Number.NEGATIVE_INFINITY;
  // A stretch begins when a pause ends or after an idle window; what the server accepted over
  // it is what a 429 while paced measures the rate by.
  private stretchSince = 0; // ms since the epoch
  private stretchAccepted = 0; // requests granted since stretchSince that the server accepted
  private lastEmptyAt: number | null = null; // ms since the epoch the server's bucket was last seen empty (a throttle); null: never
  private recentAccepted: number[] = []; // grant times of accepted requests, about oldest first, trimmed to two windows
  private credit = 0; // requests the pacing may send at once
  private creditAt = 0; // ms since the epoch when `credit` was last brought up to date
  private pausedUntil = 0;
  private episode: Episode | null = null; // the latest episode, kept to tell its late answers apart
  private judged = true; // the latest episode has been judged
  private episodes = 0;
  private baseRate: number | null = null; // the rate when the last pause ended, before any growth
  private ceiling = Number.POSITIVE_INFINITY; // the measured rate growth stops at; unbounded while guessed
  private measured = false;
  private burst: number | null = null; // the server's burst as seen at the first throttle

  constructor(private readonly opts: LimiterOptions) {
    this.windowMs = opts.windowMs ?? DEFAULTS.rateWindowMs;
    this.pauseMs = opts.pauseMs ?? DEFAULTS.throttlePauseMs;
    this.maxPauseMs = opts.maxPauseMs ?? DEFAULTS.retryAfterMaxMs;
    this.probeIncreasePerS = opts.probeIncreasePerS ?? DEFAULTS.rateProbeIncreasePerS;
  }

  /** Resolves when a concurrency slot, the pacing credit and any shared pause allow one request. */
  acquire(): Promise<Permit> {
    return new Promise((resolve) => {
      this.queue.push(resolve);
      void this.pump();
    });
  }

  snapshot(): LimiterSnapshot {
    const now = this.opts.clock.now();
    this.judgeIfDue(now);
    return {
      ratePerS: this.currentRate(now),
      burst: this.burst,
      measured: this.measured,
      inFlight: this.inFlight,
      queued: this.queue.length,
      pausedUntil: this.pausedUntil,
      throttledEpisodes: this.episodes,
    };
  }

  /** The pacing rate at `now`, grown since the last pause ended; null when unpaced. */
  private currentRate(now: number): number | null {
    if (this.baseRate === null) return null;
    const quietS = Math.max(0, now - this.pausedUntil) / 1000;
    // Fast while guessed; once measured, only a regain up to the measure.
    const growth = this.measured ? this.opts.increasePerS : this.probeIncreasePerS;
    return Math.min(this.ceiling, this.baseRate * (1 + growth) ** quietS);
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
          // Re-evaluate after waking: a 429 may have extended the pause or lowered the rate meanwhile.
          await this.opts.sleep(waitMs);
          continue;
        }
        const grant = this.queue.shift() as (permit: Permit) => void;
        // After a window without requests the server's bucket has refilled: a new stretch.
        if (now - this.lastGrantAt >= this.windowMs) this.beginStretch(now);
        this.lastGrantAt = now;
        this.inFlight++;
        grant(this.permit(now));
      }
    } finally {
      this.pumping = false;
    }
  }

  private beginStretch(at: number): void {
    this.stretchSince = at;
    this.stretchAccepted = 0;
  }

  /** 0 when one request may go now (its credit is then spent), else the ms to wait first. */
  private waitBeforeGrant(now: number): number {
    if (now < this.pausedUntil) return this.pausedUntil - now;
    this.judgeIfDue(now);
    const rate = this.currentRate(now);
    if (rate === null) return 0;
    // Never more at once than the server was seen to accept at once, and at least one request,
    // or a rate below 1/window could never send.
    const capacity = Math.max(1, this.burst ?? (rate * this.windowMs) / 1000);
    this.credit = Math.min(capacity, this.credit + (rate * (now - this.creditAt)) / 1000);
    this.creditAt = now;
    // The epsilon absorbs float residue, so a wait computed to end exactly on the credit does not repeat.
    if (this.credit >= 1 - 1e-9) {
      this.credit -= 1;
      return 0;
    }
    return Math.max(1e-3, ((1 - this.credit) * 1000) / rate);
  }

  private permit(grantedAt: number): Permit {
    let released = false;
    return {
      release: (outcome, retryAfterMs) => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.settle(outcome, grantedAt, retryAfterMs);
        void this.pump();
      },
    };
  }

  private settle(outcome: "ok" | "throttled" | "failed", grantedAt: number, retryAfterMs: number | undefined): void {
    const now = this.opts.clock.now();
    // A 5xx or a dropped connection says nothing about the rate; the retry backoff handles it.
    if (outcome === "failed") return;
    const episode = this.episode;
    // Sent before the latest episode began: an answer the episode is judged by, not news.
    const late = episode !== null && grantedAt <= episode.startedAt;
    if (outcome === "ok") {
      if (grantedAt >= this.stretchSince) this.stretchAccepted++;
      this.recentAccepted.push(grantedAt);
      // Answers come back roughly in grant order, so trimming the front keeps the list short.
      while (this.recentAccepted.length > 0 && this.recentAccepted[0] < now - 2 * this.windowMs) this.recentAccepted.shift();
      if (!late || episode === null) return;
      if (grantedAt >= episode.stretchSince && grantedAt <= episode.firstRejectedGrant) episode.accepted++;
      if (grantedAt >= episode.firstRejectedGrant) episode.acceptedAlongside++;
      return;
    }
    const pause = Math.min(this.maxPauseMs, retryAfterMs ?? this.pauseMs);
    if (late && episode !== null) {
      episode.rejected++;
      this.pausedUntil = Math.max(this.pausedUntil, now + pause);
      return;
    }
    // A new episode: the previous one is judged first, with what it has, so it is never lost.
    if (episode !== null && !this.judged) this.judge(episode);
    const rateAtStart = this.currentRate(now);
    this.pausedUntil = Math.max(this.pausedUntil, now + pause);
    // Accepted ones sent after the rejected one found a token the server refilled after it was empty.
    const acceptedAfter = this.recentAccepted.filter((at) => at > grantedAt && at >= this.stretchSince).length;
    this.episode = {
      startedAt: now,
      firstRejectedGrant: grantedAt,
      rejected: 1,
      acceptedAlongside: this.recentAccepted.filter((at) => at >= grantedAt).length,
      accepted: this.stretchAccepted - acceptedAfter,
      stretchSince: this.stretchSince,
      rateAtStart,
    };
    this.judged = false;
    // If this is a throttle the server's bucket is empty now; the pacing credit starts empty too.
    this.credit = 0;
    this.creditAt = now;
  }

  /** Judges the latest episode once its pause is over, when the answers sent alongside it are in. */
  private judgeIfDue(now: number): void {
    if (!this.judged && this.episode !== null && now >= this.pausedUntil) this.judge(this.episode);
  }

  private judge(episode: Episode): void {
    this.judged = true;
    // What follows the pause is measured from its end, whatever the verdict.
    this.beginStretch(this.pausedUntil);
    // An empty token bucket rejects what is sent right after the first rejected request too;
    // if most of that was accepted, the server still had capacity.
    if (episode.acceptedAlongside > episode.rejected) return;
    this.episodes++;
    const emptyBefore = this.lastEmptyAt;
    this.lastEmptyAt = episode.firstRejectedGrant;
    // Paced means a throttle was guessed before, so the burst and an empty moment are known.
    if (episode.rateAtStart === null || this.burst === null || emptyBefore === null) {
      // Nothing accepted since the busy period began tells nothing about the rate (the bucket
      // was empty before we came, or the very first request met a fault): pause only.
      if (episode.accepted === 0) return;
      this.guess(episode);
    } else {
      this.measure(episode, episode.rateAtStart, this.burst, episode.stretchSince - emptyBefore);
    }
  }

  /**
   * Unpaced, the server accepted its burst B plus its rate R over the busy time T, one figure
   * for two unknowns. Taking B as one window of R (the usual token-bucket setting, and the
   * emulator's default), R = accepted / (window + T), and B is what was accepted less R x T.
   * Counting the burst as rate instead would "learn" many times the real refill rate when the
   * burst went out in a few ms. A burst smaller than a window makes this guess low, so it grows
   * fast until a 429 while paced measures the rate.
   */
  private guess(episode: Episode): void {
    const busyMs = episode.firstRejectedGrant - episode.stretchSince;
    const rate = Math.max(this.opts.rateFloorPerS, (episode.accepted * 1000) / (this.windowMs + busyMs));
    // Whole requests, rounded down: a post-pause burst one over the server's costs a 429.
    this.burst = Math.max(1, Math.floor(episode.accepted - (rate * busyMs) / 1000));
    this.setRate(rate, Number.POSITIVE_INFINITY, false);
  }

  /**
   * Paced, the stretch began `pauseMs` after the bucket was last empty, so the server then held
   * at most min(B, R x pause), and over the stretch's T it accepted at most that plus R x T:
   * two lower bounds on R, and the larger is the measure. It is low when the bucket overflowed
   * while the pacing was under R, which costs some speed but no further 429. The rate held
   * afterwards is at most what was being sent (a 429 says that was too much) and, once measured,
   * at least `decrease` of it, so one odd 429 cannot collapse it; it regains the rest.
   */
  private measure(episode: Episode, rateAtStart: number, burst: number, pauseMs: number): void {
    const n = episode.accepted;
    const spanMs = Math.max(0, episode.firstRejectedGrant - episode.stretchSince);
    if (n > 0 && n < burst + 1 && (rateAtStart * pauseMs) / 1000 >= burst) {
      // Rejected before the burst the server should have refilled at our rate was spent (give or
      // take the one that refilled meanwhile): the burst seen at the first throttle was too large
      // (it counted some refill). One less than was accepted is sent at once; the rate stays.
      // Nothing accepted at all fits no burst: an odd 429, left to the bounded decrease below.
      this.burst = Math.max(1, Math.min(burst, n) - 1);
      this.setRate(rateAtStart, this.ceiling, this.measured);
      return;
    }
    // Both are lower bounds on R: the server held at most R x pause, and at most B (counted one
    // over, for the fraction the burst seen was rounded down by), when the stretch began.
    const rate = Math.max((n * 1000) / (pauseMs + spanMs), spanMs > 0 ? ((n - burst - 1) * 1000) / spanMs : 0);
    const lowest = this.measured ? rateAtStart * this.opts.decrease : 0;
    const held = Math.max(this.opts.rateFloorPerS, Math.min(rateAtStart, Math.max(rate, lowest)));
    // Below `lowest`, the measurement is not trusted as the new ceiling: the rate regains it.
    this.setRate(held, rate >= lowest ? held : this.ceiling, true);
  }

  private setRate(rate: number, ceiling: number, measured: boolean): void {
    this.baseRate = rate;
    this.ceiling = Math.max(rate, ceiling);
    this.measured = measured;
  }
}
