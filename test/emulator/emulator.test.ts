/**
 * The CXone emulator over real loopback HTTP: the API contract it serves, the faults and
 * throttle it injects, the webhook receiver, what it records, and how it shuts down.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parseEmulatorArgs } from "../../provider/emulator/cli";
import {
  EMULATOR_CLIENT_ID,
  EMULATOR_CLIENT_SECRET,
  SEED,
  defaultSeed,
  startEmulator as startServer,
  type Emulator,
} from "../../provider/emulator/emulator";
import { ConfigError } from "../../provider/shared/errors";
import { FaultPlan, TokenBucket, parseFaultSpec, retryAfterValue } from "../../provider/emulator/faults";
import type { DataAction, ListPage } from "../../provider/shared/types";
import { fetchToken, manualClock, startEmulator } from "../helpers/emulator";

const READ = "dataactions:read";
const WRITE = "dataactions:write";

async function api(emu: Emulator, token: string | undefined, path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set("authorization", `Bearer ${token}`);
  if (init.body !== undefined) headers.set("content-type", "application/json");
  const res = await fetch(emu.url + path, { ...init, headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === "" ? undefined : JSON.parse(text) };
}

const list = (emu: Emulator, token: string, query: string) => api(emu, token, `/api/v2/dataactions?${query}`);
const getAction = (emu: Emulator, token: string, id: string) => api(emu, token, `/api/v2/dataactions/${id}`);
const putAction = (emu: Emulator, token: string, action: unknown, id = (action as DataAction).id) =>
  api(emu, token, `/api/v2/dataactions/${id}`, { method: "PUT", body: JSON.stringify(action) });

function tokenRequest(emu: Emulator, fields: Record<string, string>, contentType = "application/x-www-form-urlencoded") {
  return fetch(emu.tokenUrl, {
    method: "POST",
    headers: { "content-type": contentType },
    body: new URLSearchParams(fields).toString(),
  });
}

const target = (emu: Emulator) => structuredClone(emu.store.get(SEED.targetId)!);

async function readAllPages(emu: Emulator, token: string, filter: string, pageSize: number) {
  const pages: ListPage[] = [];
  for (let page = 1; ; page++) {
    const res = await list(emu, token, `pageSize=${pageSize}&page=${page}&filter=${encodeURIComponent(`name=${filter}`)}`);
    assert.equal(res.status, 200);
    pages.push(res.body as ListPage);
    if (page * pageSize >= (res.body as ListPage).total) return pages;
  }
}

function sign(secret: string, id: string, timestamp: string, body: string) {
  return `v1,${createHmac("sha256", secret).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

/** Unix seconds now: the receiver (standardwebhooks) accepts timestamps within 5 minutes of its clock. */
const nowS = () => String(Math.floor(Date.now() / 1000));

function deliver(emu: Emulator, body: string, headers: Record<string, string>) {
  return fetch(emu.webhookUrl, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
}

describe("tokens", () => {
  test("client credentials issue distinct tokens with expires_in and the client's scopes", async (t) => {
    const emu = await startEmulator(t, { tokenTtlSeconds: 120 });
    const res = await tokenRequest(emu, {
      grant_type: "client_credentials",
      client_id: EMULATOR_CLIENT_ID,
      client_secret: EMULATOR_CLIENT_SECRET,
      scope: `${WRITE} ${READ}`,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.token_type, "Bearer");
    assert.equal(body.expires_in, 120);
    assert.deepEqual(String(body.scope).split(" ").sort(), [READ, WRITE]);
    assert.equal(typeof body.access_token, "string");
    const second = await fetchToken(emu);
    assert.notEqual(second, body.access_token);
    assert.equal(emu.tokensIssued(), 2);
    assert.equal((await list(emu, body.access_token as string, "pageSize=1")).status, 200);
  });

  test("unknown client and wrong secret are 401 invalid_client; a missing or wrong grant is 400", async (t) => {
    const emu = await startEmulator(t);
    const good = { grant_type: "client_credentials", client_id: EMULATOR_CLIENT_ID, client_secret: EMULATOR_CLIENT_SECRET };
    const cases: [Record<string, string>, string | undefined, number, string][] = [
      [{ ...good, client_id: "nobody" }, undefined, 401, "invalid_client"],
      [{ ...good, client_secret: "wrong" }, undefined, 401, "invalid_client"],
      [{ ...good, client_id: "constructor" }, undefined, 401, "invalid_client"],
      [{ client_id: EMULATOR_CLIENT_ID, client_secret: EMULATOR_CLIENT_SECRET }, undefined, 400, "invalid_request"],
      [{ ...good, grant_type: "password" }, undefined, 400, "unsupported_grant_type"],
      [good, "application/json", 400, "invalid_request"],
    ];
    for (const [fields, contentType, status, error] of cases) {
      const res = await tokenRequest(emu, fields, contentType);
      assert.equal(res.status, status, JSON.stringify(fields));
      assert.equal(((await res.json()) as { error: string }).error, error);
    }
    assert.equal(emu.tokensIssued(), 0);
  });

  test("a token expires after tokenTtlSeconds on the emulator's clock", async (t) => {
    const clock = manualClock();
    const emu = await startEmulator(t, { tokenTtlSeconds: 60, now: clock.now });
    const token = await fetchToken(emu);
    clock.advance(59_999);
    assert.equal((await list(emu, token, "pageSize=1")).status, 200);
    clock.advance(1);
    const expired = await list(emu, token, "pageSize=1");
    assert.equal(expired.status, 401);
    assert.match(expired.body.message, /expired/);
    assert.match(expired.headers.get("www-authenticate") ?? "", /invalid_token/);
    assert.equal((await list(emu, await fetchToken(emu), "pageSize=1")).status, 200);
    assert.deepEqual(emu.requests.filter((r) => r.route === "list").map((r) => [r.tokenSeq, r.status]), [[1, 200], [1, 401], [2, 200]]);
  });

  test("revokeTokens() invalidates every issued token; tokens issued afterwards work", async (t) => {
    const emu = await startEmulator(t);
    const [a, b] = [await fetchToken(emu), await fetchToken(emu)];
    emu.revokeTokens();
    for (const token of [a, b]) {
      const res = await list(emu, token, "pageSize=1");
      assert.equal(res.status, 401);
      assert.match(res.body.message, /revoked/);
    }
    assert.equal((await list(emu, await fetchToken(emu), "pageSize=1")).status, 200);
  });

  test("API calls without a valid token are 401; a missing scope is 403 naming it", async (t) => {
    const emu = await startEmulator(t, {
      clients: {
        reader: { secret: "reader-pass", scopes: [READ] },
        writer: { secret: "writer-pass", scopes: [WRITE] },
        both: { secret: "both-pass", scopes: [READ, WRITE] },
      },
    });
    assert.equal((await api(emu, undefined, "/api/v2/dataactions")).status, 401);
    assert.equal((await getAction(emu, "not-a-token", SEED.targetId)).status, 401);
    const reader = await fetchToken(emu, "reader", "reader-pass");
    assert.equal((await getAction(emu, reader, SEED.targetId)).status, 200);
    const denied = await putAction(emu, reader, target(emu));
    assert.equal(denied.status, 403);
    assert.match(denied.body.message, /missing scope dataactions:write/);
    const writer = await fetchToken(emu, "writer", "writer-pass");
    const noRead = await list(emu, writer, "");
    assert.equal(noRead.status, 403);
    assert.match(noRead.body.message, /missing scope dataactions:read/);
    // A token asked for with fewer scopes gets only those.
    const narrowed = await fetchToken(emu, "both", "both-pass", READ);
    assert.equal((await putAction(emu, narrowed, target(emu))).status, 403);
    assert.equal(emu.store.get(SEED.targetId)?.version, 7);
  });
});

describe("list", () => {
  test("pages are 1-based, default to 25, clamp at 100, are ordered by id, and total counts everything", async (t) => {
    const emu = await startEmulator(t);
    const token = await fetchToken(emu);
    const first = await list(emu, token, "");
    assert.equal(first.body.pageSize, 25);
    assert.equal(first.body.page, 1);
    assert.equal(first.body.entities.length, 25);
    assert.equal(first.body.total, emu.store.size);
    const clamped = await list(emu, token, "pageSize=500&page=1");
    assert.equal(clamped.body.pageSize, 100);
    assert.equal(clamped.body.entities.length, 100);
    const pages = await readAllPages(emu, token, "", 100);
    assert.ok(pages.length >= 3, "the default seed spans several pages of 100");
    const ids = pages.flatMap((p) => p.entities.map((e) => e.id));
    assert.deepEqual(ids, [...emu.store.keys()].sort());
    const beyond = await list(emu, token, `pageSize=100&page=${pages.length + 1}`);
    assert.deepEqual(beyond.body.entities, []);
    assert.equal(beyond.body.total, emu.store.size);
    for (const bad of ["page=0", "page=x", "pageSize=0", "pageSize=-5", "filter=id%3Dda-1"]) {
      assert.equal((await list(emu, token, bad)).status, 400, bad);
    }
  });

  test("the name filter matches loosely; the exact target of a crowded filter sits on its last page", async (t) => {
    const emu = await startEmulator(t);
    const token = await fetchToken(emu);
    const loose = await list(emu, token, `pageSize=100&filter=${encodeURIComponent(`name=${SEED.targetName.toLowerCase()}`)}`);
    const names = loose.body.entities.map((e: DataAction) => e.name);
    assert.ok(names.includes(SEED.targetName) && names.includes("production_date_processor"));
    assert.ok(names.includes("Production_Date_Processor_v2"));
    assert.ok(!names.includes("Staging_Date_Processor"));
    assert.equal(loose.body.total, names.length);

    const pages = await readAllPages(emu, token, SEED.lastPageName, 100);
    const total = pages[0].total;
    assert.equal(total, [...emu.store.values()].filter((a) => a.name.toLowerCase().includes("action")).length);
    assert.ok(pages.length >= 3);
    const hits = pages.flatMap((p, i) => p.entities.filter((e) => e.name === SEED.lastPageName).map(() => i + 1));
    assert.deepEqual(hits, [pages.length], "exactly one exact match, on the last page");

    const dupes = (await readAllPages(emu, token, SEED.duplicateName, 100)).flatMap((p) => p.entities);
    assert.deepEqual(dupes.filter((e) => e.name === SEED.duplicateName).map((e) => e.id), [...SEED.duplicateIds]);
  });

  test("the list and GET read the live store, so out-of-band edits show", async (t) => {
    const emu = await startEmulator(t);
    const token = await fetchToken(emu);
    assert.deepEqual((await getAction(emu, token, SEED.targetId)).body, emu.store.get(SEED.targetId));
    emu.store.delete(SEED.targetId);
    assert.equal((await getAction(emu, token, SEED.targetId)).status, 404);
    const res = await list(emu, token, `filter=${encodeURIComponent(`name=${SEED.targetName}`)}`);
    assert.ok(!res.body.entities.some((e: DataAction) => e.id === SEED.targetId));
  });
});

describe("PUT", () => {
  test("stores the whole body with the next version and keeps keys it does not know", async (t) => {
    const emu = await startEmulator(t);
    const token = await fetchToken(emu);
    const body = target(emu);
    body.configuration.dateProcessing!.computedValue = "2024-03-01T00:00:00.5+01:00";
    body.configuration.dateProcessing!.extraDpKey = { nested: [1, 2] };
    body.extraTopLevel = "kept";
    const res = await putAction(emu, token, body);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { ...body, version: 8 });
    assert.deepEqual(emu.store.get(SEED.targetId), { ...body, version: 8 });
    assert.deepEqual(res.body.configuration.routing, defaultSeed()[0].configuration.routing);

    const stale = await putAction(emu, token, body);
    assert.equal(stale.status, 409);
    const { version: _, ...unversionedBody } = body;
    assert.equal((await putAction(emu, token, unversionedBody)).body.version, 9);
    const noVersion = structuredClone(emu.store.get(SEED.unversionedId)!);
    assert.equal(noVersion.version, undefined);
    assert.equal((await putAction(emu, token, noVersion)).body.version, 1);
  });

  test("schema violations are 400 with a message and change nothing; absent actions are 404", async (t) => {
    const emu = await startEmulator(t);
    const token = await fetchToken(emu);
    const withDp = (patch: Record<string, unknown>) => {
      const body = target(emu);
      Object.assign(body.configuration.dateProcessing!, patch);
      return body;
    };
    const bad: [unknown, RegExp][] = [
      [withDp({ computedValue: "2024-02-29T12:30:00.0000-05:00" }), /4 fractional digits/],
      [withDp({ computedValue: "2024-02-29T12:30:00.123456789Z" }), /9 fractional digits/],
      [withDp({ computedValue: "2024-02-30T12:30:00.000Z" }), /not a valid date/],
      [withDp({ computedValue: "2024-02-29 12:30" }), /not an ISO 8601/],
      [withDp({ timezone: "Mars/Olympus" }), /not an IANA time zone/],
      [withDp({ timezone: "+05:00" }), /not an IANA time zone/],
      [withDp({ precision: 4 }), /precision/],
      [{ ...target(emu), id: "da-other" }, /does not match the path id/],
      [{ ...target(emu), name: "Renamed" }, /does not match the action's name/],
      [{ ...target(emu), type: "OTHER_TYPE" }, /does not match the action's type/],
      [{ ...target(emu), enabled: "yes" }, /enabled/],
      [{ ...target(emu), version: "7" }, /version must be/],
      [{ ...target(emu), configuration: [] }, /configuration/],
      [[target(emu)], /JSON object/],
    ];
    for (const [body, reason] of bad) {
      const res = await putAction(emu, token, body, SEED.targetId);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.body.message, reason);
    }
    const notJson = await api(emu, token, `/api/v2/dataactions/${SEED.targetId}`, { method: "PUT", body: "{oops" });
    assert.equal(notJson.status, 400);
    assert.deepEqual(emu.store.get(SEED.targetId), defaultSeed()[0]);
    assert.equal((await putAction(emu, token, { ...target(emu), id: "da-gone" })).status, 404);
  });

  test("every year from 0001 to 9999 is a date, leap days by the Gregorian rule (not Date.UTC's 1900-1999 for 0-99)", async (t) => {
    const emu = await startEmulator(t);
    const token = await fetchToken(emu);
    const put = async (computedValue: string) => {
      const body = target(emu);
      body.configuration.dateProcessing!.computedValue = computedValue;
      const res = await putAction(emu, token, body);
      return res.status === 200 ? "stored" : (res.body.message as string);
    };
    const table: [string, RegExp | "stored"][] = [
      ["0001-01-01T00:00:00.000Z", "stored"],
      ["0050-06-15T12:00:00+01:00", "stored"],
      ["0099-12-31T23:59:59.999Z", "stored"],
      ["0048-02-29T00:00:00Z", "stored"], // 48 is a leap year
      ["0100-02-29T00:00:00Z", /not a valid date/], // 100 is not (and 1900, which Date.UTC would read, is not either)
      ["0004-02-29T00:00:00Z", "stored"], // 4 is a leap year; 1904, too
      ["0097-02-29T00:00:00Z", /not a valid date/], // 97 is not; 1997 is not either
      ["0096-02-29T00:00:00Z", "stored"],
      ["1900-02-29T00:00:00Z", /not a valid date/],
      ["2000-02-29T00:00:00Z", "stored"],
      ["9999-12-31T23:59:59.999Z", "stored"],
      ["0000-01-01T00:00:00Z", /not a valid date/],
    ];
    for (const [value, expected] of table) {
      const outcome = await put(value);
      if (expected === "stored") assert.equal(outcome, "stored", value);
      else assert.match(outcome, expected, value);
    }
  });

  test("a stored entity JSON cannot encode answers 500 and the server keeps serving", async (t) => {
    const emu = await startEmulator(t);
    const token = await fetchToken(emu);
    emu.store.set("da-bigint", { id: "da-bigint", name: "Big", enabled: true, configuration: { n: 1n } });
    const res = await getAction(emu, token, "da-bigint");
    assert.equal(res.status, 500);
    assert.match(res.body.message, /cannot encode/);
    assert.equal(emu.requests.at(-1)?.status, 500);
    assert.equal((await getAction(emu, token, SEED.targetId)).status, 200);
  });

  test("parallel PUTs of one version: exactly one wins, the rest are 409", async (t) => {
    const emu = await startEmulator(t);
    const token = await fetchToken(emu);
    const results = await Promise.all(Array.from({ length: 25 }, () => putAction(emu, token, target(emu))));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, ...Array(24).fill(409)]);
    assert.equal(emu.store.get(SEED.targetId)?.version, 8);
  });

  test("60 parallel clients on keep-alive connections are all served and recorded in arrival order", async (t) => {
    const emu = await startEmulator(t);
    const token = await fetchToken(emu);
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => list(emu, token, `pageSize=10&page=${(i % 24) + 1}`)),
    );
    assert.ok(results.every((r) => r.status === 200));
    assert.equal(emu.requests.length, 61);
    assert.deepEqual(emu.requests.map((r) => r.seq), Array.from({ length: 61 }, (_, i) => i + 1));
  });
});

describe("faults", () => {
  test("429 with Retry-After in seconds, then the request passes; the 429s change nothing", async (t) => {
    const emu = await startEmulator(t, { faults: [{ route: "put", kind: "429", count: 2, retryAfterSeconds: 3 }] });
    const token = await fetchToken(emu);
    const body = target(emu);
    const first = await putAction(emu, token, body);
    const second = await putAction(emu, token, body);
    const third = await putAction(emu, token, body);
    assert.deepEqual([first.status, second.status, third.status], [429, 429, 200]);
    assert.equal(first.headers.get("retry-after"), "3");
    assert.equal(third.body.version, 8);
    assert.deepEqual(emu.requests.filter((r) => r.route === "put").map((r) => r.fault), ["429", "429", undefined]);
  });

  test("429 with Retry-After as an HTTP-date at least a second ahead, or with none", async (t) => {
    const clock = manualClock(Date.UTC(2026, 4, 1, 12, 0, 0, 400));
    const emu = await startEmulator(t, {
      now: clock.now,
      faults: [
        { route: "get", kind: "429", count: 1, retryAfter: "http-date", retryAfterSeconds: 0 },
        { route: "get", kind: "429", after: 1, count: 1, retryAfter: "http-date", retryAfterSeconds: 5 },
        { route: "get", kind: "429", after: 2, count: 1, retryAfter: "none" },
      ],
    });
    const token = await fetchToken(emu);
    const dates = [];
    for (let i = 0; i < 2; i++) {
      const res = await getAction(emu, token, SEED.targetId);
      assert.equal(res.status, 429);
      const header = res.headers.get("retry-after")!;
      assert.match(header, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      dates.push(Date.parse(header) - clock.now());
    }
    assert.ok(dates[0] >= 1000 && dates[0] <= 2000, `a zero wait still announces a future date: ${dates[0]}`);
    assert.ok(dates[1] >= 5000 && dates[1] < 6000, `5 s rounded up to a whole second: ${dates[1]}`);
    const none = await getAction(emu, token, SEED.targetId);
    assert.equal(none.status, 429);
    assert.equal(none.headers.get("retry-after"), null);
    assert.equal((await getAction(emu, token, SEED.targetId)).status, 200);
  });

  test("a 5xx burst hits the chosen requests with the chosen status", async (t) => {
    const emu = await startEmulator(t, { faults: [{ route: "get", kind: "5xx", status: 502, after: 1, count: 2 }] });
    const token = await fetchToken(emu);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await getAction(emu, token, SEED.targetId)).status);
    assert.deepEqual(statuses, [200, 502, 502, 200]);
    emu.setFaults([{ route: "any", kind: "5xx", count: 1 }]);
    const res = await tokenRequest(emu, { grant_type: "client_credentials", client_id: EMULATOR_CLIENT_ID, client_secret: EMULATOR_CLIENT_SECRET });
    assert.equal(res.status, 503);
  });

  // Socket-level tests carry a timeout so a regression fails instead of hanging the run.
  test("drop cuts the connection mid-body after the request took effect", { timeout: 10_000 }, async (t) => {
    const emu = await startEmulator(t, { faults: [{ route: "put", kind: "drop", count: 1 }] });
    const token = await fetchToken(emu);
    const body = target(emu);
    const res = await fetch(`${emu.url}/api/v2/dataactions/${SEED.targetId}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, "the headers arrive");
    await assert.rejects(res.text(), "the body is cut short");
    // The PUT was applied before the drop, so repeating it with the old version conflicts.
    assert.equal(emu.store.get(SEED.targetId)?.version, 8);
    assert.equal((await putAction(emu, token, body)).status, 409);
    assert.equal(emu.requests.find((r) => r.route === "put")?.fault, "drop");
  });

  test("drop on an empty response ends the connection before the headers", { timeout: 10_000 }, async (t) => {
    const emu = await startEmulator(t, { faults: [{ route: "webhook", kind: "drop", count: 1 }] });
    await assert.rejects(deliver(emu, "{}", { "webhook-id": "msg_1", "webhook-timestamp": "1700000000" }));
    assert.equal(emu.deliveries.length, 1, "the receiver saw it before the connection died");
  });

  test("slow holds the response: a short delay arrives late, a long one outlasts a client timeout", async (t) => {
    const emu = await startEmulator(t, {
      faults: [
        { route: "get", kind: "slow", count: 1, delayMs: 80 },
        { route: "get", kind: "slow", after: 1, count: 1, delayMs: 60_000 },
      ],
    });
    const token = await fetchToken(emu);
    assert.equal((await getAction(emu, token, SEED.targetId)).status, 200);
    assert.equal(emu.requests.filter((r) => r.route === "get")[0].fault, "slow", "the response waited for the delay");
    await assert.rejects(
      fetch(`${emu.url}/api/v2/dataactions/${SEED.targetId}`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(50),
      }),
      { name: "TimeoutError" },
    );
    assert.deepEqual(emu.requests.filter((r) => r.route === "get").map((r) => r.fault), ["slow", "slow"]);
  });

  test("revoke invalidates every token, so the hit request itself answers 401", async (t) => {
    const emu = await startEmulator(t, { faults: [{ route: "list", kind: "revoke", count: 1 }] });
    const token = await fetchToken(emu);
    const hit = await list(emu, token, "pageSize=1");
    assert.equal(hit.status, 401);
    assert.match(hit.body.message, /revoked/);
    assert.equal((await list(emu, token, "pageSize=1")).status, 401);
    assert.equal((await list(emu, await fetchToken(emu), "pageSize=1")).status, 200);
    assert.deepEqual(emu.requests.filter((r) => r.route === "list").map((r) => [r.tokenSeq, r.fault]), [
      [1, "revoke"],
      [1, undefined],
      [2, undefined],
    ]);
  });

  test("probability faults repeat exactly for one seed and differ for another", async (t) => {
    const pattern = async (randomSeed: number) => {
      const emu = await startEmulator(t, { randomSeed, faults: [{ route: "get", kind: "5xx", probability: 0.5 }] });
      const token = await fetchToken(emu);
      const out = [];
      for (let i = 0; i < 32; i++) out.push((await getAction(emu, token, SEED.targetId)).status);
      return out.join(",");
    };
    const [a, b, c] = [await pattern(7), await pattern(7), await pattern(8)];
    assert.equal(a, b);
    assert.notEqual(a, c);
    assert.match(a, /200/);
    assert.match(a, /503/);
  });

  test("bad fault specs are refused when the emulator starts", async () => {
    await assert.rejects(startServer({ faults: [{ route: "put", kind: "5xx", status: 501 as never }] }), ConfigError);
    await assert.rejects(startServer({ faults: [{ route: "put", kind: "429", probability: 2 }] }), ConfigError);
  });
});

describe("hostile answers", () => {
  /** Status, headers and the number of body bytes read before `stopAfter` (then the socket is destroyed). */
  function rawGet(url: string, token: string, stopAfter = Infinity) {
    return new Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: number; ended: boolean }>((resolve, reject) => {
      const req = http.get(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        let bytes = 0;
        const done = (ended: boolean) => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, ended });
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes >= stopAfter) {
            req.destroy();
            done(false);
          }
        });
        res.on("end", () => done(true));
      });
      req.on("error", (error) => (req.destroyed ? undefined : reject(error)));
    });
  }

  test("huge: content-length announces every byte and every byte arrives, after the request was served", async (t) => {
    const emu = await startEmulator(t, { faults: [{ route: "get", kind: "huge", bytes: 300_000, count: 1 }] });
    const token = await fetchToken(emu);
    const res = await rawGet(`${emu.url}/api/v2/dataactions/${SEED.targetId}`, token);
    assert.deepEqual([res.status, res.headers["content-length"], res.bytes, res.ended], [200, "300000", 300_000, true]);
    assert.equal(emu.requests.at(-1)?.fault, "huge");
    // The next request is served normally.
    assert.equal((await getAction(emu, token, SEED.targetId)).status, 200);
  });

  test("endless: a chunked body that never ends; the emulator stops when the client hangs up and keeps serving", async (t) => {
    const emu = await startEmulator(t, { faults: [{ route: "list", kind: "endless", count: 1 }] });
    const token = await fetchToken(emu);
    const res = await rawGet(`${emu.url}/api/v2/dataactions?pageSize=1`, token, 8 * 1024 * 1024);
    assert.equal(res.status, 200);
    assert.equal(res.headers["transfer-encoding"], "chunked");
    assert.equal(res.headers["content-length"], undefined);
    assert.ok(res.bytes >= 8 * 1024 * 1024 && !res.ended, `read ${res.bytes} bytes of a body that did not end`);
    assert.equal((await list(emu, token, "pageSize=1")).status, 200);
  });

  test("a hostile webhook answer is a 200, since a 204 cannot carry a body", async (t) => {
    const emu = await startEmulator(t, { faults: [{ route: "webhook", kind: "huge", bytes: 10 }] });
    const res = await deliver(emu, "{}", { "webhook-id": "m", "webhook-timestamp": nowS() });
    assert.deepEqual([res.status, (await res.text()).length], [200, 10]);
  });

  test("shift: actions are created first in the list before that page is served, so the previous page's last entity repeats", async (t) => {
    const emu = await startEmulator(t, { faults: [{ route: "list", kind: "shift", after: 1, shiftBy: 2 }] });
    const token = await fetchToken(emu);
    const filter = `filter=${encodeURIComponent("name=Duplicate")}`;
    const first = (await list(emu, token, `${filter}&pageSize=1&page=1`)).body as ListPage;
    const second = (await list(emu, token, `${filter}&pageSize=1&page=3`)).body as ListPage;
    assert.deepEqual([first.total, second.total], [2, 4]);
    // Two inserted before it: page 3 of the grown list is what page 1 was.
    assert.deepEqual(second.entities.map((a) => a.id), first.entities.map((a) => a.id));
    const inserted = [...emu.store.values()].filter((a) => a.id.startsWith("!inserted-"));
    assert.deepEqual(inserted.map((a) => a.name), ["Duplicate_inserted_1", "Duplicate_inserted_2"]);
  });
});

describe("fault logic", () => {
  test("every spec counts every request to its route; the first listed spec that fires wins", () => {
    const plan = new FaultPlan(
      [
        { route: "any", kind: "5xx", count: 1 },
        { route: "get", kind: "429", count: 2 },
        { route: "put", kind: "drop", after: 1 },
      ],
      1,
    );
    const routes = ["get", "get", "get", "put", "put", "put"] as const;
    // get 1: both "any" and "get" fire, "any" is listed first; put 1 is skipped by after=1
    // although "any" already counted it, and "put" has no count so it keeps firing.
    assert.deepEqual(routes.map((r) => plan.next(r)?.kind), ["5xx", "429", undefined, undefined, "drop", "drop"]);
  });

  test("the token bucket grants the burst, then announces the wait until the next token", () => {
    const bucket = new TokenBucket({ ratePerSecond: 5, burst: 3 }, 0);
    assert.deepEqual([bucket.take(0), bucket.take(0), bucket.take(0)], [0, 0, 0]);
    assert.equal(bucket.take(0), 200);
    assert.equal(bucket.take(100), 100, "half a token refilled after 100 ms");
    assert.equal(bucket.take(200), 0);
    assert.equal(bucket.take(50), 200, "a clock stepping back mints nothing");
    assert.equal(retryAfterValue("seconds", 200, 0), "1");
    assert.equal(retryAfterValue("seconds", 2001, 0), "3");
    assert.equal(retryAfterValue("none", 2001, 0), undefined);
  });

  test("the CLI fault syntax parses to specs and refuses unknown options", () => {
    assert.deepEqual(parseFaultSpec("put:429:count=3"), { route: "put", kind: "429", count: 3 });
    assert.deepEqual(parseFaultSpec("any:5xx:status=502,after=1,count=2"), {
      route: "any",
      kind: "5xx",
      status: 502,
      after: 1,
      count: 2,
    });
    assert.deepEqual(parseFaultSpec("token:429:retryAfter=http-date:retryAfterSeconds=2"), {
      route: "token",
      kind: "429",
      retryAfter: "http-date",
      retryAfterSeconds: 2,
    });
    assert.deepEqual(parseFaultSpec("get:huge:bytes=1000"), { route: "get", kind: "huge", bytes: 1000 });
    assert.deepEqual(parseFaultSpec("list:shift:shiftBy=2,after=1"), { route: "list", kind: "shift", shiftBy: 2, after: 1 });
    assert.deepEqual(parseFaultSpec("token:endless"), { route: "token", kind: "endless" });
    for (const bad of ["put:418", "nowhere:429", "put:429:count", "put:429:colour=red", "get:slow:delayMs=-1", "get:shift", "list:huge:bytes=-5"]) {
      assert.throws(() => parseFaultSpec(bad), ConfigError, bad);
    }
  });
});

describe("throttle", () => {
  test("a burst beyond the bucket is 429 with Retry-After from the refill rate; time refills it", async (t) => {
    const clock = manualClock(Date.UTC(2026, 4, 1, 12, 0, 0, 0));
    const emu = await startEmulator(t, { now: clock.now });
    const token = await fetchToken(emu);
    emu.setThrottle({ ratePerSecond: 5, burst: 5 });
    const first = [];
    for (let i = 0; i < 8; i++) first.push(await list(emu, token, "pageSize=1"));
    assert.deepEqual(first.map((r) => r.status), [200, 200, 200, 200, 200, 429, 429, 429]);
    assert.deepEqual(first.slice(5).map((r) => r.headers.get("retry-after")), ["1", "1", "1"]);
    assert.equal(emu.requests.filter((r) => r.fault === "throttle").length, 3);
    clock.advance(400); // two tokens at 5/s
    const next = [];
    for (let i = 0; i < 3; i++) next.push((await list(emu, token, "pageSize=1")).status);
    assert.deepEqual(next, [200, 200, 429]);
    // The token route is throttled too; the webhook receiver is not.
    const tokenRes = await tokenRequest(emu, { grant_type: "client_credentials", client_id: EMULATOR_CLIENT_ID, client_secret: EMULATOR_CLIENT_SECRET });
    assert.equal(tokenRes.status, 429);
    assert.equal((await deliver(emu, "{}", { "webhook-id": "m", "webhook-timestamp": "1" })).status, 204);
    emu.setThrottle(undefined);
    assert.equal((await list(emu, token, "pageSize=1")).status, 200);
  });

  test("a slow rate announces a longer wait, as seconds rounded up or as an HTTP-date", async (t) => {
    const clock = manualClock(Date.UTC(2026, 4, 1, 12, 0, 0, 0));
    const emu = await startEmulator(t, { now: clock.now });
    const token = await fetchToken(emu);
    emu.setThrottle({ ratePerSecond: 0.4, burst: 1 });
    assert.equal((await list(emu, token, "pageSize=1")).status, 200);
    assert.equal((await list(emu, token, "pageSize=1")).headers.get("retry-after"), "3", "2.5 s rounded up");
    emu.setThrottle({ ratePerSecond: 0.4, burst: 1, retryAfter: "http-date" });
    await list(emu, token, "pageSize=1");
    const dated = await list(emu, token, "pageSize=1");
    assert.equal(Date.parse(dated.headers.get("retry-after")!) - clock.now(), 3000);
    emu.setThrottle({ ratePerSecond: 0.4, burst: 1, retryAfter: "none" });
    await list(emu, token, "pageSize=1");
    const bare = await list(emu, token, "pageSize=1");
    assert.equal(bare.status, 429);
    assert.equal(bare.headers.get("retry-after"), null);
  });
});

describe("webhook receiver", () => {
  const secret = "whsec-emulator-test";
  const body = JSON.stringify({ type: "cxone.dateaction.applied", actionId: SEED.targetId, audit: { requestId: "r-1" } });

  test("verifies Standard Webhooks signatures: valid 204, tampered or missing 401", async (t) => {
    const emu = await startEmulator(t, { webhookSecret: secret });
    const id = "msg_2b9f";
    const ts = nowS();
    const good = await deliver(emu, body, { "webhook-id": id, "webhook-timestamp": ts, "webhook-signature": sign(secret, id, ts, body) });
    assert.equal(good.status, 204);
    const rotated = `v1,${"A".repeat(44)} ${sign(secret, id, ts, body)}`;
    assert.equal((await deliver(emu, body, { "webhook-id": id, "webhook-timestamp": ts, "webhook-signature": rotated })).status, 204);
    const tampered = await deliver(emu, body.replace("r-1", "r-2"), {
      "webhook-id": id,
      "webhook-timestamp": ts,
      "webhook-signature": sign(secret, id, ts, body),
    });
    assert.equal(tampered.status, 401);
    const wrongKey = await deliver(emu, body, { "webhook-id": id, "webhook-timestamp": ts, "webhook-signature": sign("other", id, ts, body) });
    assert.equal(wrongKey.status, 401);
    const unsigned = await deliver(emu, body, { "webhook-id": id, "webhook-timestamp": ts });
    assert.equal(unsigned.status, 401);
    const noId = await deliver(emu, body, { "webhook-timestamp": ts, "webhook-signature": sign(secret, "", ts, body) });
    assert.equal(noId.status, 400, "a missing header is the sender's bug, not a bad signature");
    assert.deepEqual(emu.deliveries.map((d) => [d.signatureValid, d.status, d.duplicate]), [
      [true, 204, false],
      [true, 204, true],
      [false, 401, true],
      [false, 401, true],
      [false, 401, true],
      [false, 400, false],
    ]);
    assert.deepEqual(emu.deliveries[0].body, JSON.parse(body));
    assert.equal(emu.deliveries[0].timestamp, ts);
  });

  test("standardwebhooks judges: a well-signed delivery with a timestamp 10 minutes old is refused, and says why", async (t) => {
    const emu = await startEmulator(t, { webhookSecret: secret });
    const id = "msg_old";
    const old = String(Math.floor(Date.now() / 1000) - 600);
    const res = await deliver(emu, body, { "webhook-id": id, "webhook-timestamp": old, "webhook-signature": sign(secret, id, old, body) });
    assert.equal(res.status, 401);
    assert.match(((await res.json()) as { message: string }).message, /timestamp too old/);
    assert.deepEqual([emu.deliveries[0].signatureValid, emu.deliveries[0].signatureProblem], [false, "Message timestamp too old"]);
  });

  test("the standardwebhooks devDependency is loaded only by an emulator with a webhook secret", async () => {
    // A fresh process: this one has loaded the library already. The package's ./emulator entry
    // is used by people who may not have it; without a secret they must never need it.
    const script = `
      const { startEmulator } = require("./provider/emulator/emulator.ts");
      const loaded = () => Object.keys(require.cache).some((k) => k.includes("standardwebhooks"));
      (async () => {
        const plain = await startEmulator(); const before = loaded(); await plain.close();
        const signed = await startEmulator({ webhookSecret: "s" }); const after = loaded(); await signed.close();
        process.stdout.write(JSON.stringify({ before, after }));
      })();`;
    const child = spawn(process.execPath, ["--import", "tsx", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const [code] = await once(child, "exit");
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(out), { before: false, after: true });
  });

  test("a whsec_ secret is a base64 key, as the Standard Webhooks spec defines", async (t) => {
    const key = Buffer.from("a key of thirty-two bytes, ok!!!");
    const emu = await startEmulator(t, { webhookSecret: `whsec_${key.toString("base64")}` });
    const ts = nowS();
    const signature = `v1,${createHmac("sha256", key).update(`m.${ts}.${body}`).digest("base64")}`;
    const res = await deliver(emu, body, { "webhook-id": "m", "webhook-timestamp": ts, "webhook-signature": signature });
    assert.equal(res.status, 204);
  });

  test("without a secret signatureValid is null; webhookStatus and the webhook fault route apply", async (t) => {
    const emu = await startEmulator(t, { webhookStatus: 202, faults: [{ route: "webhook", kind: "5xx", count: 2 }] });
    const headers = { "webhook-id": "msg_1", "webhook-timestamp": "1767225600" };
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await deliver(emu, body, headers)).status);
    assert.deepEqual(statuses, [503, 503, 202]);
    assert.deepEqual(emu.deliveries.map((d) => [d.id, d.signatureValid, d.status]), [["msg_1", null, 202]]);
    assert.equal((await deliver(emu, body, { "webhook-id": "msg_2" })).status, 400, "webhook-timestamp is required");
    assert.equal((await deliver(emu, "{not json", headers)).status, 400);
  });
});

describe("records and logs", () => {
  test("requests are recorded and logged without token or secret text", async (t) => {
    const lines: string[] = [];
    const secret = "s3cr3t-value-for-redaction";
    const webhookSecret = "whsec-never-logged";
    const emu = await startEmulator(t, {
      clients: { app: { secret, scopes: [READ, WRITE] } },
      webhookSecret,
      log: (line) => lines.push(line),
    });
    const token = await fetchToken(emu, "app", secret);
    await tokenRequest(emu, { grant_type: "client_credentials", client_id: "app", client_secret: "wrong-guess-123" });
    await list(emu, token, `filter=${encodeURIComponent("name=Action")}&access_token=${token}`);
    await putAction(emu, token, target(emu));
    const ts = nowS();
    await deliver(emu, "{}", { "webhook-id": "m", "webhook-timestamp": ts, "webhook-signature": sign(webhookSecret, "m", ts, "{}") });
    const recorded = JSON.stringify(emu.requests) + JSON.stringify(emu.deliveries) + lines.join("\n");
    for (const text of [token, secret, "wrong-guess-123", webhookSecret]) assert.ok(!recorded.includes(text));
    const tokenRecord = emu.requests[0];
    assert.deepEqual(tokenRecord.body, { grant_type: "client_credentials", client_id: "app", client_secret: "[redacted]" });
    assert.equal(tokenRecord.tokenSeq, 1);
    assert.deepEqual(emu.requests.map((r) => [r.route, r.status, r.tokenSeq]), [
      ["token", 200, 1],
      ["token", 401, undefined],
      ["list", 200, 1],
      ["put", 200, 1],
      ["webhook", 204, undefined],
    ]);
    assert.equal((emu.requests[3].body as DataAction).id, SEED.targetId);
    assert.ok(emu.requests.every((r) => r.endedAt >= r.startedAt));
    assert.equal(lines.length, 5);
    assert.match(lines[2], /GET \/api\/v2\/dataactions\?filter=name%3DAction.* -> 200 .*token#1/);
    emu.reset();
    assert.deepEqual([emu.requests.length, emu.deliveries.length], [0, 0]);
  });

  test("unknown paths are 404 and wrong methods 405, recorded as route other", async (t) => {
    const emu = await startEmulator(t);
    assert.equal((await fetch(`${emu.url}/api/v2/nothing`)).status, 404);
    assert.equal((await fetch(`${emu.url}/api/v2/dataactions/${SEED.targetId}`, { method: "DELETE" })).status, 405);
    assert.equal((await fetch(emu.tokenUrl)).status, 405);
    assert.deepEqual(emu.requests.map((r) => r.route), ["other", "other", "other"]);
  });
});

describe("seed", () => {
  test("the default seed holds the contract's target, its near misses, duplicates and generated pages", () => {
    const seed = defaultSeed();
    const byName = (name: string) => seed.filter((a) => a.name === name);
    const [prod] = byName(SEED.targetName);
    assert.equal(prod.id, SEED.targetId);
    assert.equal(prod.version, 7);
    assert.equal(prod.configuration.dateProcessing?.computedValue, "2024-02-29T12:30:00.000-05:00");
    assert.equal(typeof prod.configuration.anyOtherKey, "string");
    for (const name of SEED.nearMissNames) assert.equal(byName(name).length, 1, name);
    assert.equal(byName(SEED.duplicateName).length, 2);
    assert.equal(seed.filter((a) => /^Action_\d{4}$/.test(a.name)).length, SEED.generatedCount);
    assert.equal(new Set(seed.map((a) => a.id)).size, seed.length);
  });

  test("a seed file is loaded; a malformed one is refused naming the file", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "emu-seed-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "seed.json");
    const actions = defaultSeed().slice(0, 3);
    writeFileSync(file, JSON.stringify(actions));
    const emu = await startEmulator(t, { seed: file });
    assert.deepEqual([...emu.store.keys()], actions.map((a) => a.id));
    writeFileSync(file, JSON.stringify([actions[0], actions[0]]));
    await assert.rejects(startServer({ seed: file }), (e: Error) => e instanceof ConfigError && e.message.includes(file));
    writeFileSync(file, "not json");
    await assert.rejects(startServer({ seed: file }), ConfigError);
  });
});

describe("lifecycle", () => {
  test("close() resolves promptly with an idle keep-alive socket and a slow request in flight", { timeout: 10_000 }, async () => {
    const emu = await startServer({ faults: [{ route: "get", kind: "slow", delayMs: 60_000 }] });
    const agent = new http.Agent({ keepAlive: true });
    try {
      const tokenRes = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.request(emu.tokenUrl, { method: "POST", agent, headers: { "content-type": "application/x-www-form-urlencoded" } }, resolve);
        req.on("error", reject);
        req.end(`grant_type=client_credentials&client_id=${EMULATOR_CLIENT_ID}&client_secret=${EMULATOR_CLIENT_SECRET}`);
      });
      tokenRes.resume();
      await once(tokenRes, "end");
      await new Promise((r) => setImmediate(r));
      assert.equal(Object.values(agent.freeSockets).flat().length, 1, "an idle keep-alive socket is open");
      const pending = fetch(`${emu.url}/api/v2/dataactions/${SEED.targetId}`).catch((e: Error) => e);
      while (!emu.requests.some((r) => r.route === "get")) await new Promise((r) => setTimeout(r, 5));
      await emu.close();
      // A plain server.close() waits for the in-flight response (its fault delays it a minute):
      // close() resolving with that request cut shows every connection was closed, not awaited.
      // (The idle socket's own close reaches the client later, asynchronously: not asserted here.)
      assert.ok((await pending) instanceof Error, "the in-flight request was cut");
      await emu.close();
    } finally {
      agent.destroy();
    }
  });

  test("the CLI parses the documented flags", () => {
    const args = parseEmulatorArgs([
      "--port", "8080", "--seed", "file.json", "--throttle", "50", "--fault", "put:429:count=3",
      "--fault", "get:slow:delayMs=10", "--random-seed", "7", "--token-ttl", "60", "--webhook-secret", "x",
    ]);
    assert.ok(!args.help);
    assert.deepEqual(args.options, {
      port: 8080,
      seed: "file.json",
      faults: [{ route: "put", kind: "429", count: 3 }, { route: "get", kind: "slow", delayMs: 10 }],
      randomSeed: 7,
      tokenTtlSeconds: 60,
      webhookSecret: "x",
      webhookStatus: undefined,
      throttle: { ratePerSecond: 50, burst: undefined, retryAfter: undefined },
    });
    for (const bad of [["--port", "99999"], ["--nope"], ["--throttle", "0"], ["--burst", "3"], ["--token-ttl", "1.5"]]) {
      assert.throws(() => parseEmulatorArgs(bad), ConfigError, bad.join(" "));
    }
  });
});
