/**
 * Time-zone names: the one spelling of each zone, and "did you mean" for a misspelt one, so a
 * check failure can say what to write instead.
 */
import { icuZoneId as icuId, isValidTimeZone } from "./timezone";
import { editDistance } from "../shared/distance";

/** The IANA time zone database as the `tzdata` package ships it: each name to its rules (a
 *  Zone), or to the name it links to. */
interface ZoneData {
  version: string;
  zones: Record<string, unknown>;
}

interface Candidate {
  name: string;
  lower: string;
  segment: string; // lower-case last path segment: "new_york" for America/New_York
}

let iana: { version: string; zones: Record<string, unknown>; byLower: Map<string, string> } | undefined;
let cache: Candidate[] | undefined;

/** Loaded on the first zone checked (about 200 KB of JSON), then kept for the process. */
function ianaData(): NonNullable<typeof iana> {
  if (iana === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- JSON without types, read lazily
    const data = require("tzdata") as ZoneData;
    iana = { version: data.version, zones: data.zones, byLower: new Map(Object.keys(data.zones).map((name) => [name.toLowerCase(), name])) };
  }
  return iana;
}

/** The IANA database release the zone names are checked against, e.g. "2026d". */
export function ianaVersion(): string {
  return ianaData().version;
}

/** The Zone an IANA name stands for: itself, or the end of its chain of links. */
function ianaZone(name: string): string | undefined {
  const { zones } = ianaData();
  let current = name;
  for (let hop = 0; hop < 8; hop++) {
    const entry = zones[current];
    if (entry === undefined) return undefined;
    if (typeof entry !== "string") return current;
    current = entry;
  }
  return undefined; // a loop of links: not data this code can trust
}

/**
 * The one spelling of the zone `zone` names, or undefined when the IANA database has no such name
 * (in any letter case) or this Node cannot compute it. `zone` is canonical when this returns it
 * unchanged.
 *
 * Computed from two sources of zone data, no list typed here: ICU (in Node) says which names are one
 * zone; the IANA database says which name of those is current. ICU alone keeps pre-rename ids
 * (Asia/Calcutta, Europe/Kiev), and IANA alone links zones that merely agree since 1970
 * (Europe/Amsterdam to Europe/Brussels), so a link's target is the answer only when ICU counts it
 * as the same zone. The UTC names are one zone, spelled "UTC" as the spec's default is.
 */
export function canonicalZone(zone: string): string | undefined {
  const spelled = ianaData().byLower.get(zone.toLowerCase());
  if (spelled === undefined || !isValidTimeZone(spelled)) return undefined;
  const id = icuId(spelled);
  if (id === "UTC") return "UTC";
  if (typeof ianaData().zones[id] === "object") return id;
  const target = ianaZone(spelled);
  return target !== undefined && isValidTimeZone(target) && icuId(target) === id ? target : id;
}

function lastSegment(lower: string): string {
  return lower.slice(lower.lastIndexOf("/") + 1);
}

/** Lower case, and spaces as underscores: people type "New York" for New_York. */
function normalize(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, "_");
}

/** Built once per process, on the first misspelt zone: every canonical name, for suggestions. */
function candidates(): Candidate[] {
  if (cache === undefined) {
    // Only names that pass: a suggestion must be accepted when the user copies it.
    const names = new Set(Object.keys(ianaData().zones).map((name) => canonicalZone(name)).filter((name): name is string => name !== undefined));
    cache = [...names].sort().map((name) => ({ name, lower: name.toLowerCase(), segment: lastSegment(name.toLowerCase()) }));
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
  for (const candidate of candidates()) {
    const whole = withinTolerance(typed, candidate.lower);
    const score = Math.min(whole, withinTolerance(typedSegment, candidate.segment));
    if (score !== Infinity) scored.push({ name: candidate.name, score, whole });
  }
  // Ties on the best score go to the closer whole name, then alphabetical, so output is stable.
  scored.sort((x, y) => x.score - y.score || x.whole - y.whole || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return scored.slice(0, n).map((s) => s.name);
}
