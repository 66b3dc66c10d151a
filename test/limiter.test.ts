/**
 * The adaptive limiter in simulated time: a virtual clock, a sleep that only moves it, and
 * the emulator's own token bucket standing for a throttled tenant.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULTS } from "../provider/defaults";
import { TokenBucket, mulberry32, retryAfterValue } from "../provider/faults";
import { AdaptiveLimiter, type Permit } from "../provider/limiter";
import { decideRetry, parseRetryAfter, retryPolicyFrom } from "../provider/retry";
import type { Sleep } from "../provider/types";

const START = Date.UTC(2026, 0, 1);

/** Discrete-event time: `sleep` registers a timer; `run` fires timers in time order until `done` settles. */
class SimTime {
  now = START;
  private seq = 0;
  private timers: Array<{ at: number; seq: number; fire: () => void }> = [];
  readonly clock = { now: () => this.now };
  readonly sleep: Sleep = (ms) =>
    new Promise<void>((resolve) => {
      this.timers.push({ at: this.now + Math.max(0, ms), seq: this.seq++, fire: resolve });
    });

  async run<T>(work: Promise<T>): Promise<T> {
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
      if (timer.at - START > 600_000) throw new Error("simulation ran past 10 virtual minutes");
      this.now = Math.max(this.now, timer.at);
      timer.fire();
    }
  }
}

interface Figures {
  finishS: number;
  floorS: number;
  ratio: number;
  throttled: number;
  resourcesThrottled: number;
  episodes: number;
  maxInFlight: number;
  minRate: number;
}

/**
 * `resources` resources, each `requestsPer` requests in sequence, worked by `callers`
 * concurrent callers through one limiter, the way client.ts does: acquire, send, release,
 * and on a 429 wait as decideRetry says before trying again.
 */
async function benchmark(ratePerSecond: number, burst: number, opts: { resources?: number; requestsPer?: number; callers?: number; maxConcurrency?: number; seed?: number } = {}): Promise<Figures> {
  const { resources = 200, requestsPer = 2, callers = 10, maxConcurrency = DEFAULTS.maxConcurrency, seed = 7 } = opts;
  const sim = new SimTime();
  const random = mulberry32(seed);
  const bucket = new TokenBucket({ ratePerSecond, burst }, sim.now);
  const limiter = new AdaptiveLimiter({
    maxConcurrency,
    rateFloorPerS: DEFAULTS.rateFloorPerS,
    decrease: DEFAULTS.rateDecrease,
    increasePerS: DEFAULTS.rateIncreasePerS,
    clock: sim.clock,
    sleep: sim.sleep,
  });
  const policy = retryPolicyFrom(DEFAULTS);
  let inFlight = 0;
  let maxInFlight = 0;
  let throttled = 0;
  let minRate = Number.POSITIVE_INFINITY;
  const throttledResources = new Set<number>();

  // The server decides when the request arrives and answers after a few ms of loopback latency.
  async function send(): Promise<{ status: number; retryAfter: string | null }> {
    const waitMs = bucket.take(sim.now);
    const retryAfter = waitMs === 0 ? null : (retryAfterValue("seconds", waitMs, sim.now) as string);
    await sim.sleep(2 + random() * 8);
    return { status: waitMs === 0 ? 200 : 429, retryAfter };
  }

  async function call(resource: number): Promise<void> {
    const startedAt = sim.now;
    for (let attempt = 1; ; attempt++) {
      const permit: Permit = await limiter.acquire();
      const rate = limiter.snapshot().ratePerS;
      if (rate !== null) minRate = Math.min(minRate, rate);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight, limiter.snapshot().inFlight);
      const answer = await send();
      inFlight--;
      if (answer.status === 200) {
        permit.release("ok");
        return;
      }
      throttled++;
      throttledResources.add(resource);
      permit.release("throttled", parseRetryAfter(answer.retryAfter, sim.now));
      const decision = decideRetry({ method: "GET", status: 429, retryAfter: answer.retryAfter }, { attempt, elapsedMs: sim.now - startedAt, now: sim.now }, policy, random);
      if (!decision.retry) throw new Error(`resource ${resource} gave up: ${decision.reason}`);
      await sim.sleep(decision.delayMs);
    }
  }

  let next = 0;
  async function caller(): Promise<void> {
    while (next < resources) {
      const resource = next++;
      for (let r = 0; r < requestsPer; r++) await call(resource);
    }
  }

  await sim.run(Promise.all(Array.from({ length: callers }, caller)));
  const finishS = (sim.now - START) / 1000;
  const floorS = (resources * requestsPer - burst) / ratePerSecond;
  return {
    finishS,
    floorS,
    ratio: finishS / floorS,
    throttled,
    resourcesThrottled: throttledResources.size,
    episodes: limiter.snapshot().throttledEpisodes,
    maxInFlight,
    minRate,
  };
}

// Three seeds each, so a pass does not hang on one lucky arrangement of latencies.
for (const rate of [20, 50, 100]) {
  test(`200 resources x 2 requests, 10 callers, server R=${rate}/s burst ${rate}: within 1.15x the floor, <=10% of resources see a 429`, async () => {
    for (const seed of [1, 2, 3]) {
      const figures = await benchmark(rate, rate, { seed });
      console.log(`limiter R=${rate}/s seed ${seed}: ${JSON.stringify(figures, (_k, v) => (typeof v === "number" ? Number(v.toFixed(3)) : v))}`);
      assert.ok(figures.episodes >= 1, "the throttle was never reached, so the run measured nothing");
      assert.ok(figures.ratio <= 1.15, `seed ${seed}: finished in ${figures.finishS} s, ${figures.ratio.toFixed(3)}x the ${figures.floorS} s floor`);
      assert.ok(figures.resourcesThrottled <= 20, `seed ${seed}: ${figures.resourcesThrottled} of 200 resources saw a 429`);
      assert.ok(figures.maxInFlight <= 10);
      assert.ok(figures.minRate >= DEFAULTS.rateFloorPerS);
    }
  });
}

function limiterIn(sim: SimTime, overrides: Partial<ConstructorParameters<typeof AdaptiveLimiter>[0]> = {}): AdaptiveLimiter {
  return new AdaptiveLimiter({
    maxConcurrency: 10,
    rateFloorPerS: 1,
    decrease: 0.5,
    increasePerS: 0, // no regain unless a test asks for it, so rates are exact
    clock: sim.clock,
    sleep: sim.sleep,
    windowMs: 1000,
    pauseMs: 300,
    maxPauseMs: 5000,
    ...overrides,
  });
}

/** Acquires `n` permits at once. */
function acquireMany(limiter: AdaptiveLimiter, n: number): Promise<Permit[]> {
  return Promise.all(Array.from({ length: n }, () => limiter.acquire()));
}

test("a throttle episode: its 429s pause everyone until the latest Retry-After; when the pause ends it is judged, learning the rate once", async () => {
  const sim = new SimTime();
  const limiter = limiterIn(sim);
  await sim.run(
    (async () => {
      const early = await acquireMany(limiter, 4);
      await sim.sleep(100);
      for (const permit of early) permit.release("ok");
      const late = await acquireMany(limiter, 5); // sent at t=100, as the bucket runs dry
      await sim.sleep(400);
      late[0].release("throttled", 1000); // t=500: the episode starts, pause until 1500
      let s = limiter.snapshot();
      assert.equal(s.pausedUntil, START + 1500);
      assert.deepEqual([s.ratePerS, s.throttledEpisodes], [null, 0], "judged when the pause ends, not before");
      await sim.sleep(50);
      late[1].release("throttled", 1000); // sent before the first 429 came back: same episode
      late[2].release("ok"); // accepted, answered late: counts towards the rate
      late[3].release("ok");
      late[4].release("failed"); // a 5xx says nothing about the rate
      s = limiter.snapshot();
      assert.equal(s.pausedUntil, START + 1550, "the pause runs to the latest Retry-After");
      assert.equal(s.inFlight, 0);

      const next = limiter.acquire();
      assert.equal(limiter.snapshot().queued, 1);
      const permit = await next;
      assert.equal(sim.now, START + 1550, "nobody goes before the shared pause ends");
      s = limiter.snapshot();
      // Two of the five sent together were rejected and two accepted: not mostly accepted, a throttle.
      assert.equal(s.throttledEpisodes, 1, "two 429s of requests sent together are one episode");
      // Busy for 500 ms, the burst taken as one window's worth: 6 accepted over 1 s + 0.5 s.
      assert.equal(s.ratePerS, 4);

      permit.release("throttled"); // no Retry-After: the short default pause
      assert.equal(limiter.snapshot().pausedUntil, START + 1550 + 300);
      await sim.sleep(300);
      s = limiter.snapshot();
      assert.equal(s.throttledEpisodes, 2);
      assert.equal(s.ratePerS, 2, "a later episode halves the rate (decrease 0.5)");
    })(),
  );
});

test("a 429 while the requests sent alongside it were mostly accepted is not a throttle: everyone pauses, the pacing stays", async () => {
  const sim = new SimTime();
  const limiter = limiterIn(sim);
  await sim.run(
    (async () => {
      const wave = await acquireMany(limiter, 10); // like ten resources listing at once
      await sim.sleep(4);
      for (const permit of wave.slice(4, 7)) permit.release("ok"); // answered before the 429s
      await sim.sleep(1);
      for (const permit of wave.slice(0, 4)) permit.release("throttled", 1000); // an injected fault on four
      await sim.sleep(1);
      for (const permit of wave.slice(7)) permit.release("ok"); // answered after them
      const permit = await limiter.acquire();
      assert.equal(sim.now, START + 1005, "the pause is honoured all the same");
      // Six of the ten sent together were accepted, three before the 429s came back and three after:
      // only both together outnumber the four rejected.
      assert.deepEqual([limiter.snapshot().ratePerS, limiter.snapshot().throttledEpisodes], [null, 0]);
      permit.release("ok");
      const after = await acquireMany(limiter, 10);
      assert.equal(sim.now, START + 1005, "still unpaced");
      for (const p of after) p.release("ok");
    })(),
  );
});

test("a 429 on the very first request learns no rate (nothing accepted yet): pause only", async () => {
  const sim = new SimTime();
  const limiter = limiterIn(sim);
  await sim.run(
    (async () => {
      (await limiter.acquire()).release("throttled", 1000);
      const burst = await acquireMany(limiter, 10);
      assert.equal(sim.now, START + 1000);
      assert.deepEqual([limiter.snapshot().ratePerS, limiter.snapshot().throttledEpisodes], [null, 1]);
      for (const p of burst) p.release("ok");
    })(),
  );
});

/** Three accepted at t=0, a 429 at t=500 on a request sent then: 3 over 1.5 s, a learned 2/s. */
async function learnTwoPerSecond(sim: SimTime, limiter: AdaptiveLimiter, pauseMs: number): Promise<void> {
  const first = await acquireMany(limiter, 3);
  await sim.sleep(500);
  for (const p of first) p.release("ok");
  (await limiter.acquire()).release("throttled", pauseMs);
}

// The credit refills during the pause: a 1 s pause at 2/s leaves two permits to spend at once
// (the bucket holds one window's worth), a 0.5 s pause one.
for (const [pauseMs, expected] of [
  [1000, [1500, 1500, 2000, 2500, 3000, 3500]],
  [500, [1000, 1500, 2000, 2500, 3000, 3500]],
] as const) {
  test(`pacing is FIFO and spends the credit refilled during a ${pauseMs} ms pause, then one permit per 1/rate`, async () => {
    const sim = new SimTime();
    const limiter = limiterIn(sim);
    await sim.run(
      (async () => {
        await learnTwoPerSecond(sim, limiter, pauseMs);
        const order: Array<{ who: number; at: number }> = [];
        await Promise.all(
          Array.from({ length: 6 }, async (_, who) => {
            const permit = await limiter.acquire();
            order.push({ who, at: sim.now - START });
            permit.release("ok");
          }),
        );
        assert.equal(limiter.snapshot().ratePerS, 2);
        assert.deepEqual(order.map((o) => o.who), [0, 1, 2, 3, 4, 5]);
        assert.deepEqual(order.map((o) => Math.round(o.at)), expected);
      })(),
    );
  });
}

test("concurrency never exceeds maxConcurrency, and permits go out in arrival order as slots free up", async () => {
  const sim = new SimTime();
  const limiter = limiterIn(sim, { maxConcurrency: 3 });
  const random = mulberry32(3);
  let inFlight = 0;
  let maxInFlight = 0;
  const granted: number[] = [];
  await sim.run(
    Promise.all(
      Array.from({ length: 12 }, async (_, who) => {
        const permit = await limiter.acquire();
        granted.push(who);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        assert.ok(limiter.snapshot().inFlight <= 3);
        await sim.sleep(5 + random() * 20);
        inFlight--;
        permit.release("ok");
        permit.release("ok"); // a second release must not free a second slot
      }),
    ),
  );
  assert.equal(maxInFlight, 3);
  assert.deepEqual(granted, Array.from({ length: 12 }, (_, i) => i));
});

test("the rate never goes below rateFloorPerS, however many episodes follow, and a floor under one request per window still paces", async () => {
  const sim = new SimTime();
  const limiter = limiterIn(sim, { rateFloorPerS: 0.5 });
  await sim.run(
    (async () => {
      await learnTwoPerSecond(sim, limiter, 100);
      const rates: number[] = [];
      for (let episode = 0; episode < 5; episode++) {
        (await limiter.acquire()).release("throttled", 100);
        await sim.sleep(100);
        rates.push(limiter.snapshot().ratePerS as number);
      }
      assert.deepEqual(rates, [1, 0.5, 0.5, 0.5, 0.5]);
      const grantedAt: number[] = [];
      for (let i = 0; i < 3; i++) {
        (await limiter.acquire()).release("ok");
        grantedAt.push(sim.now);
      }
      assert.deepEqual([grantedAt[1] - grantedAt[0], grantedAt[2] - grantedAt[1]].map(Math.round), [2000, 2000]);
    })(),
  );
});

test("a throttle met with little traffic learns a low rate; the regain ends pacing once it doubles the best learned rate", async () => {
  const sim = new SimTime();
  const limiter = limiterIn(sim, { increasePerS: 0.05 });
  await sim.run(
    (async () => {
      (await limiter.acquire()).release("ok");
      await sim.sleep(500);
      (await limiter.acquire()).release("throttled", 1000); // 1 accepted over 1.5 s: the floor
      await sim.sleep(1000);
      assert.equal(limiter.snapshot().ratePerS, 1);
      await sim.sleep(7000);
      const regained = limiter.snapshot().ratePerS as number;
      assert.ok(Math.abs(regained - 1.05 ** 7) < 1e-9, `7 quiet seconds regain 5% a second: ${regained}`);
      await sim.sleep(7300); // ln 2 / ln 1.05 = 14.2 quiet seconds double it
      assert.equal(limiter.snapshot().ratePerS, null, "pacing stopped; the next throttle learns afresh");
      const burst = await acquireMany(limiter, 10);
      assert.equal(sim.now, START + 15_800, "unpaced again: ten permits at once");
      for (const p of burst) p.release("ok");
    })(),
  );
});

test("a Retry-After longer than maxPauseMs pauses everyone for maxPauseMs only", async () => {
  const sim = new SimTime();
  const limiter = limiterIn(sim, { maxPauseMs: 2000 });
  await sim.run(
    (async () => {
      (await limiter.acquire()).release("throttled", 3_600_000);
      assert.equal(limiter.snapshot().pausedUntil, START + 2000);
      await limiter.acquire();
      assert.equal(sim.now, START + 2000);
    })(),
  );
});
