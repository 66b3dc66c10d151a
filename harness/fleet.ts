/**
 * Shared orchestration for tests that drive many resources through ONE dynamic-provider host
 * against ONE emulator: start both (the host is configured once per process, so one emulator
 * per test file), run applies with a bounded number in flight like `pulumi up --parallel`,
 * attribute the emulator's requests to a resource, and scan everything for secrets.
 */
import { startEmulator, type Emulator, type RecordedRequest } from "../provider/emulator/emulator";
import type { DataAction } from "../provider/shared/types";
import { up, type ResourceState } from "./engine";
import { HostError, makeProgramDir, ProviderHost } from "./host";
import { compiledPackage, runProgram } from "./program";
import { VALID_INPUTS } from "./fixtures";

type Props = Record<string, unknown>;

export interface Fleet {
  emulator: Emulator;
  host: ProviderHost;
  /** The inputs a real program registered (with `__provider`) for a valid resource. */
  base: Props;
  clientId: string;
  clientSecret: string;
  webhookSecret: string;
  /** Stops the host and the emulator and removes the program directory. */
  close(): Promise<void>;
}

/**
 * An emulator with its own API client and webhook secret, and a host configured for it through
 * stack config only (no CXONE_* variable reaches the host but those in `env`, such as CXONE_LOG).
 * Secrets are unique per process so a leak cannot be mistaken for a fixture.
 */
export async function startFleet(label: string, env?: NodeJS.ProcessEnv): Promise<Fleet> {
  const clientId = `${label}-client`;
  const clientSecret = `${label}-secret-${process.pid}-${Date.now()}`;
  const webhookSecret = `whsec-${label}-${process.pid}-${Date.now()}`;
  const emulator = await startEmulator({
    clients: { [clientId]: { secret: clientSecret, scopes: ["dataactions:read", "dataactions:write"] } },
    webhookSecret,
  });
  const program = makeProgramDir();
  let host: ProviderHost | undefined;
  const close = async () => {
    await host?.close();
    await emulator.close();
    program.remove();
  };
  try {
    const { CxoneDateAction } = compiledPackage();
    const registrations = await runProgram(() => [
      new CxoneDateAction(label, {
        ...VALID_INPUTS,
      }),
    ]);
    host = await ProviderHost.start({ cwd: program.dir, env });
    await host.configure({ "cxone:baseUrl": emulator.url, "cxone:clientId": clientId, "cxone:clientSecret": clientSecret, "cxone:webhookSecret": webhookSecret });
    return { emulator, host, base: registrations[0].inputs, clientId, clientSecret, webhookSecret, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** One `pulumi up` of one new resource: recorded (fully or as a partial failure) or failed. */
export type Outcome =
  | { kind: "ok"; name: string; state: ResourceState }
  | { kind: "partial"; name: string; state: ResourceState; error: HostError }
  | { kind: "failed"; name: string; error: Error };

export async function applyOne(host: ProviderHost, name: string, news: Props, prior?: ResourceState): Promise<Outcome> {
  try {
    return { kind: "ok", name, state: (await up(host, name, news, prior)).state };
  } catch (error) {
    const state = (error as { state?: ResourceState }).state;
    if (error instanceof HostError && state !== undefined) return { kind: "partial", name, state, error };
    return { kind: "failed", name, error: error as Error };
  }
}

/**
 * Calls `hook` synchronously as each request arrives at the emulator: after it is recorded and
 * before its body is read or it is served. The emulator has no request hook of its own, so this
 * wraps `push` on its live `requests` array (the emulator records each request there first
 * thing). Returns the function that removes the hook.
 */
export function onArrival(emulator: Emulator, hook: (request: RecordedRequest) => void): () => void {
  const requests = emulator.requests;
  Object.defineProperty(requests, "push", {
    configurable: true,
    writable: true,
    value: (...records: RecordedRequest[]) => {
      for (const record of records) hook(record);
      return Array.prototype.push.apply(requests, records);
    },
  });
  return () => {
    delete (requests as { push?: unknown }).push;
  };
}

/** The emulator's CXone API requests made on behalf of one action: its name lookup, its GETs and PUTs. */
export function requestsFor(emulator: Emulator, action: Pick<DataAction, "id" | "name">): RecordedRequest[] {
  const path = `/api/v2/dataactions/${encodeURIComponent(action.id)}`;
  return emulator.requests.filter(
    (r) => (r.route === "list" && r.query.filter === `name=${action.name}`) || ((r.route === "get" || r.route === "put") && r.path === path),
  );
}

/** The store as a deep copy, so later PUTs and edits cannot reach it. */
export function snapshotStore(emulator: Emulator): Map<string, DataAction> {
  return new Map([...emulator.store].map(([id, action]) => [id, structuredClone(action)]));
}

/** Puts the store back to `snapshot` in place (the emulator keeps its Map instance). */
export function restoreStore(emulator: Emulator, snapshot: Map<string, DataAction>): void {
  emulator.store.clear();
  for (const [id, action] of snapshot) emulator.store.set(id, structuredClone(action));
}

/**
 * How many of `needles` (secrets, tokens) occur in any of the texts. A count, never the
 * needles themselves, so a failing assertion does not print the secret it found.
 */
export function countLeaked(texts: readonly string[], needles: readonly string[]): number {
  const haystack = texts.join("\n");
  return needles.filter((needle) => needle.length > 0 && haystack.includes(needle)).length;
}
