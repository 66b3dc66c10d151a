/**
 * The adaptive limiter in simulated time (limiter-sim.ts): one or more provider hosts, each with
 * its own limiter, against the emulator's own token bucket, answering with whole-second
 * Retry-After as the emulator does. Figures are of virtual time, so they are exact and
 * repeatable; the bench measures real runs.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { mulberry32 } from "../../provider/emulator/faults";
import { CxoneClient } from "../../provider/cxone/client";
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SEED } from "../../provider/emulator/emulator";
import { DEFAULTS } from "../../provider/shared/defaults";
import { TransientError } from "../../provider/shared/errors";
import type { AdaptiveLimiter } from "../../provider/cxone/limiter";
import { manualClock, startEmulator } from "../helpers/emulator";
import { tally } from "../helpers/client";
import { START, SimServer, SimTime, floorMs, runHost, simLimiter, timeline, type Arrival } from "./limiter-sim";

const PHASES = [
  { phase: "first apply", requestsPer: 2 }, // list + PUT
  { phase: "refresh", requestsPer: 1 }, // GET
  { phase: "update", requestsPer: 2 }, // GET + PUT
] as const;

/**
 * One host through the three phases as the bench runs them: before each, the bench's wait for a
 * full bucket and the unthrottled phase before it (600 ms more); each resource's own engine time
 * between its requests (40-100 ms: check, diff, the host's round trips).
 */
async function phases(ratePerSecond: number, burst: number, resources: number, seed: number) {
  const sim = new SimTime();
  const server = new SimServer(sim, { ratePerSecond, burst }, seed);
  const limiter = simLimiter(sim);
  const figures: Array<{ phase: string; ratio: number; throttledShare: number; failed: number; timeline: string }> = [];
  await sim.run(
    (async () => {
      for (const { phase, requestsPer } of PHASES) {
        await sim.sleep((burst / ratePerSecond) * 1000 + 600);
        const from = server.log.length;
        const run = await runHost(sim, server, limiter, { resources, requestsPer, seed, stepMs: [40, 100] });
        const log = server.log.slice(from);
        const accepted = log.filter((a) => a.status === 200).length;
        figures.push({
          phase,
          ratio: (run.finishedAt - run.startedAt) / floorMs(server, accepted),
          throttledShare: (log.length - accepted) / log.length,
          failed: run.failedResources,
          timeline: timeline(log, 1, run.startedAt).join(" "),
        });
      }
    })(),
    3_600_000,
  );
  return figures;
}

// The goal of issue 11: every phase within 1.15x its floor, at most 5% of requests answered 429,
// for a server burst from R/10 to R, at the bench's N=200 and 4N=800 (R=50). At R=20 and R=100
// only 4N: every 429 costs its own call a whole-second Retry-After, so a 429 in a phase's last
// second adds up to a second, and at N=200 a phase can be as short as 2 s of floor.
const CASES = [
  ...[200, 800].map((resources) => ({ rate: 50, resources })),
  { rate: 20, resources: 800 },
  { rate: 100, resources: 800 },
];
for (const { rate, resources } of CASES) {
  for (const share of [0.1, 0.2, 0.5, 1]) {
    const burst = Math.round(rate * share);
    test(`one host, ${resources} resources, server R=${rate}/s burst ${burst}: first apply, refresh and update each within 1.15x the floor, <=5% 429s`, async () => {
      for (const seed of [1, 2, 3, 4, 5]) {
        for (const f of await phases(rate, burst, resources, seed)) {
          const where = `seed ${seed}, ${f.phase} (${f.timeline})`;
          assert.equal(f.failed, 0, where);
          assert.ok(f.ratio <= 1.15, `${where}: ${f.ratio.toFixed(3)}x the floor`);
          assert.ok(f.throttledShare <= 0.05, `${where}: ${(100 * f.throttledShare).toFixed(1)}% of requests answered 429`);
        }
      }
    });
  }
}

/** Longest stretch (ms) a host accepted nothing while it was running. */
function longestStarved(log: readonly Arrival[], host: number, from: number, to: number): number {
  let last = from;
  let longest = 0;
  for (const a of log) {
    if (a.host !== host || a.status !== 200 || a.at < from || a.at > to) continue;
    longest = Math.max(longest, a.at - last);
    last = a.at;
  }
  return Math.max(longest, to - last);
}

// The issue's case (two stacks of 50 against rate 20/s, burst 10) with two and three hosts, and
// the bench's (200 each against R=50, burst 5). Hosts start 300 ms apart.
for (const { hosts, rate, burst, resources } of [
  { hosts: 2, rate: 20, burst: 10, resources: 50 },
  { hosts: 3, rate: 20, burst: 10, resources: 50 },
  { hosts: 2, rate: 50, burst: 5, resources: 200 },
  { hosts: 3, rate: 50, burst: 5, resources: 200 },
]) {
  test(`${hosts} hosts x ${resources} resources against one tenant (R=${rate}/s, burst ${burst}): all applied, within 1.3x the floor, <=10% 429s, no host starved`, async () => {
    for (const seed of [1, 2, 3]) {
      const sim = new SimTime();
      const server = new SimServer(sim, { ratePerSecond: rate, burst }, seed);
      const runs = await sim.run(
        Promise.all(Array.from({ length: hosts }, (_, host) => runHost(sim, server, simLimiter(sim), { host, resources, requestsPer: 2, seed, startAt: 300 * host }))),
      );
      const accepted = server.log.filter((a) => a.status === 200).length;
      const where = `seed ${seed} (${timeline(server.log, hosts).join(" ")})`;
      assert.deepEqual(runs.map((r) => r.failedResources), new Array(hosts).fill(0), where);
      const ratio = Math.max(...runs.map((r) => r.finishedAt)) / floorMs(server, accepted);
      assert.ok(ratio <= 1.3, `${where}: together ${ratio.toFixed(3)}x the floor of their combined work`);
      assert.ok(server.log.length - accepted <= 0.1 * server.log.length, `${where}: ${server.log.length - accepted} 429s`);
      // The issue's stall: a host crawling at 1/s for a minute after the others finished, the
      // server idle. Here the last host, from when the others finished, takes at least 80% of R
      // after at most 4 s of ramping up; and no host ever goes 3 s with nothing accepted.
      const ends = runs.map((r) => r.finishedAt).sort((a, b) => a - b);
      const othersDone = ends[ends.length - 2];
      const alone = server.log.filter((a) => a.at >= othersDone && a.status === 200).length;
      const aloneMs = ends[ends.length - 1] - othersDone;
      assert.ok(aloneMs <= 4000 + (alone * 1000) / (0.8 * rate), `${where}: the last host took ${aloneMs} ms for its last ${alone} requests`);
      for (const [host, run] of runs.entries()) {
        const starved = longestStarved(server.log, host, run.startedAt, run.finishedAt);
        assert.ok(starved < 3000, `${where}: host ${host} had nothing accepted for ${starved} ms`);
      }
    }
  });
}

test("a host squeezed by a greedy neighbour keeps a share, and regains the full rate within seconds of the pressure ending", async () => {
  const rate = 50;
  const sim = new SimTime();
  const server = new SimServer(sim, { ratePerSecond: rate, burst: 5 }, 1);
  const limiter = simLimiter(sim);
  const pressureEndsAt = 10_000;
  // The neighbour sends 45 requests a second whatever it is answered, for 10 s.
  async function neighbour(): Promise<void> {
    while (sim.now - START < pressureEndsAt) {
      void server.send(1);
      await sim.sleep(1000 / 45);
    }
  }
  const rates: Array<{ at: number; rate: number }> = [];
  async function watch(): Promise<void> {
    for (let s = 0; s < 20; s++) {
      await sim.sleep(1000);
      rates.push({ at: sim.now - START, rate: limiter.snapshot().ratePerS });
    }
  }
  await sim.run(Promise.all([neighbour(), watch(), runHost(sim, server, limiter, { resources: 600, requestsPer: 1 })]));
  const ours = timeline(server.log.filter((a) => a.host === 0), 1);
  const perSecond = ours.map((bin) => Number(bin.split("/")[0]));
  const where = `accepted/429 per second: ${ours.join(" ")}; limiter rate per second: ${rates.map((r) => r.rate.toFixed(1)).join(" ")}`;
  assert.ok(perSecond.slice(1, 10).every((n) => n >= 1), `never starved under pressure: ${where}`);
  // From 3 s after the pressure ended it takes at least 80% of R (the probes that find the freed
  // capacity meet a 429 or two on the way), and from 6 s after about all of it.
  const mean = (ns: number[]) => ns.reduce((a, b) => a + b, 0) / ns.length;
  assert.ok(mean(perSecond.slice(13, 16)) >= 0.8 * rate, `most of R from 3 s after: ${where}`);
  assert.ok(mean(perSecond.slice(16, 19)) >= 0.9 * rate, `about all of R from 6 s after: ${where}`);
  const after = rates.find((r) => r.at >= pressureEndsAt + 5000);
  assert.ok(after !== undefined && after.rate >= 0.8 * rate, `pacing at ${after?.rate}/s 5 s after: ${where}`);
});

function limiterIn(sim: SimTime, overrides: Parameters<typeof simLimiter>[1] = {}): AdaptiveLimiter {
  return simLimiter(sim, { maxConcurrency: 10, rateFloorPerS: 1, maxPauseMs: 5000, pauseMs: 300, ...overrides });
}

test("no stuck floor: after 429s drove the rate to the floor, it grows again as soon as requests are accepted", async () => {
  const sim = new SimTime();
  const limiter = limiterIn(sim);
  await sim.run(
    (async () => {
      // 429s with nothing accepted between them, each on a request sent after the last cut.
      for (let i = 0; i < 40; i++) (await limiter.acquire()).release("throttled", 1000);
      assert.equal(limiter.snapshot().ratePerS, 1, "at the floor");
      const started = sim.now;
      while (sim.now - started < 5000) (await limiter.acquire()).release("ok");
      const s = limiter.snapshot();
      assert.ok(s.ratePerS >= 10, `5 s of accepted requests later: ${s.ratePerS}/s`);
    })(),
  );
});

test("slow start: the first burst, then pacing from initialRatePerS that doubles every slowStartDoublingMs of busy time", async () => {
  const sim = new SimTime();
  const limiter = limiterIn(sim, { initialRatePerS: 10, initialBurst: 2, slowStartDoublingMs: 200 });
  const grantedAt: number[] = [];
  await sim.run(
    (async () => {
      for (let i = 0; i < 6; i++) {
        (await limiter.acquire()).release("ok");
        grantedAt.push(Math.round(sim.now - START));
      }
    })(),
  );
  // Two at once; then 1/rate each, the rate doubled per 200 ms of pacing (each grant counts
  // one interval at most): under 100 ms at first, shrinking as the rate doubles.
  assert.deepEqual(grantedAt.slice(0, 2), [0, 0]);
  const gaps = grantedAt.slice(2).map((t, i) => t - grantedAt[i + 1]);
  assert.ok(gaps[0] > 50 && gaps[0] <= 100, `first paced gap ${gaps[0]}`);
  assert.ok(gaps.every((g, i) => i === 0 || g < gaps[i - 1]), `the gaps shrink: ${gaps.join(", ")}`);
  assert.ok(limiter.snapshot().ratePerS > 2 * 10, "the rate doubled at least once");
});

test("idle time does not grow the rate: after a minute idle the pacing resumes no faster than before", async () => {
  const sim = new SimTime();
  const limiter = limiterIn(sim);
  await sim.run(
    (async () => {
      for (let i = 0; i < 30; i++) (await limiter.acquire()).release("ok");
      (await limiter.acquire()).release("throttled", 1000);
      await sim.sleep(500);
      const before = limiter.snapshot();
      await sim.sleep(60_000);
      (await limiter.acquire()).release("ok");
      assert.ok(limiter.snapshot().ratePerS <= Math.max(before.ratePerS, before.wMax as number) * 1.01, "not grown while idle");
    })(),
  );
});

test("a gap in demand shorter than a window does not count as time the server gave nothing: the rate it measures stays R", async () => {
  // Pulumi's phases (or a program's waves) come a fraction of a second apart: the bucket
  // refills and overflows meanwhile. Counted over the gap, the first 429 after it once
  // measured about half of R and cut the pacing to it.
  const rate = 50;
  for (const gapMs of [150, 300, 450]) {
    const sim = new SimTime();
    const server = new SimServer(sim, { ratePerSecond: rate, burst: 5 }, 1);
    const limiter = simLimiter(sim);
    await sim.run(runHost(sim, server, limiter, { resources: 300, requestsPer: 1 }));
    const before = limiter.snapshot().throttleEvents;
    const after = await sim.run(
      (async () => {
        await sim.sleep(gapMs);
        return runHost(sim, server, limiter, { resources: 300, requestsPer: 1 });
      })(),
    );
    const where = `gap ${gapMs} ms (${timeline(server.log, 1, after.startedAt).join(" ")})`;
    assert.ok(limiter.snapshot().throttleEvents > before, `${where}: the run after the gap met a 429`);
    assert.ok(after.minRate >= 0.8 * rate, `${where}: paced down to ${after.minRate.toFixed(1)}/s`);
  }
});

// Idle for more than rateIdleMs: the next Pulumi phase (600 ms, shorter than a window) or much later.
for (const idleMs of [600, 2000]) {
  test(`new work ${idleMs} ms after the last paces at the rate last measured for idleHoldMs before it probes past it`, async () => {
    // A probe early in a short phase buys a 429 whose whole-second Retry-After ends the phase a
    // second late (a refresh of 200 at 50/s has a floor of 3-4 s); the hold keeps it out.
    const rate = 50;
    const sim = new SimTime();
    const server = new SimServer(sim, { ratePerSecond: rate, burst: 5 }, 1);
    const limiter = simLimiter(sim);
    await sim.run(runHost(sim, server, limiter, { resources: 300, requestsPer: 1 }));
    const run = await sim.run(
      (async () => {
        await sim.sleep(idleMs);
        return runHost(sim, server, limiter, { resources: 750, requestsPer: 1 });
      })(),
    );
    const log = server.log.filter((a) => a.at >= run.startedAt);
    const perSecond = timeline(log, 1, run.startedAt);
    const first429 = log.find((a) => a.status === 429);
    const where = `accepted/429 per second: ${perSecond.join(" ")}`;
    // After the hold it probes again: no estimate is kept for good.
    assert.ok(first429 !== undefined && first429.at - run.startedAt >= DEFAULTS.rateIdleHoldMs, `first 429 at ${first429 && first429.at - run.startedAt} ms: ${where}`);
    // Held at the rate measured, not below it.
    const held = perSecond.slice(1, DEFAULTS.rateIdleHoldMs / 1000).map((bin) => Number(bin.split("/")[0]));
    assert.ok(held.every((n) => n >= 0.9 * rate), `held at R: ${where}`);
  });
}

test("on a steady server the probes slow down: once the rate is known, a 429 every 5 s or more", async () => {
  // Each 429 costs its call a whole-second Retry-After. A probe that met the server's rate again
  // (within what the span between two 429s can tell apart) halves the next one's growth.
  for (const burst of [5, 10, 25, 50]) {
    const sim = new SimTime();
    const server = new SimServer(sim, { ratePerSecond: 50, burst }, 3);
    const run = await sim.run(runHost(sim, server, simLimiter(sim), { resources: 3000, requestsPer: 1, stepMs: [40, 100] }));
    const late = server.log.filter((a) => a.status === 429 && a.at >= run.startedAt + 20_000);
    const spanS = (run.finishedAt - run.startedAt - 20_000) / 1000;
    assert.ok(late.length <= spanS / 5, `burst ${burst}: ${late.length} 429s in the last ${spanS.toFixed(0)} s (${timeline(server.log, 1, run.startedAt + 20_000).join(" ")})`);
  }
});

test("a 429 ends the hold: new work that meets a neighbour still regains the rate within seconds of the neighbour leaving", async () => {
  const rate = 50;
  const sim = new SimTime();
  const server = new SimServer(sim, { ratePerSecond: rate, burst: 5 }, 2);
  const limiter = simLimiter(sim);
  await sim.run(runHost(sim, server, limiter, { resources: 300, requestsPer: 1 }));
  const leavesAfterMs = 3000;
  const run = await sim.run(
    (async () => {
      await sim.sleep(2000);
      const startedAt = sim.now;
      // Arrived during the idle spell: 30 requests a second whatever it is answered, for 3 s.
      const neighbour = (async () => {
        while (sim.now - startedAt < leavesAfterMs) {
          void server.send(1);
          await sim.sleep(1000 / 30);
        }
      })();
      const [ours] = await Promise.all([runHost(sim, server, limiter, { resources: 500, requestsPer: 1 }), neighbour]);
      return ours;
    })(),
  );
  const ours = timeline(server.log.filter((a) => a.host === 0), 1, run.startedAt);
  const perSecond = ours.map((bin) => Number(bin.split("/")[0]));
  const left = leavesAfterMs / 1000;
  const where = `ours, accepted/429 per second from the new work: ${ours.join(" ")}`;
  // Still held at the rate measured before the idle spell, it would have crawled at its share
  // until the hold ran out, 8 s in.
  assert.ok(Math.max(...perSecond.slice(left + 1, left + 4)) >= 0.8 * rate, `regained within 4 s of the neighbour leaving: ${where}`);
});

test("a 429 on a request sent out of the credit stored over an idle spell lowers the burst sent at once, not the rate", async () => {
  const sim = new SimTime();
  const server = new SimServer(sim, { ratePerSecond: 50, burst: 50 }, 3);
  const limiter = simLimiter(sim);
  await sim.run(runHost(sim, server, limiter, { resources: 300, requestsPer: 1 }));
  const learned = limiter.snapshot();
  assert.ok(learned.burst >= 10, `learned a burst of ${learned.burst}`);
  await sim.run(
    (async () => {
      await sim.sleep(5000);
      // Ten go at once out of the stored credit; the server's bucket has shrunk and takes three.
      const asked = sim.now;
      const permits = await Promise.all(Array.from({ length: 10 }, () => limiter.acquire()));
      assert.equal(sim.now, asked, "all ten granted at the same simulated instant: sent at once");
      for (const p of permits.slice(0, 3)) p.release("ok");
      for (const p of permits.slice(3)) p.release("throttled", 1000);
    })(),
  );
  const after = limiter.snapshot();
  assert.equal(after.burst, 4, "what went at once before the first 429, and one");
  assert.deepEqual([after.throttleEvents, after.wMax], [learned.throttleEvents, learned.wMax], "no throttle event: the rate was not lowered");
});

test("a 5xx or a dropped connection leaves the pacing alone", async () => {
  const sim = new SimTime();
  const limiter = limiterIn(sim);
  await sim.run(
    (async () => {
      for (let i = 0; i < 20; i++) (await limiter.acquire()).release("ok");
      const before = limiter.snapshot();
      for (let i = 0; i < 5; i++) (await limiter.acquire()).release("failed");
      const after = limiter.snapshot();
      assert.deepEqual([after.throttleEvents, after.wMax, after.pausedUntil], [before.throttleEvents, before.wMax, before.pausedUntil]);
    })(),
  );
});

// What a 429 holds the whole tenant for: the wait its call will honour, when it is longer than
// one pacing interval at the floor (1 s at 1/s); never a wait the call gives up on.
for (const { waitMs, holdMs, why } of [
  { waitMs: 1000, holdMs: 0, why: "a whole-second Retry-After is a token bucket's rounding: the rate drops, nobody holds" },
  { waitMs: 3000, holdMs: 3000, why: "longer than the floor's interval and the call waits it: everyone holds" },
  { waitMs: 3_600_000, holdMs: 5000, why: "capped at maxPauseMs" },
  { waitMs: null, holdMs: 0, why: "the call gives up (longer than its budget or than retryAfterMaxMs): nobody holds" },
  { waitMs: undefined, holdMs: 300, why: "no Retry-After: everyone holds pauseMs" },
] as const) {
  test(`a 429 whose call waits ${waitMs} ms holds the tenant ${holdMs} ms: ${why}`, async () => {
    const sim = new SimTime();
    const limiter = limiterIn(sim);
    await sim.run(
      (async () => {
        for (let i = 0; i < 20; i++) (await limiter.acquire()).release("ok");
        const permit = await limiter.acquire();
        const at = sim.now;
        permit.release("throttled", waitMs);
        assert.equal(Math.max(0, limiter.snapshot().pausedUntil - at), holdMs);
        await limiter.acquire();
        assert.ok(sim.now - at >= holdMs && sim.now - at < holdMs + 1000, `the next grant came ${sim.now - at} ms later`);
      })(),
    );
  });
}

// The same through the real client: the wait it reports is the one its retry decision takes.
// A second call starts while the first waits out its Retry-After (or right after it failed), and
// waits for the tenant's hold, or only for pacing.
for (const { retryAfterSeconds, callFails, holdMs } of [
  { retryAfterSeconds: 120, callFails: true, holdMs: 0 }, // beyond retryAfterMaxMs (60 s): the call gives up
  { retryAfterSeconds: 30, callFails: false, holdMs: 30_000 }, // within the 90 s budget: the call waits, so does the tenant
  { retryAfterSeconds: 1, callFails: false, holdMs: 0 }, // a token bucket's rounding: only the call waits
]) {
  test(`client: a 429 with Retry-After ${retryAfterSeconds} s ${callFails ? "fails its call and holds nobody" : `is waited by its call; another call waits ${holdMs} ms`}`, async (t) => {
    const clock = manualClock();
    const emu = await startEmulator(t, { now: clock.now, faults: [{ route: "get", kind: "429", count: 1, retryAfter: "seconds", retryAfterSeconds }] });
    let second: Promise<number> | null = null;
    const client: CxoneClient = new CxoneClient(
      { baseUrl: emu.url, tokenUrl: emu.tokenUrl, clientId: EMULATOR_CLIENT_ID, clientSecret: EMULATOR_CLIENT_SECRET },
      {
        clock,
        sleep: async (ms) => {
          const until = clock.now() + ms;
          if (second === null && ms === retryAfterSeconds * 1000) {
            second = secondCall();
            await second;
          }
          clock.advance(Math.max(0, until - clock.now()));
        },
        random: mulberry32(1),
      },
    );
    t.after(() => client.close());
    async function secondCall(): Promise<number> {
      const startedAt = clock.now();
      await client.get(SEED.targetId, tally());
      return clock.now() - startedAt;
    }
    const outcome = await client.get(SEED.targetId, tally()).then(
      () => null,
      (e: unknown) => e,
    );
    assert.equal(outcome instanceof TransientError, callFails, String(outcome));
    const waited = await (second ?? secondCall());
    assert.ok(waited >= holdMs && waited < holdMs + 1000, `the other call waited ${waited} ms`);
    assert.equal(emu.requests.filter((r) => r.route === "get").length, callFails ? 2 : 3);
  });
}

test("concurrency never exceeds maxConcurrency, and permits go out in arrival order as slots free up", async () => {
  const sim = new SimTime();
  const limiter = limiterIn(sim, { maxConcurrency: 3, initialBurst: 12, initialRatePerS: 1000 });
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

test("a tenant-wide hold is FIFO: callers queued behind it go in arrival order when it ends", async () => {
  const sim = new SimTime();
  const limiter = limiterIn(sim);
  const order: number[] = [];
  await sim.run(
    (async () => {
      for (let i = 0; i < 20; i++) (await limiter.acquire()).release("ok");
      (await limiter.acquire()).release("throttled", 2000);
      const heldAt = sim.now;
      await Promise.all(
        Array.from({ length: 5 }, async (_, who) => {
          const permit = await limiter.acquire();
          order.push(who);
          assert.ok(sim.now >= heldAt + 2000);
          permit.release("ok");
        }),
      );
    })(),
  );
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
});
