/**
 * One action, one owner, across deployments, through the real `pulumi` CLI: a rename without
 * an alias whose old resource is deleted by a later `up` (after `up --target`), a host killed
 * between a create's PUT and its answer, two stacks on one action, and refresh behind a gateway
 * that answers 404 pages. Each path needs more than one command, so each runs through the CLI.
 */
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, test } from "node:test";
import { SEED } from "../../provider/emulator/emulator";
import { BASE_ARGS, PROGRAM, engineSuite, userProject, UserProject } from "./program";
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET } from "../../provider/emulator/emulator";
import { live } from "../helpers/emulator";
import { stillRunning } from "../../harness/processes";

type Props = Record<string, unknown>;

const suite = engineSuite();

const urn = (name: string) => `urn:pulumi:dev::cxone-engine::pulumi-nodejs:dynamic/cxone:CxoneDateAction::${name}`;

describe("a rename without an alias whose old resource is deleted by a later up", () => {
  for (const behavior of ["disable", "restore"] as const) {
    for (const pinned of [true, false]) {
      test(`${behavior}, ${pinned ? "pinned" : "by name"}, unchanged values: \`up --target\` the new one, then \`up\`: the action stays as the new one wrote it`, async (t) => {
        const args = { ...BASE_ARGS, deleteBehavior: behavior, ...(pinned ? { actionId: SEED.targetId } : {}) };
        const { project, emulator } = await userProject(t, suite, [{ name: "prod", args }]);
        await project.run(["up", "--yes", "--skip-preview"]);
        project.declare([{ name: "prod-renamed", args }]);
        const targeted = await project.run(["up", "--yes", "--skip-preview", "--target", urn("prod-renamed")]);
        assert.match(targeted.output, /\+ 1 created/);
        const written = live(emulator);
        assert.equal(((written.configuration.dateProcessing as Props).managedBy as Props).owner, "cxone-engine/dev/prod-renamed");

        const later = await project.run(["up", "--yes", "--skip-preview"]);
        assert.match(later.output, /- 1 deleted/);
        assert.match(later.output, /left the action as it is: it no longer holds what this resource last wrote \(managedBy \(now "cxone-engine\/dev\/prod-renamed"\) differs\)/);
        assert.deepEqual(live(emulator), written, "the new resource's configuration stays, enabled");
        const clean = await project.run(["preview", "--refresh", "--expect-no-changes"], { allowFailure: true });
        assert.equal(clean.code, 0, clean.output);
      });
    }
  }
});

describe("a create whose answer never came back", () => {
  test("the runner killed between the PUT and its answer: the next up and a destroy put back the true original", async (t) => {
    const { project, emulator } = await userProject(t, suite, [{ name: "prod", args: { ...BASE_ARGS, deleteBehavior: "restore" } }]);
    const seeded = live(emulator);
    emulator.setFaults([{ route: "put", kind: "slow", delayMs: 30_000 }]);
    const running = project.start(["up", "--yes", "--skip-preview"]);
    for (let i = 0; i < 400 && !emulator.requests.some((r) => r.route === "put"); i++) await sleep(50);
    assert.ok(emulator.requests.some((r) => r.route === "put"), `the PUT was sent:\n${running.output()}`);
    // The PUT is stored before its (slow) answer: CXone holds our value, state has nothing yet.
    assert.equal(live(emulator).configuration.dateProcessing?.computedValue, "2024-02-29T12:00:00.000-05:00");
    const killed = running.killAll();
    await running.exited;
    // The provider host pulumi started (in a process group of its own) died with the runner.
    const hosts = killed.filter((p) => p.command.includes("cmd/dynamic-provider"));
    assert.equal(hosts.length, 1, `one provider host among the processes killed: ${JSON.stringify(killed)}`);
    assert.deepEqual(await stillRunning(killed.map((p) => p.pid)), [], "nothing the killed up started still runs");
    emulator.setFaults([]);

    // A killed `pulumi` leaves its lock; the CLI's own error says `pulumi cancel` removes it.
    const locked = await project.run(["up", "--yes", "--skip-preview"], { allowFailure: true });
    assert.match(locked.output, /the stack is currently locked/);
    await project.pulumi(["cancel", "--yes"]);
    const up = await project.run(["up", "--yes", "--skip-preview"], { allowFailure: true });
    assert.equal(up.code, 0, up.output);
    const state = (await project.actions()).get("prod");
    assert.deepEqual((state?.outputs.original as Props).dateProcessing, seeded.configuration.dateProcessing, "original is what was there before the first PUT");
    await project.run(["destroy", "--yes", "--skip-preview"]);
    assert.deepEqual(live(emulator).configuration, seeded.configuration, "restore put back the true original");
  });
});

describe("two stacks on one action", () => {
  test("each up that overwrites the other's write warns and audits it, every run", async (t) => {
    const { project: first, emulator } = await userProject(t, suite, [{ name: "prod", args: { ...BASE_ARGS, offsetMinutes: 90 } }]);
    const second = new UserProject(suite.cli, suite.installation, { program: PROGRAM });
    t.after(() => second.remove());
    second.declare([{ name: "prod", args: { ...BASE_ARGS, offsetMinutes: 30 } }]);
    await second.init({ "cxone:baseUrl": emulator.url, "cxone:clientId": EMULATOR_CLIENT_ID }, { "cxone:clientSecret": EMULATOR_CLIENT_SECRET }, "other");

    await first.run(["up", "--yes", "--skip-preview"]);
    const taken = await second.run(["up", "--yes", "--skip-preview"]);
    assert.match(taken.output, /overwriting managedBy \(was "cxone-engine\/dev\/prod"\)/);
    // The deploy pipeline's `up --refresh`, in turn: each run overwrites the other stack's write, and says so.
    for (let round = 0; round < 2; round++) {
      const back = await first.run(["up", "--refresh", "--yes", "--skip-preview"]);
      assert.match(back.output, /warning: da-000123: overwriting managedBy \(now "cxone-engine\/other\/prod"\)/);
      const audit = (((await first.outputs()) as Record<string, Props>).prod.audit as Props).overwrote;
      assert.deepEqual(audit, ['managedBy (now "cxone-engine/other/prod")']);
      const again = await second.run(["up", "--refresh", "--yes", "--skip-preview"]);
      assert.match(again.output, /warning: da-000123: overwriting managedBy \(now "cxone-engine\/dev\/prod"\)/);
    }
  });
});

describe("refresh behind a gateway", () => {
  test("a 404 page from a gateway fails the refresh and keeps the resource and its original", async (t) => {
    const { project, emulator } = await userProject(t, suite, [{ name: "prod", args: { ...BASE_ARGS, deleteBehavior: "restore" } }]);
    await project.run(["up", "--yes", "--skip-preview"]);
    const before = (await project.actions()).get("prod");
    emulator.setFaults([{ route: "get", kind: "gateway404" }]);
    const refresh = await project.run(["refresh", "--yes", "--skip-preview"], { allowFailure: true });
    assert.notEqual(refresh.code, 0);
    assert.match(refresh.output, /a page from a gateway or proxy/);
    assert.deepEqual((await project.actions()).get("prod")?.outputs.original, before?.outputs.original);
  });
});
