/**
 * Ownership kept on the action itself, as Kubernetes keeps `last-applied-configuration` on the
 * object: every write of a resource also writes `configuration.dateProcessing.managedBy`, part
 * of the configuration this provider owns, with
 *
 * - `token`: the resource's identity, minted at its first create and kept in its state (an
 *   alias keeps it; a rename without an alias or a replace is a new resource with a new one), so
 *   a later deployment's delete of a resource that no longer owns the action leaves it alone, in
 *   any process or machine;
 * - `owner`: `<project>/<stack>/<resource name>`, for messages: which stack and resource wrote it;
 * - `actionId`: the action it was written to: a copy of the action made in the console carries
 *   the record along, and is not the action whose original it holds;
 * - `original`: the owned configuration from before the first managed write, so a create whose
 *   result never reached state (a crash between the PUT and its answer) still restores the true
 *   original, and a resource that takes over from another inherits it.
 *
 * A delete that restores or disables removes the record: nothing manages the action any more.
 * Pure: no I/O.
 */
import { isDeepStrictEqual } from "node:util";
import type { DataAction } from "../shared/types";
import { OWNED_KEYS, storedOwned, type OwnedState } from "./owned";

export const RECORD_KEY = "managedBy";

export interface OwnershipRecord {
  token: string;
  owner: string;
  /** The action the record was written to: a copy made in the console carries it to another. */
  actionId: string;
  original: OwnedState;
}

/** The record on a live action, when it is one this provider wrote (anything else is ignored). */
export function recordOf(action: DataAction): OwnershipRecord | undefined {
  const processing = action.configuration?.dateProcessing as Record<string, unknown> | null | undefined;
  const record = processing?.[RECORD_KEY] as Record<string, unknown> | undefined;
  if (typeof record !== "object" || record === null || typeof record.token !== "string" || typeof record.owner !== "string") return undefined;
  // A record copied with the action's configuration to another action is not about this one.
  if (record.actionId !== action.id) return undefined;
  const original = storedOwned(record.original);
  return original === undefined ? undefined : { token: record.token, owner: record.owner, actionId: action.id, original };
}

/** The owner label a resource's inputs or outputs name (the program sets `__owner`). */
export function ownerOf(props: Record<string, unknown>): string | undefined {
  return typeof props.__owner === "string" && props.__owner !== "" ? props.__owner : undefined;
}

/** The ownership token a resource's state holds, when an apply of this version recorded one. */
export function tokenOf(props: Record<string, unknown>): string | undefined {
  return typeof props.__ownerToken === "string" && props.__ownerToken !== "" ? props.__ownerToken : undefined;
}

/** `action` with the record set (or, with null, removed); every other key kept as it is. */
export function withRecord(action: DataAction, record: OwnershipRecord | null): DataAction {
  const processing = action.configuration?.dateProcessing;
  if (processing === undefined || processing === null) return action;
  const { [RECORD_KEY]: _previous, ...rest } = processing as unknown as Record<string, unknown>;
  const next = record === null ? rest : { ...rest, [RECORD_KEY]: record };
  return { ...action, configuration: { ...action.configuration, dateProcessing: next as unknown as typeof processing } };
}

/** Whether the live record is exactly `record` (so a PUT can be skipped). */
export function holdsRecord(action: DataAction, record: OwnershipRecord): boolean {
  return isDeepStrictEqual(recordOf(action), record);
}

/**
 * The owned fields in which `live` differs from what this resource last wrote, as the user
 * reads them: `dateProcessing.computedValue`, `enabled`, `managedBy (now ...)`. An action
 * without a record (written before records existed) differs only in its fields.
 */
export function differences(live: DataAction, applied: OwnedState, token: string | undefined): string[] {
  const processing = (live.configuration?.dateProcessing ?? {}) as Record<string, unknown>;
  const wrote = (applied.dateProcessing ?? {}) as Record<string, unknown>;
  const fields = OWNED_KEYS.filter((k) => !isDeepStrictEqual(processing[k], wrote[k])).map((k) => `dateProcessing.${k}`);
  if (live.enabled !== applied.enabled) fields.push("enabled");
  const record = recordOf(live);
  if (token !== undefined && record !== undefined && record.token !== token) fields.push(`managedBy (now "${record.owner}")`);
  return fields;
}
