import { computeDateManipulation, type DateResult } from "../dates/datetime";
import { durationFromMinutes, isExactOnly, parseIsoDuration, type Duration } from "../dates/duration";
import type { DesiredInputs } from "./inputs";
import type { WebhookResult } from "./webhook";

/** The audit record kept in state and sent to the webhook; plain JSON only. */
export interface AuditRecord {
  requestId: string;
  operation: "create" | "update";
  appliedAt: string;
  actionId: string;
  inputTimestamp: string;
  outputTimestamp: string;
  latencyMs: number;
  httpRequests: number;
  retries: number;
  putSkipped: boolean;
  accuracyValid: boolean;
  tzdbVersion: string;
  webhook: WebhookResult;
  status: "SUCCESS" | "PARTIAL";
  /**
   * The owned fields this apply found changed since this resource last wrote them (a console
   * edit, another stack writing the action) and overwrote; empty when there were none.
   */
  overwrote: string[];
}

const MS = { hours: 3_600_000, minutes: 60_000, seconds: 1_000, milliseconds: 1 } as const;

/** Truncates an instant to `precision` fractional digits the way the ISO string is cut. */
export function truncateMs(epochMs: number, precision: number): number {
  const unit = 10 ** (3 - precision);
  // Floor, not Math.trunc: before 1970 the digits of the string still count upwards within the second.
  return epochMs - (((epochMs % unit) + unit) % unit);
}

function exactMs(d: Duration): number {
  return d.hours * MS.hours + d.minutes * MS.minutes + d.seconds * MS.seconds + d.milliseconds * MS.milliseconds;
}

function requestedDuration(value: DesiredInputs): Duration | null {
  if (value.operation === "CONVERT") return null;
  if (value.offsetMinutes !== null) return durationFromMinutes(value.offsetMinutes);
  return value.offset === null ? null : parseIsoDuration(value.offset);
}

/**
 * The written value re-parses to the computed instant and, when the offset is purely exact
 * (or there is none), lies exactly that many milliseconds from the source instant.
 * Calendar offsets have no single length in milliseconds, so only the first half applies.
 */
export function accuracyValid(value: DesiredInputs, computed: DateResult, written: string): boolean {
  // Re-parsed by the engine, not Date.parse: historic offsets carry seconds (-04:56:02) Date.parse refuses.
  const reparsed = computeDateManipulation({ sourceTimestamp: written, targetTimezone: "UTC", operation: "CONVERT" });
  if (reparsed.computedEpochMs !== computed.computedEpochMs) return false;
  const duration = requestedDuration(value);
  if (duration !== null && !isExactOnly(duration)) return true;
  const source = computeDateManipulation({
    sourceTimestamp: value.sourceTimestamp,
    sourceTimezone: value.sourceTimezone,
    targetTimezone: "UTC",
    operation: "CONVERT",
    disambiguation: value.disambiguation,
    precision: 3,
  }).computedEpochMs;
  const sign = value.operation === "SUBTRACT_OFFSET" ? -1 : 1;
  const expected = source + (duration === null ? 0 : sign * exactMs(duration));
  return truncateMs(expected, value.precision) === computed.computedEpochMs;
}
