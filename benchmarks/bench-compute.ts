/**
 * Throughput of `computeDateManipulation` on one core: a mix of zones, duration forms and
 * disambiguations, a warm-up, then several timed rounds; the median round is the figure
 * (one slow round on a shared machine does not move it). Each round is timed twice: by the
 * process's CPU time (what one core does when it runs this code; the figure judged) and by
 * the wall clock (which also counts the time other processes held the core).
 */
import type { DateSpec } from "../provider/dates/datetime";

const ZONES = ["UTC", "America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Sydney", "America/Sao_Paulo", "Pacific/Chatham", "Asia/Tokyo"];
// Exact, calendar, mixed and negative durations, plus offsetMinutes and CONVERT (no duration).
const DURATIONS: Pick<DateSpec, "operation" | "offset" | "offsetMinutes">[] = [
  { operation: "ADD_OFFSET", offsetMinutes: 120 },
  { operation: "SUBTRACT_OFFSET", offsetMinutes: 45 },
  { operation: "ADD_OFFSET", offset: "PT2H" },
  { operation: "ADD_OFFSET", offset: "P1D" },
  { operation: "ADD_OFFSET", offset: "P1M" },
  { operation: "SUBTRACT_OFFSET", offset: "P1Y" },
  { operation: "ADD_OFFSET", offset: "P1Y2M3W4DT5H6M7.5S" },
  { operation: "ADD_OFFSET", offset: "-PT90M" },
  { operation: "CONVERT" },
];
// With an offset, in UTC, and wall-clock times (one in New York's spring gap, one in its fall overlap).
const SOURCES: Pick<DateSpec, "sourceTimestamp" | "sourceTimezone">[] = [
  { sourceTimestamp: "2024-02-29T15:30:00.000Z" },
  { sourceTimestamp: "2024-01-31T09:00:00+11:00" },
  { sourceTimestamp: "2024-06-01T00:00:00.9999999Z" },
  { sourceTimestamp: "2024-03-10T02:30:00", sourceTimezone: "America/New_York" },
  { sourceTimestamp: "2024-11-03T01:30:00", sourceTimezone: "America/New_York" },
  { sourceTimestamp: "2023-10-01T02:15:00", sourceTimezone: "Australia/Sydney" },
];
const DISAMBIGUATIONS = ["compatible", "earlier", "later"] as const;

const WARMUP_MS = 500;
const ROUND_MS = 400;
const ROUNDS = 5;
const CHECK_EVERY = 1_024; // calls between clock readings
const MAX_CALLS_PER_ROUND = 50_000_000; // bounds a round even if the clock misbehaves

/** The mix: every source x duration, zones and disambiguations rotating; specs that throw are left out. */
export function specMix(compute: (spec: DateSpec) => unknown): DateSpec[] {
  const specs: DateSpec[] = [];
  let n = 0;
  for (const source of SOURCES) {
    for (const duration of DURATIONS) {
      for (let k = 0; k < 2; k++, n++) {
        const spec: DateSpec = {
          ...source,
          ...duration,
          targetTimezone: ZONES[n % ZONES.length],
          disambiguation: DISAMBIGUATIONS[n % DISAMBIGUATIONS.length],
          precision: n % 4,
        };
        try {
          compute(spec);
          specs.push(spec);
        } catch {
          // A combination the function refuses is a check failure, not a throughput sample.
        }
      }
    }
  }
  return specs;
}

interface Round {
  calls: number;
  wallMs: number;
  cpuMs: number; // user + system time of this process (every thread, so GC helpers too: a conservative figure)
  sink: number;
}

function round(compute: (spec: DateSpec) => { computedEpochMs: number }, specs: DateSpec[], durationMs: number): Round {
  let calls = 0;
  let sink = 0; // used, so the calls cannot be optimised away
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  let elapsed = 0;
  while (calls < MAX_CALLS_PER_ROUND) {
    for (let i = 0; i < CHECK_EVERY; i++) sink += compute(specs[(calls + i) % specs.length]).computedEpochMs % 7;
    calls += CHECK_EVERY;
    elapsed = performance.now() - started;
    if (elapsed >= durationMs) break;
  }
  const cpu = process.cpuUsage(cpuStart);
  return { calls, wallMs: elapsed, cpuMs: (cpu.user + cpu.system) / 1000, sink };
}

export interface ComputeFigures {
  callsPerCpuS: number; // median round, per second of CPU time: one core's throughput
  callsPerWallS: number; // median round, per second of wall time
  cpuShare: number; // CPU time / wall time over the rounds: below 1, other processes held the core
  rounds: { perCpuS: number; perWallS: number }[];
  specs: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export function measureCompute(compute: (spec: DateSpec) => { computedEpochMs: number }): ComputeFigures {
  const specs = specMix(compute);
  round(compute, specs, WARMUP_MS);
  const rounds: Round[] = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(round(compute, specs, ROUND_MS));
  if (Number.isNaN(rounds.reduce((a, r) => a + r.sink, 0))) throw new Error("computeDateManipulation returned a non-number computedEpochMs");
  const rates = rounds.map((r) => ({ perCpuS: (r.calls * 1000) / Math.max(r.cpuMs, 1), perWallS: (r.calls * 1000) / r.wallMs }));
  return {
    callsPerCpuS: median(rates.map((r) => r.perCpuS)),
    callsPerWallS: median(rates.map((r) => r.perWallS)),
    cpuShare: rounds.reduce((a, r) => a + r.cpuMs, 0) / rounds.reduce((a, r) => a + r.wallMs, 0),
    rounds: rates,
    specs: specs.length,
  };
}

// Alone (`node --import tsx benchmarks/bench-compute.ts`): this one figure, from the source tree,
// without building or starting anything else.
if (require.main === module) {
  void Promise.all([import("../provider/dates/datetime"), import("../provider/dates/timezone")]).then(([{ computeDateManipulation }, { tzdbVersion }]) => {
    const f = measureCompute(computeDateManipulation);
    const count = (n: number) => Math.round(n).toLocaleString("en-US");
    console.log(
      `computeDateManipulation on Node ${process.version} (tz data ${tzdbVersion()}), ${f.specs} specs in rotation: ` +
        `${count(f.callsPerCpuS)} calls per CPU-second (median of ${f.rounds.length} rounds; ${count(f.callsPerWallS)} per wall-second, ` +
        `${Math.round(100 * f.cpuShare)}% of a core)`,
    );
    console.log(`rounds (per CPU-s / per wall-s): ${f.rounds.map((r) => `${count(r.perCpuS)}/${count(r.perWallS)}`).join(", ")}`);
  });
}
