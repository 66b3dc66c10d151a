/**
 * The engine's step logic for one resource, the way `pulumi preview` / `up` / `refresh` /
 * `destroy` sequence the provider RPCs: check, then diff against the prior state, then create,
 * update, or replace (create the new one, then delete the old one). No CLI needed.
 */
import { HostError, type ProviderHost } from "./host";

type Props = Record<string, unknown>;

/** What the engine keeps in state for one resource. */
export interface ResourceState {
  name: string;
  id: string;
  inputs: Props;
  outputs: Props;
}

export type StepKind = "create" | "update" | "replace" | "same";

export interface PreviewStep {
  kind: StepKind;
  inputs: Props;
  replaces: string[];
}

export class CheckFailed extends Error {
  constructor(readonly failures: { property: string; reason: string }[]) {
    super(`check failed: ${failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
    this.name = "CheckFailed";
  }
}

/** `pulumi preview` for one resource: check and diff, nothing applied. */
export async function preview(host: ProviderHost, name: string, news: Props, prior?: ResourceState): Promise<PreviewStep> {
  const checked = await host.check(name, prior?.inputs ?? {}, news);
  if (checked.failures.length > 0) throw new CheckFailed(checked.failures);
  if (!prior) return { kind: "create", inputs: checked.inputs, replaces: [] };
  const diff = await host.diff(name, prior.id, prior.outputs, checked.inputs);
  if (diff.replaces.length > 0) {
    // As the engine does: a replacement's inputs are checked again, without the old ones.
    const rechecked = await host.check(name, {}, news);
    if (rechecked.failures.length > 0) throw new CheckFailed(rechecked.failures);
    return { kind: "replace", inputs: rechecked.inputs, replaces: diff.replaces };
  }
  return { kind: diff.changes === "none" ? "same" : "update", inputs: checked.inputs, replaces: [] };
}

/** `pulumi up` for one resource; a partial failure still returns the recorded state, and rethrows. */
export async function up(host: ProviderHost, name: string, news: Props, prior?: ResourceState): Promise<{ step: StepKind; state: ResourceState }> {
  const step = await preview(host, name, news, prior);
  try {
    if (step.kind === "same") return { step: step.kind, state: prior as ResourceState };
    if (step.kind === "update") {
      const p = prior as ResourceState;
      const outputs = await host.update(name, p.id, p.outputs, step.inputs);
      return { step: step.kind, state: { name, id: p.id, inputs: step.inputs, outputs } };
    }
    const created = await host.create(name, step.inputs);
    if (step.kind === "replace") await host.delete(name, (prior as ResourceState).id, (prior as ResourceState).outputs);
    return { step: step.kind, state: { name, id: created.id, inputs: step.inputs, outputs: created.props } };
  } catch (error) {
    if (error instanceof HostError && error.initFailure) {
      // The engine records a partially failed resource with the outputs the provider reported.
      const state = { name, id: error.initFailure.id, inputs: step.inputs, outputs: error.initFailure.properties };
      throw Object.assign(error, { state });
    }
    throw error;
  }
}

/** `pulumi refresh` for one resource: null when the provider reports it gone. */
export async function refresh(host: ProviderHost, state: ResourceState): Promise<ResourceState | null> {
  const read = await host.read(state.name, state.id, state.outputs, state.inputs);
  if (read.id === "") return null;
  // As the engine does: refreshed outputs diffed against the recorded inputs; an error fails it.
  await host.diff(state.name, read.id, read.props, state.inputs);
  return { ...state, id: read.id, outputs: read.props };
}

/** `pulumi destroy` for one resource. */
export async function destroy(host: ProviderHost, state: ResourceState): Promise<void> {
  await host.delete(state.name, state.id, state.outputs);
}

/** Runs `run` over `items` with at most `limit` at once, as `pulumi up --parallel` does; results in item order. */
export async function inPool<T, R>(items: readonly T[], limit: number, run: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
