/**
 * Every branch of the hooks (implementation.ts, delete.ts, owned.ts), through Pulumi's real
 * dynamic-provider host and the emulator. Each test names the branch it guards; breaking that
 * branch turns it red (test/MUTATIONS.md lists what was broken by hand and which test caught it).
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { SCOPE_READ, SCOPE_WRITE, startEmulator, type Emulator } from "../../provider/emulator/emulator";
import type { DataAction } from "../../provider/shared/types";
import { destroy, refresh, up, type ResourceState } from "../../harness/engine";
import { restoreStore, snapshotStore } from "../../harness/fleet";
import { HostError, makeProgramDir, ProviderHost, UNKNOWN } from "../../harness/host";
import { compiledPackage, runProgram } from "../../harness/program";
import { live } from "../helpers/emulator";
import { rejection as rejectedWith } from "../helpers/assert";
import { VALID_INPUTS } from "../../harness/fixtures";

const rejection = (promise: Promise<unknown>) => rejectedWith(promise, HostError);

type Props = Record<string, unknown>;

const FULL = { id: "hooks-client", secret: `hooks-secret-${process.pid}` };
const WRITE_ONLY = { id: "hooks-write-only", secret: `hooks-write-only-${process.pid}` };
const TARGET = "da-000123";
const NAME = "Production_Date_Processor";

let emulator: Emulator;
let host: ProviderHost;
let writeOnlyHost: ProviderHost;
let base: Props;
let seed: Map<string, DataAction>;
const program = makeProgramDir();

async function startHost(client: { id: string; secret: string }): Promise<ProviderHost> {
  const started = await ProviderHost.start({ cwd: program.dir });
  await started.configure({ "cxone:baseUrl": emulator.url, "cxone:clientId": client.id, "cxone:clientSecret": client.secret });
  return started;
}

before(async () => {
  emulator = await startEmulator({
    clients: {
      [FULL.id]: { secret: FULL.secret, scopes: [SCOPE_READ, SCOPE_WRITE] },
      [WRITE_ONLY.id]: { secret: WRITE_ONLY.secret, scopes: [SCOPE_WRITE] },
    },
  });
  seed = snapshotStore(emulator);
  [host, writeOnlyHost] = await Promise.all([startHost(FULL), startHost(WRITE_ONLY)]);
  const { CxoneDateAction } = compiledPackage();
  const [registration] = await runProgram(() => [
    new CxoneDateAction("hooks", { ...VALID_INPUTS, actionName: NAME }),
  ]);
  base = registration.inputs;
});

after(async () => {
  await Promise.all([host?.close(), writeOnlyHost?.close()]);
  await emulator.close();
  program.remove();
});

beforeEach(() => {
  restoreStore(emulator, seed);
  emulator.reset();
  emulator.setFaults([]);
});

const api = () => emulator.requests.filter((r) => r.route !== "token");

async function created(news: Props = base): Promise<ResourceState> {
  const state = (await up(host, "hooks", news)).state;
  emulator.reset();
  return state;
}

describe("diff", () => {
  let state: ResourceState;
  before(async () => {
    restoreStore(emulator, seed);
    state = await created({ ...base, webhookUrl: "https://hooks.example.com/x" });
  });
  const diff = (news: Props, olds: Props = state.outputs) => host.diff("hooks", state.id, olds, (news as Props));
  const withUrl = () => ({ ...base, webhookUrl: "https://hooks.example.com/x" });

  test("unchanged inputs are no change, whatever the spelling", async () => {
    assert.deepEqual(await diff(withUrl()), { changes: "none", replaces: [], deleteBeforeReplace: false });
    assert.equal((await diff({ ...withUrl(), sourceTimestamp: "2024-02-29T15:30:00Z" })).changes, "none");
  });

  test("each owned setting and each non-configuration input is an update, not a replace", async () => {
    const edits: [string, Props][] = [
      ["enabled", { enabled: false }],
      ["sourceField", { sourceField: "other_in" }],
      ["targetField", { targetField: "other_out" }],
      ["dstAdjustment", { dstAdjustment: false }],
      ["precision", { precision: 2 }],
      ["valueFormat", { valueFormat: "utc" }],
      ["targetTimezone", { targetTimezone: "Europe/London" }],
      ["offsetMinutes", { offsetMinutes: 121 }],
      ["webhookUrl", { webhookUrl: "https://hooks.example.com/y" }],
      ["webhookRequired", { webhookRequired: true }],
      ["deleteBehavior", { deleteBehavior: "disable" }],
      ["triggers", { triggers: { release: "2" } }],
    ];
    for (const [label, edit] of edits) {
      assert.deepEqual(await diff({ ...withUrl(), ...edit }), { changes: "some", replaces: [], deleteBeforeReplace: false }, label);
    }
  });

  test("a new actionName or another pinned id replaces; the managed id pinned, or actionId null, does not", async () => {
    const table: [string, Props, string[]][] = [
      ["another name, unpinned", { actionName: "Staging_Date_Processor" }, ["actionName"]],
      ["another name next to the managed id pinned", { actionId: TARGET, actionName: "Another label" }, ["actionName"]],
      ["another id pinned", { actionId: "da-000124" }, ["actionId"]],
      ["another id pinned and another name", { actionId: "da-000124", actionName: "x" }, ["actionName", "actionId"]],
      ["the managed id pinned", { actionId: TARGET }, []],
      ["actionId null", { actionId: null }, []],
    ];
    for (const [label, edit, replaces] of table) assert.deepEqual((await diff({ ...withUrl(), ...edit })).replaces, replaces, label);
  });

  test("what cannot be compared is a change: an unknown input, an unconfirmed write, stored inputs today's rules refuse", async () => {
    assert.equal((await diff({ ...withUrl(), offsetMinutes: UNKNOWN })).changes, "some", "unknown input");
    assert.equal((await diff(withUrl(), { ...state.outputs, applied: null })).changes, "some", "applied unknown");
    assert.equal((await diff(withUrl(), { ...state.outputs, targetTimezone: "Mars/Olympus" })).changes, "some", "stored inputs refused");
  });

  test("drift recorded by a refresh is a change", async () => {
    const applied = structuredClone(state.outputs.applied) as { enabled: boolean };
    applied.enabled = false;
    assert.equal((await diff(withUrl(), { ...state.outputs, applied })).changes, "some");
  });

  test("an unconfirmed write is a change even after a refresh recorded what CXone holds: the apply is not finished", async () => {
    // What a lost PUT answer records (audit PARTIAL, no delivery attempted), with `applied` filled in by a refresh.
    const audit = { ...(state.outputs.audit as Props), status: "PARTIAL", webhook: { delivered: false, status: null, attempts: 0, error: "not sent: the write is unconfirmed" } };
    assert.equal((await diff(withUrl(), { ...state.outputs, audit })).changes, "some");
    assert.equal((await diff(withUrl(), { ...state.outputs, audit: { ...audit, status: "SUCCESS" } })).changes, "none", "a finished apply is not");
  });

  test("a required webhook that failed last time is a change until it is delivered", async () => {
    const partial = { ...state.outputs, audit: { ...(state.outputs.audit as Props), status: "PARTIAL" } };
    assert.equal((await diff({ ...withUrl(), webhookRequired: true }, { ...partial, webhookRequired: true })).changes, "some");
    assert.equal((await diff(withUrl(), partial)).changes, "none", "not required: a failed delivery is only recorded");
  });
});

describe("create", () => {
  test("a pinned id skips the name lookup; the action id is the resource id", async () => {
    const { state } = await up(host, "hooks", { ...base, actionId: "da-000124", actionName: "whatever label" });
    assert.equal(state.id, "da-000124");
    assert.deepEqual(api().map((r) => r.route), ["get", "put"]);
  });

  test("by name: one lookup; the first apply writes the ownership record even when the values already match, the next skips the PUT", async () => {
    const before = live(emulator, TARGET).configuration.dateProcessing;
    const { state } = await up(host, "hooks", base);
    assert.equal(state.id, TARGET);
    assert.deepEqual(api().map((r) => r.route), ["list", "put"]);
    const record = (live(emulator, TARGET).configuration.dateProcessing as Record<string, unknown>).managedBy as Props;
    assert.equal(record.owner, base.__owner);
    assert.equal(record.token, state.outputs.__ownerToken);
    assert.equal(record.actionId, TARGET);
    assert.deepEqual((record.original as Props).dateProcessing, before, "the record holds what was there before");
    emulator.reset();
    const again = await host.update("hooks", state.id, state.outputs, { ...base, offsetMinutes: 120 });
    assert.equal((again.audit as Props).putSkipped, true);
    assert.deepEqual(api().map((r) => r.route), ["get"]);
  });

  test("inputs that skipped check fail the create naming the input, before any request", async () => {
    const error = await rejection(host.create("hooks", { ...base, targetTimezone: "Mars/Olympus" }));
    assert.match(error.message, /targetTimezone/);
    assert.equal(api().length, 0);
  });
});

describe("update", () => {
  test("an action deleted out of band is found again by name; restore's record is the new action's", async () => {
    const state = await created({ ...base, offsetMinutes: 90 });
    const replacement = { ...live(emulator, TARGET), id: "da-777777", configuration: { dateProcessing: { ...live(emulator, TARGET).configuration.dateProcessing!, computedValue: "2001-01-01T00:00:00.000Z" } } };
    emulator.store.delete(TARGET);
    emulator.store.set(replacement.id, replacement);
    const { step, state: next } = await up(host, "hooks", { ...base, offsetMinutes: 91 }, state);
    assert.equal(step, "update");
    assert.equal(next.outputs.actionId, "da-777777");
    assert.equal(live(emulator, "da-777777").configuration.dateProcessing?.computedValue, "2024-02-29T12:01:00.000-05:00");
    assert.equal((next.outputs.original as { dateProcessing: { computedValue: string } }).dateProcessing.computedValue, "2001-01-01T00:00:00.000Z");
  });

  test("a pinned action deleted out of band fails the update, saying it is gone", async () => {
    const state = await created({ ...base, actionId: TARGET, offsetMinutes: 90 });
    emulator.store.delete(TARGET);
    const error = await rejection(up(host, "hooks", { ...base, actionId: TARGET, offsetMinutes: 91 }, state));
    assert.match(error.message, /da-000123/);
    assert.equal(api().filter((r) => r.route === "list").length, 0, "a pinned id is never looked up by name");
  });

  test("the update writes to the action id recorded in the outputs", async () => {
    const state = await created({ ...base, offsetMinutes: 90 });
    await up(host, "hooks", { ...base, offsetMinutes: 92 }, { ...state, id: "stale-resource-id" });
    assert.equal(live(emulator, TARGET).configuration.dateProcessing?.computedValue, "2024-02-29T12:02:00.000-05:00");
    assert.deepEqual(api().map((r) => r.route), ["get", "put"], "straight to the recorded id, no lookup");
  });
});

describe("read (refresh)", () => {
  test("reports the live configuration and id", async () => {
    const state = await created({ ...base, offsetMinutes: 90 });
    const changed = live(emulator, TARGET);
    changed.enabled = false;
    emulator.store.set(TARGET, changed);
    const read = await refresh(host, state);
    assert.ok(read);
    assert.equal((read.outputs.applied as { enabled: boolean }).enabled, false);
    assert.equal(read.outputs.actionId, TARGET);
    assert.equal(read.outputs.computedValue, state.outputs.computedValue, "other outputs are kept");
  });

  test("only a confirmed 404 drops the resource; a 500 or a 403 is an error and state stays", async () => {
    const state = await created({ ...base, offsetMinutes: 90 });
    emulator.setFaults([{ route: "get", kind: "5xx", status: 500 }]);
    const failed = await rejection(refresh(host, state));
    assert.match(failed.message, /500|GET/);
    emulator.setFaults([]);
    const forbidden = await rejection(refresh(writeOnlyHost, state));
    assert.match(forbidden.message, /403|scope|permission/i);
    emulator.store.delete(TARGET);
    assert.equal(await refresh(host, state), null);
  });
});

describe("delete", () => {
  test("retain, and an absent or null deleteBehavior, make no request", async () => {
    for (const deleteBehavior of ["retain", null, undefined]) {
      const state = await created({ ...base, offsetMinutes: 90 });
      const outputs = { ...state.outputs, deleteBehavior };
      if (deleteBehavior === undefined) delete outputs.deleteBehavior;
      await destroy(host, { ...state, outputs });
      assert.equal(api().length, 0, String(deleteBehavior));
    }
  });

  test("a stored deleteBehavior that is none of the three fails, saying what to do", async () => {
    const state = await created({ ...base, offsetMinutes: 90, deleteBehavior: "disable" });
    const error = await rejection(destroy(host, { ...state, outputs: { ...state.outputs, deleteBehavior: "erase" } }));
    assert.match(error.message, /deleteBehavior "erase"/);
    assert.match(error.message, /pulumi up/);
    assert.equal(live(emulator, TARGET).enabled, true);
  });

  test("disable and restore are honoured when today's rules refuse the stored inputs", async () => {
    for (const deleteBehavior of ["disable", "restore"]) {
      restoreStore(emulator, seed);
      const before = live(emulator, TARGET);
      const state = await created({ ...base, offsetMinutes: 90, deleteBehavior });
      // An older version accepted inputs that are refused today.
      const outputs = { ...state.outputs, targetTimezone: "Mars/Olympus", webhookUrl: "ftp://old.example.com", unknownOldInput: 1 };
      await destroy(host, { ...state, outputs });
      if (deleteBehavior === "disable") assert.equal(live(emulator, TARGET).enabled, false);
      else assert.deepEqual(live(emulator, TARGET).configuration, before.configuration);
    }
  });

  test("disable: no PUT when already disabled; an action already gone is fine; a server error fails", async () => {
    const state = await created({ ...base, offsetMinutes: 90, deleteBehavior: "disable" });
    const disabled = live(emulator, TARGET);
    disabled.enabled = false;
    emulator.store.set(TARGET, disabled);
    await destroy(host, state);
    assert.deepEqual(api().map((r) => r.route), ["get"]);
    emulator.store.delete(TARGET);
    await destroy(host, state);
    restoreStore(emulator, seed);
    emulator.setFaults([{ route: "get", kind: "5xx", status: 500 }]);
    await rejection(destroy(host, state));
    emulator.setFaults([]);
    assert.equal(live(emulator, TARGET).enabled, true);
  });

  test("restore puts back only the keys this resource changed, over what is live now", async () => {
    const seeded = live(emulator, TARGET); // timezone America/New_York; the value differs from ours
    const state = await created({ ...base, offsetMinutes: 90, precision: 2, deleteBehavior: "restore" });
    const now = live(emulator, TARGET);
    now.configuration.dateProcessing!.addedLater = "by someone else";
    now.configuration.addedTopLevel = { x: 1 };
    emulator.store.set(TARGET, now);
    await destroy(host, state);
    const after = live(emulator, TARGET);
    assert.equal(after.configuration.dateProcessing?.computedValue, seeded.configuration.dateProcessing?.computedValue);
    assert.equal(after.configuration.dateProcessing?.precision, 3);
    assert.equal(after.configuration.dateProcessing?.addedLater, "by someone else", "a key added since survives");
    assert.deepEqual(after.configuration.addedTopLevel, { x: 1 });
  });

  test("restore puts back enabled when this resource changed it, and removes a dateProcessing it added", async () => {
    const id = "da-000302"; // an action with no dateProcessing
    const disabledFirst = live(emulator, id);
    disabledFirst.enabled = false;
    emulator.store.set(id, disabledFirst);
    const before = live(emulator, id);
    const state = await created({ ...base, actionId: id, actionName: "Unconfigured_Action", deleteBehavior: "restore" });
    assert.equal(live(emulator, id).enabled, true);
    await destroy(host, state);
    assert.deepEqual(live(emulator, id).configuration, before.configuration);
    assert.equal(live(emulator, id).enabled, false);
  });

  test("restore with nothing changed only takes the ownership record off; without a record it writes nothing", async () => {
    const seeded = live(emulator, TARGET).configuration.dateProcessing;
    const state = await created({ ...base, deleteBehavior: "restore" }); // the seed already holds this value
    await destroy(host, state);
    assert.deepEqual(api().map((r) => r.route), ["get", "put"]);
    assert.deepEqual(live(emulator, TARGET).configuration.dateProcessing, seeded, "the action is as it was, record gone");

    const again = await created({ ...base, deleteBehavior: "restore" });
    // An action as a version before ownership records left it: our values, no record.
    emulator.store.set(TARGET, { ...live(emulator, TARGET), configuration: { ...live(emulator, TARGET).configuration, dateProcessing: seeded } });
    emulator.reset();
    await destroy(host, again);
    assert.deepEqual(api().map((r) => r.route), ["get"]);
  });

  test("restore retains with a warning when an owned key or enabled changed since the apply", async () => {
    const edits: [string, (a: DataAction) => void][] = [
      ["timezone", (a) => (a.configuration.dateProcessing!.timezone = "UTC")],
      ["enabled", (a) => (a.enabled = false)],
    ];
    for (const [label, edit] of edits) {
      restoreStore(emulator, seed);
      const state = await created({ ...base, offsetMinutes: 90, deleteBehavior: "restore" });
      const changed = live(emulator, TARGET);
      edit(changed);
      emulator.store.set(TARGET, changed);
      const logged = host.stderr.length;
      await destroy(host, state);
      assert.deepEqual(live(emulator, TARGET), { ...changed }, `${label}: left as it is`);
      // stderr arrives on its own pipe, after the gRPC reply: waited for, never read at once.
      await host.stderrMatching(logged, /left the action as it is/);
    }
  });

  test("restore without its record fails with what to do, whether the record is missing or unconfirmed", async () => {
    const state = await created({ ...base, offsetMinutes: 90, deleteBehavior: "restore" });
    const { original: _original, ...withoutOriginal } = state.outputs;
    const noOriginal = await rejection(destroy(host, { ...state, outputs: withoutOriginal }));
    assert.match(noOriginal.message, /before the first apply/);
    assert.match(noOriginal.message, /"retain"/);
    const unconfirmed = await rejection(destroy(host, { ...state, outputs: { ...state.outputs, applied: null } }));
    assert.match(unconfirmed.message, /not confirmed/);
    assert.equal(live(emulator, TARGET).configuration.dateProcessing?.computedValue, "2024-02-29T12:00:00.000-05:00", "nothing was changed");
  });

  test("a restore whose answer was lost but which the read-back confirms says it was restored", async () => {
    const before = live(emulator, TARGET);
    const state = await created({ ...base, offsetMinutes: 90, deleteBehavior: "restore" });
    // Every PUT answer is cut after the server applied it; the read-back finds the restore done.
    emulator.setFaults([{ route: "put", kind: "drop" }]);
    const logged = host.stderr.length;
    await destroy(host, state);
    emulator.setFaults([]);
    assert.deepEqual(live(emulator, TARGET).configuration, before.configuration);
    const said = await host.stderrMatching(logged, /restored/);
    assert.doesNotMatch(said, /left the action as it is/);
  });
});
