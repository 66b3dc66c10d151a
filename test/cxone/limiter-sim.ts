/**
 * The adaptive limiter in simulated time: a virtual clock, a sleep that only moves it, and the
 * emulator's own token bucket standing for a throttled tenant that one or more provider hosts
 * (each with its own limiter, as separate processes have) share. Callers work the way client.ts
 * does: acquire, send, release with the wait the retry decision takes, and on a 429 wait as
 * decideRetry says before trying again.
 */
import { DEFAULTS } from "../../provider/shared/defaults";
import { TokenBucket, mulberry32, retryAfterValue } from "../../provider/emulator/faults";
import { AdaptiveLimiter, type LimiterOptions } from "../../provider/cxone/limiter";
import { decideRetry, parseRetryAfter, retryPolicyFrom } from "../../provider/cxone/retry";
import type { Sleep } from "../../provider/shared/types";

export const START = Date.UTC(2026, 0, 1);

/** Discrete-event time: `sleep` registers a timer; `run` fires timers in time order until `done` settles. */
export class SimTime {
  now = START;
  private seq = 0;
  private timers: Array<{ at: number; seq: number; fire: () => void }> = [];
  readonly clock = { now: () => this.now };
  readonly sleep: Sleep = (ms) =>
    new Promise<void>((resolve) => {
      this.timers.push({ at: this.now + Math.max(0, ms), seq: this.seq++, fire: resolve });
    });

  async run<T>(work: Promise<T>, limitMs = 600_000): Promise<T> {
    let settled = false;
    const result = work.finally(() => {
      settled = true;
    });
    for (;;) {
      // A macrotask turn lets every pending promise continuation run before time moves.
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) return result;
      if (this.timers.length === 0) throw new Error("simulation stalled: nothing scheduled and the work is not done");
      let next = 0;
      for (let i = 1; i < this.timers.length; i++) {
        const a = this.timers[i];
        const b = this.timers[next];
        if (a.at < b.at || (a.at === b.at && a.seq < b.seq)) next = i;
      }
      const [timer] = this.timers.splice(next, 1);
      // A limiter that never grants would otherwise spin here forever.
      if (timer.at - START > limitMs) throw new Error(`simulation ran past ${limitMs / 1000} virtual seconds`);
      this.now = Math.max(this.now, timer.at);
      timer.fire();
    }
  }
}

/** One request as the server saw it. */
export interface Arrival {
  host: number;
  at: number; // ms since START
  status: 200 | 429;
}

/** A throttled tenant: one token bucket, whole-second Retry-After, 2-10 ms of loopback latency. */
export class SimServer {
  readonly log: Arrival[] = [];
  private bucket: TokenBucket | null;
  private injected = 0;
  private readonly random: () => number;

  constructor(
    private readonly sim: SimTime,
    readonly throttle: { ratePerSecond: number; burst: number } | null,
    seed: number,
    /** Request numbers (0-based, all hosts) answered 429 (Retry-After: 1) whatever the bucket holds. */
    private readonly injected429s: number[] = [],
  ) {
    this.bucket = throttle === null ? null : new TokenBucket(throttle, sim.now);
    this.random = mulberry32(seed);
  }

  /** Takes the throttle away: from now on every request is accepted. */
  unthrottle(): void {
    this.bucket = null;
  }

  async send(host: number): Promise<{ status: 200 | 429; retryAfter: string | null }> {
    const injected = this.injected429s.includes(this.injected++);
    const waitMs = injected ? 1 : this.bucket === null ? 0 : this.bucket.take(this.sim.now);
    const status = waitMs === 0 ? 200 : 429;
    this.log.push({ host, at: this.sim.now - START, status });
    const retryAfter = waitMs === 0 ? null : (retryAfterValue("seconds", waitMs, this.sim.now) as string);
    await this.sim.sleep(2 + this.random() * 8);
    return { status, retryAfter };
  }
}

export function simLimiter(sim: SimTime, overrides: Partial<LimiterOptions> = {}): AdaptiveLimiter {
  return new AdaptiveLimiter({
    maxConcurrency: DEFAULTS.maxConcurrency,
    rateFloorPerS: DEFAULTS.rateFloorPerS,
    decrease: DEFAULTS.rateDecrease,
    clock: sim.clock,
    sleep: sim.sleep,
    ...overrides,
  });
}

export interface HostRun {
  startedAt: number; // ms since START
  finishedAt: number; // ms since START
  throttled: number; // 429 answers this host met
  failedResources: number;
  minRate: number; // lowest pacing rate seen at a grant
}

/**
 * One provider host: `resources` resources, each `requestsPer` calls in sequence, `callers` at
 * once (pulumi --parallel), through `limiter`, starting at `startAt` ms since START.
 */
export async function runHost(
  sim: SimTime,
  server: SimServer,
  limiter: AdaptiveLimiter,
  opts: { host?: number; resources: number; requestsPer: number; callers?: number; startAt?: number; seed?: number; stepMs?: [number, number] },
): Promise<HostRun> {
  const { host = 0, resources, requestsPer, callers = 10, startAt = 0, seed = 1, stepMs = [0, 0] } = opts;
  const random = mulberry32(seed + 1000 * host);
  const policy = retryPolicyFrom(DEFAULTS);
  if (sim.now - START < startAt) await sim.sleep(startAt - (sim.now - START));
  const run: HostRun = { startedAt: sim.now - START, finishedAt: 0, throttled: 0, failedResources: 0, minRate: Number.POSITIVE_INFINITY };

  async function call(): Promise<void> {
    const startedAt = sim.now;
    for (let attempt = 1; ; attempt++) {
      const permit = await limiter.acquire();
      run.minRate = Math.min(run.minRate, limiter.snapshot().ratePerS);
      const answer = await server.send(host);
      if (answer.status === 200) {
        permit.release("ok");
        return;
      }
      run.throttled++;
      const decision = decideRetry({ method: "GET", status: 429, retryAfter: answer.retryAfter }, { attempt, elapsedMs: sim.now - startedAt, now: sim.now }, policy, random);
      // As client.ts does: the wait the call will honour, null when it gives up.
      const asked = parseRetryAfter(answer.retryAfter, sim.now);
      permit.release("throttled", asked === undefined ? undefined : decision.retry ? decision.delayMs : null);
      if (!decision.retry) throw new Error(decision.reason);
      await sim.sleep(decision.delayMs);
    }
  }

  let next = 0;
  async function caller(): Promise<void> {
    while (next < resources) {
      next++;
      try {
        for (let r = 0; r < requestsPer; r++) {
          // The engine's own time per step (check, diff, the host's gRPC round trips), outside the limiter.
          const ms = (stepMs[0] + random() * (stepMs[1] - stepMs[0])) / requestsPer;
          if (ms > 0) await sim.sleep(ms);
          await call();
        }
      } catch (error) {
        if (process.env.SIMDEBUG) console.log(String(error));
        run.failedResources++;
      }
    }
  }
  await Promise.all(Array.from({ length: callers }, caller));
  run.finishedAt = sim.now - START;
  return run;
}

/** The least time the bucket needs for what it accepted: the burst at once, then 1/R each. */
export function floorMs(server: SimServer, accepted: number): number {
  const t = server.throttle as { ratePerSecond: number; burst: number };
  return (Math.max(0, accepted - t.burst) * 1000) / t.ratePerSecond;
}

/** Accepted requests per second of the log, per host: "a+b" when several hosts, "/k" for 429s. */
export function timeline(log: readonly Arrival[], hosts: number, fromMs = 0, toMs = Number.POSITIVE_INFINITY): string[] {
  const bins: Array<{ ok: number[]; throttled: number }> = [];
  for (const a of log) {
    if (a.at < fromMs || a.at >= toMs) continue;
    const i = Math.floor((a.at - fromMs) / 1000);
    while (bins.length <= i) bins.push({ ok: new Array(hosts).fill(0), throttled: 0 });
    if (a.status === 200) bins[i].ok[a.host]++;
    else bins[i].throttled++;
  }
  return bins.map((b) => b.ok.join("+") + (b.throttled > 0 ? `/${b.throttled}` : ""));
}
