/** Merging the owned part of a Data Action into a live one, and comparing them (pure). */
import { isDeepStrictEqual } from "node:util";
import { isRecord } from "./shapes";
import type { DataAction, DateProcessing } from "../shared/types";

/** The part of a Data Action this provider owns (resource-spec.md). */
export interface OwnedConfig {
  dateProcessing: DateProcessing;
  enabled: boolean;
}

/**
 * The live action with our `enabled` and `dateProcessing` written in. Every other key, at the
 * top level and in `configuration`, is kept as read, and so is `version` (the server checks it).
 * We own `dateProcessing`, yet keys inside it that we do not know are kept too: a newer CXone
 * field there must not be erased by an older provider.
 */
export function mergeOwned(live: DataAction, desired: OwnedConfig): DataAction {
  const liveProcessing = live.configuration?.dateProcessing;
  return {
    ...live,
    enabled: desired.enabled,
    configuration: {
      ...live.configuration,
      dateProcessing: { ...(isRecord(liveProcessing) ? liveProcessing : {}), ...desired.dateProcessing },
    },
  };
}

/**
 * Whether the live action already holds what we want, so the PUT can be skipped. Keys inside
 * `dateProcessing` that we do not set are ignored (mergeOwned keeps them). A null
 * `dateProcessing` (an action that had none) matches only an action without one.
 */
export function ownedEquals(live: DataAction, desired: { dateProcessing: DateProcessing | null; enabled: boolean }): boolean {
  if (live.enabled !== desired.enabled) return false;
  const liveProcessing = live.configuration?.dateProcessing;
  if (desired.dateProcessing === null) return liveProcessing === undefined || liveProcessing === null;
  if (!isRecord(liveProcessing)) return false;
  return Object.entries(desired.dateProcessing).every(([key, value]) => value === undefined || isDeepStrictEqual(liveProcessing[key], value));
}
