/**
 * One deployment as `npm run bench` measures it: a fresh emulator seeded with one Data Action
 * per resource, ONE dynamic-provider host (as Pulumi runs one per deployment) configured with
 * the emulator's URL and client credentials, and the engine's step logic driven `parallel`
 * resources at once (like `pulumi up --parallel`) through six phases:
 *
 *   preview of a new stack -> first apply (timed) -> apply with no change -> refresh ->
 *   preview after the refresh -> update (the edited program: every resource changes).
 *
 * It returns the emulator's request log of each phase, the stack state, and the host's peak memory.
 */
import { readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, startEmulator, type Emulator, type RecordedRequest, type ThrottleSpec } from "../provider/emulator/emulator";
import type { DataAction } from "../provider/shared/types";
import { inPool, preview, refresh, up, type ResourceState, type StepKind } from "./engine";
import { makeProgramDir, ProviderHost } from "./host";
import type { Registration } from "./program";
import { statFields } from "./processes";

export interface PhaseResult {
  wallMs: number;
  startedAtMs: number; // Date.now() at the start, the emulator's clock
  resources: number; // resources the phase operated on
  failed: number;
  errors: string[]; // the first few failure messages
  steps: Partial<Record<StepKind, number>>; // what the engine decided, per kind
  records: RecordedRequest[]; // the emulator's log of this phase
  hostCpuMs: number | null; // CPU time the host process used during the phase; null off Linux
}

export interface DeploymentResult {
  previewNew: PhaseResult;
  firstApply: PhaseResult;
  noChange: PhaseResult;
  refresh: PhaseResult;
  previewAfter: PhaseResult;
  update: PhaseResult; // the edited program applied: every resource updates
  tokenRequests: number; // token requests answered 200 over the whole deployment
  stateBytes: number[]; // per resource: UTF-8 bytes of JSON {inputs, outputs} after the refresh
  stateProviderBytes: number[]; // per resource: the part of stateBytes that is `__provider` (JSON-escaped, both copies)
  hostIdleKiB: number | null; // VmHWM of the host once started and configured, before any resource
  hostPeakKiB: number | null; // VmHWM of the host process after every phase; null off Linux
}

const ERRORS_KEPT = 3;
const BUCKET_MARGIN_MS = 200; // ms waited beyond the server's refill time before a timed phase

/** Host processes started and not closed yet, so a watchdog can end them by pid. */
export const liveHostPids = new Set<number>();

type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/** Runs `run` over `items`, `size` at a time, in order; every item settles, none is skipped. */
export function settleInPool<T, R>(items: readonly T[], size: number, run: (item: T) => Promise<R>): Promise<Settled<R>[]> {
  return inPool(items, size, (item) =>
    run(item).then(
      (value): Settled<R> => ({ ok: true, value }),
      (error: unknown): Settled<R> => ({ ok: false, error }),
    ),
  );
}

/** Peak resident set size of a process in KiB, from /proc (Linux only). */
export function peakMemoryKiB(pid: number): number | null {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

// /proc reports CPU times in USER_HZ, which the kernel ABI fixes at 100 per second.
const USER_HZ = 100;

/**
 * User + system CPU time of a process in ms, from /proc (Linux only). On a shared machine this,
 * not wall time, says how much work the host did: wall time also holds the neighbours' work.
 */
export function cpuTimeMs(pid: number): number | null {
  const fields = statFields(pid);
  return fields === undefined ? null : ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

interface PhaseContext {
  log: RecordedRequest[]; // the emulator's live request log
  hostPid: number;
  parallel: number;
}

async function phase<T, R>(
  ctx: PhaseContext,
  items: readonly T[],
  run: (item: T) => Promise<R>,
  kindOf: (value: R) => StepKind | undefined,
): Promise<{ result: PhaseResult; values: (R | undefined)[] }> {
  const { log } = ctx;
  const from = log.length;
  const cpuBefore = cpuTimeMs(ctx.hostPid);
  const startedAtMs = Date.now();
  const started = performance.now();
  const settled = await settleInPool(items, ctx.parallel, run);
  const wallMs = performance.now() - started;
  const cpuAfter = cpuTimeMs(ctx.hostPid);
  const steps: Partial<Record<StepKind, number>> = {};
  const errors: string[] = [];
  for (const s of settled) {
    if (s.ok) {
      const kind = kindOf(s.value);
      if (kind !== undefined) steps[kind] = (steps[kind] ?? 0) + 1;
    } else if (errors.length < ERRORS_KEPT) {
      errors.push(s.error instanceof Error ? s.error.message : String(s.error));
    }
  }
  return {
    result: {
      wallMs,
      startedAtMs,
      resources: items.length,
      failed: settled.filter((s) => !s.ok).length,
      errors,
      steps,
      records: log.slice(from),
      hostCpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
    },
    values: settled.map((s) => (s.ok ? s.value : undefined)),
  };
}

export interface DeploymentOptions {
  registrations: readonly Registration[];
  edited: readonly Registration[]; // the same resources, every input edited so each one updates
  seed: DataAction[];
  throttle: ThrottleSpec & { burst: number };
  parallel: number;
}

/**
 * A fresh program directory and ONE host process, configured with the emulator's URL and
 * client credentials as stack config, for the duration of `use`; then closed and removed.
 */
export async function withHost<T>(emulator: Emulator, use: (host: ProviderHost) => Promise<T>): Promise<T> {
  const program = makeProgramDir();
  let host: ProviderHost | undefined;
  try {
    // Credentials reach the host only as stack config, never from this process's environment.
    host = await ProviderHost.start({ cwd: program.dir });
    liveHostPids.add(host.pid());
    await host.configure({
      "cxone:baseUrl": emulator.url,
      "cxone:clientId": EMULATOR_CLIENT_ID,
      "cxone:clientSecret": EMULATOR_CLIENT_SECRET,
    });
    return await use(host);
  } finally {
    if (host !== undefined) {
      await host.close();
      liveHostPids.delete(host.pid());
    }
    program.remove();
  }
}

const stateBytesOf = (s: ResourceState) => Buffer.byteLength(JSON.stringify({ inputs: s.inputs, outputs: s.outputs }));

/**
 * Waits until the server's bucket is full again. A timed phase's floor assumes it starts full;
 * run straight after the phase before (the unthrottled ones take under half a second), a refresh
 * began with 20 of 50 tokens and was judged against 50. Separate `pulumi` commands are seconds
 * apart; the margin covers timer slack.
 */
function bucketRefilled(throttle: { ratePerSecond: number; burst: number }): Promise<void> {
  return delay((throttle.burst / throttle.ratePerSecond) * 1000 + BUCKET_MARGIN_MS);
}

type Applied = { registration: Registration; state: ResourceState };

// Later phases work on what the one before put in state; a failed resource has none.
function stated(registrations: readonly Registration[], states: readonly (ResourceState | null | undefined)[]): Applied[] {
  return states.flatMap((state, i) => (state ? [{ registration: registrations[i], state }] : []));
}

const firstApply = (h: ProviderHost, ctx: PhaseContext, registrations: readonly Registration[]) =>
  phase(ctx, registrations, (r) => up(h, r.name, r.inputs), (s) => s.step);
const refreshOf = (h: ProviderHost, ctx: PhaseContext, applied: readonly Applied[]) => phase(ctx, applied, (a) => refresh(h, a.state), () => undefined);
const updateOf = (h: ProviderHost, ctx: PhaseContext, after: readonly Applied[], options: DeploymentOptions) =>
  phase(ctx, after, (a) => up(h, a.registration.name, options.edited[options.registrations.indexOf(a.registration)].inputs, a.state), (s) => s.step);

export type PerCommandResult = Pick<DeploymentResult, "firstApply" | "refresh" | "update">;

/**
 * The timed phases as Pulumi's CLI runs them, one command each: every `pulumi up` or
 * `pulumi refresh` starts its own host, so the limiter starts cold each time (runDeployment
 * keeps one host for all six phases). Measured beside the sweep, not judged.
 */
export async function runPerCommand(options: DeploymentOptions): Promise<PerCommandResult> {
  const emulator = await startEmulator({ seed: options.seed, throttle: options.throttle });
  try {
    const command = <R>(use: (h: ProviderHost, ctx: PhaseContext) => Promise<R>) =>
      withHost(emulator, async (h) => {
        await bucketRefilled(options.throttle);
        return use(h, { log: emulator.requests, hostPid: h.pid(), parallel: options.parallel });
      });
    const first = await command((h, ctx) => firstApply(h, ctx, options.registrations));
    const applied = stated(options.registrations, first.values.map((v) => v?.state));
    const refreshed = await command((h, ctx) => refreshOf(h, ctx, applied));
    const after = stated(applied.map((a) => a.registration), refreshed.values);
    const update = await command((h, ctx) => updateOf(h, ctx, after, options));
    return { firstApply: first.result, refresh: refreshed.result, update: update.result };
  } finally {
    await emulator.close();
  }
}

export async function runDeployment(options: DeploymentOptions): Promise<DeploymentResult> {
  const { registrations, parallel } = options;
  const emulator = await startEmulator({ seed: options.seed, throttle: options.throttle });
  try {
    return await withHost(emulator, async (h) => {
      const hostIdleKiB = peakMemoryKiB(h.pid());
      const log = emulator.requests;
      const ctx: PhaseContext = { log, hostPid: h.pid(), parallel };

      const previewNew = await phase(ctx, registrations, (r) => preview(h, r.name, r.inputs), (s) => s.kind);
      await bucketRefilled(options.throttle);
      const first = await firstApply(h, ctx, registrations);
      const applied = stated(registrations, first.values.map((v) => v?.state));
      const noChange = await phase(ctx, applied, (a) => up(h, a.registration.name, a.registration.inputs, a.state), (s) => s.step);
      await bucketRefilled(options.throttle);
      const refreshed = await refreshOf(h, ctx, applied);
      const after = stated(applied.map((a) => a.registration), refreshed.values);
      const previewAfter = await phase(ctx, after, (a) => preview(h, a.registration.name, a.registration.inputs, a.state), (s) => s.kind);
      await bucketRefilled(options.throttle);
      const update = await updateOf(h, ctx, after, options);

      const states = after.map((a) => a.state);
      return {
        previewNew: previewNew.result,
        firstApply: first.result,
        noChange: noChange.result,
        refresh: refreshed.result,
        previewAfter: previewAfter.result,
        update: update.result,
        tokenRequests: log.filter((r) => r.route === "token" && r.status === 200).length,
        // What the engine keeps per resource: its inputs and its outputs, `__provider` in both.
        stateBytes: states.map(stateBytesOf),
        stateProviderBytes: states.map(
          (s) => Buffer.byteLength(JSON.stringify(s.inputs.__provider ?? "")) + Buffer.byteLength(JSON.stringify(s.outputs.__provider ?? "")),
        ),
        hostIdleKiB,
        hostPeakKiB: peakMemoryKiB(h.pid()),
      };
    });
  } finally {
    await emulator.close();
  }
}

/**
 * State bytes of one resource, applied and refreshed on a host of its own, for a variant of the
 * declaration that needs the emulator's address (its webhook receiver) before it is registered.
 */
export async function stateBytesOfOne(seed: DataAction[], register: (webhookUrl: string) => Promise<Registration>): Promise<number> {
  const emulator = await startEmulator({ seed });
  try {
    const registration = await register(emulator.webhookUrl);
    return await withHost(emulator, async (host) => {
      const { state } = await up(host, registration.name, registration.inputs);
      return stateBytesOf((await refresh(host, state)) ?? state);
    });
  } finally {
    await emulator.close();
  }
}
