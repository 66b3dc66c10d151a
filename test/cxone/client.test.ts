/**
 * The CXone client against the real emulator over loopback: exact name lookup over every page,
 * read-modify-write that keeps foreign keys, 409 handling, the errors of 400/403/404, the
 * merge helpers, and the shared per-tenant client.
 */
import { DEFAULTS } from "../../provider/shared/defaults";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { closeAllClients, closestNames, mergeOwned, ownedEquals, sharedClient } from "../../provider/cxone/client";
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SEED } from "../../provider/emulator/emulator";
import { AmbiguousNameError, ConflictError, NotFoundError, PermissionError, ValidationError } from "../../provider/shared/errors";
import type { DataAction, DateProcessing } from "../../provider/shared/types";
import { clientWithEmulator, routes, tally } from "../helpers/client";
import { startEmulator } from "../helpers/emulator";


const desiredProcessing = (computedValue: string): DateProcessing => ({
  sourceField: "input_datetime",
  targetField: "processed_datetime",
  computedValue,
  timezone: "Europe/Paris",
  dstAdjustment: true,
  precision: 3,
});

describe("findByName", () => {
  test("finds a match that sits on the last page, reading each page once and no further", async (t) => {
    const { emu, client } = await clientWithEmulator(t, { settings: { pageSize: 25 } });
    const counts = tally();
    const found = await client.findByName(SEED.lastPageName, counts);
    assert.equal(found.id, SEED.lastPageId);
    const lists = routes(emu, "list");
    const total = [...emu.store.values()].filter((a) => a.name.toLowerCase().includes(SEED.lastPageName.toLowerCase())).length;
    assert.ok(total > 200, "the loose filter matches the generated actions too");
    assert.deepEqual(
      lists.map((r) => r.query.page),
      Array.from({ length: Math.ceil(total / 25) }, (_, i) => String(i + 1)),
    );
    assert.ok(lists.every((r) => r.query.filter === `name=${SEED.lastPageName}` && r.query.pageSize === "25"));
    assert.deepEqual(counts, { httpRequests: lists.length, retries: 0 });
  });

  test("matches exactly and case-sensitively; near-miss names never match", async (t) => {
    const { client } = await clientWithEmulator(t);
    assert.equal((await client.findByName(SEED.targetName, tally())).id, SEED.targetId);
    assert.equal((await client.findByName("production_date_processor", tally())).id, "da-000124");
    assert.equal((await client.findByName("Production_Date_Processor_v2", tally())).id, "da-000125");
  });

  test("a name in another case fails with NotFoundError naming the close names", async (t) => {
    const { client } = await clientWithEmulator(t);
    const error = await client.findByName("PRODUCTION_DATE_PROCESSOR", tally()).then(
      () => assert.fail("expected NotFoundError"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof NotFoundError);
    assert.equal(error.status, undefined, "a name miss is not a 404 of an action");
    assert.match(error.message, /named exactly "PRODUCTION_DATE_PROCESSOR"/);
    for (const name of ["Production_Date_Processor", "production_date_processor", "Production_Date_Processor_v2"]) {
      assert.ok(error.message.includes(`"${name}"`), `suggests ${name}: ${error.message}`);
    }
    assert.match(error.message, /actionId/);
  });

  test("a typo the server filter cannot match still gets suggestions from the full list", async (t) => {
    const { emu, client } = await clientWithEmulator(t);
    const counts = tally();
    await assert.rejects(client.findByName("Prodution_Date_Processor", counts), (e: unknown) => {
      assert.ok(e instanceof NotFoundError);
      assert.match(e.message, /closest names: "Production_Date_Processor"/);
      assert.doesNotMatch(e.message, /Action_0001/, "unrelated names are not suggested");
      return true;
    });
    const lists = routes(emu, "list");
    assert.equal(lists[0].query.filter, "name=Prodution_Date_Processor");
    assert.ok(lists.slice(1).every((r) => r.query.filter === undefined), "then unfiltered pages");
    assert.equal(counts.httpRequests, lists.length);
  });

  test("several exact matches fail with AmbiguousNameError listing their ids", async (t) => {
    const { client } = await clientWithEmulator(t);
    await assert.rejects(client.findByName(SEED.duplicateName, tally()), (e: unknown) => {
      assert.ok(e instanceof AmbiguousNameError);
      assert.deepEqual([...e.ids].sort(), [...SEED.duplicateIds]);
      for (const id of SEED.duplicateIds) assert.ok(e.message.includes(id));
      return true;
    });
  });
});

describe("get, put and modify", () => {
  test("get of a missing action is a NotFoundError with status 404", async (t) => {
    const { client } = await clientWithEmulator(t);
    await assert.rejects(client.get("da-nope", tally()), (e: unknown) => {
      assert.ok(e instanceof NotFoundError);
      assert.equal(e.status, 404);
      assert.equal(e.method, "GET");
      assert.equal(e.path, "/api/v2/dataactions/da-nope");
      return true;
    });
  });

  test("a merged PUT keeps every foreign key and sends the version it read", async (t) => {
    const { emu, client } = await clientWithEmulator(t);
    const before = structuredClone(emu.store.get(SEED.targetId)!);
    const desired = { dateProcessing: desiredProcessing("2024-03-01T18:30:00.000+01:00"), enabled: false };
    const counts = tally();
    const result = await client.modify(SEED.targetId, (live) => (ownedEquals(live, desired) ? null : mergeOwned(live, desired)), counts);
    assert.equal(result.putSkipped, false);
    assert.equal(result.conflicts, 0);
    const stored = emu.store.get(SEED.targetId)!;
    assert.deepEqual(stored, {
      ...before,
      enabled: false,
      version: (before.version as number) + 1,
      configuration: { ...before.configuration, dateProcessing: desired.dateProcessing },
    });
    assert.deepEqual(result.action, stored);
    assert.equal((routes(emu, "put")[0].body as DataAction).version, before.version, "the PUT carried the version read");
    assert.deepEqual(counts, { httpRequests: 2, retries: 0 });
  });

  test("modify skips the PUT when live already matches, and uses `current` instead of a GET", async (t) => {
    const { emu, client } = await clientWithEmulator(t);
    const live = structuredClone(emu.store.get(SEED.targetId)!);
    const desired = { dateProcessing: live.configuration.dateProcessing!, enabled: live.enabled };
    const counts = tally();
    const result = await client.modify(SEED.targetId, (l) => (ownedEquals(l, desired) ? null : mergeOwned(l, desired)), counts, live);
    assert.equal(result.putSkipped, true);
    assert.deepEqual(result.action, live);
    assert.equal(emu.requests.filter((r) => r.route !== "token").length, 0);
    assert.deepEqual(counts, { httpRequests: 0, retries: 0 });
  });

  test("a 409 from a concurrent writer is read again, merged again and written", async (t) => {
    const { emu, client } = await clientWithEmulator(t);
    const desired = { dateProcessing: desiredProcessing("2024-03-01T18:30:00.000+01:00"), enabled: true };
    let rounds = 0;
    const counts = tally();
    const result = await client.modify(
      SEED.targetId,
      (live) => {
        rounds++;
        if (rounds === 1) {
          // Another writer changes a foreign key (and so the version) between our read and our PUT.
          const theirs = structuredClone(emu.store.get(SEED.targetId)!);
          theirs.configuration.anyOtherKey = "changed by the other writer";
          theirs.version = (theirs.version as number) + 1;
          emu.store.set(SEED.targetId, theirs);
        }
        return mergeOwned(live, desired);
      },
      counts,
    );
    assert.equal(rounds, 2);
    assert.equal(result.conflicts, 1);
    const stored = emu.store.get(SEED.targetId)!;
    assert.equal(stored.configuration.anyOtherKey, "changed by the other writer", "their write survives");
    assert.deepEqual(stored.configuration.dateProcessing, desired.dateProcessing, "ours is applied on top");
    assert.equal(stored.version, 9);
    assert.deepEqual(routes(emu, "put").map((r) => r.status), [409, 200]);
    // The second read-merge-write round is a retry of the write.
    assert.deepEqual(counts, { httpRequests: 4, retries: 1 });
  });

  test("409 rounds are spaced by a jittered backoff that grows, so a writer busy for a second does not fail the apply", async (t) => {
    const { emu, client, sleeps, logs } = await clientWithEmulator(t, { settings: { conflictRetries: 5 } });
    const desired = { dateProcessing: desiredProcessing("2024-03-01T18:30:00.000+01:00"), enabled: true };
    let rounds = 0;
    await client.modify(
      SEED.targetId,
      (live) => {
        // The other writer keeps writing for the first three rounds.
        if (++rounds <= 3) {
          const theirs = structuredClone(emu.store.get(SEED.targetId)!);
          theirs.version = (theirs.version as number) + 1;
          emu.store.set(SEED.targetId, theirs);
        }
        return mergeOwned(live, desired);
      },
      tally(),
    );
    assert.deepEqual(routes(emu, "put").map((r) => r.status), [409, 409, 409, 200]);
    // Full jitter (random 0.5 here) under a ceiling that doubles from backoffBaseMs, one wait before
    // each re-read; the limiter's own pacing may sleep too, so the waits are read from the log.
    const base = DEFAULTS.backoffBaseMs;
    const waits = logs.flatMap((l) => /409, version is stale; reading it again in (\d+) ms/.exec(l)?.[1] ?? []).map(Number);
    assert.deepEqual(waits, [0.5 * base, 0.5 * 2 * base, 0.5 * 4 * base]);
    for (const wait of waits) assert.ok(sleeps.includes(wait), `${wait} ms was slept`);
  });

  test("409 on every round ends in ConflictError after conflictRetries extra rounds", async (t) => {
    const { emu, client } = await clientWithEmulator(t, { settings: { conflictRetries: 2 } });
    const desired = { dateProcessing: desiredProcessing("2024-03-01T18:30:00.000+01:00"), enabled: true };
    await assert.rejects(
      client.modify(
        SEED.targetId,
        (live) => {
          const theirs = structuredClone(emu.store.get(SEED.targetId)!);
          theirs.version = (theirs.version as number) + 1;
          emu.store.set(SEED.targetId, theirs);
          return mergeOwned(live, desired);
        },
        tally(),
      ),
      (e: unknown) => {
        assert.ok(e instanceof ConflictError);
        assert.equal(e.status, 409);
        assert.match(e.message, /after 3 read-merge-write rounds/);
        assert.match(e.message, /pulumi up/);
        return true;
      },
    );
    assert.equal(routes(emu, "put").length, 3);
  });

  test("a 400 carries the server's message and is not retried", async (t) => {
    const { emu, client } = await clientWithEmulator(t);
    const live = await client.get(SEED.targetId, tally());
    const bad = mergeOwned(live, { dateProcessing: desiredProcessing("2024-03-01T18:30:00.1234+01:00"), enabled: true });
    await assert.rejects(client.put(bad, tally()), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.status, 400);
      assert.match(e.message, /has 4 fractional digits; at most 3 are allowed/);
      return true;
    });
    assert.equal(routes(emu, "put").length, 1);
  });

  test("403 names the scope the operation needs and says to grant it", async (t) => {
    const clients = {
      reader: { secret: "reader-secret", scopes: ["dataactions:read"] },
      writer: { secret: "writer-secret", scopes: ["dataactions:write"] },
    };
    const reader = await clientWithEmulator(t, { emulator: { clients }, clientId: "reader", clientSecret: "reader-secret" });
    const live = await reader.client.get(SEED.targetId, tally());
    await assert.rejects(reader.client.put(live, tally()), (e: unknown) => {
      assert.ok(e instanceof PermissionError);
      assert.equal(e.status, 403);
      assert.match(e.message, /needs the dataactions:write scope; grant it to the API client/);
      assert.match(e.message, /missing scope dataactions:write/, "quotes the server");
      return true;
    });
    assert.equal(routes(reader.emu, "put").length, 1, "a 403 is never retried");

    const writer = await clientWithEmulator(t, { emulator: { clients }, clientId: "writer", clientSecret: "writer-secret" });
    await assert.rejects(writer.client.findByName(SEED.targetName, tally()), (e: unknown) => {
      assert.ok(e instanceof PermissionError);
      assert.match(e.message, /needs the dataactions:read scope; grant it to the API client/);
      return true;
    });
  });
});

describe("merge helpers", () => {
  const live: DataAction = {
    id: "da-1",
    name: "A",
    type: "DATE_PROCESSOR",
    enabled: true,
    version: 3,
    futureTopLevel: { x: 1 },
    configuration: {
      dateProcessing: { ...desiredProcessing("2024-01-01T00:00:00.000Z"), futureField: "kept" },
      other: [1, 2],
    },
  };

  test("mergeOwned writes dateProcessing and enabled and keeps everything else, unknown dateProcessing keys included", () => {
    const desired = { dateProcessing: desiredProcessing("2024-02-02T00:00:00.000Z"), enabled: false };
    const merged = mergeOwned(live, desired);
    assert.deepEqual(merged, {
      ...live,
      enabled: false,
      configuration: { other: [1, 2], dateProcessing: { ...desired.dateProcessing, futureField: "kept" } },
    });
    assert.equal(live.enabled, true, "the live object is not edited");
  });

  test("mergeOwned adds dateProcessing to an action that had none", () => {
    const bare: DataAction = { id: "da-2", name: "B", enabled: true, configuration: { webhookTemplate: "none" } };
    const desired = { dateProcessing: desiredProcessing("2024-02-02T00:00:00.000Z"), enabled: true };
    assert.deepEqual(mergeOwned(bare, desired).configuration, { webhookTemplate: "none", dateProcessing: desired.dateProcessing });
  });

  test("ownedEquals compares only what we own", () => {
    const same = { dateProcessing: desiredProcessing("2024-01-01T00:00:00.000Z"), enabled: true };
    assert.equal(ownedEquals(live, same), true, "unknown keys inside dateProcessing do not count");
    assert.equal(ownedEquals(live, { ...same, enabled: false }), false);
    assert.equal(ownedEquals(live, { ...same, dateProcessing: { ...same.dateProcessing, precision: 2 } }), false);
    assert.equal(ownedEquals({ ...live, configuration: {} }, same), false);
    assert.equal(ownedEquals({ ...live, configuration: {} }, { dateProcessing: null, enabled: true }), true);
  });

  test("closestNames ranks case variants and small edits first, and leaves unrelated names out", () => {
    const names = ["Production_Date_Processor", "production_date_processor", "Production_Date_Processor_v2", "Action_0001", "Other"];
    assert.deepEqual(closestNames("Production_Date_Processer", names), [
      "Production_Date_Processor",
      "production_date_processor",
      "Production_Date_Processor_v2",
    ]);
    assert.equal(closestNames("x", Array.from({ length: 9 }, (_, i) => `y${i}`)).length <= 5, true);
  });
});

describe("sharedClient", () => {
  test("one client per base URL and client id; closeAllClients ends them", async (t) => {
    const emu = await startEmulator(t);
    const config = { baseUrl: emu.url, tokenUrl: emu.tokenUrl, clientId: EMULATOR_CLIENT_ID, clientSecret: EMULATOR_CLIENT_SECRET };
    const a = sharedClient(config);
    assert.equal(sharedClient({ ...config, baseUrl: `${emu.url}/` }), a);
    const other = sharedClient({ ...config, clientId: "someone-else" });
    assert.notEqual(other, a);
    await a.get(SEED.targetId, tally());
    await a.get(SEED.targetId, tally());
    assert.equal(emu.tokensIssued(), 1, "the token cache is shared");
    await closeAllClients();
    assert.notEqual(sharedClient(config), a, "a new client after closeAllClients");
    await closeAllClients();
  });
});

describe("a tenant whose API lives at another path (cxone:apiPath)", () => {
  test("list, read and write go to that path, and the scopes asked for are the configured ones", async (t) => {
    const { emu, client } = await clientWithEmulator(t, { settings: { actionsPath: "/tenant/v9/da", tokenScope: "dataactions:read dataactions:write" }, emulator: { actionsPath: "/tenant/v9/da" } });
    const found = await client.findByName(SEED.targetName, tally());
    assert.equal(found.id, SEED.targetId);
    assert.equal((await client.get(SEED.targetId, tally())).id, SEED.targetId);
    const paths = emu.requests.filter((r) => r.route !== "token").map((r) => r.path);
    assert.ok(paths.length >= 2 && paths.every((p) => p.startsWith("/tenant/v9/da")), paths.join(", "));
    const token = emu.requests.find((r) => r.route === "token");
    assert.equal((token?.body as Record<string, string>).scope, "dataactions:read dataactions:write");
  });
});
