/**
 * Throughput of `computeDateManipulation` on one core: a mix of zones, duration forms and
 * disambiguations, a warm-up, then several timed rounds; the median round is the figure
 * (one slow round on a shared machine does not move it).
 */
import type { DateSpec } from "../provider/datetime";

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

function round(compute: (spec: DateSpec) => { computedEpochMs: number }, specs: DateSpec[], durationMs: number): { calls: number; ms: number; sink: number } {
  let calls = 0;
  let sink = 0; // used, so the calls cannot be optimised away
  const started = performance.now();
  let elapsed = 0;
  while (calls < MAX_CALLS_PER_ROUND) {
    for (let i = 0; i < CHECK_EVERY; i++) sink += compute(specs[(calls + i) % specs.length]).computedEpochMs % 7;
    calls += CHECK_EVERY;
    elapsed = performance.now() - started;
    if (elapsed >= durationMs) break;
  }
  return { calls, ms: elapsed, sink };
}

export interface ComputeFigures {
  callsPerS: number; // median round
  rounds: number[];
  specs: number;
}

export function measureCompute(compute: (spec: DateSpec) => { computedEpochMs: number }): ComputeFigures {
  const specs = specMix(compute);
  round(compute, specs, WARMUP_MS);
  const rates: number[] = [];
  let sink = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const { calls, ms, sink: s } = round(compute, specs, ROUND_MS);
    sink += s;
    rates.push((calls * 1000) / ms);
  }
  if (Number.isNaN(sink)) throw new Error("computeDateManipulation returned a non-number computedEpochMs");
  const sorted = [...rates].sort((a, b) => a - b);
  return { callsPerS: sorted[Math.floor(sorted.length / 2)], rounds: rates, specs: specs.length };
}
