/**
 * What a pipeline meets when an apply goes wrong, through the real `pulumi` CLI: partial
 * failures (a required webhook that fails, a PUT whose answer is lost) and the commands after
 * them; refresh after console drift, a deleted action and a failing tenant; an `up` interrupted
 * mid-apply. Every later command is the one a user or a pipeline runs next.
 */
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, test } from "node:test";
import { SEED, type Emulator } from "../../provider/emulator/emulator";
import type { DataAction } from "../../provider/shared/types";
import { BASE_ARGS, engineSuite, userProject } from "./program";
import { live } from "../helpers/emulator";

type Props = Record<string, unknown>;

const suite = engineSuite();

describe("a partial failure leaves a stack every later command can run on", () => {
  const cases = [
    {
      name: "a required webhook answering 503",
      args: { webhookRequired: true },
      faults: [{ route: "webhook" as const, kind: "5xx" as const, status: 503 as const }],
      message: /the required webhook was not delivered after \d attempt\(s\)/,
    },
    {
      name: "a PUT whose answer is lost, and its read-back too",
      args: {},
      faults: [
        { route: "put" as const, kind: "drop" as const },
        { route: "get" as const, kind: "drop" as const },
      ],
      message: /recorded as unconfirmed; run `pulumi up` again/,
    },
  ];
  for (const c of cases) {
    test(`${c.name}: up fails saying what to do; refresh, up and destroy then work`, async (t) => {
      const { project, emulator } = await userProject(t, suite, []);
      const seeded = live(emulator);
      project.declare([{ name: "prod", args: { ...BASE_ARGS, deleteBehavior: "restore", webhookUrl: emulator.webhookUrl, ...c.args } }]);
      emulator.setFaults(c.faults);
      const failed = await project.run(["up", "--yes", "--skip-preview"], { allowFailure: true });
      assert.notEqual(failed.code, 0);
      assert.match(failed.output, c.message);
      const recorded = (await project.actions()).get("prod");
      assert.equal(recorded?.id, SEED.targetId, "the partially applied resource is in state");
      assert.equal((recorded?.outputs.audit as Props).status, "PARTIAL");
      assert.ok(typeof recorded?.outputs.__provider === "string", "its outputs carry the provider, or refresh and destroy could not run");

      emulator.setFaults([]);
      const refresh = await project.run(["refresh", "--yes"], { allowFailure: true });
      assert.equal(refresh.code, 0, refresh.output);
      const up = await project.run(["up", "--yes", "--skip-preview"], { allowFailure: true });
      assert.equal(up.code, 0, up.output);
      assert.equal((((await project.outputs()) as Record<string, Props>).prod.audit as Props).status, "SUCCESS");
      assert.equal(live(emulator).configuration.dateProcessing?.computedValue, "2024-02-29T12:00:00.000-05:00");
      const destroy = await project.run(["destroy", "--yes", "--skip-preview"], { allowFailure: true });
      assert.equal(destroy.code, 0, destroy.output);
      assert.deepEqual(live(emulator).configuration, seeded.configuration, "restore still finds the configuration from before the first apply");
    });
  }
});

describe("refresh", () => {
  test("console drift fails `preview --refresh --expect-no-changes --diff` (the drift pipeline), naming the drifted field", async (t) => {
    const { project, emulator } = await userProject(t, suite, [{ name: "prod", args: BASE_ARGS }]);
    await project.run(["up", "--yes", "--skip-preview"]);
    const clean = await project.run(["preview", "--refresh", "--expect-no-changes", "--diff"], { allowFailure: true });
    assert.equal(clean.code, 0, clean.output);

    (emulator.store.get(SEED.targetId) as DataAction).configuration.dateProcessing!.timezone = "Europe/Paris"; // a console edit
    const drift = await project.run(["preview", "--refresh", "--expect-no-changes", "--diff"], { allowFailure: true });
    assert.notEqual(drift.code, 0);
    assert.match(drift.output, /~ timezone\s*: "America\/New_York" => "Europe\/Paris"/);
    assert.match(drift.output, /no changes were expected/);
    // The deploy pipeline's `up --refresh` puts the declared configuration back.
    await project.run(["up", "--refresh", "--yes", "--skip-preview"]);
    assert.equal(live(emulator).configuration.dateProcessing?.timezone, "America/New_York");
  });

  test("an action deleted in CXone (404) drops the resource from state", async (t) => {
    const { project, emulator } = await userProject(t, suite, [{ name: "prod", args: BASE_ARGS }]);
    await project.run(["up", "--yes", "--skip-preview"]);
    emulator.store.delete(SEED.targetId);
    const refresh = await project.run(["refresh", "--yes"]);
    assert.match(refresh.output, /- 1 deleted/);
    assert.equal((await project.actions()).size, 0);
  });

  const client = { secret: "emulator-secret", scopes: ["dataactions:read", "dataactions:write"] };
  const kept = [
    { name: "a 500", setup: (e: Emulator) => e.setFaults([{ route: "get", kind: "5xx", status: 500 }]), message: /500/ },
    {
      name: "a 403 (the API client lost its read scope in CXone)",
      setup: (e: Emulator) => {
        client.scopes = ["dataactions:write"];
        e.revokeTokens();
      },
      message: /403/,
    },
  ];
  for (const c of kept) {
    test(`${c.name} fails the refresh and keeps the resource and its original`, async (t) => {
      client.scopes = ["dataactions:read", "dataactions:write"];
      const { project, emulator } = await userProject(t, suite, [{ name: "prod", args: { ...BASE_ARGS, deleteBehavior: "restore" } }], {
        emulator: { clients: { "emulator-client": client } },
      });
      await project.run(["up", "--yes", "--skip-preview"]);
      const before = (await project.actions()).get("prod");
      c.setup(emulator);
      const refresh = await project.run(["refresh", "--yes"], { allowFailure: true });
      assert.notEqual(refresh.code, 0, refresh.output);
      assert.match(refresh.output, c.message);
      const after = (await project.actions()).get("prod");
      assert.ok(after, "the resource is still in state");
      assert.deepEqual(after.outputs.original, before?.outputs.original);
    });
  }
});

describe("the provider configuration refresh and destroy use", () => {
  test("is the stack config recorded by the last up: a changed cxone:clientId reaches refresh only after an up", async (t) => {
    const clients = {
      "emulator-client": { secret: "emulator-secret", scopes: ["dataactions:read", "dataactions:write"] },
      "rotated-client": { secret: "rotated-secret", scopes: ["dataactions:read", "dataactions:write"] },
    };
    const { project, emulator } = await userProject(t, suite, [{ name: "prod", args: BASE_ARGS }], { emulator: { clients } });
    await project.run(["up", "--yes", "--skip-preview"]);
    await project.pulumi(["config", "set-all", "--plaintext", "cxone:clientId=rotated-client", "--secret", "cxone:clientSecret=rotated-secret"]);
    // A refresh reads twice (its preview, then the refresh), each phase with a host of its own.
    const tokenRequests = () => [...new Set(emulator.requests.filter((r) => r.route === "token").map((r) => (r.body as Record<string, string> | undefined)?.client_id))];
    emulator.reset();
    await project.run(["refresh", "--yes"]);
    assert.deepEqual(tokenRequests(), ["emulator-client"], "refresh configures the provider from state (the engine's default provider), not from today's config");
    emulator.reset();
    await project.run(["up", "--refresh", "--yes", "--skip-preview"]);
    emulator.reset();
    await project.run(["refresh", "--yes"]);
    assert.deepEqual(tokenRequests(), ["rotated-client"], "after an up, the new configuration is the recorded one");
  });
});

describe("an up interrupted mid-apply", () => {
  test("Ctrl-C twice during a slow PUT: the next refresh and up converge, and restore still has the true original", async (t) => {
    const { project, emulator } = await userProject(t, suite, [{ name: "prod", args: { ...BASE_ARGS, deleteBehavior: "restore" } }]);
    const seeded = live(emulator);
    await project.run(["up", "--yes", "--skip-preview"]);

    project.declare([{ name: "prod", args: { ...BASE_ARGS, deleteBehavior: "restore", offsetMinutes: 30 } }]);
    emulator.setFaults([{ route: "put", kind: "slow", delayMs: 5_000 }]);
    const running = project.start(["up", "--yes", "--skip-preview"]);
    // Bounded wait for the PUT to reach CXone.
    for (let i = 0; i < 200 && !emulator.requests.some((r) => r.route === "put"); i++) await sleep(50);
    assert.ok(emulator.requests.some((r) => r.route === "put"), `the PUT was sent:\n${running.output()}`);
    // A first Ctrl-C asks pulumi to stop after in-flight steps; a second terminates it at once.
    running.child.kill("SIGINT");
    await sleep(300);
    running.child.kill("SIGINT");
    const interrupted = await running.exited;
    assert.notEqual(interrupted.code, 0, interrupted.output);
    emulator.setFaults([]);

    const refresh = await project.run(["refresh", "--yes"], { allowFailure: true });
    assert.equal(refresh.code, 0, refresh.output);
    const up = await project.run(["up", "--yes", "--skip-preview"], { allowFailure: true });
    assert.equal(up.code, 0, up.output);
    assert.equal(live(emulator).configuration.dateProcessing?.computedValue, "2024-02-29T11:00:00.000-05:00");
    const clean = await project.run(["preview", "--expect-no-changes"], { allowFailure: true });
    assert.equal(clean.code, 0, clean.output);
    await project.run(["destroy", "--yes", "--skip-preview"]);
    assert.deepEqual(live(emulator).configuration, seeded.configuration, "restore puts back what was there before the first apply");
  });
});

describe("an unknown log level", () => {
  // [where it is set, how]
  const cases: Array<[string, { env?: NodeJS.ProcessEnv; config?: Record<string, string> }]> = [
    ["CXONE_LOG=verbose in the environment", { env: { CXONE_LOG: "verbose" } }],
    ["cxone:logLevel verbose in stack config", { config: { "cxone:logLevel": "verbose" } }],
  ];
  for (const [where, setting] of cases) {
    test(`${where}: preview fails naming the setting and the three levels, and nothing is written`, async (t) => {
      const { project, emulator } = await userProject(t, suite, [{ name: "prod", args: BASE_ARGS }], setting);
      const before = live(emulator);
      const preview = await project.run(["preview"], { allowFailure: true });
      assert.notEqual(preview.code, 0, preview.output);
      assert.match(preview.output, /cxone:logLevel \(or CXONE_LOG\) is "verbose"; use one of off, info, debug/);
      assert.deepEqual(live(emulator), before);
    });
  }
});
