/**
 * Checking the inputs other than `sourceTimestamp`: each check returns the value the
 * computation uses or throws a DateInputError naming the input and what to write instead.
 */
import type { Zone } from "luxon";
import { DateInputError } from "../shared/errors";
import type { DateSpec, Disambiguation, Operation } from "./datetime";
import {
  type Duration,
  durationFromMinutes,
  explainInvalidDuration,
  negateDuration,
  parseIsoDuration,
} from "./duration";
import { describeValue } from "./timestamp";
import { lookupZone, tzdbVersion } from "./timezone";

const OPERATIONS: readonly Operation[] = ["ADD_OFFSET", "SUBTRACT_OFFSET", "CONVERT"];
const DISAMBIGUATIONS: readonly Disambiguation[] = ["compatible", "earlier", "later", "reject"];

export function zoneInput(property: "sourceTimezone" | "targetTimezone", name: unknown): Zone {
  if (typeof name === "string") {
    const zone = lookupZone(name);
    if (zone !== undefined) return zone;
  }
  throw new DateInputError(property, explainBadZone(property, name));
}

function explainBadZone(property: string, name: unknown): string {
  const start = `${property} ${describeValue(name)}`;
  if (typeof name !== "string") return `${start} is not a time zone; write an IANA name such as America/New_York or UTC`;
  if (name.trim() === "") return `${start} is empty; write an IANA time zone name such as America/New_York or UTC`;
  if (/^[+-]\d/.test(name)) {
    return `${start} is a UTC offset, not an IANA time zone; write a zone name such as America/New_York or Asia/Kolkata (fixed whole-hour offsets exist as Etc/GMT-5 and the like, with the sign inverted)`;
  }
  // Closest-name suggestions are the check layer's (zones.ts, which builds on
  // isValidTimeZone); this message stands on its own for direct callers.
  return `${start} is not an IANA time zone known to this Node.js (tz data ${tzdbVersion()}); write a name such as America/New_York, Europe/London or UTC, spelled as in the IANA database`;
}

export interface DurationInput {
  duration: Duration;
  property: "offset" | "offsetMinutes";
  text: string; // the duration as the user wrote it, for messages
}

const ZERO = durationFromMinutes(0);

export function durationInput(spec: DateSpec): DurationInput {
  const { operation, offset, offsetMinutes } = spec;
  if (!OPERATIONS.includes(operation)) {
    throw new DateInputError(
      "operation",
      `operation ${describeValue(operation)} is not one of ${OPERATIONS.join(", ")}`,
    );
  }
  if (offset !== undefined && offsetMinutes !== undefined) {
    throw new DateInputError(
      "offset",
      `offset ${describeValue(offset)} and offsetMinutes ${describeValue(offsetMinutes)} are both set; set only one (offsetMinutes ${describeValue(offsetMinutes)} is the same as offset PT${describeValue(offsetMinutes)}M)`,
    );
  }
  let input: DurationInput;
  if (offset !== undefined) {
    if (typeof offset !== "string") {
      throw new DateInputError("offset", `offset must be an ISO 8601 duration string such as PT2H or P1D, not ${describeValue(offset)}`);
    }
    const duration = parseIsoDuration(offset);
    if (duration === null) {
      throw new DateInputError("offset", `offset ${JSON.stringify(offset)} ${explainInvalidDuration(offset)}`);
    }
    input = { duration, property: "offset", text: offset };
  } else if (offsetMinutes !== undefined) {
    if (typeof offsetMinutes !== "number" || !Number.isSafeInteger(offsetMinutes)) {
      throw new DateInputError(
        "offsetMinutes",
        `offsetMinutes ${describeValue(offsetMinutes)} is not a whole number of minutes; write an integer such as 120 or -90, or use offset for other units (e.g. PT90S)`,
      );
    }
    input = { duration: durationFromMinutes(offsetMinutes), property: "offsetMinutes", text: String(offsetMinutes) };
  } else if (operation === "CONVERT") {
    input = { duration: ZERO, property: "offset", text: "" };
  } else {
    throw new DateInputError(
      "offset",
      `operation ${operation} needs an offset; set offset (an ISO 8601 duration such as PT2H or P1D) or offsetMinutes, or use operation CONVERT`,
    );
  }
  // CONVERT adds nothing; a given offset is still checked above so typos surface.
  if (operation === "CONVERT") return { ...input, duration: ZERO };
  if (operation === "SUBTRACT_OFFSET") {
    return { ...input, duration: negateDuration(input.duration), text: `${input.text} (subtracted)` };
  }
  return input;
}

export function disambiguationInput(value: unknown): Disambiguation {
  if (value === undefined) return "compatible";
  if (DISAMBIGUATIONS.includes(value as Disambiguation)) return value as Disambiguation;
  throw new DateInputError(
    "disambiguation",
    `disambiguation ${describeValue(value)} is not one of ${DISAMBIGUATIONS.map((d) => `'${d}'`).join(", ")}; 'compatible' (the default) moves a time in a DST gap forward and takes the first of two repeated times`,
  );
}

export function precisionInput(value: unknown): number {
  if (value === undefined) return 3;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 3) return value;
  throw new DateInputError(
    "precision",
    `precision ${describeValue(value)} is not allowed; write 0, 1, 2 or 3 (the fractional-second digits kept: 3 is milliseconds, 0 whole seconds)`,
  );
}
