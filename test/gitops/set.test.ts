/**
 * CxoneDateActionSet from a user's program (the compiled package under Pulumi's mocks), and
 * its resources through Pulumi's real dynamic-provider host against the emulator.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, test, type TestContext } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET } from "../../provider/emulator/emulator";
import { startEmulator } from "../helpers/emulator";
import { inPool, preview, up } from "../../harness/engine";
import { ownHost } from "../../harness/host";
import { compiledPackage, runProgram, type Registration } from "../../harness/program";

const { CxoneDateActionSet, DeclarationError } = compiledPackage();
const SET_TYPE = "cxone:index:CxoneDateActionSet";

const FILE = `version: 1
defaults:
  targetTimezone: America/New_York
  operation: ADD_OFFSET
  offsetMinutes: 120
actions:
  prod:
    actionName: Production_Date_Processor
    sourceTimestamp: "2024-02-29T15:30:00.000Z"
  own-hook:
    actionName: Staging_Date_Processor
    sourceTimestamp: "2024-02-29T15:30:00.000Z"
    webhookUrl: https://own.example.com/hook
  no-hook:
    actionName: Action_0042
    sourceTimestamp: "2024-02-29T15:30:00.000Z"
    valueFormat: utc
    webhookUrl: null
`;

function declarationFile(t: TestContext, text = FILE): string {
  const dir = mkdtempSync(path.join(tmpdir(), "cxone-set-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "actions.yaml");
  writeFileSync(file, text);
  return file;
}

interface Run {
  registrations: Registration[];
  urns: Record<string, string>;
  aliases: Record<string, { name: string; noParent: boolean; parentUrn: string }[]>;
  set: InstanceType<typeof CxoneDateActionSet>;
}

/** Runs a program that declares one set; records each child's URN and the aliases sent. */
async function runSet(args: ConstructorParameters<typeof CxoneDateActionSet>[1], config: Record<string, string> = {}): Promise<Run> {
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`cxone-demo:${k}`, v])));
  const aliases: Run["aliases"] = {};
  let set!: InstanceType<typeof CxoneDateActionSet>;
  const registrations = await runProgram(() => {
    const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: unknown) => {
      aliases[req.getName()] = req.getAliasesList().map((a: any) => ({ name: a.getSpec().getName(), noParent: a.getSpec().getNoparent(), parentUrn: a.getSpec().getParenturn() }));
      return register(req, callback);
    };
    set = new CxoneDateActionSet("date-actions", args);
    return Object.values(set.actions);
  });
  const urns = Object.fromEntries(await Promise.all(Object.entries(set.actions).map(async ([name, r]) => [name, await new Promise<string>((resolve) => r.urn.apply(resolve))])));
  return { registrations, urns, aliases, set };
}

describe("CxoneDateActionSet", () => {
  test("one CxoneDateAction per entry, named by the entry, parented to the set, exposed as a map", async (t) => {
    const run = await runSet({ files: declarationFile(t) });
    assert.deepEqual(Object.keys(run.set.actions), ["prod", "own-hook", "no-hook"]);
    // Registrations are asynchronous: their order is the SDK's, not the file's.
    assert.deepEqual(run.registrations.map((r) => r.name).sort(), ["no-hook", "own-hook", "prod"]);
    for (const [name, urn] of Object.entries(run.urns)) {
      assert.equal(urn, `urn:pulumi:dev::cxone-demo::${SET_TYPE}$pulumi-nodejs:dynamic/cxone:CxoneDateAction::${name}`);
      // Once a top-level resource of that name (the earlier example): moving it in is no replace.
      assert.deepEqual(run.aliases[name], [{ name: "", noParent: true, parentUrn: "" }]);
    }
    const prod = run.registrations.find((r) => r.name === "prod")!.inputs;
    assert.equal(prod.targetTimezone, "America/New_York", "defaults reach every entry");
    assert.equal(prod.offsetMinutes, 120);
    assert.equal(prod.actionName, "Production_Date_Processor");
  });

  test("namePrefix goes before every resource name; the map stays keyed by entry", async (t) => {
    const run = await runSet({ files: declarationFile(t), namePrefix: "eu-" });
    assert.deepEqual(run.registrations.map((r) => r.name).sort(), ["eu-no-hook", "eu-own-hook", "eu-prod"]);
    assert.deepEqual(Object.keys(run.set.actions), ["prod", "own-hook", "no-hook"]);
    assert.match(run.urns.prod, /::eu-prod$/);
  });

  test("applied: per entry, the action id, the values written and the audit the provider returned", async (t) => {
    pulumi.runtime.setAllConfig({});
    // What the engine answers after create: the provider's outputs for each resource.
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => ({
          id: `${args.name}-id`,
          state: args.custom ? { ...args.inputs, actionId: `da-${args.name}`, computedValue: `cv-${args.name}`, computedValueUtc: `utc-${args.name}`, audit: { status: "SUCCESS" } } : {},
        }),
        call: () => ({}),
      },
      "cxone-demo",
      "dev",
      false,
    );
    const set = new CxoneDateActionSet("date-actions", { files: declarationFile(t) });
    const applied = await new Promise<Record<string, unknown>>((resolve) => set.applied.apply(resolve));
    await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
    assert.deepEqual(applied, {
      prod: { actionId: "da-prod", computedValue: "cv-prod", computedValueUtc: "utc-prod", audit: { status: "SUCCESS" } },
      "own-hook": { actionId: "da-own-hook", computedValue: "cv-own-hook", computedValueUtc: "utc-own-hook", audit: { status: "SUCCESS" } },
      "no-hook": { actionId: "da-no-hook", computedValue: "cv-no-hook", computedValueUtc: "utc-no-hook", audit: { status: "SUCCESS" } },
    });
  });

  test("stack config webhookUrl reaches entries without their own, as a secret; an entry's own or null wins", async (t) => {
    const stackUrl = "https://scheduler.example.com/hooks/cxone?token=stack-token";
    const run = await runSet({ files: declarationFile(t) }, { webhookUrl: stackUrl });
    const byName = Object.fromEntries(run.registrations.map((r) => [r.name, r]));
    assert.equal(byName.prod.inputs.webhookUrl, stackUrl);
    assert.deepEqual(byName.prod.secrets, ["webhookUrl"], "the stack's URL stays encrypted in state");
    assert.equal(byName["own-hook"].inputs.webhookUrl, "https://own.example.com/hook");
    assert.deepEqual(byName["own-hook"].secrets, []);
    assert.equal(byName["no-hook"].inputs.webhookUrl ?? null, null);
    // The args' webhookUrl is used instead of the stack's.
    const explicit = await runSet({ files: declarationFile(t), webhookUrl: "https://args.example.com/hook" }, { webhookUrl: stackUrl });
    assert.equal(explicit.registrations.find((r) => r.name === "prod")!.inputs.webhookUrl, "https://args.example.com/hook");
  });

  test("a secret webhookUrl (an Output, as config.requireSecret gives) reaches entries without their own, still secret", async (t) => {
    pulumi.runtime.setAllConfig({ "cxone-demo:hookUrl": "https://args.example.com/hook?token=t0k" }, ["cxone-demo:hookUrl"]);
    const secretUrl: pulumi.Output<string> = new pulumi.Config("cxone-demo").requireSecret("hookUrl");
    const run = await runSet({ files: declarationFile(t), webhookUrl: secretUrl });
    const byName = Object.fromEntries(run.registrations.map((r) => [r.name, r]));
    assert.equal(byName.prod.inputs.webhookUrl, "https://args.example.com/hook?token=t0k");
    assert.deepEqual(byName.prod.secrets, ["webhookUrl"]);
    assert.equal(byName["own-hook"].inputs.webhookUrl, "https://own.example.com/hook");
    assert.deepEqual(byName["own-hook"].secrets, []);
    assert.equal(byName["no-hook"].inputs.webhookUrl ?? null, null);
    // The stand-in the loader checked with never reaches a resource.
    assert.ok(!JSON.stringify(run.registrations).includes(".invalid"), JSON.stringify(run.registrations));
  });

  test("a bad file or a bad stack webhookUrl fails the program before anything is registered", async (t) => {
    const file = declarationFile(t, FILE.replace("America/New_York", "America/New_Yrok"));
    // Every registration the engine would see, the set's component included.
    const registered: string[] = [];
    await pulumi.runtime.setMocks({ newResource: (args) => (registered.push(`${args.type}::${args.name}`), { id: `${args.name}-id`, state: args.inputs }), call: () => ({}) }, "cxone-demo", "dev", false);
    let ran = false;
    await assert.rejects(
      (async () => {
        ran = true;
        new CxoneDateActionSet("bad", { files: file });
      })(),
      (error: unknown) => {
        assert.ok(error instanceof DeclarationError);
        assert.match(error.message, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3:19: defaults\\.targetTimezone: targetTimezone "America/New_Yrok".*\\(set in defaults; entries prod, own-hook, no-hook\\)`));
        return true;
      },
    );
    assert.ok(ran, "the program ran");
    await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
    assert.deepEqual(registered, [], "nothing was registered: not the set, not one entry");
    pulumi.runtime.setAllConfig({ "cxone-demo:webhookUrl": "https://user:pw@hooks.example.com/x" });
    const good = declarationFile(t);
    await assert.rejects(
      runProgram(() => Object.values(new CxoneDateActionSet("bad", { files: good }).actions)),
      (error: unknown) => error instanceof DeclarationError && /^ {2}stack config webhookUrl: webhookUrl: webhookUrl carries credentials.*\(given for entries without their own; entry prod\)$/m.test(error.message) && !error.message.includes("pw@"),
    );
    pulumi.runtime.setAllConfig({});
  });

  test("through Pulumi's dynamic-provider host: every entry is applied and a second preview changes nothing", async (t) => {
    const emulator = await startEmulator(t);
    const run = await runSet({ files: declarationFile(t) }, { webhookUrl: emulator.webhookUrl });
    const host = await ownHost(t, { "cxone:baseUrl": emulator.url, "cxone:clientId": EMULATOR_CLIENT_ID, "cxone:clientSecret": EMULATOR_CLIENT_SECRET });
    const states = await inPool(run.registrations, 3, async (r) => (await up(host, r.name, r.inputs)).state);
    const live = new Map([...emulator.store.values()].map((a) => [a.name, a.configuration.dateProcessing?.computedValue]));
    assert.equal(live.get("Production_Date_Processor"), "2024-02-29T12:30:00.000-05:00");
    assert.equal(live.get("Action_0042"), "2024-02-29T17:30:00.000Z", "valueFormat utc writes computedValueUtc");
    // prod got the stack's webhook, own-hook its own (unreachable: recorded, not required), no-hook none.
    assert.equal(emulator.deliveries.length, 1);
    const again = await Promise.all(run.registrations.map((r, i) => preview(host, r.name, r.inputs, states[i])));
    assert.deepEqual(again.map((s) => s.kind), ["same", "same", "same"]);
  });
});

describe("CxoneDateAction.isInstance", () => {
  test("true for the set's resources, false for the set, plain objects and nothing", async (t) => {
    const { CxoneDateAction } = compiledPackage();
    const run = await runSet({ files: declarationFile(t) });
    for (const resource of Object.values(run.set.actions)) assert.equal(CxoneDateAction.isInstance(resource), true);
    for (const other of [run.set, {}, null, undefined, "prod", { computedValue: 1 }]) assert.equal(CxoneDateAction.isInstance(other), false);
  });
});
