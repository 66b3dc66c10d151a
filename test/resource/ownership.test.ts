/**
 * One action, one owner (issue "One action, one owner"), through Pulumi's own dynamic-provider
 * host: identity checked before any write, state holding only owned keys, a resource dropped
 * only on a confirmed absence, compare-before-undo on delete in a later deployment (another
 * host process), the original surviving a lost create, two owners in one deployment refused.
 * Each test has its own emulator and host (fleet): the host's claims are per process, as per
 * deployment under the engine.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SEED } from "../../provider/emulator/emulator";
import type { DataAction } from "../../provider/shared/types";
import { destroy, refresh, up, type ResourceState } from "../../harness/engine";
import { startFleet, type Fleet } from "../../harness/fleet";
import { HostError, ProviderHost } from "../../harness/host";
import { live } from "../helpers/emulator";
import { rejection } from "../helpers/assert";

const rejectionOf = (promise: Promise<unknown>) => rejection(promise, HostError);

type Props = Record<string, unknown>;

async function fleet(t: { after(fn: () => unknown): void }, label: string): Promise<Fleet> {
  const f = await startFleet(label);
  t.after(() => f.close());
  return f;
}

/** A second deployment: a new host process for the same stack, as the next `pulumi up` starts. */
async function nextDeployment(t: { after(fn: () => unknown): void }, f: Fleet): Promise<ProviderHost> {
  const host = await ProviderHost.start({ cwd: process.cwd() });
  t.after(() => host.close());
  await host.configure({ "cxone:baseUrl": f.emulator.url, "cxone:clientId": f.clientId, "cxone:clientSecret": f.clientSecret });
  return host;
}

const puts = (f: Fleet) => f.emulator.requests.filter((r) => r.route === "put");

function owned(news: Props, name: string): Props {
  return { ...news, __owner: `cxone-demo/dev/${name}` };
}

describe("identity", () => {
  test("an answer about another action is refused before any write", async (t) => {
    const f = await fleet(t, "identity");
    (f.emulator.store.get(SEED.targetId) as DataAction).id = "da-999999"; // a cache or proxy answering for another action
    const error = await rejectionOf(up(f.host, "prod", { ...f.base, actionId: SEED.targetId, offsetMinutes: 90 }));
    assert.match(error.message, /answered with the Data Action "da-999999", not "da-000123"/);
    assert.equal(puts(f).length, 0, "nothing was written");
  });

  test("actionId and actionName are checked at preview: one path segment, no control characters, at most 256 characters", async (t) => {
    const f = await fleet(t, "identity-check");
    const table: [Props, string, RegExp][] = [
      [{ actionId: ".." }, "actionId", /would address another path/],
      [{ actionId: "." }, "actionId", /would address another path/],
      [{ actionId: "da/000123" }, "actionId", /holds "\/"/],
      [{ actionId: "da%2F000123" }, "actionId", /holds "%"/],
      [{ actionId: "da-1\n::stop-commands::x" }, "actionId", /control character U\+000A at position 5/],
      [{ actionId: "x".repeat(257) }, "actionId", /257 characters long; at most 256/],
      [{ actionName: "Production\u0007" }, "actionName", /control character U\+0007 at position 11/],
      [{ actionName: "y".repeat(300) }, "actionName", /300 characters long/],
    ];
    for (const [edit, property, reason] of table) {
      const { failures } = await f.host.check("prod", {}, { ...f.base, ...edit });
      const failure = failures.find((x) => x.property === property);
      assert.ok(failure, `${JSON.stringify(edit).slice(0, 40)}: a failure names ${property}: ${JSON.stringify(failures)}`);
      assert.match(failure.reason, reason);
    }
    assert.equal(f.emulator.requests.length, 0, "check makes no request");
  });
});

describe("names that look like another", () => {
  test("invisible characters and mixed scripts are shown by code point at preview; a look-alike not found is shown beside it", async (t) => {
    const f = await fleet(t, "lookalike");
    const table: [string, RegExp][] = [
      ["Production\u200B_Date_Processor", /holds an invisible character \(U\+200B at position 11\)/],
      ["Pr\u043Eduction_Date_Processor", /mixes Latin and Cyrillic letters; it is U\+0050 U\+0072 U\+043E/],
    ];
    for (const [name, warning] of table) {
      const before = f.host.stderr.length;
      const { failures } = await f.host.check("prod", {}, { ...f.base, actionName: name });
      assert.deepEqual(failures, [], "a warning, not a failure");
      await f.host.stderrMatching(before, warning);
    }
    const plain = await f.host.check("prod", {}, f.base);
    assert.deepEqual(plain.failures, []);

    // A name pasted with a Cyrillic "о": CXone's action has the Latin one.
    const error = await rejectionOf(up(f.host, "prod", { ...f.base, actionName: "Pr\u043Eduction_Date_Processor", offsetMinutes: 90 }));
    assert.match(error.message, /"Production_Date_Processor" looks the same but is U\+0050 U\+0072 U\+006F .*, where actionName is U\+0050 U\+0072 U\+043E/);
    assert.equal(puts(f).length, 0);
  });
});

describe("state holds only the keys this resource owns", () => {
  test("a key the server put into dateProcessing stays in CXone, never in state, and survives restore", async (t) => {
    const f = await fleet(t, "owned-keys");
    (live(f.emulator) && (f.emulator.store.get(SEED.targetId) as DataAction).configuration.dateProcessing as Props).reflected = "Bearer leaked-by-a-proxy";
    const { state } = await up(f.host, "prod", { ...f.base, offsetMinutes: 90, deleteBehavior: "restore" });
    const text = JSON.stringify(state);
    assert.ok(!text.includes("leaked-by-a-proxy"), "the reflected value is not in state");
    assert.deepEqual(Object.keys((state.outputs.applied as { dateProcessing: Props }).dateProcessing).sort(), ["computedValue", "dstAdjustment", "precision", "sourceField", "targetField", "timezone"]);
    await destroy(f.host, state);
    assert.equal((live(f.emulator).configuration.dateProcessing as Props).reflected, "Bearer leaked-by-a-proxy", "restore keeps the key it does not own");
  });
});

describe("refresh drops a resource only on a confirmed absence", () => {
  test("a gateway's HTML 404 keeps the resource", async (t) => {
    const f = await fleet(t, "gateway");
    const { state } = await up(f.host, "prod", { ...f.base, offsetMinutes: 90 });
    f.emulator.setFaults([{ route: "get", kind: "gateway404" }]);
    const error = await rejectionOf(refresh(f.host, state));
    assert.match(error.message, /not the CXone API's JSON error \(a page from a gateway or proxy\?\)/);
  });

  test("the API's not-found, with an action of the same name elsewhere, is a disagreement that keeps the resource", async (t) => {
    const f = await fleet(t, "disagree");
    const { state } = await up(f.host, "prod", { ...f.base, offsetMinutes: 90 });
    const action = live(f.emulator);
    f.emulator.store.delete(SEED.targetId);
    f.emulator.store.set("da-555555", { ...action, id: "da-555555" });
    const error = await rejectionOf(refresh(f.host, state));
    assert.match(error.message, /an action named "Production_Date_Processor" exists as da-555555/);
  });

  test("the API's not-found twice and no action of that name: the resource is dropped", async (t) => {
    const f = await fleet(t, "gone");
    const { state } = await up(f.host, "prod", { ...f.base, offsetMinutes: 90 });
    f.emulator.store.delete(SEED.targetId);
    f.emulator.reset();
    assert.equal(await refresh(f.host, state), null);
    assert.deepEqual(
      f.emulator.requests.filter((r) => r.route !== "token").map((r) => r.route),
      ["get", "get", "list"],
      "a second look by id, then by name",
    );
  });
});

describe("delete compares before it undoes, in a later deployment too", () => {
  for (const behavior of ["disable", "restore"] as const) {
    test(`${behavior}: a console edit since the apply leaves the action as it is, naming the field`, async (t) => {
      const f = await fleet(t, `edit-${behavior}`);
      const { state } = await up(f.host, "prod", { ...f.base, offsetMinutes: 90, deleteBehavior: behavior });
      (f.emulator.store.get(SEED.targetId) as DataAction).configuration.dateProcessing!.timezone = "Europe/Paris";
      const before = live(f.emulator);
      const later = await nextDeployment(t, f);
      await destroy(later, state);
      assert.deepEqual(live(f.emulator), before, "nothing was undone");
      await later.stderrMatching(0, /left the action as it is: .*dateProcessing\.timezone differs/);
    });

    test(`${behavior}: a resource renamed without an alias, deleted in a later deployment, leaves its successor's write, same values included`, async (t) => {
      const f = await fleet(t, `rename-${behavior}`);
      const args = { ...f.base, offsetMinutes: 90, deleteBehavior: behavior };
      const old = (await up(f.host, "before", owned(args, "before"))).state;
      // The successor, in another deployment, with the very same values: only its record changes.
      const second = await nextDeployment(t, f);
      await up(second, "after", owned(args, "after"));
      const successor = live(f.emulator);
      const third = await nextDeployment(t, f);
      await destroy(third, old);
      assert.deepEqual(live(f.emulator), successor, "the successor's configuration and enabled flag stay");
      await third.stderrMatching(0, /managedBy \(now "cxone-demo\/dev\/after"\) differs/);
    });
  }

  test("the claim is looked up under the action id, not the resource id (state from before ownership records)", async (t) => {
    const f = await fleet(t, "claim-id");
    const args = { ...f.base, actionId: "da-000124", actionName: "production_date_processor", offsetMinutes: 90, deleteBehavior: "disable" };
    const old = (await up(f.host, "old", owned(args, "old"))).state;
    // As after an update that re-resolved the action: the resource id stays, actionId moves. No token: an older version's state.
    const { __ownerToken: _token, ...outputs } = old.outputs;
    const stale: ResourceState = { ...old, id: SEED.targetId, outputs };
    // The next deployment: the successor writes the same values to the same action, then the old one is deleted.
    const next = await nextDeployment(t, f);
    await up(next, "successor", owned(args, "successor"));
    await destroy(next, stale);
    assert.equal(live(f.emulator, "da-000124").enabled, true, "the successor's action stays enabled");
  });
});

describe("the original survives", () => {
  test("an update keeps the original from before the first write, and audits what it overwrote", async (t) => {
    const f = await fleet(t, "original");
    const seeded = live(f.emulator).configuration.dateProcessing;
    const created = (await up(f.host, "prod", { ...f.base, offsetMinutes: 90, deleteBehavior: "restore" })).state;
    (f.emulator.store.get(SEED.targetId) as DataAction).configuration.dateProcessing!.timezone = "Europe/Paris"; // console edit
    const { state } = await up(f.host, "prod", { ...f.base, offsetMinutes: 60, deleteBehavior: "restore" }, created);
    assert.deepEqual((state.outputs.original as { dateProcessing: Props }).dateProcessing, seeded, "not the console edit the update read");
    assert.deepEqual((state.outputs.audit as Props).overwrote, ["dateProcessing.timezone"]);
    await f.host.stderrMatching(0, /overwriting dateProcessing\.timezone/);
  });

  test("state from before ownership records: an update keeps state's original, not the console edit it reads", async (t) => {
    const f = await fleet(t, "original-old-state");
    const seeded = live(f.emulator).configuration.dateProcessing;
    const created = (await up(f.host, "prod", { ...f.base, offsetMinutes: 90, deleteBehavior: "restore" })).state;
    const action = f.emulator.store.get(SEED.targetId) as DataAction;
    delete (action.configuration.dateProcessing as Props).managedBy; // as a version before records left the action
    action.configuration.dateProcessing!.timezone = "Europe/Paris"; // and a console edit
    const { state } = await up(f.host, "prod", { ...f.base, offsetMinutes: 60, deleteBehavior: "restore" }, created);
    assert.deepEqual((state.outputs.original as { dateProcessing: Props }).dateProcessing, seeded);
  });

  test("a create whose result never reached state: the next create finds the original on the action, and restore puts it back", async (t) => {
    const f = await fleet(t, "crash");
    const seeded = live(f.emulator);
    const args = { ...f.base, offsetMinutes: 90, deleteBehavior: "restore" };
    await up(f.host, "prod", args); // its state is lost: the host or the runner died before the answer
    const again = await nextDeployment(t, f);
    const { state } = await up(again, "prod", args);
    assert.deepEqual(state.outputs.original, { dateProcessing: seeded.configuration.dateProcessing, enabled: seeded.enabled });
    assert.deepEqual((state.outputs.audit as Props).overwrote, [], "its own earlier write is no takeover");
    await destroy(again, state);
    assert.deepEqual(live(f.emulator).configuration, seeded.configuration, "the true original is back, record gone");
  });
});

describe("one owner per action in a deployment", () => {
  test("two resources that resolve to one action: neither writes, each error names both", async (t) => {
    const f = await fleet(t, "two-owners");
    const byName = owned({ ...f.base, offsetMinutes: 90 }, "by-name");
    const pinned = owned({ ...f.base, actionId: SEED.targetId, actionName: "another label", offsetMinutes: 30 }, "pinned");
    for (const [name, news] of [["by-name", byName], ["pinned", pinned]] as const) await f.host.check(name, {}, news);
    for (const [name, news] of [["by-name", byName], ["pinned", pinned]] as const) {
      const error = await rejectionOf(f.host.create(name, (await f.host.check(name, {}, news)).inputs));
      assert.match(error.message, /cxone-demo\/dev\/(by-name|pinned) and cxone-demo\/dev\/(by-name|pinned) both manage the Data Action da-000123/);
    }
    assert.equal(puts(f).length, 0, "nothing was written");
  });
});
