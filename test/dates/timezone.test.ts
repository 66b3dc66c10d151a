/**
 * resolveLocal on a zone no tz database has: an offset that changes twice within the two days
 * Temporal's lookup spans (no zone from 1800 to 2040 does, in tzdata 2026c). Temporal's
 * GetPossibleEpochNanoseconds tries only the offsets one day either side; both are the
 * same here, so a wall-clock time is one instant, or none when that offset does not give
 * it back. The expectations follow those steps by hand.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Zone } from "luxon";
import type { Disambiguation } from "../../provider/dates/datetime";
import { resolveLocal, ZoneOffsets, type Ambiguity } from "../../provider/dates/timezone";

const MS_PER_HOUR = 3_600_000;
const SHIFT = Date.parse("2030-06-01T00:00:00Z"); // +01:00 from here for one hour, else +00:00

/** +00:00, but +01:00 for one hour: wall clocks 00:00-01:00 do not exist, 01:00-02:00 twice. */
class BriefShift extends Zone {
  get type(): string {
    return "brief-shift";
  }
  get name(): string {
    return "Test/Brief_Shift";
  }
  get isUniversal(): boolean {
    return false;
  }
  offsetName(): string {
    return this.name;
  }
  formatOffset(): string {
    return "";
  }
  offset(ts: number): number {
    return ts >= SHIFT && ts < SHIFT + MS_PER_HOUR ? 60 : 0;
  }
  equals(other: Zone): boolean {
    return other === this;
  }
  get isValid(): true {
    return true;
  }
}

function resolve(wall: string, disambiguation: Disambiguation): number | Ambiguity {
  try {
    return resolveLocal(new ZoneOffsets(new BriefShift()), Date.parse(`${wall}Z`), disambiguation, (a) => {
      throw a;
    });
  } catch (ambiguity) {
    return ambiguity as Ambiguity;
  }
}

describe("resolveLocal with two shifts inside the two-day probe span", () => {
  test("a time in the skipped hour: +00:00 does not give it back, so it is a gap (of zero length between the probes)", () => {
    for (const d of ["compatible", "earlier", "later"] as const) {
      // No candidate; shifting by the probes' difference (0) finds none either: local - offsetBefore.
      assert.equal(resolve("2030-06-01T00:30:00", d), Date.parse("2030-06-01T00:30:00Z"), d);
    }
    assert.deepEqual(resolve("2030-06-01T00:30:00", "reject"), { kind: "gap", offsetBefore: 0, offsetAfter: 0 });
  });
  test("a time in the repeated hour is one instant: only the probes' +00:00 is tried", () => {
    for (const d of ["compatible", "earlier", "later", "reject"] as const) {
      assert.equal(resolve("2030-06-01T01:30:00", d), Date.parse("2030-06-01T01:30:00Z"), d);
    }
  });
  test("outside the shift, wall clock and instant agree", () => {
    assert.equal(resolve("2030-06-01T02:30:00", "reject"), Date.parse("2030-06-01T02:30:00Z"));
  });
});
