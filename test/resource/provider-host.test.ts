/**
 * The resource end to end through Pulumi's own dynamic-provider host, driven over gRPC with the
 * `__provider` text a real program produced under `pulumi.runtime.setMocks`, against the emulator.
 */
import { ownedPart, live } from "../helpers/emulator";
import { foreignKeys } from "../helpers/assert";
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import type { Emulator } from "../../provider/emulator/emulator";
import type { DataAction } from "../../provider/shared/types";
import { CheckFailed, destroy, preview, refresh, up, type ResourceState } from "../../harness/engine";
import { restoreStore, snapshotStore, startFleet, type Fleet } from "../../harness/fleet";
import { HostError, ownHost, UNKNOWN, type ProviderHost } from "../../harness/host";

type Props = Record<string, unknown>;

let fleet: Fleet;
let emulator: Emulator;
let host: ProviderHost;
let base: Props;

function requests(route?: string) {
  return emulator.requests.filter((r) => route === undefined || r.route === route);
}

async function apply(name: string, news: Props, prior?: ResourceState) {
  const result = await up(host, name, news, prior);
  return result;
}

let seed: Map<string, DataAction>;

before(async () => {
  fleet = await startFleet("host-test");
  ({ emulator, host, base } = fleet);
  seed = snapshotStore(emulator);
});

after(() => fleet?.close());

beforeEach(() => {
  // Every test starts from the seeded store, so none depends on what an earlier one applied.
  restoreStore(emulator, seed);
  emulator.reset();
});

describe("preview", () => {
  test("unknown inputs pass check and diff without a request, and leave computed values unknown", async () => {
    const news = { ...base, sourceTimestamp: UNKNOWN };
    const checked = await host.check("prod", {}, news);
    assert.deepEqual(checked.failures, []);
    assert.equal(checked.inputs.computedValue, undefined);
    assert.equal(checked.inputs.__provider, base.__provider);
    const created = await apply("prod", base);
    emulator.reset();
    const diff = await host.diff("prod", created.state.id, created.state.outputs, news);
    assert.equal(diff.changes, "some");
    assert.deepEqual(diff.replaces, []);
    assert.equal(emulator.requests.length, 0);
  });

  test("known inputs show the new computed value before anything is applied", async () => {
    const checked = await host.check("prod", {}, base);
    assert.equal(checked.inputs.computedValue, "2024-02-29T12:30:00.000-05:00");
    assert.equal(checked.inputs.computedValueUtc, "2024-02-29T17:30:00.000Z");
    assert.equal(checked.inputs.computedEpochMs, Date.parse("2024-02-29T17:30:00.000Z"));
    assert.equal(emulator.requests.length, 0);
  });

  test("bad inputs fail at check, naming the input, with no HTTP request", async () => {
    const news = { ...base, targetTimezone: "America/New_Yrok", offset: "PT2H" };
    const checked = await host.check("prod", {}, news);
    const properties = checked.failures.map((f) => f.property).sort();
    assert.deepEqual(properties, ["offset", "targetTimezone"].sort());
    const zone = checked.failures.find((f) => f.property === "targetTimezone");
    assert.match(zone!.reason, /America\/New_York/);
    await assert.rejects(preview(host, "prod", news), CheckFailed);
    assert.equal(emulator.requests.length, 0);
  });
});

describe("apply", () => {
  test("create adopts the action by name; where it already holds the value, the PUT writes only the ownership record", async () => {
    // The default seed holds the contract's example value, which is what `base` asks for.
    const before = live(emulator);
    const { step, state } = await apply("prod", base);
    assert.equal(step, "create");
    assert.equal(state.id, "da-000123");
    assert.equal(state.outputs.actionId, "da-000123");
    assert.deepEqual(requests().filter((r) => r.route !== "token").map((r) => r.route), ["list", "put"]);
    assert.deepEqual(ownedPart(live(emulator).configuration.dateProcessing), before.configuration.dateProcessing, "the values were already there");
    const audit = state.outputs.audit as Props;
    assert.equal(audit.putSkipped, false);
    // Token requests serve every resource of the process, so no single audit counts them.
    assert.equal(audit.httpRequests, requests().filter((r) => r.route !== "token").length);
  });

  test("create writes the value with one lookup and one PUT; foreign keys intact", async () => {
    const before = live(emulator);
    const { state } = await apply("prod", { ...base, offsetMinutes: 90 });
    const after = live(emulator);
    assert.equal(after.configuration.dateProcessing?.computedValue, "2024-02-29T12:00:00.000-05:00");
    assert.equal(after.configuration.dateProcessing?.timezone, "America/New_York");
    for (const key of foreignKeys(before.configuration)) {
      assert.deepEqual(after.configuration[key], before.configuration[key], `foreign key ${key} survives`);
    }
    assert.deepEqual(requests().filter((r) => r.route !== "token").map((r) => r.route), ["list", "put"]);
    const audit = state.outputs.audit as Props;
    assert.equal(audit.operation, "create");
    assert.equal(audit.actionId, "da-000123");
    assert.equal(audit.status, "SUCCESS");
    assert.equal(audit.putSkipped, false);
    assert.equal(audit.accuracyValid, true);
    assert.equal(audit.inputTimestamp, "2024-02-29T15:30:00.000Z");
    assert.equal(audit.outputTimestamp, "2024-02-29T12:00:00.000-05:00");
    // Token requests serve every resource of the process, so no single audit counts them.
    assert.equal(audit.httpRequests, requests().filter((r) => r.route !== "token").length);
    assert.match(audit.requestId as string, /^[0-9a-f-]{36}$/);
    assert.equal(state.outputs.__provider, base.__provider);
  });

  test("a second apply with no change: diff is false and no request is made", async () => {
    const first = await apply("prod", base);
    emulator.reset();
    const second = await apply("prod", base, first.state);
    assert.equal(second.step, "same");
    assert.equal(emulator.requests.length, 0);
  });

  test("an equivalent timestamp spelling is no change", async () => {
    const first = await apply("prod", base);
    emulator.reset();
    const { offsetMinutes: _minutes, ...rest } = base;
    const step = await preview(host, "prod", { ...rest, sourceTimestamp: "2024-02-29T15:30:00Z", offset: "PT2H" }, first.state);
    assert.equal(step.kind, "same");
    assert.equal(emulator.requests.length, 0);
  });

  test("a changed offset updates with the exact PUT body and keeps foreign keys", async () => {
    const first = await apply("prod", base);
    const foreign = live(emulator).configuration;
    emulator.reset();
    const second = await apply("prod", { ...base, offsetMinutes: 180 }, first.state);
    assert.equal(second.step, "update");
    const puts = requests("put");
    assert.equal(puts.length, 1);
    const body = puts[0].body as DataAction;
    assert.equal(body.id, "da-000123");
    assert.equal(body.configuration.dateProcessing?.computedValue, "2024-02-29T13:30:00.000-05:00");
    for (const key of foreignKeys(foreign)) {
      assert.deepEqual(body.configuration[key], foreign[key]);
    }
    assert.equal(typeof body.version, "number");
    assert.equal((second.state.outputs.audit as Props).operation, "update");
    assert.equal(second.state.outputs.computedValue, "2024-02-29T13:30:00.000-05:00");
  });

  test("drift made out of band shows on refresh, then the next up restores it", async () => {
    const first = await apply("prod", base);
    const drifted = live(emulator);
    drifted.configuration.dateProcessing!.computedValue = "1999-12-31T23:59:59.000Z";
    drifted.version = (drifted.version ?? 0) + 1;
    emulator.store.set(drifted.id, drifted);
    emulator.reset();
    const refreshed = await refresh(host, first.state);
    assert.ok(refreshed);
    assert.equal(requests().filter((r) => r.route !== "token").length, 1);
    const applied = refreshed.outputs.applied as { dateProcessing: { computedValue: string } };
    assert.equal(applied.dateProcessing.computedValue, "1999-12-31T23:59:59.000Z");
    const step = await preview(host, "prod", base, refreshed);
    assert.equal(step.kind, "update");
    await apply("prod", base, refreshed);
    assert.equal(live(emulator).configuration.dateProcessing?.computedValue, "2024-02-29T12:30:00.000-05:00");
  });

  test("an action deleted out of band leaves state on refresh", async () => {
    const first = await apply("prod", base);
    emulator.store.delete("da-000123");
    assert.equal(await refresh(host, first.state), null);
  });

  test("a rename previews as a replace on actionName (the order of its steps is the engine suite's: test/engine/lifecycle.test.ts)", async () => {
    const first = await apply("prod", base);
    const step = await preview(host, "prod", { ...base, actionName: "Staging_Date_Processor" }, first.state);
    assert.equal(step.kind, "replace");
    assert.deepEqual(step.replaces, ["actionName"]);
  });
});

describe("writes without an answer", () => {
  test("a PUT whose answers are all lost, with a failed read-back, is recorded as unconfirmed; the next up finishes", async () => {
    // The emulator applies a dropped PUT before cutting the connection, so CXone holds the value.
    emulator.setFaults([
      { route: "put", kind: "drop" },
      { route: "get", kind: "drop" },
    ]);
    const news = { ...base, offsetMinutes: 70 };
    const error = (await up(host, "prod", news).then(
      () => assert.fail("expected a partial failure"),
      (e: unknown) => e,
    )) as HostError & { state: ResourceState };
    emulator.setFaults([]);
    assert.ok(error instanceof HostError && error.initFailure, String(error));
    assert.match(error.message, /PUT \/api\/v2\/dataactions\/da-000123/);
    assert.match(error.message, /pulumi up/);
    const partial = error.state;
    assert.equal(partial.id, "da-000123");
    assert.equal(partial.outputs.applied, null, "what CXone holds is recorded as unknown");
    assert.equal((partial.outputs.audit as Props).status, "PARTIAL");
    assert.equal(live(emulator).configuration.dateProcessing?.computedValue, "2024-02-29T11:40:00.000-05:00");

    emulator.reset();
    const next = await apply("prod", news, partial);
    assert.equal(next.step, "update");
    assert.deepEqual(requests().filter((r) => r.route !== "token").map((r) => r.route), ["get"], "read back, nothing left to write");
    assert.equal((next.state.outputs.audit as Props).status, "SUCCESS");
    assert.deepEqual((next.state.outputs.applied as Props).dateProcessing, ownedPart(live(emulator).configuration.dateProcessing));
  });
});

describe("webhook", () => {
  test("delivered and signed after an apply, the body carrying the audit and its request id", async () => {
    const { state } = await apply("prod", { ...base, webhookUrl: emulator.webhookUrl, offsetMinutes: 61 });
    const audit = state.outputs.audit as Props & { webhook: Props };
    assert.equal(audit.webhook.delivered, true);
    assert.equal(emulator.deliveries.length, 1);
    assert.match(emulator.deliveries[0].id, /^msg_[\w-]{27}$/);
    assert.equal((emulator.deliveries[0].body as { audit: Props }).audit.requestId, audit.requestId);
    assert.equal(emulator.deliveries[0].signatureValid, true);
  });

  test("one change keeps its webhook-id across a failed up and the next; a new change gets a new one", async () => {
    emulator.reset();
    const args = { ...base, webhookUrl: emulator.webhookUrl, webhookRequired: true, offsetMinutes: 62 };
    emulator.setWebhookStatus(503); // a receiver that acts on each POST but answers late or badly
    let partial: ResourceState | undefined;
    try {
      await apply("prod", args);
      assert.fail("the required delivery failed");
    } catch (error) {
      partial = (error as { state?: ResourceState }).state;
    } finally {
      emulator.setWebhookStatus(undefined);
    }
    assert.ok(partial, "recorded as a partial failure");
    const failedIds = new Set(emulator.deliveries.map((d) => d.id));
    assert.equal(failedIds.size, 1, "every attempt of the failed up carried one id");
    assert.ok(emulator.deliveries.length > 1, "it was retried");
    emulator.reset();
    const retried = await apply("prod", args, partial);
    assert.deepEqual(emulator.deliveries.map((d) => d.id), [...failedIds], "the next up delivers the same change under the same id");
    emulator.reset();
    await apply("prod", { ...args, offsetMinutes: 63 }, retried.state);
    assert.equal(emulator.deliveries.length, 1);
    assert.ok(!failedIds.has(emulator.deliveries[0].id), "a new change, a new id");
  });

  test("a failed delivery without webhookRequired still applies, recorded as PARTIAL", async () => {
    emulator.setFaults([{ route: "webhook", kind: "5xx", status: 503, count: 100 }]);
    try {
      const { state } = await apply("prod", { ...base, webhookUrl: emulator.webhookUrl, offsetMinutes: 62 });
      const audit = state.outputs.audit as Props & { webhook: Props };
      assert.equal(audit.status, "PARTIAL");
      assert.equal(audit.webhook.delivered, false);
      assert.equal(live(emulator).configuration.dateProcessing?.computedValue, "2024-02-29T11:32:00.000-05:00");
    } finally {
      emulator.setFaults([]);
    }
  });

  test("with webhookRequired a failed delivery is a partial failure; the next up retries it", async () => {
    const news = { ...base, webhookUrl: emulator.webhookUrl, webhookRequired: true, offsetMinutes: 63 };
    emulator.setFaults([{ route: "webhook", kind: "5xx", status: 503, count: 100 }]);
    let partial: ResourceState;
    try {
      const error = (await up(host, "prod", news).then(
        () => assert.fail("expected a partial failure"),
        (e: unknown) => e,
      )) as HostError & { state: ResourceState };
      assert.ok(error instanceof HostError);
      assert.match(error.message, /webhook/);
        partial = error.state;
      assert.equal((partial.outputs.audit as Props).status, "PARTIAL");
      assert.equal(live(emulator).configuration.dateProcessing?.computedValue, "2024-02-29T11:33:00.000-05:00");
    } finally {
      emulator.setFaults([]);
    }
    const retried = await apply("prod", news, partial);
    assert.equal(retried.step, "update");
    assert.equal((retried.state.outputs.audit as Props).status, "SUCCESS");
    assert.equal(((retried.state.outputs.audit as Props).putSkipped), true);
  });
});

describe("destroy", () => {
  test("retain changes nothing", async () => {
    const { state } = await apply("prod", { ...base, offsetMinutes: 64 });
    emulator.reset();
    await destroy(host, state);
    assert.equal(emulator.requests.length, 0);
  });

  test("restore puts back the dateProcessing live before the first apply", async () => {
    const original = live(emulator);
    const news = { ...base, deleteBehavior: "restore", offsetMinutes: 65 };
    const { state } = await apply("prod", news);
    const priorDateProcessing = (state.outputs.original as Props).dateProcessing;
    await destroy(host, state);
    assert.deepEqual(live(emulator).configuration.dateProcessing, priorDateProcessing);
    assert.notEqual(live(emulator).configuration.dateProcessing?.computedValue, "2024-02-29T11:35:00.000-05:00");
    for (const key of foreignKeys(original.configuration)) {
      assert.deepEqual(live(emulator).configuration[key], original.configuration[key]);
    }
  });

  test("restore retains, with a warning, when the action changed since we applied it", async () => {
    const { state } = await apply("prod", { ...base, deleteBehavior: "restore", offsetMinutes: 66 });
    const changed = live(emulator);
    changed.configuration.dateProcessing!.computedValue = "2030-01-01T00:00:00.000Z";
    emulator.store.set(changed.id, changed);
    // Only what this destroy writes: earlier tests left "restored the configuration" there.
    const from = host.stderr.length;
    await destroy(host, state);
    assert.equal(live(emulator).configuration.dateProcessing?.computedValue, "2030-01-01T00:00:00.000Z");
    const said = await host.stderrMatching(from, /warning: da-000123: deleteBehavior 'restore' left the action as it is: .*\(dateProcessing\.computedValue differs\)/);
    assert.doesNotMatch(said, /restored the configuration/);
  });

  test("disable sets enabled to false and keeps the configuration", async () => {
    const { state } = await apply("prod", { ...base, deleteBehavior: "disable", offsetMinutes: 67 });
    await destroy(host, state);
    assert.equal(live(emulator).enabled, false);
    assert.equal(live(emulator).configuration.dateProcessing?.computedValue, "2024-02-29T11:37:00.000-05:00");
  });
});

describe("scale and secrets", () => {
  test("50 resources applied concurrently through one host share one token", async () => {
    const names = [...emulator.store.values()].map((a) => a.name).filter((n) => /^Action_\d+$/.test(n)).slice(0, 50);
    assert.equal(names.length, 50);
    emulator.revokeTokens();
    emulator.reset();
    const results = await Promise.all(names.map((actionName, i) => apply(`bulk-${i}`, { ...base, actionName, offsetMinutes: i })));
    assert.equal(results.length, 50);
    assert.equal(requests("token").length, 1);
    for (const r of results) assert.equal((r.state.outputs.audit as Props).status, "SUCCESS");
  });

  test("no client secret, webhook secret or token appears in any state, log line or error, of traffic this test makes with the debug log on", async (t) => {
    // Its own host, logging every hook and attempt, and its own traffic: a create with a signed
    // webhook, an update whose PUTs fail (errors quoting the server), a revoked token, a refresh
    // and a destroy. What earlier tests left behind is not what this test judges.
    const config = { "cxone:baseUrl": emulator.url, "cxone:clientId": fleet.clientId, "cxone:clientSecret": fleet.clientSecret, "cxone:webhookSecret": fleet.webhookSecret };
    const own = await ownHost(t, config, { CXONE_LOG: "debug" });
    const texts: string[] = [];
    const news = { ...base, deleteBehavior: "restore", webhookUrl: emulator.webhookUrl, offsetMinutes: 44 };
    const created = await up(own, "leak-scan", news);
    texts.push(JSON.stringify(created.state));
    emulator.setFaults([{ route: "put", kind: "5xx", status: 503 }]);
    const failed = await up(own, "leak-scan", { ...news, offsetMinutes: 45 }, created.state).then(
      () => assert.fail("expected the update to fail"),
      (e: Error) => e,
    );
    emulator.setFaults([]);
    texts.push(failed.message, JSON.stringify((failed as { state?: unknown }).state ?? null));
    emulator.revokeTokens();
    const refreshed = await refresh(own, created.state);
    texts.push(JSON.stringify(refreshed));
    await destroy(own, created.state);
    texts.push(...own.stdout, ...own.stderr);
    const tokens = emulator.issuedTokens();
    assert.ok(tokens.length >= 2, "a token before and after the revocation");
    assert.ok(own.stderr.join("").split("\n").length > 20, "the debug log wrote its lines");
    assert.ok(emulator.deliveries.some((d) => d.signatureValid === true), "a signed webhook went out");
    const haystack = texts.join("\n");
    for (const needle of [fleet.clientSecret, fleet.webhookSecret, ...tokens]) {
      assert.equal(haystack.includes(needle), false, "a secret leaked into state, logs or errors");
    }
  });
});
