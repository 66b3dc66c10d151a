/**
 * Time zones: IANA names to luxon zones, a zone's offset at an instant, and a wall-clock
 * time to an instant under `disambiguation` with Temporal's rules.
 *
 * luxon answers names and offsets (`IANAZone`, over Node's ICU data). Turning a wall-clock
 * time into an instant is ours: luxon resolves a gap by its own rule and keeps the previous
 * offset in an overlap, which is not Temporal's `compatible`, and it has no earlier/later/reject.
 */
import { FixedOffsetZone, IANAZone, type Zone } from "luxon";
import type { Disambiguation } from "./datetime";
import { formatClock, formatLocal, formatOffset } from "./format";


const MS_PER_SECOND = 1_000;
const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

/** The IANA time zone database version in Node's ICU, e.g. "2025c": the data every offset
 *  here comes from, so a value computed on another Node version may differ. */
export function tzdbVersion(): string {
  return process.versions.tz ?? "unknown";
}

const zones = new Map<string, Zone>();
const icuIds = new Map<string, string>();

/**
 * ICU's id for a zone this Node knows: one per zone as CLDR groups them ("UTC" for every UTC
 * name). Call it with valid names only (lookupZone, canonicalZone do), so the cache stays bounded.
 */
export function icuZoneId(name: string): string {
  let id = icuIds.get(name);
  if (id === undefined) {
    id = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
    icuIds.set(name, id);
  }
  return id;
}

/** The luxon zone for an IANA name, or undefined when this Node's ICU does not know it. */
export function lookupZone(name: string): Zone | undefined {
  const cached = zones.get(name);
  if (cached !== undefined) return cached;
  // Offsets ("+05:30") are not IANA names; newer Intl versions accept them, so refuse them
  // here to behave the same on every Node version.
  if (name.startsWith("+") || name.startsWith("-") || !IANAZone.isValidZone(name)) return undefined;
  // UTC's offset is always zero: luxon's fixed zone answers without a round trip through Intl.
  const utc = icuZoneId(name) === "UTC";
  const zone = utc ? FixedOffsetZone.utcInstance : IANAZone.create(name);
  zones.set(name, zone); // only valid names are kept, so the map stays bounded
  return zone;
}

/** True when `zone` is an IANA time zone name this Node's ICU knows (links such as
 *  US/Eastern included; names are matched case-insensitively, as Intl does). */
export function isValidTimeZone(zone: string): boolean {
  return typeof zone === "string" && lookupZone(zone) !== undefined;
}

/**
 * A zone's UTC offsets, in ms, for one computation. luxon's `IANAZone.offset` gives minutes,
 * fractional for offsets with seconds (local mean time): rounding restores the exact ms. It
 * depends only on the epoch second, and one computation asks for the same second more than
 * once (a quarter of its lookups, each an Intl call), so answers are kept per second.
 */
export class ZoneOffsets {
  private readonly seen = new Map<number, number>();

  constructor(readonly zone: Zone) {}

  at(epochMs: number): number {
    const second = Math.floor(epochMs / MS_PER_SECOND);
    let offset = this.seen.get(second);
    if (offset === undefined) {
      offset = Math.round(this.zone.offset(epochMs) * MS_PER_MINUTE);
      this.seen.set(second, offset);
    }
    return offset;
  }
}

/** What a wall-clock time that is not exactly one instant looks like, for messages. */
export interface Ambiguity {
  kind: "gap" | "overlap";
  offsetBefore: number;
  offsetAfter: number;
}

/** Instants (ascending) whose wall clock in `zone` is `local`: none in a gap, two in an
 *  overlap. Like Temporal's GetPossibleEpochNanoseconds, it takes the offsets one day either
 *  side and tries both. */
function possibleInstants(zone: ZoneOffsets, local: number): number[] {
  const found: number[] = [];
  const before = zone.at(local - MS_PER_DAY);
  const after = zone.at(local + MS_PER_DAY);
  // Checked even when the probes agree: two shifts inside the two days (none in tzdb to 2040,
  // see test/dates/timezone.test.ts) make that offset miss, and then it is a gap.
  if (zone.at(local - before) === before) found.push(local - before);
  if (after !== before && zone.at(local - after) === after) found.push(local - after);
  // Only a shift of more than a day between the probes (none in tzdb) could misorder them.
  if (found.length === 2 && found[0] > found[1]) found.reverse();
  return found;
}

/**
 * The instant for wall-clock `local` in `zone` (Temporal's DisambiguatePossibleEpochNanoseconds).
 * A gap time moves by the gap's length (forward for compatible/later, backward for earlier);
 * an overlap takes the earlier instant (compatible/earlier) or the later one; `reject` calls
 * `onReject`.
 */
export function resolveLocal(
  zone: ZoneOffsets,
  local: number,
  disambiguation: Disambiguation,
  onReject: (ambiguity: Ambiguity) => never,
): number {
  if (zone.zone.isUniversal) return local - zone.at(local);
  const found = possibleInstants(zone, local);
  if (found.length === 1) return found[0];
  const offsetBefore = zone.at(local - MS_PER_DAY);
  const offsetAfter = zone.at(local + MS_PER_DAY);
  if (disambiguation === "reject") {
    onReject({ kind: found.length === 0 ? "gap" : "overlap", offsetBefore, offsetAfter });
  }
  if (found.length === 2) return disambiguation === "later" ? found[1] : found[0];
  // In a gap: shift the wall clock by the gap's length, then read it again (Temporal's
  // steps). Shifting back lands before the gap (the instant with the offset after it);
  // shifting forward lands after it (the instant with the offset before it).
  const gap = offsetAfter - offsetBefore;
  if (disambiguation === "earlier") {
    const shifted = possibleInstants(zone, local - gap);
    return shifted.length > 0 ? shifted[0] : local - offsetAfter;
  }
  const shifted = possibleInstants(zone, local + gap);
  return shifted.length > 0 ? shifted[shifted.length - 1] : local - offsetBefore;
}

/** The transition between the two probes, found by bisection (messages only). */
function transitionNear(zone: ZoneOffsets, local: number, offsetBefore: number): number {
  let low = local - MS_PER_DAY;
  let high = local + MS_PER_DAY;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (zone.at(middle) === offsetBefore) low = middle;
    else high = middle;
  }
  return high;
}

/** "does not exist in Zone (the clocks skip from 02:00 to 03:00)" and the like. */
export function describeAmbiguity(zone: ZoneOffsets, zoneName: string, local: number, a: Ambiguity): string {
  const at = transitionNear(zone, local, a.offsetBefore);
  const from = at + a.offsetBefore;
  const to = at + zone.at(at);
  const sameDay = Math.floor(from / MS_PER_DAY) === Math.floor(to / MS_PER_DAY);
  const show = (value: number): string => (sameDay ? formatClock(value) : formatLocal(value, 3, true));
  if (a.kind === "gap") {
    return `does not exist in ${zoneName} (the clocks skip from ${show(from)} to ${show(to)})`;
  }
  return (
    `occurs twice in ${zoneName} (the clocks go back from ${show(from)} to ${show(to)}; ` +
    `it is both ${formatOffset(a.offsetBefore)} and ${formatOffset(a.offsetAfter)})`
  );
}
