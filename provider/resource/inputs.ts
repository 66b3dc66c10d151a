/**
 * The resource's inputs as data: their names, types and the spec's defaults, and Pulumi's
 * unknown-value sentinel. No validation here: fields.ts holds each input's rules, schema.ts
 * the rules across inputs and `check`.
 */
import type { Disambiguation, Operation } from "../dates/datetime";

/** Pulumi's unknown-value sentinel: an input whose value is not known yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** One input `check` refuses, as Pulumi shows it: the input's name and what to do. */
export interface CheckFailure {
  /** The input (or the unknown key) at fault. */
  property: string;
  /** What is wrong and how to fix it, in one sentence. */
  reason: string;
}

export type ValueFormat = "offset" | "utc";
export type DeleteBehavior = "retain" | "restore" | "disable";
export type Precision = 0 | 1 | 2 | 3;

/** The inputs with the spec's defaults applied; plain JSON (null, never undefined). */
export interface DesiredInputs {
  actionName: string;
  actionId: string | null;
  sourceTimestamp: string;
  sourceTimezone: string;
  targetTimezone: string;
  operation: Operation;
  offsetMinutes: number | null;
  offset: string | null;
  disambiguation: Disambiguation;
  precision: Precision;
  valueFormat: ValueFormat;
  sourceField: string;
  targetField: string;
  dstAdjustment: boolean;
  enabled: boolean;
  webhookUrl: string | null;
  webhookRequired: boolean;
  deleteBehavior: DeleteBehavior;
  triggers: Record<string, string>;
  tenant: string | null;
}

export const INPUT_NAMES = [
  "actionName",
  "actionId",
  "sourceTimestamp",
  "sourceTimezone",
  "targetTimezone",
  "operation",
  "offsetMinutes",
  "offset",
  "disambiguation",
  "precision",
  "valueFormat",
  "sourceField",
  "targetField",
  "dstAdjustment",
  "enabled",
  "webhookUrl",
  "webhookRequired",
  "deleteBehavior",
  "triggers",
  "tenant",
] as const satisfies readonly (keyof DesiredInputs)[];

export type InputName = (typeof INPUT_NAMES)[number];

/**
 * The spec's defaults for optional inputs. They are part of the resource's public contract,
 * not provider tunables, so they live here next to the schema rather than in DEFAULTS.
 */
export const INPUT_DEFAULTS = {
  actionId: null,
  sourceTimezone: "UTC", // IANA zone of a sourceTimestamp without offset
  offsetMinutes: null,
  offset: null,
  disambiguation: "compatible",
  precision: 3, // fractional-second digits kept
  valueFormat: "offset",
  sourceField: "input_datetime",
  targetField: "processed_datetime",
  dstAdjustment: true,
  enabled: true,
  webhookUrl: null,
  webhookRequired: false,
  deleteBehavior: "retain",
  tenant: null, // the stack's own cxone:* settings
} as const satisfies Partial<DesiredInputs>;

export const OPERATIONS = ["ADD_OFFSET", "SUBTRACT_OFFSET", "CONVERT"] as const satisfies readonly Operation[];
export const DISAMBIGUATIONS = ["compatible", "earlier", "later", "reject"] as const satisfies readonly Disambiguation[];
export const VALUE_FORMATS = ["offset", "utc"] as const satisfies readonly ValueFormat[];
export const DELETE_BEHAVIORS = ["retain", "restore", "disable"] as const satisfies readonly DeleteBehavior[];
export const PRECISIONS = [0, 1, 2, 3] as const satisfies readonly Precision[];

/** 9999 years of minutes, counting every year as a leap year: no larger offset can keep a
 *  result inside years 0001-9999, so it is refused before the engine is asked. */
export const MAX_OFFSET_MINUTES = 9999 * 366 * 24 * 60;

/** True when `value` is, or holds anywhere inside it, the unknown sentinel. */
export function containsUnknown(value: unknown, seen = new Set<object>()): boolean {
  if (value === UNKNOWN) return true;
  if (typeof value !== "object" || value === null || seen.has(value)) return false;
  seen.add(value);
  return Object.values(value).some((inner) => containsUnknown(inner, seen));
}
