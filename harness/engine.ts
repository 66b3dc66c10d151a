/**
 * One resource at a time through the engine model of stack.ts (the model held to the real CLI by
 * test/engine/model.test.ts): `pulumi preview` / `up` / `refresh` / `destroy` of a single
 * resource, for tests that drive one hook after another. No CLI needed.
 */
import { HostError, type ProviderHost } from "./host";
import { CheckFailed, planStep, refreshOne } from "./stack";

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

export { CheckFailed };

/** `pulumi preview` for one resource: the engine's step (stack.ts `planStep`), nothing applied. */
export async function preview(host: ProviderHost, name: string, news: Props, prior?: ResourceState): Promise<PreviewStep> {
  const plan = await planStep(host, name, news, prior);
  return { kind: plan.kind, inputs: plan.inputs, replaces: plan.replaces };
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
    // A replace here is the engine's default, create-before-delete.
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

/** `pulumi refresh` for one resource (stack.ts `refreshOne`): null when the provider reports it gone. */
export async function refresh(host: ProviderHost, state: ResourceState): Promise<ResourceState | null> {
  const read = await refreshOne(host, state);
  return read === null ? null : { ...state, ...read };
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
