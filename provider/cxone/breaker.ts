/**
 * A per-tenant circuit breaker. After `threshold` calls in a row ended in a transient failure
 * (each after its own retries), further calls fail fast for `cooldownMs` instead of adding
 * load to a tenant that is down; then one trial call goes through, and its result closes
 * or re-opens the breaker. The client decides what counts as a failure.
 */
import { CircuitOpenError } from "../shared/errors";
import { formatMs } from "./retry";
import type { Clock } from "../shared/types";

export interface BreakerOptions {
  threshold: number; // consecutive failed calls that open the breaker
  cooldownMs: number; // ms the open breaker fails fast before one trial call
  clock: Clock;
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private trialInFlight = false;

  constructor(private readonly opts: BreakerOptions) {}

  /** Throws CircuitOpenError unless the call may go out; after the cooldown, lets exactly one trial through. */
  check(what: string): void {
    if (this.openedAt === null) return;
    const trialAt = this.openedAt + this.opts.cooldownMs;
    const now = this.opts.clock.now();
    if (now >= trialAt && !this.trialInFlight) {
      this.trialInFlight = true;
      return;
    }
    const when = this.trialInFlight
      ? "a trial call is under way; the next calls go out once it succeeds"
      : `the next trial call is allowed at ${new Date(trialAt).toISOString()} (in ${formatMs(trialAt - now)})`;
    throw new CircuitOpenError(
      `${what} was not sent: this tenant's CXone API failed ${this.failures} calls in a row with transient errors ` +
        `(429, 5xx, timeouts or dropped connections), so calls fail fast; ${when}. ` +
        "Check the CXone status page and the network path to cxone:baseUrl, then run `pulumi up` again.",
    );
  }

  recordSuccess(): void {
    // Any answered call, the trial or one that was in flight before the breaker opened,
    // shows the tenant is reachable again.
    this.failures = 0;
    this.openedAt = null;
    this.trialInFlight = false;
  }

  recordFailure(): void {
    this.failures++;
    if (this.trialInFlight) {
      // The trial failed (or a call older than it did: without a ticket they look alike, and
      // erring towards a longer pause is the safe side): a full cooldown before the next trial.
      this.trialInFlight = false;
      this.openedAt = this.opts.clock.now();
    } else if (this.openedAt === null && this.failures >= this.opts.threshold) {
      this.openedAt = this.opts.clock.now();
    }
  }

  state(): "closed" | "open" | "half-open" {
    if (this.openedAt === null) return "closed";
    if (this.trialInFlight || this.opts.clock.now() >= this.openedAt + this.opts.cooldownMs) return "half-open";
    return "open";
  }
}
