/**
 * The emulator's data: the built-in seed (facts in SEED for tests), seeds from a file, and the
 * rules a PUT body must meet to replace a stored action (cxone-api.md: 400 on a schema
 * violation). Pure but for reading a seed file.
 */
import { readFile } from "node:fs/promises";
import { ConfigError } from "../shared/errors";
import type { DataAction } from "../shared/types";

/** Facts about defaultSeed(), so tests name them instead of repeating literals. */
export const SEED = {
  /** The id of the action the examples manage. */
  targetId: "da-000123",
  /** Its name. */
  targetName: "Production_Date_Processor",
  /** Names one edit away from it (case, a suffix, another word), for "did you mean". */
  nearMissNames: ["production_date_processor", "Production_Date_Processor_v2", "Staging_Date_Processor"],
  /** A name two actions share: a lookup by it is ambiguous. */
  duplicateName: "Duplicate_Name",
  /** The ids of those two actions. */
  duplicateIds: ["da-000201", "da-000202"],
  /** An action without `version`. */
  unversionedId: "da-000301",
  /** An action without `configuration.dateProcessing`. */
  unconfiguredId: "da-000302",
  /** Generated actions Action_0001 ... Action_0230 (ids da-100001 ... da-100230), so lists span pages. */
  generatedCount: 230,
  /** A name whose filter matches every generated action too, and whose id sorts after them all. */
  lastPageName: "Action",
  /** Its id. */
  lastPageId: "da-999999",
} as const;

function dateProcessing(computedValue: string, timezone: string) {
  return {
    sourceField: "input_datetime",
    targetField: "processed_datetime",
    computedValue,
    timezone,
    dstAdjustment: true,
    precision: 3,
  };
}

/** The Data Actions a fresh emulator holds unless `seed` says otherwise (a new copy each call). */
export function defaultSeed(): DataAction[] {
  const action = (id: string, name: string, extra: Partial<DataAction> = {}): DataAction => ({
    id,
    name,
    type: "DATE_PROCESSOR",
    enabled: true,
    version: 1,
    configuration: { dateProcessing: dateProcessing("2024-01-15T09:00:00.000Z", "UTC") },
    ...extra,
  });
  const zones = ["UTC", "Europe/London", "Asia/Tokyo", "America/Chicago"];
  const generated = Array.from({ length: SEED.generatedCount }, (_, i) => {
    const n = i + 1;
    return action(`da-${100000 + n}`, `Action_${String(n).padStart(4, "0")}`, {
      enabled: n % 10 !== 0,
      version: (n % 5) + 1,
      configuration: {
        dateProcessing: dateProcessing(new Date(Date.UTC(2024, 0, 1, n)).toISOString(), zones[n % zones.length]),
      },
    });
  });
  const unversioned = action(SEED.unversionedId, "Unversioned_Date_Processor");
  delete unversioned.version;
  return [
    action(SEED.targetId, SEED.targetName, {
      version: 7,
      configuration: {
        dateProcessing: dateProcessing("2024-02-29T12:30:00.000-05:00", "America/New_York"),
        anyOtherKey: "owned by someone else; must survive every PUT untouched",
        routing: { queue: "billing", retry: { max: 3, backoff: "PT5S" }, tags: ["finance", "eod"] },
      },
    }),
    action("da-000124", SEED.nearMissNames[0], { version: 3 }),
    action("da-000125", SEED.nearMissNames[1], { version: 2 }),
    action("da-000126", SEED.nearMissNames[2], { enabled: false }),
    action(SEED.duplicateIds[0], SEED.duplicateName),
    action(SEED.duplicateIds[1], SEED.duplicateName, { version: 4 }),
    unversioned,
    action(SEED.unconfiguredId, "Unconfigured_Action", { configuration: { webhookTemplate: "none" } }),
    ...generated,
    action(SEED.lastPageId, SEED.lastPageName, { version: 12 }),
  ];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkSeed(entities: unknown, source: string): DataAction[] {
  if (!Array.isArray(entities)) throw new ConfigError(`emulator seed ${source}: expected a JSON array of Data Actions`);
  const ids = new Set<string>();
  entities.forEach((e: unknown, i) => {
    if (!isRecord(e) || typeof e.id !== "string" || e.id === "" || typeof e.name !== "string" ||
        typeof e.enabled !== "boolean" || !isRecord(e.configuration)) {
      throw new ConfigError(
        `emulator seed ${source}: entity ${i} needs a non-empty string id, a string name, a boolean enabled and an object configuration`,
      );
    }
    if (ids.has(e.id)) throw new ConfigError(`emulator seed ${source}: id ${e.id} appears twice; ids must be unique`);
    ids.add(e.id);
  });
  // A copy, so the caller's array is never edited by PUTs.
  return structuredClone(entities as DataAction[]);
}

export async function loadSeed(seed: DataAction[] | string | undefined): Promise<DataAction[]> {
  if (seed === undefined) return defaultSeed();
  if (Array.isArray(seed)) return checkSeed(seed, "(array)");
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(seed, "utf8"));
  } catch (cause) {
    throw new ConfigError(`emulator seed file ${seed} could not be read as JSON: ${(cause as Error).message}`);
  }
  return checkSeed(parsed, `file ${seed}`);
}

const IANA_OFFSET = /^[+-]/;
function isIanaZone(zone: string): boolean {
  // Newer V8 accepts offset strings such as "+05:00" as time zones; they are not IANA names.
  if (zone === "" || IANA_OFFSET.test(zone)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-](\d{2}):(\d{2}))$/;
/** The reason a computedValue is invalid, or undefined. Date.parse alone accepts Feb 30. */
function timestampProblem(value: string): string | undefined {
  const m = TIMESTAMP.exec(value);
  if (!m) return `computedValue "${value}" is not an ISO 8601 timestamp with an offset (Z or ±hh:mm)`;
  const [, y, mo, d, h, mi, s, fraction, , oh, om] = m;
  if (fraction !== undefined && fraction.length > 3) {
    return `computedValue "${value}" has ${fraction.length} fractional digits; at most 3 are allowed`;
  }
  // Not Date.UTC: it reads years 0-99 as 1900-1999. setUTCFullYear takes the year as given.
  const date = new Date(0);
  date.setUTCFullYear(+y, +mo - 1, +d);
  date.setUTCHours(+h, +mi, +s, 0);
  const exists = +y >= 1 && date.getUTCFullYear() === +y && date.getUTCMonth() === +mo - 1 && date.getUTCDate() === +d &&
    date.getUTCHours() === +h && date.getUTCMinutes() === +mi && date.getUTCSeconds() === +s;
  if (!exists || (oh !== undefined && (+oh > 23 || +om > 59))) return `computedValue "${value}" is not a valid date and time`;
  return undefined;
}

function dateProcessingProblem(dp: unknown): string | undefined {
  if (!isRecord(dp)) return "configuration.dateProcessing must be an object";
  for (const key of ["sourceField", "targetField", "computedValue", "timezone"]) {
    if (typeof dp[key] !== "string") return `configuration.dateProcessing.${key} must be a string`;
  }
  if (typeof dp.dstAdjustment !== "boolean") return "configuration.dateProcessing.dstAdjustment must be a boolean";
  const p = dp.precision;
  if (!(typeof p === "number" && Number.isInteger(p) && p >= 0 && p <= 3)) {
    return "configuration.dateProcessing.precision must be an integer from 0 to 3";
  }
  if (!isIanaZone(dp.timezone as string)) return `configuration.dateProcessing.timezone "${dp.timezone}" is not an IANA time zone`;
  return timestampProblem(dp.computedValue as string);
}

/** Why `body` cannot replace `stored` at `id`, or undefined when it can. */
export function replacementProblem(id: string, stored: DataAction, body: unknown): string | undefined {
  if (!isRecord(body)) return "the body must be a JSON object holding the whole Data Action";
  if (body.id !== id) return `id ${JSON.stringify(body.id)} in the body does not match the path id "${id}"`;
  if (body.name !== stored.name) return `name ${JSON.stringify(body.name)} in the body does not match the action's name "${stored.name}"`;
  if (stored.type !== undefined && body.type !== stored.type) {
    return `type ${JSON.stringify(body.type)} in the body does not match the action's type "${stored.type}"`;
  }
  if (typeof body.enabled !== "boolean") return "enabled must be a boolean";
  const v = body.version;
  if (v !== undefined && !(typeof v === "number" && Number.isInteger(v) && v >= 0)) return "version must be a non-negative integer";
  if (!isRecord(body.configuration)) return "configuration must be an object";
  const dp = body.configuration.dateProcessing;
  return dp === undefined ? undefined : dateProcessingProblem(dp);
}
