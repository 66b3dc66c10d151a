/**
 * The adaptive limiter in simulated time: a virtual clock, a sleep that only moves it, and
 * the emulator's own token bucket standing for a throttled tenant.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULTS } from "../../provider/shared/defaults";
import { TokenBucket, mulberry32, retryAfterValue } from "../../provider/emulator/faults";
import { AdaptiveLimiter, type Permit } from "../../provider/cxone/limiter";
import { decideRetry, parseRetryAfter, retryPolicyFrom } from "../../provider/cxone/retry";
import type { Sleep } from "../../provider/shared/types";

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
  finalRate: number | null;
}

/**
 * `resources` resources, each `requestsPer` requests in sequence, worked by `callers`
 * concurrent callers through one limiter, the way client.ts does: acquire, send, release,
 * and on a 429 wait as decideRetry says before trying again.
 */
async function benchmark(
  ratePerSecond: number,
  burst: number,
  opts: { resources?: number; requestsPer?: number; callers?: number; maxConcurrency?: number; seed?: number; unthrottled?: boolean; injected429s?: number[] } = {},
): Promise<Figures> {
  const { resources = 200, requestsPer = 2, callers = 10, maxConcurrency = DEFAULTS.maxConcurrency, seed = 7, unthrottled = false, injected429s = [] } = opts;
  const sim = new SimTime();
  const random = mulberry32(seed);
  // Unthrottled: a server that always has a token, so only injected 429s (Retry-After: 1) happen.
  const bucket = unthrottled ? null : new TokenBucket({ ratePerSecond, burst }, sim.now);
  let sent = 0;
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
    const injected = injected429s.includes(sent++);
    const waitMs = injected ? 1 : bucket === null ? 0 : bucket.take(sim.now);
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
    finalRate: limiter.snapshot().ratePerS,
  };
}

// Three seeds each, so a pass does not hang on one lucky arrangement of latencies. The server's
// burst is one second of its rate (the emulator's default), half or a fifth of it, or twice it.
// A burst below a second of the rate costs at least two whole-second Retry-After pauses (one to
// guess the rate, one to measure it), each losing what the bucket could not hold meanwhile: at
// R/5 that alone is 1.6 s of a 3.8 s floor at R=100, hence the looser bound there.
const BOUNDS: Array<{ share: number; ratio: number; throttledShare: number }> = [
  { share: 2, ratio: 1.15, throttledShare: 0.1 },
  { share: 1, ratio: 1.15, throttledShare: 0.1 },
  { share: 0.5, ratio: 1.5, throttledShare: 0.1 },
  { share: 0.2, ratio: 1.7, throttledShare: 0.1 },
];
for (const rate of [20, 50, 100]) {
  for (const { share, ratio, throttledShare } of BOUNDS) {
    const burst = rate * share;
    test(`200 resources x 2 requests, 10 callers, server R=${rate}/s burst ${burst}: within ${ratio}x the floor, <=${throttledShare * 100}% of resources see a 429`, async () => {
      for (const seed of [1, 2, 3]) {
        const figures = await benchmark(rate, burst, { seed });
        console.log(`limiter R=${rate}/s burst ${burst} seed ${seed}: ${JSON.stringify(figures, (_k, v) => (typeof v === "number" ? Number(v.toFixed(3)) : v))}`);
        assert.ok(figures.episodes >= 1, "the throttle was never reached, so the run measured nothing");
        assert.ok(figures.ratio <= ratio, `seed ${seed}: finished in ${figures.finishS} s, ${figures.ratio.toFixed(3)}x the ${figures.floorS} s floor`);
        assert.ok(figures.resourcesThrottled <= 200 * throttledShare, `seed ${seed}: ${figures.resourcesThrottled} of 200 resources saw a 429`);
        assert.ok(figures.maxInFlight <= 10);
        assert.ok(figures.minRate >= DEFAULTS.rateFloorPerS);
        // The rate paced at the end is never above the server's (that would keep meeting 429s)
        // and, measured by a 429 while paced, not far below it whatever the burst.
        assert.ok(figures.finalRate !== null && figures.finalRate >= 0.7 * rate, `seed ${seed}: ended pacing at ${figures.finalRate}/s`);
        if (share <= 1) assert.ok(figures.finalRate <= rate * 1.01, `seed ${seed}: ended pacing at ${figures.finalRate}/s, above the server's ${rate}/s`);
      }
    });
  }
}

for (const callers of [10, 1]) {
  test(`an injected 429 in an unthrottled run, ${callers} caller(s): slower by no more than its Retry-After pause, however soon after another pause it comes`, async () => {
    const clean = await benchmark(50, 50, { unthrottled: true, seed: 4, callers });
    assert.equal(clean.throttled, 0);
    // The 150th request mid-run; with ten callers also two, the second among the first sent after
    // the first one's pause. (One caller cannot tell that pair from a throttle: it then costs
    // about 0.1 s more than the two pauses, while the guessed rate grows back.)
    for (const injected429s of callers > 1 ? [[150], [150, 153]] : [[150]]) {
      const figures = await benchmark(50, 50, { unthrottled: true, seed: 4, callers, injected429s });
      assert.equal(figures.throttled, injected429s.length);
      // Ten callers: most requests sent alongside each 429 were accepted, so no throttle is seen.
      // One caller cannot tell, but a guessed rate grows fast and the next 429 is measured.
      if (callers > 1) assert.deepEqual([figures.episodes, figures.finalRate], [0, null], "not a throttle: still unpaced");
      const slowerMs = (figures.finishS - clean.finishS) * 1000;
      // Each pause is the 1 s Retry-After plus at most one answer's latency before it is noticed.
      assert.ok(slowerMs <= injected429s.length * (1000 + 10), `${injected429s.join("+")}: ${slowerMs} ms slower than the clean run`);
    }
  });
}

function limiterIn(sim: SimTime, overrides: Partial<ConstructorParameters<typeof AdaptiveLimiter>[0]> = {}): AdaptiveLimiter {
  return new AdaptiveLimiter({
    maxConcurrency: 10,
    rateFloorPerS: 1,
    decrease: 0.5,
    increasePerS: 0, // no regain unless a test asks for it, so rates are exact
    probeIncreasePerS: 0, // nor growth of a guessed rate
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

/** 6 accepted, then a 429 on a request sent at t=200 with Retry-After 1 s: the limiter guesses
 *  5/s with a burst of 5 and pauses everyone until t=1200. */
async function guessFivePerSecond(limiter: AdaptiveLimiter, sim: SimTime): Promise<void> {
  const first = await acquireMany(limiter, 6);
  for (const p of first) p.release("ok");
  await sim.sleep(200);
  (await limiter.acquire()).release("throttled", 1000);
}


test("a throttle episode: its 429s pause everyone until the latest Retry-After; when the pause ends it is judged, guessing the rate and burst once", async () => {
  const sim = new SimTime();
  const limiter = limiterIn(sim);
  await sim.run(
    (async () => {
      const early = await acquireMany(limiter, 4);
      await sim.sleep(200);
      for (const permit of early) permit.release("ok");
      const late = await acquireMany(limiter, 5); // sent at t=200, as the bucket runs dry
      await sim.sleep(400);
      late[0].release("throttled", 1000); // t=600: the episode starts, pause until 1600
      let s = limiter.snapshot();
      assert.equal(s.pausedUntil, START + 1600);
      assert.deepEqual([s.ratePerS, s.burst, s.throttledEpisodes], [null, null, 0], "judged when the pause ends, not before");
      await sim.sleep(50);
      late[1].release("throttled", 1000); // sent before the first 429 came back: same episode
      late[2].release("ok"); // accepted, sent with the rejected one: counts towards the rate
      late[3].release("ok");
      late[4].release("failed"); // a 5xx says nothing about the rate
      s = limiter.snapshot();
      assert.equal(s.pausedUntil, START + 1650, "the pause runs to the latest Retry-After");
      assert.equal(s.inFlight, 0);

      const next = limiter.acquire();
      assert.equal(limiter.snapshot().queued, 1);
      const permit = await next;
      assert.equal(sim.now, START + 1650, "nobody goes before the shared pause ends");
      s = limiter.snapshot();
      // Two of the five sent together were rejected and two accepted: not mostly accepted, a throttle.
      assert.equal(s.throttledEpisodes, 1, "two 429s of requests sent together are one episode");
      // Busy 200 ms until the rejected one went, the burst taken as one window's worth:
      // 6 accepted over 1 s + 0.2 s is 5/s, and the burst is the 6 less 0.2 s of that rate.
      assert.deepEqual([s.ratePerS, s.burst, s.measured], [5, 5, false]);
      permit.release("ok");
    })(),
  );
});

test("a 429 while paced measures the rate from what the server accepted since the pause, whatever its burst", async () => {
  const sim = new SimTime();
  const limiter = limiterIn(sim);
  await sim.run(
    (async () => {
      await guessFivePerSecond(limiter, sim); // guessed 5/s, burst 5; pause to 1200
      const grantedAt: number[] = [];
      for (let i = 0; i < 14; i++) {
        (await limiter.acquire()).release("ok");
        grantedAt.push(sim.now - START);
      }
      // The burst refilled during the pause goes at once, then one every 1/rate.
      assert.deepEqual(grantedAt.map(Math.round), [1200, 1200, 1200, 1200, 1200, 1400, 1600, 1800, 2000, 2200, 2400, 2600, 2800, 3000]);
      (await limiter.acquire()).release("throttled", 1000); // sent at t=3200: the bucket is empty again
      await sim.sleep(1000);
      const s = limiter.snapshot();
      assert.equal(s.throttledEpisodes, 2);
      assert.equal(s.measured, true);
      // The stretch began 1 s after the bucket was empty and ran 2 s: the server held at most
      // 1 s of R when it began, and at most the burst (5, one more for rounding) too.
      // 14 accepted: R >= 14 / 3 s and R >= (14 - 6) / 2 s; the larger bound is the measure.
      assert.ok(Math.abs((s.ratePerS as number) - 14 / 3) < 1e-9, `measured ${s.ratePerS}`);
    })(),
  );
});

test("a 429 on the first requests after a pause, before the burst the server refilled was spent, lowers the burst, not the rate", async () => {
  const sim = new SimTime();
  const limiter = limiterIn(sim);
  await sim.run(
    (async () => {
      await guessFivePerSecond(limiter, sim); // guessed 5/s, burst 5; pause to 1200
      // One after another, 10 ms apart, so none of them was sent alongside the rejected one.
      for (let i = 0; i < 3; i++) {
        (await limiter.acquire()).release("ok");
        await sim.sleep(10);
      }
      assert.equal(sim.now, START + 1230, "the credit refilled during the pause lets them go without pacing");
      (await limiter.acquire()).release("throttled", 1000); // only 3 accepted of the 5 a second at 5/s refills
      await sim.sleep(1000);
      const s = limiter.snapshot();
      assert.deepEqual([s.ratePerS, s.burst, s.measured, s.throttledEpisodes], [5, 2, false, 2], "one under what was accepted at once");
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
  const limiter = limiterIn(sim, { rateFloorPerS: 0.5, windowMs: 2000 });
  await sim.run(
    (async () => {
      (await limiter.acquire()).release("ok");
      await sim.sleep(500);
      (await limiter.acquire()).release("throttled", 100); // 1 accepted over 2 s + 0.5 s: 0.4/s, floored
      const rates: number[] = [];
      for (let episode = 0; episode < 5; episode++) {
        await sim.sleep(100);
        (await limiter.acquire()).release("throttled", 100); // nothing accepted since the pause: a measured 0/s
        await sim.sleep(100);
        rates.push(limiter.snapshot().ratePerS as number);
      }
      assert.deepEqual(rates, [0.5, 0.5, 0.5, 0.5, 0.5]);
      await sim.sleep(5000); // the pacing credit fills to its one request
      const grantedAt: number[] = [];
      for (let i = 0; i < 3; i++) {
        (await limiter.acquire()).release("ok");
        grantedAt.push(sim.now);
      }
      assert.deepEqual([grantedAt[1] - grantedAt[0], grantedAt[2] - grantedAt[1]].map(Math.round), [2000, 2000]);
    })(),
  );
});

test("a guessed rate grows by probeIncreasePerS until measured; a measured one, lowered at most by `decrease` per odd 429, regains up to the measure and holds", async () => {
  const sim = new SimTime();
  const limiter = limiterIn(sim, { probeIncreasePerS: 1, increasePerS: 0.05, decrease: 0.5 });
  await sim.run(
    (async () => {
      await guessFivePerSecond(limiter, sim); // guessed 5/s, burst 5; pause to 1200
      await sim.sleep(3000);
      assert.ok(Math.abs((limiter.snapshot().ratePerS as number) - 5 * 2 ** 2) < 1e-9, "two quiet seconds double a guessed rate twice");
      // A paced throttle: 25 accepted from t=3200 (the burst at once, then paced), the next rejected at t=4200.
      const stretch = await acquireMany(limiter, 10);
      for (const p of stretch) p.release("ok");
      for (let i = 0; i < 15; i++) (await limiter.acquire()).release("ok");
      assert.ok(sim.now < START + 4200, `paced at 20/s and growing, 20 permits take under a second: ${sim.now - START}`);
      await sim.sleep(START + 4200 - sim.now);
      (await limiter.acquire()).release("throttled", 1000);
      await sim.sleep(1000);
      let s = limiter.snapshot();
      // The stretch began after an idle window, 3 s after the bucket was empty (so it was full:
      // at most 5, one more for rounding) and ran 1 s: R >= (25 - 6) / 1 s beats R >= 25 / 4 s.
      assert.deepEqual([s.measured, s.ratePerS], [true, 19]);
      await sim.sleep(10_000);
      assert.equal(limiter.snapshot().ratePerS, 19, "held: growing past the measure only buys another 429");
      // An odd 429 right after a long quiet stretch says the server accepted nothing: not trusted to
      // lower the rate by more than `decrease`, which is regained at increasePerS up to the measure.
      (await limiter.acquire()).release("throttled", 1000);
      await sim.sleep(1000);
      s = limiter.snapshot();
      assert.equal(s.ratePerS, 9.5);
      await sim.sleep(7000);
      assert.ok(Math.abs((limiter.snapshot().ratePerS as number) - 9.5 * 1.05 ** 7) < 1e-9, "7 quiet seconds regain 5% a second");
      await sim.sleep(10_000);
      assert.equal(limiter.snapshot().ratePerS, 19, "regained up to the measure, and no further");
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
