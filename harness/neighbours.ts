/**
 * Neighbours: several provider hosts (separate processes, as separate stacks or pipelines run)
 * applying their own resources at once against ONE emulator tenant and its one throttle. Each
 * host has its own client and limiter and knows nothing of the others. Used by `npm run bench`
 * and by test/resource/neighbours.test.ts.
 */
import { startEmulator, type RecordedRequest, type ThrottleSpec } from "../provider/emulator/emulator";
import type { DataAction } from "../provider/shared/types";
import { up } from "./engine";
import type { Registration } from "./program";
import { settleInPool, withHost } from "./deployment";

export interface NeighbourHost {
  startedAtMs: number; // Date.now() when its first apply began
  finishedAtMs: number; // Date.now() when its last resource settled
  failed: number;
  errors: string[];
}

export interface NeighbourResult {
  startedAtMs: number;
  wallMs: number; // from the first host's start to the last host's end
  hosts: NeighbourHost[];
  records: RecordedRequest[]; // the emulator's log of the applies (configure and token included)
  hostOf: (record: RecordedRequest) => number | null; // which host sent an API request; null for token requests
  store: Map<string, DataAction>; // the emulator's store after the applies
}

/**
 * Host h applies `groups[h]` (first apply: check, create), `parallel` at a time, all hosts at
 * once. The seed holds the actions the registrations name.
 */
export async function runNeighbours(options: {
  groups: readonly (readonly Registration[])[];
  seed: DataAction[];
  throttle: ThrottleSpec;
  parallel: number;
}): Promise<NeighbourResult> {
  const { groups, parallel } = options;
  const emulator = await startEmulator({ seed: options.seed, throttle: options.throttle });
  try {
    // Requests name an action by name (the lookup) or by id (GET, PUT): both map to a host.
    const owner = new Map<string, number>();
    groups.forEach((group, h) => {
      for (const r of group) {
        const name = r.inputs.actionName as string;
        owner.set(`name=${name}`, h);
        const action = options.seed.find((a) => a.name === name);
        if (action !== undefined) owner.set(`/api/v2/dataactions/${encodeURIComponent(action.id)}`, h);
      }
    });
    const hostOf = (r: RecordedRequest) => owner.get(r.route === "list" ? (r.query.filter ?? "") : r.path) ?? null;
    // Every host starts and is configured first, so the applies begin together.
    let release!: () => void;
    const go = new Promise<void>((resolve) => (release = resolve));
    const hostsStarted: Array<Promise<void>> = [];
    const results = groups.map((group) => {
      let started!: () => void;
      hostsStarted.push(new Promise<void>((resolve) => (started = resolve)));
      return withHost(emulator, async (host) => {
        started();
        await go;
        const startedAtMs = Date.now();
        const settled = await settleInPool(group, parallel, (r) => up(host, r.name, r.inputs));
        const errors = settled.flatMap((s) => (s.ok ? [] : [s.error instanceof Error ? s.error.message : String(s.error)]));
        return { startedAtMs, finishedAtMs: Date.now(), failed: errors.length, errors: errors.slice(0, 3) };
      });
    });
    await Promise.all(hostsStarted);
    const from = emulator.requests.length;
    const startedAtMs = Date.now();
    release();
    const hosts = await Promise.all(results);
    return {
      startedAtMs,
      wallMs: Math.max(...hosts.map((h) => h.finishedAtMs)) - startedAtMs,
      hosts,
      records: emulator.requests.slice(from),
      hostOf,
      store: new Map([...emulator.store].map(([id, a]) => [id, structuredClone(a)])),
    };
  } finally {
    await emulator.close();
  }
}

/** Accepted requests per second and host ("a+b+c"), "/k" when k were answered 429 that second. */
export function neighbourTimeline(result: NeighbourResult): string {
  const bins: Array<{ ok: number[]; throttled: number }> = [];
  for (const r of result.records) {
    const h = result.hostOf(r);
    if (h === null) continue;
    const i = Math.max(0, Math.floor((r.startedAt - result.startedAtMs) / 1000));
    while (bins.length <= i) bins.push({ ok: new Array(result.hosts.length).fill(0), throttled: 0 });
    if (r.status === 429) bins[i].throttled++;
    else if (r.status !== 0) bins[i].ok[h]++;
  }
  return bins.map((b) => b.ok.join("+") + (b.throttled > 0 ? `/${b.throttled}` : "")).join(" ");
}
