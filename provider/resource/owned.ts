/**
 * The part of a Data Action this resource owns (`enabled` and the keys it writes into
 * `configuration.dateProcessing`), as recorded in state, and what `restore` puts back. Pure.
 */
import { isDeepStrictEqual } from "node:util";
import { DEFAULTS } from "../shared/defaults";
import { HttpError } from "../shared/errors";
import type { DataAction, DateProcessing } from "../shared/types";

/** The owned part of an action as last applied or read; what `diff` compares against. */
export interface OwnedState {
  dateProcessing: DateProcessing | null;
  enabled: boolean;
}

/** The keys of `dateProcessing` this resource writes (normalizeDesired sets exactly these). */
export const OWNED_KEYS = ["sourceField", "targetField", "computedValue", "timezone", "dstAdjustment", "precision"] as const;

/**
 * The owned part of a live action, as state records it: only the keys this resource owns, by
 * name. Anything else a server puts in `dateProcessing` (a newer CXone field, or a reflected
 * header) stays in CXone and never reaches state; restore puts back only owned keys anyway.
 */
export function ownedOf(action: DataAction): OwnedState {
  const live = action.configuration?.dateProcessing;
  if (live === undefined || live === null) return { dateProcessing: null, enabled: action.enabled };
  const kept: Record<string, unknown> = {};
  for (const key of OWNED_KEYS) {
    const value = (live as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (typeof value === "string" && value.length > DEFAULTS.ownedValueMaxChars) {
      throw new HttpError(
        `Data Action ${action.id} holds a dateProcessing.${key} of ${value.length} characters; no value this provider writes is ` +
          `longer than ${DEFAULTS.ownedValueMaxChars}, so it is not recorded in state. Check the action in CXone.`,
        {},
      );
    }
    kept[key] = value;
  }
  return { dateProcessing: kept as unknown as DateProcessing, enabled: action.enabled };
}

/** A stored owned state, or undefined when state from elsewhere holds something else there. */
export function storedOwned(value: unknown): OwnedState | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const { dateProcessing, enabled } = value as Record<string, unknown>;
  const processingOk = dateProcessing === null || (typeof dateProcessing === "object" && !Array.isArray(dateProcessing));
  return processingOk && typeof enabled === "boolean" ? (value as OwnedState) : undefined;
}

export function asAction(id: string, owned: OwnedState): DataAction {
  const configuration = owned.dateProcessing === null ? {} : { dateProcessing: owned.dateProcessing };
  return { id, name: "", enabled: owned.enabled, configuration };
}

type Key = (typeof OWNED_KEYS)[number];

function keyOf(processing: DateProcessing | null | undefined, key: Key): unknown {
  return processing === null || processing === undefined ? undefined : processing[key];
}

/** What this resource changed between the state before its first apply and its last apply. */
export interface RestorePlan {
  keys: Key[]; // dateProcessing keys whose value this resource changed
  enabled: boolean | undefined; // the enabled flag to put back, when this resource changed it
  original: OwnedState;
  applied: OwnedState;
}

export function restorePlan(original: OwnedState, applied: OwnedState): RestorePlan {
  const keys = OWNED_KEYS.filter((k) => !isDeepStrictEqual(keyOf(original.dateProcessing, k), keyOf(applied.dateProcessing, k)));
  return { keys, enabled: original.enabled === applied.enabled ? undefined : original.enabled, original, applied };
}

export function nothingToRestore(plan: RestorePlan): boolean {
  return plan.keys.length === 0 && plan.enabled === undefined;
}

/** Whether every owned key (and `enabled`) of `live` still holds what this resource applied. */
export function holdsApplied(live: DataAction, plan: RestorePlan): boolean {
  const processing = live.configuration?.dateProcessing;
  return live.enabled === plan.applied.enabled && OWNED_KEYS.every((k) => isDeepStrictEqual(keyOf(processing, k), keyOf(plan.applied.dateProcessing, k)));
}

/** Whether `live` already holds what restore puts back (a write confirmed by the read-back). */
export function holdsRestored(live: DataAction, plan: RestorePlan): boolean {
  const processing = live.configuration?.dateProcessing;
  if (plan.enabled !== undefined && live.enabled !== plan.enabled) return false;
  return plan.keys.every((k) => isDeepStrictEqual(keyOf(processing, k), keyOf(plan.original.dateProcessing, k)));
}

/**
 * `live` with the keys this resource changed put back as they were before its first apply;
 * every other key, in `dateProcessing` too (one somebody added since), stays as it is now.
 */
export function restored(live: DataAction, plan: RestorePlan): DataAction {
  const { dateProcessing: current, ...others } = live.configuration ?? {};
  const processing: Record<string, unknown> = { ...(current ?? {}) };
  for (const key of plan.keys) {
    const before = keyOf(plan.original.dateProcessing, key);
    if (before === undefined) delete processing[key];
    else processing[key] = before;
  }
  // An action that had no dateProcessing gets none back, unless somebody else put keys there since.
  const keep = plan.original.dateProcessing !== null || Object.keys(processing).length > 0;
  const configuration = keep ? { ...others, dateProcessing: processing as DateProcessing } : others;
  return { ...live, enabled: plan.enabled ?? live.enabled, configuration };
}
