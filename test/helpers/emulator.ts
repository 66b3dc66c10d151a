/** Test helpers around the CXone emulator: one per test, closed when the test ends. */
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import {
  EMULATOR_CLIENT_ID,
  EMULATOR_CLIENT_SECRET,
  SEED,
  startEmulator as startServer,
  type Emulator,
  type EmulatorOptions,
} from "../../provider/emulator/emulator";
import type { DataAction } from "../../provider/shared/types";

/** Starts an emulator and closes it (sockets included) when `t` ends. */
export async function startEmulator(t: Pick<TestContext, "after">, options?: EmulatorOptions): Promise<Emulator> {
  const emulator = await startServer(options);
  t.after(() => emulator.close());
  return emulator;
}

/** A bearer token from the emulator's token endpoint; fails the test on anything but 200. */
export async function fetchToken(
  emulator: Emulator,
  clientId = EMULATOR_CLIENT_ID,
  clientSecret = EMULATOR_CLIENT_SECRET,
  scope?: string,
): Promise<string> {
  const form = new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret });
  if (scope !== undefined) form.set("scope", scope);
  const res = await fetch(emulator.tokenUrl, { method: "POST", body: form });
  if (res.status !== 200) throw new Error(`token request answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A clock for the emulator's `now` option: tests move time instead of waiting for it. */
export function manualClock(startMs = Date.UTC(2026, 0, 1)) {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    advance(ms: number) {
      nowMs += ms;
    },
  };
}

/**
 * A live `dateProcessing` without the provider's ownership record (`managedBy`): the part state
 * records as `applied`, and what a test compares with what it declared.
 */
export function ownedPart<T extends object | null | undefined>(processing: T): T {
  if (processing === null || processing === undefined) return processing;
  const { managedBy: _record, ...rest } = processing as Record<string, unknown>;
  return rest as T;
}

/** A copy of what the emulator holds for the action `id` now (a test's edits to it stay its own). */
export function live(emulator: { store: Map<string, DataAction> }, id: string = SEED.targetId): DataAction {
  const action = emulator.store.get(id);
  assert.ok(action, `${id} is in the emulator`);
  return structuredClone(action);
}
