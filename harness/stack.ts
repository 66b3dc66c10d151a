/**
 * A stack, played the way the Pulumi engine plays it, without the CLI: a real program (a module
 * such as examples/basic/index.ts, or an inline function) runs under `pulumi.runtime.setMocks`,
 * and every registration goes to Pulumi's own dynamic-provider host (host.ts) in the engine's
 * step order: check, diff, then create / update / replace / same. A replace is
 * create-before-delete (the old resource is deleted at the end of the update) unless diff or the
 * resource option asks for delete-before-replace; resources the program no longer declares are
 * deleted at the end, in reverse registration order. The program gets the provider's real
 * outputs back. State is kept between runs so a test can preview, up, up again, edit the program
 * or its config, refresh and destroy. Component resources pass through (no provider); their
 * children are ordinary registrations with the component's URN as parent.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import type { Emulator } from "../provider/emulator/emulator";
import { HostError, makeProgramDir, ProviderHost, RESOURCE_TYPE, UNKNOWN, type HostCall } from "./host";

// Internal SDK modules: the mock monitor (to see each registration's options) and the RPC drain.
const settings = require("@pulumi/pulumi/runtime/settings");
const rpc = require("@pulumi/pulumi/runtime/rpc");
const outputModule = require("@pulumi/pulumi/output");

type Props = Record<string, unknown>;

export type StepOp = "create" | "update" | "replace" | "same" | "delete" | "read" | "refresh-delete";

/** One step the engine took (or, in a preview, would take). */
export interface Step {
  op: StepOp;
  urn: string;
  name: string;
  /** The checked inputs the step ran with (creates, updates, replaces and sames). */
  inputs?: Props;
}

/** What the engine keeps in state for one resource; components have no id and no provider. */
export interface StackResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  id: string;
  inputs: Props;
  outputs: Props;
  retainOnDelete: boolean;
}

export interface RunResult {
  steps: Step[];
  /** The stack outputs (the program's exports), resolved; an unknown value is UNKNOWN. */
  outputs: Props;
}

/** A failed `up`: the errors of the steps that failed, and what ran before them. */
export class DeploymentError extends Error {
  constructor(readonly errors: Error[], readonly steps: Step[]) {
    super(`the update failed: ${errors.map((e) => e.message).join(" | ")}`);
    this.name = "DeploymentError";
  }
}

/** A module path (run fresh each time, like `pulumi up` runs index.ts) or an inline program. */
export type Program = string | (() => unknown);

export interface StackOptions {
  /** Project config (`pulumi config set key value`), without the project prefix. */
  config?: Record<string, string>;
  /** Extra provider config (`cxone:*`), e.g. the webhook secret. */
  providerConfig?: Record<string, string>;
  /** Environment of the provider host; CXONE_* variables of this process never reach it. */
  env?: NodeJS.ProcessEnv;
  /** Receives every provider call of every host this stack starts. */
  record?: HostCall[];
}

/** A check that failed, as the engine reports it: the resource fails, with every failure. */
export class CheckFailed extends Error {
  constructor(
    name: string,
    readonly failures: { property: string; reason: string }[],
  ) {
    super(`${name}: check failed: ${failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
    this.name = "CheckFailed";
  }
}

/** What the engine will do with one resource, and the checked inputs it will do it with. */
export interface Plan {
  kind: "create" | "update" | "replace" | "same";
  inputs: Props;
  replaces: string[];
  deleteBeforeReplace: boolean;
}

/**
 * The engine's step for one resource (its step generator): check against the prior inputs, diff
 * against the prior outputs, and for a replace a second check without the old inputs (their
 * defaults are no longer carried over), in a preview too. Both the program-level model (Stack)
 * and the one-resource helpers (engine.ts) take their steps from here.
 */
export async function planStep(host: ProviderHost, name: string, news: Props, old?: { id: string; inputs: Props; outputs: Props }): Promise<Plan> {
  const checked = await host.check(name, old?.inputs ?? {}, news);
  if (checked.failures.length > 0) throw new CheckFailed(name, checked.failures);
  if (old === undefined) return { kind: "create", inputs: checked.inputs, replaces: [], deleteBeforeReplace: false };
  const diff = await host.diff(name, old.id, old.outputs, checked.inputs);
  if (diff.replaces.length > 0) {
    const rechecked = await host.check(name, {}, news);
    if (rechecked.failures.length > 0) throw new CheckFailed(name, rechecked.failures);
    return { kind: "replace", inputs: rechecked.inputs, replaces: diff.replaces, deleteBeforeReplace: diff.deleteBeforeReplace };
  }
  return { kind: diff.changes === "none" ? "same" : "update", inputs: checked.inputs, replaces: [], deleteBeforeReplace: false };
}

/** The engine's refresh of one resource: read, then the diff an `up` of the unchanged program
 *  would see (an error there fails the refresh); null when the provider reports it gone. */
export async function refreshOne(host: ProviderHost, r: { name: string; id: string; inputs: Props; outputs: Props }): Promise<{ id: string; outputs: Props } | null> {
  const read = await host.read(r.name, r.id, r.outputs, r.inputs);
  if (read.id === "") return null;
  await host.diff(r.name, read.id, read.props, r.inputs);
  return { id: read.id, outputs: read.props };
}

export const PROJECT = "cxone-demo";
export const STACK = "dev";



export class Stack {
  /** State by URN, in registration order (deletes run in reverse). */
  readonly state = new Map<string, StackResource>();
  config: Record<string, string>;
  /** The host of the running (or last) deployment: its stdout and stderr are the provider's logs. */
  host: ProviderHost | undefined;
  private hostMutated = false;
  private constructor(
    private readonly emulator: Emulator,
    private readonly options: StackOptions,
    private readonly dir: { dir: string; remove(): void },
  ) {
    this.config = { ...options.config };
  }

  /** A new, empty stack whose provider host talks to `emulator` through stack config only. */
  static async start(emulator: Emulator, options: StackOptions = {}): Promise<Stack> {
    return new Stack(emulator, options, makeProgramDir());
  }

  async close(): Promise<void> {
    await this.host?.close();
    this.dir.remove();
  }

  /** Everything the provider wrote to stderr during the last deployment. */
  stderr(): string {
    return this.host?.stderr.join("") ?? "";
  }

  /** The custom resource named `name` in state. */
  resource(name: string): StackResource {
    const found = [...this.state.values()].find((r) => r.custom && r.name === name);
    if (found === undefined) throw new Error(`no resource named ${name} in state (have ${[...this.state.values()].map((r) => r.name).join(", ")})`);
    return found;
  }

  preview(program: Program): Promise<RunResult> {
    return this.run(program, true);
  }

  up(program: Program): Promise<RunResult> {
    return this.run(program, false);
  }

  /** `pulumi refresh` (without running the program): Read for every resource. */
  async refresh(): Promise<RunResult> {
    const host = await this.deployment(true);
    const steps: Step[] = [];
    for (const r of [...this.state.values()]) {
      if (!r.custom) continue;
      const read = await refreshOne(host, r);
      if (read === null) {
        this.state.delete(r.urn);
        steps.push({ op: "refresh-delete", urn: r.urn, name: r.name });
      } else {
        this.state.set(r.urn, { ...r, ...read });
        steps.push({ op: "read", urn: r.urn, name: r.name });
      }
    }
    return { steps, outputs: {} };
  }

  /** `pulumi destroy`: Delete for every resource, in reverse registration order. */
  async destroy(): Promise<RunResult> {
    const host = await this.deployment(true);
    const steps: Step[] = [];
    for (const r of [...this.state.values()].reverse()) {
      if (r.custom && !r.retainOnDelete) await host.delete(r.name, r.id, r.outputs);
      this.state.delete(r.urn);
      steps.push({ op: "delete", urn: r.urn, name: r.name });
    }
    return { steps, outputs: {} };
  }

  /**
   * One deployment's provider host: the engine starts a fresh one per command, in the program's
   * directory, and sends it the whole stack config once.
   */
  private async deployment(mutating: boolean): Promise<ProviderHost> {
    // A preview changes nothing, so the host it ran in may serve the next command (it saves a
    // host start); after a command that applied or deleted, the next one gets a fresh host.
    const reusable = this.host !== undefined && !this.hostMutated;
    this.hostMutated = mutating;
    if (reusable && this.host !== undefined) return this.host;
    await this.host?.close();
    this.host = undefined;
    const env = this.options.env;
    const host = await ProviderHost.start({ cwd: this.dir.dir, env, record: this.options.record });
    this.host = host;
    const project = Object.fromEntries(Object.entries(this.config).map(([k, v]) => [`${PROJECT}:${k}`, v]));
    await host.configure({
      "cxone:baseUrl": this.emulator.url,
      "cxone:clientId": "emulator-client",
      "cxone:clientSecret": "emulator-secret",
      ...this.options.providerConfig,
      ...project,
    });
    return host;
  }

  private async run(program: Program, preview: boolean): Promise<RunResult> {
    const host = await this.deployment(!preview);
    const steps: Step[] = [];
    const errors: Error[] = [];
    const registered = new Map<string, StackResource>();
    const replaced: StackResource[] = []; // old halves of create-before-delete replaces
    const prior = new Map(this.state);
    let request: any; // the RegisterResourceRequest being served (its options: parent, aliases, ...)

    const register = async (args: pulumi.runtime.MockResourceArgs): Promise<{ id: string | undefined; state: Props }> => {
      const req = request;
      const urn: string = monitor.newUrn(req.getParent(), args.type, args.name);
      let old = prior.get(urn) ?? aliasOf(req, args, prior, monitor);
      if (old !== undefined) prior.delete(old.urn);
      const news = wire(args.inputs) as Props;
      const retainOnDelete = req.getRetainondelete() === true;
      const entry = (id: string, inputs: Props, outputs: Props): StackResource => {
        const resource = { urn, type: args.type, name: args.name, custom: args.custom === true, id, inputs, outputs, retainOnDelete };
        registered.set(urn, resource);
        return resource;
      };
      if (!args.custom) {
        entry("", news, news);
        return { id: undefined, state: args.inputs };
      }
      if (args.type !== RESOURCE_TYPE) throw new Error(`this harness plays only ${RESOURCE_TYPE}, not ${args.type}`);
      let checkedInputs: Props | undefined;
      const step = (op: StepOp) => steps.push({ op, urn, name: args.name, inputs: checkedInputs });
      try {
        const plan = await planStep(host, args.name, news, old);
        checkedInputs = plan.inputs;
        if (plan.kind === "create") {
          step("create");
          if (preview) return { id: undefined, state: plan.inputs };
          const created = await host.create(args.name, plan.inputs);
          entry(created.id, plan.inputs, created.props);
          return { id: created.id, state: created.props };
        }
        old = old as StackResource;
        const inputs = plan.inputs;
        if (plan.kind === "replace") {
          step("replace");
          if (preview) return { id: undefined, state: plan.inputs };
          const deleteFirst = plan.deleteBeforeReplace || req.getDeletebeforereplace() === true;
          if (deleteFirst && !old.retainOnDelete) await host.delete(old.name, old.id, old.outputs);
          if (!deleteFirst) replaced.push(old);
          const created = await host.create(args.name, plan.inputs);
          entry(created.id, plan.inputs, created.props);
          return { id: created.id, state: created.props };
        }
        if (plan.kind === "same") {
          step("same");
          entry(old.id, inputs, old.outputs);
          return { id: old.id, state: old.outputs };
        }
        step("update");
        if (preview) return { id: old.id, state: inputs };
        const outputs = await host.update(args.name, old.id, old.outputs, inputs);
        entry(old.id, inputs, outputs);
        return { id: old.id, state: outputs };
      } catch (error) {
        // A partial failure is recorded with what the provider reported; the update then fails.
        if (error instanceof HostError && error.initFailure) {
          entry(error.initFailure.id || old?.id || "", news, error.initFailure.properties);
        } else if (old !== undefined) {
          registered.set(old.urn, old);
        }
        errors.push(error as Error);
        return { id: old?.id, state: old?.outputs ?? {} };
      }
    };

    await pulumi.runtime.setMocks({ newResource: register, call: () => ({}) }, PROJECT, STACK, preview);
    const monitor = settings.getMonitor();
    const serve = monitor.registerResource.bind(monitor);
    // The mock monitor hands newResource only type, name and inputs; the request (read
    // synchronously before newResource is called) carries the options the engine would see.
    monitor.registerResource = (req: unknown, callback: unknown) => {
      request = req;
      return serve(req, callback);
    };
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(this.config).map(([k, v]) => [`${PROJECT}:${k}`, v])));

    const exports = load(program);
    const outputs = await resolveDeep(exports);
    await settings.waitForRPCs();

    if (errors.length > 0) {
      this.commit(registered, prior, replaced, preview);
      throw new DeploymentError(errors, steps);
    }
    // The end of the update: replaced resources and those no longer declared, newest first.
    const leaving = [...replaced, ...[...prior.values()].reverse()];
    for (const r of leaving) {
      steps.push({ op: "delete", urn: r.urn, name: r.name });
      if (!preview && r.custom && !r.retainOnDelete) await host.delete(r.name, r.id, r.outputs);
    }
    this.commit(registered, new Map(), [], preview);
    return { steps, outputs };
  }

  /** The new state: what was registered, plus (after a failure) what was not yet deleted. */
  private commit(registered: Map<string, StackResource>, kept: Map<string, StackResource>, replaced: StackResource[], preview: boolean): void {
    if (preview) return;
    const next = new Map([...kept, ...registered]);
    for (const r of replaced) next.set(`${r.urn}#pending-delete`, r);
    this.state.clear();
    for (const [urn, r] of next) this.state.set(urn, r);
  }
}

/** The prior resource an alias of this registration names (name or type aliases). */
function aliasOf(req: any, args: pulumi.runtime.MockResourceArgs, prior: Map<string, StackResource>, monitor: any): StackResource | undefined {
  for (const alias of req.getAliasesList?.() ?? []) {
    const urn = alias.getUrn() || monitor.newUrn(alias.getSpec()?.getNoparent() ? "" : alias.getSpec()?.getParenturn() || req.getParent(), alias.getSpec()?.getType() || args.type, alias.getSpec()?.getName() || args.name);
    const found = prior.get(urn);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A program's exports: a module path is loaded fresh (its directory's modules too). */
function load(program: Program): unknown {
  if (typeof program === "function") return program();
  const file = require.resolve(program);
  const dir = path.dirname(file);
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(dir + path.sep) && !key.includes(`${path.sep}node_modules${path.sep}`)) delete require.cache[key];
  }
  return require(file);
}

/** Inputs as the engine sends them to the provider: unknowns as the sentinel, secrets unwrapped. */
function wire(value: unknown): unknown {
  if (outputModule.isUnknown(value)) return UNKNOWN;
  if (rpc.isRpcSecret(value)) return wire(rpc.unwrapRpcSecret(value));
  if (Array.isArray(value)) return value.map(wire);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, wire(v)]));
  }
  return value;
}

/** Stack outputs resolved as the CLI shows them: a resource by its URN, unknowns as UNKNOWN. */
async function resolveDeep(value: unknown): Promise<any> {
  if (pulumi.Resource.isInstance(value)) return resolveDeep(value.urn);
  if (pulumi.Output.isInstance(value)) {
    const output = value as any;
    if (!(await output.isKnown)) return UNKNOWN;
    return resolveDeep(await output.promise(true));
  }
  if (value instanceof Promise) return resolveDeep(await value);
  if (outputModule.isUnknown(value)) return UNKNOWN;
  if (Array.isArray(value)) return Promise.all(value.map(resolveDeep));
  if (typeof value === "object" && value !== null) {
    const entries = await Promise.all(Object.entries(value).filter(([k]) => k !== "__esModule").map(async ([k, v]) => [k, await resolveDeep(v)] as const));
    return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
  }
  return value;
}

/** `op name` per step, for compact assertions. */
export function describeSteps(result: RunResult): string[] {
  return result.steps.map((s) => `${s.op} ${s.name}`);
}
