/**
 * A user's path through the real `pulumi` CLI: preview, up, a clean second preview, an edit,
 * renames and replaces, destroy, secrets and the diagnostic log. Each test is a project of its
 * own (file backend, PULUMI_HOME, passphrase) with the packed tarball installed, and asserts what
 * the user sees: exit codes, command output, `pulumi stack output`, `pulumi stack export`, and
 * what CXone (the emulator) holds.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SEED } from "../../provider/emulator/emulator";
import { ownedPart, startEmulator, live } from "../helpers/emulator";
import type { DataAction } from "../../provider/shared/types";
import { BASE_ARGS, TYPED_OUTPUTS, engineSuite, userProject, type Declared } from "./program";

type Props = Record<string, unknown>;

const suite = engineSuite();

describe("preview, up, a clean preview, an edit, destroy", () => {
  test("an input unknown until another resource exists previews without a write; up resolves every typed output", async (t) => {
    const resources: Declared[] = [
      { name: "prod", args: { ...BASE_ARGS, deleteBehavior: "restore" } },
      // Its source timestamp is prod's output: unknown to the engine until prod is created.
      { name: "staging", args: { ...BASE_ARGS, actionName: SEED.nearMissNames[2], sourceTimestamp: { $ref: "prod.computedValueUtc" }, targetTimezone: "Europe/London", operation: "CONVERT", offsetMinutes: undefined } },
    ];
    const { project, emulator } = await userProject(t, suite, resources);
    const seeded = live(emulator, SEED.targetId);

    const preview = await project.run(["preview"]);
    assert.match(preview.output, /\+ 3 to create/);
    // The value prod will write is known at preview (computed from its inputs).
    assert.match(preview.output, /2024-02-29T12:00:00\.000-05:00/);
    assert.deepEqual(emulator.requests.map((r) => `${r.method} ${r.path}`), [], "a preview sends no request to CXone");

    const up = await project.run(["up", "--yes"]);
    assert.match(up.output, /\+ 3 created/);
    const outputs = (await project.outputs()) as Record<string, Props>;
    for (const name of ["prod", "staging"]) {
      for (const output of TYPED_OUTPUTS) {
        assert.notEqual(outputs[name]?.[output], undefined, `stack output ${name}.${output} resolves (not shadowed by a class field)`);
      }
    }
    assert.equal(outputs.prod.actionId, SEED.targetId);
    assert.equal(outputs.prod.computedValue, "2024-02-29T12:00:00.000-05:00");
    assert.equal(outputs.prod.computedEpochMs, Date.parse("2024-02-29T17:00:00.000Z"));
    assert.equal((outputs.prod.audit as Props).status, "SUCCESS");
    // staging converted prod's UTC value, known only after prod's create.
    assert.equal(outputs.staging.computedValue, "2024-02-29T17:00:00.000+00:00");
    const after = live(emulator, SEED.targetId);
    assert.equal(after.configuration.dateProcessing?.computedValue, "2024-02-29T12:00:00.000-05:00");
    assert.deepEqual(after.configuration.anyOtherKey, seeded.configuration.anyOtherKey, "a key we do not own survives the PUT");
    assert.deepEqual(after.configuration.routing, seeded.configuration.routing);

    emulator.reset();
    const clean = await project.run(["preview", "--expect-no-changes"]);
    assert.equal(clean.code, 0);
    assert.deepEqual(emulator.requests.map((r) => `${r.method} ${r.path}`), [], "an unchanged stack previews without a request");

    project.declare([{ ...resources[0], args: { ...resources[0].args, offsetMinutes: 60 } }, resources[1]]);
    const edit = await project.run(["up", "--yes"]);
    // staging follows: its source timestamp is prod's output.
    assert.match(edit.output, /~ 2 updated/);
    const edited = live(emulator, SEED.targetId);
    assert.equal(edited.configuration.dateProcessing?.computedValue, "2024-02-29T11:30:00.000-05:00");
    assert.deepEqual(edited.configuration.routing, seeded.configuration.routing, "an update keeps the keys we do not own");
    assert.equal((((await project.outputs()) as Record<string, Props>).prod.audit as Props).operation, "update");

    const destroy = await project.run(["destroy", "--yes"]);
    assert.match(destroy.output, /- 3 deleted/);
    const restored = live(emulator, SEED.targetId);
    assert.deepEqual(restored.configuration.dateProcessing, seeded.configuration.dateProcessing, "restore puts back the configuration from before the first apply");
    assert.deepEqual(restored.configuration.routing, seeded.configuration.routing);
    assert.equal((await project.actions()).size, 0);
  });
});

describe("destroy with each deleteBehavior", () => {
  const cases = [
    { behavior: "retain", expect: (_seeded: DataAction, applied: DataAction, now: DataAction) => assert.deepEqual(now, applied) },
    {
      behavior: "restore",
      expect: (seeded: DataAction, _applied: DataAction, now: DataAction) => {
        assert.deepEqual(now.configuration, seeded.configuration, "restore puts back the original, record gone");
        assert.equal(now.enabled, true);
      },
    },
    {
      behavior: "disable",
      expect: (_seeded: DataAction, applied: DataAction, now: DataAction) => {
        assert.equal(now.enabled, false);
        assert.deepEqual(ownedPart(now.configuration.dateProcessing), ownedPart(applied.configuration.dateProcessing), "disable leaves the configuration as applied");
        assert.equal((now.configuration.dateProcessing as Record<string, unknown>).managedBy, undefined, "and takes its ownership record off");
      },
    },
  ];
  for (const c of cases) {
    test(`deleteBehavior ${c.behavior}`, async (t) => {
      const { project, emulator } = await userProject(t, suite, [{ name: "prod", args: { ...BASE_ARGS, deleteBehavior: c.behavior } }]);
      const seeded = live(emulator, SEED.targetId);
      await project.run(["up", "--yes", "--skip-preview"]);
      const applied = live(emulator, SEED.targetId);
      assert.notDeepEqual(applied.configuration.dateProcessing, seeded.configuration.dateProcessing);
      await project.run(["destroy", "--yes", "--skip-preview"]);
      const now = live(emulator, SEED.targetId);
      c.expect(seeded, applied, { ...now, version: applied.version });
    });
  }
});

describe("renames and replaces, in the engine's order (create the new, then delete the old)", () => {
  // `replace`: the action is renamed in the console and in code (a new actionName replaces) and
  // stays the same action; `rename`: the resource's name changes without an alias.
  const cases = [];
  for (const change of ["replace", "rename"] as const) {
    for (const behavior of ["disable", "restore"] as const) {
      for (const pinned of [true, false]) cases.push({ change, behavior, pinned });
    }
  }
  for (const { change, behavior, pinned } of cases) {
    test(`${change}, deleteBehavior ${behavior}, ${pinned ? "pinned by actionId" : "found by name"}: the new configuration stays live and enabled`, async (t) => {
      const args = { ...BASE_ARGS, deleteBehavior: behavior, ...(pinned ? { actionId: SEED.targetId } : {}) };
      const { project, emulator } = await userProject(t, suite, [{ name: "prod", args }]);
      await project.run(["up", "--yes", "--skip-preview"]);

      let next: Declared;
      if (change === "replace") {
        const action = emulator.store.get(SEED.targetId) as DataAction;
        action.name = "Production_Date_Processor_Renamed"; // the console rename
        next = { name: "prod", args: { ...args, actionName: action.name, offsetMinutes: 45 } };
      } else {
        next = { name: "prod-renamed", args: { ...args, offsetMinutes: 45 } };
      }
      project.declare([next]);
      const up = await project.run(["up", "--yes", "--skip-preview"]);
      assert.match(up.output, change === "replace" ? /\+-1 replaced/ : /\+ 1 created[\s\S]*- 1 deleted|- 1 deleted[\s\S]*\+ 1 created/);
      const now = live(emulator, SEED.targetId);
      assert.equal(now.configuration.dateProcessing?.computedValue, "2024-02-29T11:15:00.000-05:00", "the new configuration is live");
      assert.equal(now.enabled, true, "and the action is enabled");
      const clean = await project.run(["preview", "--expect-no-changes"], { allowFailure: true });
      assert.equal(clean.code, 0, clean.output);
    });
  }
});

describe("secrets", () => {
  test("secrets set with `pulumi config set --secret` and a secret input are in no state text, __provider included", async (t) => {
    const clientSecret = `client-secret-${process.pid}-${Date.now()}`;
    const webhookSecret = `whsec-engine-${process.pid}-${Date.now()}`;
    const webhookPath = `/webhooks/receiver`;
    const { project, emulator } = await userProject(t, suite, [{ name: "prod", args: { ...BASE_ARGS, webhookUrl: { $secretConfig: "webhookUrl" } } }], {
      emulator: { clients: { "engine-client": { secret: clientSecret, scopes: ["dataactions:read", "dataactions:write"] } }, webhookSecret },
      config: { "cxone:clientId": "engine-client" },
      secrets: { "cxone:clientSecret": clientSecret, "cxone:webhookSecret": webhookSecret },
    });
    await project.pulumi(["config", "set", "--secret", "webhookUrl", `${emulator.url}${webhookPath}?token=hook-token-${process.pid}`]);
    await project.run(["up", "--yes", "--skip-preview"]);
    assert.equal(emulator.deliveries.length, 1);
    assert.equal(emulator.deliveries[0].signatureValid, true, "the webhook secret reached the provider");
    const { text, resources } = await project.exported();
    for (const secret of [clientSecret, webhookSecret, `hook-token-${process.pid}`]) {
      assert.ok(!text.includes(secret), `the stack export holds ${secret.slice(0, 12)}... in plaintext`);
    }
    const prod = resources.find((r) => r.urn.endsWith("::prod"));
    assert.ok(prod?.outputs?.__provider, "the provider is recorded");
    assert.ok(!String(prod?.outputs?.__provider).includes(clientSecret));
    // The secret input stays a secret output (same key), not plaintext.
    assert.equal((prod?.outputs?.webhookUrl as Props)?.["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270");
  });
});

describe("the diagnostic log", () => {
  test("cxone:logLevel debug in stack config shows every HTTP attempt in `pulumi up --logtostderr`", async (t) => {
    const { project } = await userProject(t, suite, [{ name: "prod", args: BASE_ARGS }], { config: { "cxone:logLevel": "debug" } });
    const up = await project.run(["up", "--yes", "--skip-preview", "--logtostderr"]);
    assert.match(up.output, /level=debug req=\S+ event=http method=PUT path=\/api\/v2\/dataactions\/da-000123 status=200/);
    assert.doesNotMatch(up.output, /Bearer|emulator-secret/);
  });
});

describe("CxoneDateAction.get", () => {
  test("reads an action another stack manages: its id and what CXone holds; up writes nothing, destroy leaves it", async (t) => {
    const { project, emulator } = await userProject(t, suite, [{ name: "shared", args: {}, opts: { get: SEED.targetId } }]);
    const seeded = live(emulator, SEED.targetId);
    const up = await project.run(["up", "--yes"]);
    assert.match(up.output, /read pulumi-nodejs:dynamic\/cxone:CxoneDateAction shared/);
    const outputs = (await project.outputs()) as Record<string, Props>;
    assert.equal(outputs.shared.actionId, SEED.targetId);
    assert.deepEqual(outputs.shared.applied, { dateProcessing: seeded.configuration.dateProcessing, enabled: seeded.enabled });
    assert.equal(outputs.shared.computedValue, undefined, "inputs are not known: nothing is computed");
    assert.deepEqual(emulator.requests.filter((r) => r.method !== "GET" && r.route !== "token"), [], "nothing written");
    await project.run(["destroy", "--yes"]);
    assert.deepEqual(live(emulator, SEED.targetId), seeded, "destroy leaves a read resource's action alone");
  });
});

describe("two tenants in one stack (cxone:tenants), one at another API path", () => {
  test("each resource reaches its own tenant; only the tenant's name is in state; destroy restores each where it lives", async (t) => {
    const { project, emulator } = await userProject(t, suite, []);
    const secretB = "tenant-b-secret-0123456789";
    const other = await startEmulator(t, { actionsPath: "/tenant-b/v9/dataactions", clients: { "client-b": { secret: secretB, scopes: ["dataactions:read", "dataactions:write"] } } });
    for (const [key, value, secret] of [
      ["baseUrl", other.url, false],
      ["clientId", "client-b", false],
      ["clientSecret", secretB, true],
      ["apiPath", "/tenant-b/v9/dataactions", false],
    ] as const) {
      await project.pulumi(["config", "set", "--path", ...(secret ? ["--secret"] : []), `cxone:tenants.b.${key}`, value]);
    }
    project.declare([
      { name: "here", args: { ...BASE_ARGS, deleteBehavior: "restore" } },
      { name: "there", args: { ...BASE_ARGS, offsetMinutes: 30, deleteBehavior: "restore", tenant: "b" } },
    ]);
    const seededHere = live(emulator, SEED.targetId);
    const seededThere = live(other, SEED.targetId);
    await project.run(["up", "--yes"]);
    assert.equal(live(emulator, SEED.targetId).configuration.dateProcessing?.computedValue, "2024-02-29T12:00:00.000-05:00");
    assert.equal(live(other, SEED.targetId).configuration.dateProcessing?.computedValue, "2024-02-29T11:00:00.000-05:00");
    assert.ok(other.requests.some((r) => r.path.startsWith("/tenant-b/v9/dataactions")), "tenant b was reached at its own path");
    assert.ok(!emulator.requests.some((r) => r.route === "put" && JSON.stringify(r.body).includes("11:00:00")), "no write of tenant b's value reached the stack's tenant");
    const state = await project.exported();
    assert.ok(!state.text.includes(secretB), "the tenant's secret is not in state");
    assert.equal((await project.actions()).get("there")?.outputs.tenant, "b");

    await project.run(["destroy", "--yes"]);
    assert.deepEqual(live(emulator, SEED.targetId).configuration, seededHere.configuration);
    assert.deepEqual(live(other, SEED.targetId).configuration, seededThere.configuration, "restored in tenant b, from state alone");
  });

  test("a tenant missing from cxone:tenants fails the up naming it and the command that adds it", async (t) => {
    const { project } = await userProject(t, suite, [{ name: "there", args: { ...BASE_ARGS, tenant: "eu" } }]);
    const up = await project.run(["up", "--yes"], { allowFailure: true });
    assert.notEqual(up.code, 0);
    assert.match(up.output, /the tenant "eu" is not in the stack config cxone:tenants; add it with pulumi config set --path cxone:tenants\.eu\.baseUrl <url>/);
  });
});
