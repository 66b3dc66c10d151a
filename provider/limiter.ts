/**
 * A per-tenant adaptive limiter, shared by every call to one tenant in one process.
 *
 * It starts unpaced, so the first burst goes out as fast as the server's burst allows. The
 * first 429 starts an "episode": every caller pauses until the Retry-After time, and the
 * limiter learns a rate from how many requests the server accepted since the current busy
 * period began (those still in flight count when they come back accepted, see settle());
 * afterwards it paces
 * grants at that rate, like a token bucket of one window's worth that refills during a pause.
 * All 429s of requests sent before the episode began belong to it: one cut per episode. A later episode multiplies the rate by `decrease`. Between
 * episodes the rate regains `increasePerS` of itself per second; once it has doubled the
 * best rate ever learned, the learned rate was evidently too low (a 429 that met little
 * traffic, an injected fault), so pacing stops and the next 429 learns afresh.
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
  decrease: number; // multiplier applied to the rate on each further 429 episode
  increasePerS: number; // fraction of the rate regained per second without a 429
  clock: Clock;
  sleep: Sleep;
  windowMs?: number; // ms of accepted requests counted to learn the first rate (DEFAULTS.rateWindowMs)
  pauseMs?: number; // ms everyone pauses after a 429 without Retry-After (DEFAULTS.throttlePauseMs)
  maxPauseMs?: number; // ms, longest pause one 429 may impose on everyone (DEFAULTS.retryAfterMaxMs)
}

export interface LimiterSnapshot {
  ratePerS: number | null; // null: unpaced
  inFlight: number;
  queued: number;
  pausedUntil: number; // ms since the epoch; in the past when not paused
  throttledEpisodes: number;
}

export class AdaptiveLimiter {
  private readonly windowMs: number;
  private readonly pauseMs: number;
  private readonly maxPauseMs: number;
  private readonly queue: Array<(permit: Permit) => void> = [];
  private lastGrantAt = Number.NEGATIVE_INFINITY;
  private busySince = 0; // ms since the epoch: the first grant after the last idle gap of a window or more
  private busyAccepted = 0; // requests granted since busySince that the server accepted
  private learnedSpanMs = 0; // window + busy time the rate of the current episode was learned over
  private inFlight = 0;
  private pumping = false;
  private credit = 0; // requests the pacing may send at once
  private creditAt = 0; // ms since the epoch when `credit` was last brought up to date
  private pausedUntil = 0;
  private episodeStartedAt = Number.NEGATIVE_INFINITY;
  private episodes = 0;
  private baseRate: number | null = null; // the rate set by the last episode, before any regain
  private bestLearned = 0;
  private learnedCount: number | null = null; // accepted requests behind the rate this episode learned; null once an episode only decreased

  constructor(private readonly opts: LimiterOptions) {
    this.windowMs = opts.windowMs ?? DEFAULTS.rateWindowMs;
    this.pauseMs = opts.pauseMs ?? DEFAULTS.throttlePauseMs;
    this.maxPauseMs = opts.maxPauseMs ?? DEFAULTS.retryAfterMaxMs;
  }

  /** Resolves when a concurrency slot, the pacing interval and any shared pause allow one request. */
  acquire(): Promise<Permit> {
    return new Promise((resolve) => {
      this.queue.push(resolve);
      void this.pump();
    });
  }

  snapshot(): LimiterSnapshot {
    return {
      ratePerS: this.currentRate(this.opts.clock.now()),
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
    const rate = this.currentRate(now);
    if (rate === null) return 0;
    // Pacing mirrors the server's token bucket: credit refills at the rate, up to one window's
    // worth (and never less than one request, or a rate below 1/window could never send),
    // also during a pause, so what the server refilled while everyone waited is spent at once
    // afterwards instead of being wasted at an even pace.
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
    if (outcome === "ok") {
      if (grantedAt >= this.busySince) this.busyAccepted++;
      // Sent before the first 429 but answered after it: the server accepted it in the span
      // the rate was learned over, so it counts towards that rate.
      if (this.learnedCount !== null && this.baseRate !== null && grantedAt <= this.episodeStartedAt && grantedAt >= this.busySince) {
        this.learnedCount++;
        this.learn();
      }
      return;
    }
    // A 5xx or a dropped connection says nothing about the rate; the retry backoff handles it.
    if (outcome === "failed") return;
    const rate = this.currentRate(now);
    const pause = Math.min(this.maxPauseMs, retryAfterMs ?? this.pauseMs);
    this.pausedUntil = Math.max(this.pausedUntil, now + pause);
    // Sent before the first 429 of this episode came back: it could not have known, so it
    // extends the pause but must not cut the rate again.
    if (grantedAt <= this.episodeStartedAt) return;
    this.episodeStartedAt = now;
    this.episodes++;
    if (rate === null) {
      // Since the busy period began the server accepted its burst B plus its rate R over the
      // busy time T. Taking B as one window of R (the usual token-bucket setting, and the
      // emulator's), R = accepted / (window + T). Counting the burst as rate instead would
      // "learn" many times the real refill rate when the burst went out in a few ms.
      this.learnedCount = this.busyAccepted;
      this.learnedSpanMs = this.windowMs + (now - this.busySince);
      this.learn();
    } else {
      this.baseRate = Math.max(this.opts.rateFloorPerS, rate * this.opts.decrease);
      this.learnedCount = null;
    }
    // The server's bucket is empty now; ours starts empty too and refills during the pause.
    this.credit = 0;
    this.creditAt = now;
  }

  private learn(): void {
    const learned = Math.max(this.opts.rateFloorPerS, ((this.learnedCount as number) * 1000) / this.learnedSpanMs);
    this.bestLearned = Math.max(this.bestLearned, learned);
    this.baseRate = learned;
  }
}
