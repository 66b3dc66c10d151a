/**
 * Renames, replaces and null inputs from the program's side (harness/stack.ts): whatever the
 * user renames (the action in the console and in code, only actionName next to a pinned id, or
 * the Pulumi resource itself), the new configuration ends up live and enabled, for every
 * deleteBehavior, pinned or not, and the next preview is clean.
 */
import { ownedPart, live } from "../helpers/emulator";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startEmulator, type Emulator } from "../../provider/emulator/emulator";
import { INPUT_NAMES } from "../../provider/resource/inputs";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../../harness/host";
import type { DataAction } from "../../provider/shared/types";
import { requestsFor } from "../../harness/fleet";
import { compiledPackage } from "../../harness/program";
import { describeSteps, Stack } from "../../harness/stack";

type Args = Record<string, unknown>;

let emulator: Emulator;
const stacks: Stack[] = [];

before(async () => {
  emulator = await startEmulator();
});
after(async () => {
  await Promise.all(stacks.map((s) => s.close()));
  await emulator.close();
});

async function newStack(): Promise<Stack> {
  const stack = await Stack.start(emulator);
  stacks.push(stack);
  return stack;
}

/** A program declaring one CxoneDateAction per entry; args may hold nulls, as YAML gives them. */
function program(resources: Record<string, Args>, options: Record<string, Record<string, unknown>> = {}) {
  return () => {
    const { CxoneDateAction } = compiledPackage();
    const declared = Object.entries(resources).map(([name, args]) => new CxoneDateAction(name, args as never, options[name] as never));
    return Object.fromEntries(declared.map((r, i) => [Object.keys(resources)[i], r.computedValue]));
  };
}

// Every scenario owns one generated action of the seed (Action_0001 ... Action_0230), so
// scenarios do not share state. Multiples of 10 start disabled: the apply must enable them.
let nextAction = 10;
function freshAction(): DataAction {
  const action = live(emulator, `da-${100000 + nextAction}`);
  nextAction += 10;
  return action;
}

const CONFIG = {
  sourceTimestamp: "2024-02-29T15:30:00.000Z",
  targetTimezone: "America/New_York",
  operation: "ADD_OFFSET",
  offsetMinutes: 120,
};
const WRITTEN = "2024-02-29T12:30:00.000-05:00";

/** The end state every rename must reach: our configuration live, enabled, a clean preview. */
async function assertSettled(stack: Stack, run: () => unknown, id: string, label: string) {
  const action = live(emulator, id);
  assert.equal(action.enabled, true, `${label}: the action is enabled`);
  assert.equal(action.configuration.dateProcessing?.computedValue, WRITTEN, `${label}: our value is live`);
  assert.equal(action.configuration.dateProcessing?.timezone, "America/New_York", `${label}: our zone is live`);
  const preview = await stack.preview(run);
  assert.ok(preview.steps.every((s) => s.op === "same"), `${label}: next preview is clean: ${describeSteps(preview)}`);
}

const BEHAVIORS = ["retain", "restore", "disable"] as const;

describe("renames end with the new configuration live and enabled", { concurrency: 4 }, () => {
  for (const deleteBehavior of BEHAVIORS) {
    for (const pinned of [false, true]) {
      const label = `${deleteBehavior}, ${pinned ? "pinned" : "by name"}`;

      test(`the action renamed in the console and in code (${label})`, async () => {
        const action = freshAction();
        const stack = await newStack();
        const args = (name: string) => ({ ...CONFIG, actionName: name, deleteBehavior, ...(pinned ? { actionId: action.id } : {}) });
        await stack.up(program({ a: args(action.name) }));
        emulator.store.get(action.id)!.name = `${action.name}_renamed`;
        const renamed = program({ a: args(`${action.name}_renamed`) });
        const result = await stack.up(renamed);
        // A new actionName replaces, pinned or not (the contract): create-before-delete lands the
        // new resource on the very action the old one's delete then sees.
        assert.deepEqual(describeSteps(result), ["replace a", "delete a"], label);
        await assertSettled(stack, renamed, action.id, label);
        assert.equal(stack.resource("a").outputs.actionName, `${action.name}_renamed`);
      });

      test(`the Pulumi resource renamed without an alias (${label})`, async () => {
        const action = freshAction();
        const stack = await newStack();
        const args = { ...CONFIG, actionName: action.name, deleteBehavior, ...(pinned ? { actionId: action.id } : {}) };
        await stack.up(program({ before: args }));
        const renamed = program({ after: args });
        const result = await stack.up(renamed);
        assert.deepEqual(describeSteps(result), ["create after", "delete before"], label);
        await assertSettled(stack, renamed, action.id, label);
        // The remaining resource still does what it declares on destroy; restore puts back what was
        // there before this stack first managed the action (the ownership record carried it over).
        await stack.destroy();
        const expected = { retain: true, restore: action.enabled, disable: false }[deleteBehavior];
        assert.equal(live(emulator, action.id).enabled, expected, `${label}: destroy applies the remaining resource's behaviour`);
        if (deleteBehavior === "restore") assert.deepEqual(live(emulator, action.id).configuration, action.configuration, `${label}: the true original is back`);
      });
    }

    test(`only actionName edited next to a pinned id (${deleteBehavior})`, async () => {
      const action = freshAction();
      const stack = await newStack();
      const args = (name: string) => ({ ...CONFIG, actionName: name, actionId: action.id, deleteBehavior });
      await stack.up(program({ a: args(action.name) }));
      const relabelled = program({ a: args(`label for ${action.name}`) });
      const result = await stack.up(relabelled);
      assert.deepEqual(describeSteps(result), ["replace a", "delete a"]);
      await assertSettled(stack, relabelled, action.id, deleteBehavior);
    });
  }

  test("an alias keeps the resource: no create, no delete", async () => {
    const action = freshAction();
    const stack = await newStack();
    const args = { ...CONFIG, actionName: action.name, deleteBehavior: "disable" };
    await stack.up(program({ before: args }));
    const seen = requestsFor(emulator, action).length;
    const renamed = program({ after: args }, { after: { aliases: [{ name: "before" }] } });
    const result = await stack.up(renamed);
    assert.deepEqual(describeSteps(result), ["same after"]);
    assert.equal(requestsFor(emulator, action).length, seen, "no request for the action");
    await assertSettled(stack, renamed, action.id, "alias");
  });

  test("delete-before-replace (the resource option) with disable: disabled, then enabled by the new resource", async () => {
    const action = freshAction();
    const stack = await newStack();
    const args = (name: string) => ({ ...CONFIG, actionName: name, deleteBehavior: "disable" });
    await stack.up(program({ a: args(action.name) }));
    emulator.store.get(action.id)!.name = `${action.name}_renamed`;
    const renamed = program({ a: args(`${action.name}_renamed`) }, { a: { deleteBeforeReplace: true } });
    const result = await stack.up(renamed);
    assert.deepEqual(describeSteps(result), ["replace a"]);
    await assertSettled(stack, renamed, action.id, "delete-before-replace");
  });

  test("a replace onto a different action still applies the old resource's deleteBehavior to the old action", async () => {
    const first = freshAction();
    const second = freshAction();
    const stack = await newStack();
    await stack.up(program({ a: { ...CONFIG, actionName: first.name, deleteBehavior: "disable" } }));
    assert.equal(live(emulator, first.id).enabled, true);
    const moved = program({ a: { ...CONFIG, actionName: second.name, deleteBehavior: "disable" } });
    assert.deepEqual(describeSteps(await stack.up(moved)), ["replace a", "delete a"]);
    assert.equal(live(emulator, first.id).enabled, false, "the action no longer managed is disabled");
    await assertSettled(stack, moved, second.id, "moved");
  });
});

describe("null means unset, in check, diff and every hook", () => {
  // Every optional input, read from the README's inputs table (the documented contract, not the
  // code under test), which must list every input the schema has; but the offset CONFIG gives.
  const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const table = readme.slice(readme.indexOf("| input | type | default | meaning |"));
  const rows = [...table.slice(0, table.indexOf("\n\n")).matchAll(/^\| `(\w+)`(?: \/ `(\w+)`)? \| (?:[^|\\]|\\.)+ \| ((?:[^|\\]|\\.)+) \|/gm)];
  const documented = rows.flatMap((m) => [m[1], m[2]].filter((n): n is string => n !== undefined).map((name) => ({ name, required: m[3].trim() === "required" })));
  const OPTIONAL = documented.filter((d) => !d.required).map((d) => d.name).filter((name) => !(name in CONFIG));

  test("the README's inputs table lists every input the schema has", () => {
    assert.deepEqual(documented.map((d) => d.name).sort(), [...INPUT_NAMES].sort());
  });

  test("every optional input null: applied with defaults, the next up is same with no request, destroy retains", async () => {
    const action = freshAction();
    const stack = await newStack();
    const nulls = Object.fromEntries(OPTIONAL.map((name) => [name, null]));
    const run = program({ a: { ...CONFIG, actionName: action.name, ...nulls } });
    const first = await stack.up(run);
    assert.equal(first.outputs.a, WRITTEN);
    const applied = live(emulator, action.id);
    assert.equal(applied.enabled, true);
    assert.deepEqual(
      ownedPart(applied.configuration.dateProcessing),
      { sourceField: "input_datetime", targetField: "processed_datetime", computedValue: WRITTEN, timezone: "America/New_York", dstAdjustment: true, precision: 3 },
    );
    const seen = requestsFor(emulator, action).length;
    assert.deepEqual(describeSteps(await stack.up(run)), ["same a"]);
    assert.deepEqual(describeSteps(await stack.up(run)), ["same a"]);
    assert.equal(requestsFor(emulator, action).length, seen, "no request for the action");
    await stack.destroy();
    assert.deepEqual(live(emulator, action.id), applied, "deleteBehavior null is retain");
  });

  test("actionId: null with disable never replaces, so the action is never disabled by an up", async () => {
    const action = freshAction();
    const stack = await newStack();
    const run = program({ a: { ...CONFIG, actionName: action.name, actionId: null, deleteBehavior: "disable" } });
    await stack.up(run);
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(describeSteps(await stack.up(run)), ["same a"]);
      assert.equal(live(emulator, action.id).enabled, true);
    }
  });

  test("a value changed to null and back is a change each way, compared as the default", async () => {
    const action = freshAction();
    const stack = await newStack();
    await stack.up(program({ a: { ...CONFIG, actionName: action.name, precision: 0 } }));
    const nulled = program({ a: { ...CONFIG, actionName: action.name, precision: null } });
    assert.deepEqual(describeSteps(await stack.up(nulled)), ["update a"]);
    assert.equal(live(emulator, action.id).configuration.dateProcessing?.precision, 3);
    const explicitDefault = program({ a: { ...CONFIG, actionName: action.name, precision: 3 } });
    assert.deepEqual(describeSteps(await stack.preview(explicitDefault)), ["same a"]);
  });
});
