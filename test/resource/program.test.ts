/**
 * From the program's side: the examples themselves and small inline programs run under
 * `pulumi.runtime.setMocks`, every registration goes through Pulumi's real dynamic-provider
 * host (helpers/stack.ts), and the assertions are on what a user sees: stack outputs, the
 * typed Output properties, the steps of each command, and the action live in the emulator.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import type { Emulator } from "../../provider/emulator/emulator";
import { SEED, startEmulator } from "../../provider/emulator/emulator";
import type { DataAction } from "../../provider/shared/types";
import { restoreStore, snapshotStore } from "../helpers/fleet";
import { REPO_ROOT, UNKNOWN } from "../helpers/host";
import { compiledPackage } from "../helpers/program";
import { describeSteps, Stack } from "../helpers/stack";

const BASIC = path.join(REPO_ROOT, "examples", "basic", "index.ts");

let emulator: Emulator;
let seed: Map<string, DataAction>;
const stacks: Stack[] = [];

before(async () => {
  emulator = await startEmulator({ webhookSecret: "program-test-webhook-secret" });
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
  const stack = await Stack.start(emulator, { config });
  stacks.push(stack);
  return stack;
}

function live(id: string = SEED.targetId): DataAction {
  return structuredClone(emulator.store.get(id) as DataAction);
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
    assert.equal(live().configuration.dateProcessing?.computedValue, "2024-02-29T12:00:00.000-05:00");

    emulator.reset();
    const again = await stack.up(BASIC);
    assert.deepEqual(describeSteps(again), ["same production-date-processor"]);
    assert.equal(emulator.requests.length, 0, "an unchanged stack costs no HTTP request");
    assert.deepEqual(again.outputs, up.outputs, "outputs stay as recorded");
  });

  test("editing the config updates in place; destroy with restore puts back what was live before", async () => {
    const before = live();
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
    assert.equal(live().configuration.dateProcessing?.computedValue, "2024-02-29T13:30:00.000-05:00");
    assert.deepEqual(describeSteps(await stack.preview(BASIC)), ["same production-date-processor"]);

    const destroyed = await stack.destroy();
    assert.deepEqual(describeSteps(destroyed), ["delete production-date-processor"]);
    assert.deepEqual(live().configuration, before.configuration, "restore puts the pre-apply configuration back");
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
