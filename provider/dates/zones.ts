/**
 * "Did you mean" for time-zone names: the IANA names closest to a misspelt one, so a check
 * failure can say what to write instead.
 */
import { isValidTimeZone } from "./timezone";
import { editDistance } from "../shared/distance";

/**
 * Names worth suggesting that `Intl.supportedValuesOf("timeZone")` leaves out. Node's ICU lists
 * one canonical id per zone and still uses pre-rename ids (Asia/Calcutta, Europe/Kiev), so the
 * current IANA names and the usual UTC spellings are added by hand.
 */
const EXTRA_NAMES = [
  "UTC",
  "Etc/UTC",
  "GMT",
  "Etc/GMT",
  "Africa/Asmara",
  "America/Argentina/Buenos_Aires",
  "America/Argentina/Catamarca",
  "America/Argentina/Cordoba",
  "America/Argentina/Jujuy",
  "America/Argentina/Mendoza",
  "America/Atikokan",
  "America/Indiana/Indianapolis",
  "America/Kentucky/Louisville",
  "America/Nuuk",
  "Asia/Ho_Chi_Minh",
  "Asia/Kathmandu",
  "Asia/Kolkata",
  "Asia/Yangon",
  "Atlantic/Faroe",
  "Europe/Kyiv",
  "Pacific/Chuuk",
  "Pacific/Kanton",
  "Pacific/Pohnpei",
];

interface Candidate {
  name: string;
  lower: string;
  segment: string; // lower-case last path segment: "new_york" for America/New_York
}

let cache: { list: Candidate[]; byLower: Map<string, string> } | undefined;

function lastSegment(lower: string): string {
  return lower.slice(lower.lastIndexOf("/") + 1);
}

/** Lower case, and spaces as underscores: people type "New York" for New_York. */
function normalize(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, "_");
}

/** Built once per process: check runs for every resource of a deployment. */
function candidates(): { list: Candidate[]; byLower: Map<string, string> } {
  if (cache === undefined) {
    // Intl's own names are valid by definition; the extras only where this validator takes
    // them, since a suggestion must pass when the user copies it.
    const names = new Set([...Intl.supportedValuesOf("timeZone"), ...EXTRA_NAMES.filter((name) => isValidTimeZone(name))]);
    const list = [...names].sort().map((name) => ({ name, lower: name.toLowerCase(), segment: lastSegment(name.toLowerCase()) }));
    cache = { list, byLower: new Map(list.map((c) => [c.lower, c.name])) };
  }
  return cache;
}

/** The edit distance from `typed` to `name`, or Infinity past about a third of the typed
 *  length: further than that it is no longer a misspelling of the name. */
function withinTolerance(typed: string, name: string): number {
  const tolerance = Math.max(2, Math.floor(typed.length / 3));
  // Lengths alone bound the distance from below: skip the full computation when they rule it out.
  if (Math.abs(typed.length - name.length) > tolerance) return Infinity;
  const distance = editDistance(typed, name, tolerance);
  return distance <= tolerance ? distance : Infinity;
}

/**
 * The IANA names closest to `bad`, best first, at most `n`. A name is compared whole and by
 * its last path segment, so "New_Yrok", "new york" and "america/new_york" all find
 * America/New_York. A comparison counts only within about a third of the compared length in
 * edits: suggesting an unrelated zone is worse than suggesting none.
 */
export function suggestZones(bad: string, n = 3): string[] {
  const typed = normalize(bad);
  if (typed === "" || n <= 0) return [];
  const typedSegment = lastSegment(typed);
  const scored: { name: string; score: number; whole: number }[] = [];
  for (const candidate of candidates().list) {
    const whole = withinTolerance(typed, candidate.lower);
    const score = Math.min(whole, withinTolerance(typedSegment, candidate.segment));
    if (score !== Infinity) scored.push({ name: candidate.name, score, whole });
  }
  // Ties on the best score go to the closer whole name, then alphabetical, so output is stable.
  scored.sort((x, y) => x.score - y.score || x.whole - y.whole || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return scored.slice(0, n).map((s) => s.name);
}

/**
 * The listed spelling of `zone` when it differs only in letter case ("europe/london" gives
 * "Europe/London"), else undefined. Intl accepts any case, but the name is written to CXone
 * as typed, and nothing in the API contract says CXone matches zone names case-insensitively.
 */
export function caseCorrection(zone: string): string | undefined {
  const listed = candidates().byLower.get(zone.toLowerCase());
  return listed !== undefined && listed !== zone ? listed : undefined;
}

/**
 * The one spelling of the zone `zone` names, or undefined when it names none: the listed name it
 * matches in any letter case, else, for another name of a zone (US/Eastern, Zulu), the runtime's
 * canonical id for it, listed spelling preferred. `zone` is canonical when this returns it unchanged.
 */
export function canonicalZone(zone: string): string | undefined {
  const { byLower } = candidates();
  const listed = byLower.get(zone.toLowerCase());
  if (listed !== undefined) return listed;
  if (!isValidTimeZone(zone)) return undefined;
  const resolved = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  return byLower.get(resolved.toLowerCase()) ?? resolved;
}
