/**
 * A per-tenant adaptive limiter, shared by every call to one tenant in one process.
 *
 * It starts unpaced, so the first burst goes out as fast as the server's burst allows. A 429
 * starts an "episode": every caller pauses until its Retry-After time (all 429s of requests
 * sent before the episode began belong to it and only extend the pause). When the pause ends,
 * the limiter judges the episode with what came back meanwhile:
 *
 * - Most requests sent together with the first rejected one were accepted: the server was not
 *   out of capacity (an injected fault, a hiccup), so the pacing stays as it was.
 * - Otherwise it was a throttle. Unpaced, the limiter learns a rate from what the server
 *   accepted since the busy period began (nothing accepted: no rate to learn, pause only);
 *   paced, it multiplies its rate by `decrease`.
 *
 * Pacing works like a token bucket of one window's worth at the rate that also refills during
 * a pause, so what the server refilled while everyone waited is spent at once afterwards.
 * Between episodes the rate regains `increasePerS` of itself per second; once it has doubled
 * the best rate ever learned, the learned rate was evidently too low, so pacing stops and the
 * next throttle learns afresh. The rate never goes below `rateFloorPerS`.
 *
 * Waiting is FIFO and bounded: a caller waits at most for the current pause (at most
 * `maxPauseMs`) plus one pacing interval (at most 1/rateFloorPerS s) per caller ahead of it,
 * and the queue only holds the tenant's concurrent callers. The limiter does not reject:
 * the client's call budget bounds a call's total time, and it checks that budget between
 * attempts, so a long wait here ends that call with a TransientError at its next decision.
 */
import { DEFAULTS } from "./defaults";
import type { Clock, Sleep } from "./types";

export interface Permit {
  /** Call once when the attempt has an outcome; later calls are ignored. */
  release(outcome: "ok" | "throttled" | "failed", retryAfterMs?: number): void;
}

export interface LimiterOptions {
  maxConcurrency: number; // requests in flight at most
  rateFloorPerS: number; // requests/s the pacing never goes below
  decrease: number; // multiplier applied to the rate on each further throttle episode
  increasePerS: number; // fraction of the rate regained per second without a 429
  clock: Clock;
  sleep: Sleep;
  windowMs?: number; // ms: the pacing bucket holds one window at the rate; an idle window ends a busy period (DEFAULTS.rateWindowMs)
  pauseMs?: number; // ms everyone pauses after a 429 without Retry-After (DEFAULTS.throttlePauseMs)
  maxPauseMs?: number; // ms, longest pause one 429 may impose on everyone (DEFAULTS.retryAfterMaxMs)
}

export interface LimiterSnapshot {
  ratePerS: number | null; // null: unpaced
  inFlight: number;
  queued: number;
  pausedUntil: number; // ms since the epoch; in the past when not paused
  throttledEpisodes: number; // episodes judged to be throttling
}

/** One 429 episode, judged when its pause ends. */
interface Episode {
  startedAt: number; // ms since the epoch: the first 429 came back
  firstRejectedGrant: number; // when the first rejected request was sent
  rejected: number; // 429s of requests sent before startedAt
  acceptedAlongside: number; // accepted requests sent from firstRejectedGrant to startedAt, answered before or after it
  accepted: number; // accepted requests of the busy period, sent before startedAt
  spanMs: number; // one window plus the busy time up to startedAt
  busySince: number;
  rateAtStart: number | null; // the pacing rate when it began
}

export class AdaptiveLimiter {
  private readonly windowMs: number;
  private readonly pauseMs: number;
  private readonly maxPauseMs: number;
  private readonly queue: Array<(permit: Permit) => void> = [];
  private inFlight = 0;
  private pumping = false;
  private lastGrantAt = Number.NEGATIVE_INFINITY;
  private busySince = 0; // ms since the epoch: the first grant after the last idle window
  private busyAccepted = 0; // requests granted since busySince that the server accepted
  private recentAccepted: number[] = []; // grant times of accepted requests, about oldest first, trimmed to two windows
  private credit = 0; // requests the pacing may send at once
  private creditAt = 0; // ms since the epoch when `credit` was last brought up to date
  private pausedUntil = 0;
  private episode: Episode | null = null; // the latest episode, kept to tell its late answers apart
  private judged = true; // the latest episode has been judged
  private episodes = 0;
  private baseRate: number | null = null; // the rate set by the last throttle, before any regain
  private bestLearned = 0;

  constructor(private readonly opts: LimiterOptions) {
    this.windowMs = opts.windowMs ?? DEFAULTS.rateWindowMs;
    this.pauseMs = opts.pauseMs ?? DEFAULTS.throttlePauseMs;
    this.maxPauseMs = opts.maxPauseMs ?? DEFAULTS.retryAfterMaxMs;
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
      inFlight: this.inFlight,
      queued: this.queue.length,
      pausedUntil: this.pausedUntil,
      throttledEpisodes: this.episodes,
    };
  }

  /**
   * The pacing rate at `now`, regained since the last pause ended; null when unpaced.
   * Drops pacing (a state change) once the regain reaches twice the best learned rate.
   */
  private currentRate(now: number): number | null {
    if (this.baseRate === null) return null;
    const quietS = Math.max(0, now - this.pausedUntil) / 1000;
    const rate = this.baseRate * (1 + this.opts.increasePerS) ** quietS;
    if (rate >= 2 * this.bestLearned) {
      this.baseRate = null;
      return null;
    }
    return rate;
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
        // After a window without requests the server's bucket has refilled: a new busy period.
        if (now - this.lastGrantAt >= this.windowMs) {
          this.busySince = now;
          this.busyAccepted = 0;
        }
        this.lastGrantAt = now;
        this.inFlight++;
        grant(this.permit(now));
      }
    } finally {
      this.pumping = false;
    }
  }

  /** 0 when one request may go now (its credit is then spent), else the ms to wait first. */
  private waitBeforeGrant(now: number): number {
    if (now < this.pausedUntil) return this.pausedUntil - now;
    this.judgeIfDue(now);
    const rate = this.currentRate(now);
    if (rate === null) return 0;
    // At least one request of capacity, or a rate below 1/window could never send.
    const capacity = Math.max(1, (rate * this.windowMs) / 1000);
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
      if (grantedAt >= this.busySince) this.busyAccepted++;
      this.recentAccepted.push(grantedAt);
      // Answers come back roughly in grant order, so trimming the front keeps the list short.
      while (this.recentAccepted.length > 0 && this.recentAccepted[0] < now - 2 * this.windowMs) this.recentAccepted.shift();
      if (!late || episode === null) return;
      if (grantedAt >= episode.busySince) episode.accepted++;
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
    this.episode = {
      startedAt: now,
      firstRejectedGrant: grantedAt,
      rejected: 1,
      acceptedAlongside: this.recentAccepted.filter((at) => at >= grantedAt).length,
      accepted: this.busyAccepted,
      spanMs: this.windowMs + (now - this.busySince),
      busySince: this.busySince,
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
    // An empty token bucket rejects what is sent right after the first rejected request too;
    // if most of that was accepted, the server still had capacity.
    if (episode.acceptedAlongside > episode.rejected) return;
    this.episodes++;
    if (episode.rateAtStart === null) {
      // Nothing accepted since the busy period began tells nothing about the rate (the bucket
      // was empty before we came, or the very first request met a fault): pause only.
      if (episode.accepted === 0) return;
      this.learn(episode);
    } else {
      this.baseRate = Math.max(this.opts.rateFloorPerS, episode.rateAtStart * this.opts.decrease);
    }
  }

  /**
   * Since the busy period began the server accepted its burst B plus its rate R over the busy
   * time T. Taking B as one window of R (the usual token-bucket setting, and the emulator's),
   * R = accepted / (window + T). Counting the burst as rate instead would "learn" many times
   * the real refill rate when the burst went out in a few ms.
   */
  private learn(episode: Episode): void {
    const learned = Math.max(this.opts.rateFloorPerS, (episode.accepted * 1000) / episode.spanMs);
    this.bestLearned = Math.max(this.bestLearned, learned);
    this.baseRate = learned;
  }
}
