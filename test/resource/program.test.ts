/**
 * From the program's side: the examples themselves and small inline programs run under
 * `pulumi.runtime.setMocks`, every registration goes through Pulumi's real dynamic-provider
 * host (harness/stack.ts), and the assertions are on what a user sees: stack outputs, the
 * typed Output properties, the steps of each command, and the action live in the emulator.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { after, before, beforeEach, describe, test } from "node:test";
import type { Emulator } from "../../provider/emulator/emulator";
import { SEED, startEmulator } from "../../provider/emulator/emulator";
import type { DataAction } from "../../provider/shared/types";
import { restoreStore, snapshotStore } from "../../harness/fleet";
import { REPO_ROOT, UNKNOWN } from "../../harness/host";
import { compiledPackage } from "../../harness/program";
import { describeSteps, Stack } from "../../harness/stack";
import { live } from "../helpers/emulator";

const BASIC = path.join(REPO_ROOT, "examples", "basic", "index.ts");
const GITOPS = path.join(REPO_ROOT, "examples", "gitops");

const WEBHOOK_SECRET = "program-test-webhook-secret";
let emulator: Emulator;
let seed: Map<string, DataAction>;
const stacks: Stack[] = [];

before(async () => {
  emulator = await startEmulator({ webhookSecret: WEBHOOK_SECRET });
  seed = snapshotStore(emulator);
});
beforeEach(() => {
  restoreStore(emulator, seed);
  emulator.reset();
});
after(async () => {
  await Promise.all(stacks.map((s) => s.close()));
  await emulator.close();
});

async function newStack(config?: Record<string, string>): Promise<Stack> {
  const stack = await Stack.start(emulator, { config, providerConfig: { "cxone:webhookSecret": WEBHOOK_SECRET } });
  stacks.push(stack);
  return stack;
}

const apiRequests = () => emulator.requests.filter((r) => r.route !== "webhook");

describe("examples/basic, as a user runs it", () => {
  test("preview shows the value to be written; up resolves every stack output; a second up is same with no request", async () => {
    const stack = await newStack({ offsetMinutes: "90" });
    const preview = await stack.preview(BASIC);
    assert.deepEqual(describeSteps(preview), ["create production-date-processor"]);
    assert.equal(preview.outputs.computedValue, "2024-02-29T12:00:00.000-05:00");
    assert.equal(preview.outputs.computedValueUtc, "2024-02-29T17:00:00.000Z");
    assert.equal(preview.outputs.computedEpochMs, Date.parse("2024-02-29T17:00:00.000Z"));
    assert.equal(preview.outputs.actionId, UNKNOWN, "the action id is known only after the lookup");
    assert.equal(preview.outputs.audit, UNKNOWN);
    assert.equal(apiRequests().length, 0, "preview makes no request");

    const up = await stack.up(BASIC);
    assert.deepEqual(describeSteps(up), ["create production-date-processor"]);
    assert.equal(up.outputs.actionId, SEED.targetId);
    assert.equal(up.outputs.computedValue, "2024-02-29T12:00:00.000-05:00");
    assert.equal(up.outputs.computedValueUtc, "2024-02-29T17:00:00.000Z");
    assert.equal(up.outputs.computedEpochMs, Date.parse("2024-02-29T17:00:00.000Z"));
    const audit = up.outputs.audit as Record<string, unknown>;
    assert.equal(audit.status, "SUCCESS");
    assert.equal(audit.operation, "create");
    assert.equal(audit.outputTimestamp, "2024-02-29T12:00:00.000-05:00");
    assert.equal(live(emulator).configuration.dateProcessing?.computedValue, "2024-02-29T12:00:00.000-05:00");

    emulator.reset();
    const again = await stack.up(BASIC);
    assert.deepEqual(describeSteps(again), ["same production-date-processor"]);
    assert.equal(emulator.requests.length, 0, "an unchanged stack costs no HTTP request");
    assert.deepEqual(again.outputs, up.outputs, "outputs stay as recorded");
  });

  test("editing the config updates in place; destroy with restore puts back what was live before", async () => {
    const before = live(emulator);
    const stack = await newStack({ offsetMinutes: "90" });
    await stack.up(BASIC);
    stack.config.offsetMinutes = "180";
    const preview = await stack.preview(BASIC);
    assert.deepEqual(describeSteps(preview), ["update production-date-processor"]);
    assert.equal(preview.outputs.computedValue, "2024-02-29T13:30:00.000-05:00");
    const up = await stack.up(BASIC);
    assert.deepEqual(describeSteps(up), ["update production-date-processor"]);
    assert.equal(up.outputs.computedValue, "2024-02-29T13:30:00.000-05:00");
    assert.equal((up.outputs.audit as { operation: string }).operation, "update");
    assert.equal(live(emulator).configuration.dateProcessing?.computedValue, "2024-02-29T13:30:00.000-05:00");
    assert.deepEqual(describeSteps(await stack.preview(BASIC)), ["same production-date-processor"]);

    const destroyed = await stack.destroy();
    assert.deepEqual(describeSteps(destroyed), ["delete production-date-processor"]);
    assert.deepEqual(live(emulator).configuration, before.configuration, "restore puts the pre-apply configuration back");
    assert.equal(stack.state.size, 0);
  });
});

describe("typed outputs in a program", () => {
  test("every Output property of CxoneDateAction resolves to the provider's value", async () => {
    const stack = await newStack();
    const { CxoneDateAction } = compiledPackage();
    const program = () => {
      const action = new CxoneDateAction("typed", {
        actionName: SEED.targetName,
        sourceTimestamp: "2024-02-29T15:30:00.000Z",
        targetTimezone: "Asia/Kolkata",
        operation: "SUBTRACT_OFFSET",
        offset: "PT1H",
      });
      return {
        actionName: action.actionName,
        actionId: action.actionId,
        sourceTimestamp: action.sourceTimestamp,
        targetTimezone: action.targetTimezone,
        operation: action.operation,
        computedValue: action.computedValue,
        computedValueUtc: action.computedValueUtc,
        computedEpochMs: action.computedEpochMs,
        audit: action.audit,
        // An apply on an output: what a user builds on top of the value.
        message: action.computedValue.apply((v) => `next run at ${v}`),
      };
    };
    const { outputs } = await stack.up(program);
    assert.equal(outputs.actionName, SEED.targetName);
    assert.equal(outputs.actionId, SEED.targetId);
    assert.equal(outputs.sourceTimestamp, "2024-02-29T15:30:00.000Z");
    assert.equal(outputs.targetTimezone, "Asia/Kolkata");
    assert.equal(outputs.operation, "SUBTRACT_OFFSET");
    assert.equal(outputs.computedValue, "2024-02-29T20:00:00.000+05:30");
    assert.equal(outputs.computedValueUtc, "2024-02-29T14:30:00.000Z");
    assert.equal(outputs.computedEpochMs, Date.parse("2024-02-29T14:30:00.000Z"));
    assert.equal(outputs.message, "next run at 2024-02-29T20:00:00.000+05:30");
    const audit = outputs.audit as Record<string, unknown>;
    assert.equal(audit.actionId, SEED.targetId);
    assert.equal(audit.accuracyValid, true);
    assert.equal(audit.putSkipped, false);
  });
});

describe("examples/gitops, driven by its YAML file", () => {
  test("preview, up, up again, edit the YAML (change, add a null, remove an entry), refresh, destroy", async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), "cxone-gitops-program-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "actions.yaml");
    const shipped = readFileSync(path.join(GITOPS, "actions.yaml"), "utf8");
    writeFileSync(file, shipped);
    const production = live(emulator);
    const stack = await newStack({ declarations: file, webhookUrl: emulator.webhookUrl });
    const index = path.join(GITOPS, "index.ts");

    const preview = await stack.preview(index);
    const names = ["production-date-processor", "staging-date-processor", "sydney-month-end"];
    assert.deepEqual(describeSteps(preview).filter((s) => s.startsWith("create ")).map((s) => s.slice(7)).sort(), names);
    assert.equal(apiRequests().length, 0);

    const up = await stack.up(index);
    for (const name of names) {
      const outputs = stack.resource(name).outputs;
      assert.equal((outputs.audit as { status: string }).status, "SUCCESS", name);
      assert.ok(JSON.stringify(up.outputs).includes(String(outputs.computedValue)), `${name}: its value is a stack output`);
    }
    assert.equal(emulator.deliveries.filter((d) => d.signatureValid === true).length, 3, "every apply notified, signed");

    emulator.reset();
    const again = await stack.up(index);
    assert.ok(again.steps.filter((s) => names.includes(s.name)).every((s) => s.op === "same"), describeSteps(again).join());
    assert.equal(emulator.requests.length, 0);

    // Edit the file: a new offset for one entry, `actionId:` with no value (null) for another,
    // and the third entry removed.
    const edited = shipped
      .replace("offsetMinutes: 120", "offsetMinutes: 150\n    actionId:")
      .replace(/\n  sydney-month-end:[\s\S]*$/, "\n");
    assert.notEqual(edited, shipped);
    writeFileSync(file, edited);
    const next = await stack.up(index);
    const ours = (name: string) => next.steps.filter((s) => s.name === name).map((s) => s.op);
    assert.deepEqual(ours("production-date-processor"), ["update"]);
    assert.deepEqual(ours("staging-date-processor"), ["same"]);
    assert.deepEqual(ours("sydney-month-end"), ["delete"]);
    assert.equal(live(emulator).configuration.dateProcessing?.computedValue, "2024-02-29T13:00:00.000-05:00");
    assert.deepEqual(describeSteps(await stack.preview(index)).filter((s) => !s.startsWith("same ")), [], "a clean preview after the edit");

    // Drift in the console shows on refresh and in the next preview.
    const drifted = live(emulator);
    drifted.enabled = false;
    emulator.store.set(drifted.id, drifted);
    await stack.refresh();
    const afterRefresh = await stack.preview(index);
    assert.deepEqual(afterRefresh.steps.filter((s) => s.name === "production-date-processor").map((s) => s.op), ["update"]);

    await stack.destroy();
    assert.deepEqual(live(emulator).configuration, production.configuration, "restore (the entry's deleteBehavior) puts back the configuration");
  });
});

describe("component resources", () => {
  test("children parented to a component are applied, their outputs resolve, and removing the component deletes them", async () => {
    const stack = await newStack();
    const { CxoneDateAction } = compiledPackage();
    class Group extends pulumi.ComponentResource {
      readonly values: pulumi.Output<string>[];
      constructor(name: string, actions: string[]) {
        super("test:index:Group", name, {}, {});
        const children = actions.map(
          (actionName, i) =>
            new CxoneDateAction(`${name}-${i}`, { actionName, sourceTimestamp: "2024-02-29T15:30:00.000Z", targetTimezone: "UTC", operation: "ADD_OFFSET", offset: `PT${i + 1}H`, deleteBehavior: "disable" }, { parent: this }),
        );
        this.values = children.map((c) => c.computedValue);
        this.registerOutputs({ values: this.values });
      }
    }
    const withGroup = () => ({ values: new Group("group", ["Action_0001", "Action_0002"]).values });
    const up = await stack.up(withGroup);
    assert.deepEqual(up.outputs.values, ["2024-02-29T16:30:00.000+00:00", "2024-02-29T17:30:00.000+00:00"]);
    assert.deepEqual(describeSteps(up), ["create group-0", "create group-1"]);
    const child = stack.resource("group-0");
    assert.match(child.urn, /test:index:Group\$pulumi-nodejs:dynamic\/cxone:CxoneDateAction::group-0$/);
    assert.equal(live(emulator, "da-100001").configuration.dateProcessing?.computedValue, "2024-02-29T16:30:00.000+00:00");

    assert.deepEqual(describeSteps(await stack.up(withGroup)), ["same group-0", "same group-1"]);
    const removed = await stack.up(() => ({}));
    assert.deepEqual(describeSteps(removed), ["delete group-1", "delete group-0", "delete group"]);
    assert.equal(live(emulator, "da-100001").enabled, false);
    assert.equal(live(emulator, "da-100002").enabled, false);
    assert.equal(stack.state.size, 0);
  });
});
