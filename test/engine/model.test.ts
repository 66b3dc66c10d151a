/**
 * The fast tier's engine model (harness/stack.ts) held to the real engine: one scenario
 * table, run through the model and through the real `pulumi` CLI, each against its own emulator.
 * The provider calls each makes are recorded (the model's by its host client, the engine's with
 * PULUMI_DEBUG_GRPC) and compared as (method, resource, id). Where the two may differ, the table
 * says so and why; anything else that differs fails.
 *
 * The CLI runs each command with --skip-preview: a model command is one engine pass, and the
 * preview pass the CLI runs first by default would add a Check and Diff per resource that the
 * model's separate `preview` command already covers (the table has its own preview steps).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as path from "node:path";
import { SEED, type Emulator, type FaultSpec } from "../../provider/emulator/emulator";
import type { DataAction } from "../../provider/shared/types";
import { startEmulator } from "../helpers/emulator";
import { grpcLog } from "../../harness/cli";
import type { HostCall } from "../../harness/host";
import { compiledPackage } from "../../harness/program";
import { Stack } from "../../harness/stack";
import { BASE_ARGS, engineSuite, userProject, type Declared } from "./program";

const suite = engineSuite();

type Command =
  | { run: "preview" | "up"; resources: Declared[] }
  | { run: "refresh" | "destroy" }
  | { console: (emulator: Emulator) => void }
  | { faults: FaultSpec[] };

interface Scenario {
  name: string;
  commands: Command[];
}

const prod = (args: Record<string, unknown> = {}, name = "prod"): Declared => ({ name, args: { ...BASE_ARGS, deleteBehavior: "restore", ...args } });

const SCENARIOS: Scenario[] = [
  {
    name: "create, a clean preview, an edit, refresh, destroy",
    commands: [
      { run: "up", resources: [prod()] },
      { run: "preview", resources: [prod()] },
      { run: "up", resources: [prod({ offsetMinutes: 60 })] },
      { run: "refresh" },
      { run: "destroy" },
    ],
  },
  {
    name: "a rename without an alias: create the new, delete the old",
    commands: [{ run: "up", resources: [prod()] }, { run: "up", resources: [prod({}, "renamed")] }, { run: "destroy" }],
  },
  {
    name: "a rename with an alias: the same resource",
    commands: [
      { run: "up", resources: [prod()] },
      { run: "up", resources: [{ ...prod({ offsetMinutes: 30 }, "renamed"), opts: { aliases: ["prod"] } }] },
      { run: "destroy" },
    ],
  },
  {
    name: "a replace onto the same action (renamed in the console and in code)",
    commands: [
      { run: "up", resources: [prod({ actionId: SEED.targetId })] },
      {
        console: (emulator) => {
          (emulator.store.get(SEED.targetId) as DataAction).name = "Renamed_In_Console";
        },
      },
      { run: "up", resources: [prod({ actionId: SEED.targetId, actionName: "Renamed_In_Console" })] },
      { run: "destroy" },
    ],
  },
  {
    name: "a partial failure (required webhook), refresh, up, destroy",
    commands: [
      { faults: [{ route: "webhook", kind: "5xx", status: 503 }] },
      { run: "up", resources: [prod({ webhookRequired: true, webhookUrl: "$webhook" })] },
      { faults: [] },
      { run: "refresh" },
      { run: "up", resources: [prod({ webhookRequired: true, webhookUrl: "$webhook" })] },
      { run: "destroy" },
    ],
  },
];

/** The emulator's own receiver URL, known only once it runs. */
function resolved(resources: Declared[], emulator: Emulator): Declared[] {
  return resources.map((r) => ({ ...r, args: Object.fromEntries(Object.entries(r.args).map(([k, v]) => [k, v === "$webhook" ? emulator.webhookUrl : v])) }));
}

function call(c: HostCall): string {
  return `${c.method} ${c.name}${c.id ? ` ${c.id}` : ""}`;
}

async function throughModel(t: { after(fn: () => unknown): void }, scenario: Scenario): Promise<string[]> {
  const emulator = await startEmulator(t);
  const record: HostCall[] = [];
  const stack = await Stack.start(emulator, { record });
  t.after(() => stack.close());
  const { CxoneDateAction } = compiledPackage();
  for (const command of scenario.commands) {
    if ("console" in command) command.console(emulator);
    else if ("faults" in command) emulator.setFaults(command.faults);
    else if (!("resources" in command)) await (command.run === "refresh" ? stack.refresh() : stack.destroy());
    else {
      const resources = resolved(command.resources, emulator);
      const program = () => {
        for (const r of resources) {
          new CxoneDateAction(r.name, r.args as never, r.opts === undefined ? undefined : { ...r.opts, aliases: r.opts.aliases?.map((name) => ({ name })) });
        }
      };
      await (command.run === "preview" ? stack.preview(program) : stack.up(program)).catch(() => undefined); // a failed up is part of the scenario
    }
  }
  return record.map(call);
}

const ENGINE_METHODS = new Set(["Check", "Diff", "Create", "Update", "Read", "Delete"]);

async function throughEngine(t: { after(fn: () => unknown): void }, scenario: Scenario): Promise<string[]> {
  const { project, emulator } = await userProject(t, suite, []);
  const log = path.join(project.dir, "..", "grpc.json");
  for (const command of scenario.commands) {
    if ("console" in command) command.console(emulator);
    else if ("faults" in command) emulator.setFaults(command.faults);
    else {
      if ("resources" in command) project.declare(resolved(command.resources, emulator));
      const args = command.run === "preview" ? ["preview"] : [command.run, "--yes", "--skip-preview"];
      await project.run(args, { allowFailure: true, env: { PULUMI_DEBUG_GRPC: log } });
    }
  }
  // Each call is logged when it starts and when it ends: the ends carry a duration.
  return grpcLog(log)
    .filter((entry) => "duration" in entry && entry.method.startsWith("/pulumirpc.ResourceProvider/"))
    .map((entry) => ({ method: entry.method.split("/").pop() as string, request: entry.request as { urn?: string; id?: string } }))
    .filter((entry) => ENGINE_METHODS.has(entry.method) && entry.request.urn?.includes("CxoneDateAction"))
    .map((entry) => call({ method: entry.method.toLowerCase(), name: entry.request.urn?.split("::").pop() as string, id: entry.request.id ?? "" }));
}

describe("the engine model and the real engine make the same provider calls", () => {
  for (const scenario of SCENARIOS) {
    test(scenario.name, async (t) => {
      const [model, engine] = await Promise.all([throughModel(t, scenario), throughEngine(t, scenario)]);
      assert.ok(engine.length > 0, "the engine's calls were recorded");
      assert.deepEqual(model, engine);
    });
  }
});
