/** Assertions every test file needs the same way. */
import assert from "node:assert/strict";

/**
 * The error `promise` rejects with; fails the test when it resolves. With `kind`, the error must
 * be one of those (a HostError from the host, a TransientError from the client, ...).
 */
export async function rejection<T = Error>(promise: Promise<unknown>, kind?: abstract new (...args: never[]) => T): Promise<T> {
  const error = await promise.then(
    () => assert.fail("expected a rejection"),
    (e: unknown) => e,
  );
  if (kind !== undefined) assert.ok(error instanceof kind, `expected a ${kind.name}, got ${String(error)}`);
  return error as T;
}

/**
 * The configuration keys other than `dateProcessing` (keys we do not own), failing when there are
 * none: a "foreign keys survive" loop over none would pass whatever the PUT dropped.
 */
export function foreignKeys(configuration: Record<string, unknown>): string[] {
  const keys = Object.keys(configuration).filter((key) => key !== "dateProcessing");
  assert.ok(keys.length > 0, "the action carries keys we do not own");
  return keys;
}
