/**
 * The CXone client against hostile and broken servers, over loopback: huge and endless bodies
 * on every route (the API, the token endpoint), a list that shifts between pages, and servers
 * that echo credentials back in URL- or form-encoded form.
 */
import assert from "node:assert/strict";
import * as http from "node:http";
import { describe, test, type TestContext } from "node:test";
import { CxoneClient, mergeOwned } from "../../provider/cxone/client";

import { DEFAULTS } from "../../provider/shared/defaults";
import { SEED, type FaultSpec } from "../../provider/emulator/emulator";
import { AuthenticationError, ResponseTooLargeError, ValidationError } from "../../provider/shared/errors";
import type { DataAction } from "../../provider/shared/types";
import { clientWithEmulator, routes, tally } from "../helpers/client";
import { rejection as failure } from "../helpers/assert";

describe("response bodies past the cap", () => {
  const TOKEN_PATH = DEFAULTS.tokenPath;
  const target = `/api/v2/dataactions/${SEED.targetId}`;
  // [fault, the call, method and path the error names, the setting it points at]
  const cases: Array<[string, FaultSpec, (c: CxoneClient) => Promise<unknown>, string, string]> = [
    ["a huge GET answer", { route: "get", kind: "huge" }, (c) => c.get(SEED.targetId, tally()), `GET ${target}`, "cxone:baseUrl"],
    ["an endless GET answer", { route: "get", kind: "endless" }, (c) => c.get(SEED.targetId, tally()), `GET ${target}`, "cxone:baseUrl"],
    ["an endless list page", { route: "list", kind: "endless" }, (c) => c.findByName(SEED.targetName, tally()), "GET /api/v2/dataactions?", "cxone:baseUrl"],
    ["a huge token answer", { route: "token", kind: "huge" }, (c) => c.get(SEED.targetId, tally()), `POST ${TOKEN_PATH}`, "cxone:tokenUrl"],
    ["an endless token answer", { route: "token", kind: "endless" }, (c) => c.get(SEED.targetId, tally()), `POST ${TOKEN_PATH}`, "cxone:tokenUrl"],
  ];
  for (const [name, fault, call, where, setting] of cases) {
    test(`${name} fails that call at once with CXONE_RESPONSE_TOO_LARGE naming ${where.split(" ")[0]} and the path`, async (t) => {
      // The default cap (4 MiB), against the emulator's default 64 MiB or endless body.
      const { emu, client } = await clientWithEmulator(t, { emulator: { faults: [fault] } });
      const error = await failure(call(client));
      assert.ok(error instanceof ResponseTooLargeError, `${error.name}: ${error.message}`);
      assert.equal(error.code, "CXONE_RESPONSE_TOO_LARGE");
      assert.ok(error.message.includes(where), error.message);
      assert.ok(error.message.includes("4 MiB"), error.message);
      assert.ok(error.message.includes(setting), error.message);
      assert.equal(error.method, where.split(" ")[0]);
      // Not retried: a server that sends megabytes once will again.
      assert.equal(routes(emu, fault.route).length, 1);
    });
  }

  test("the cap is a setting: a body one byte over it fails, one at it is read", async (t) => {
    const { client } = await clientWithEmulator(t, {
      settings: { maxResponseBytes: 64 * 1024 },
      emulator: { faults: [{ route: "get", kind: "huge", bytes: 64 * 1024 + 1, count: 1 }, { route: "get", kind: "huge", bytes: 64 * 1024, after: 1, count: 1 }] },
    });
    assert.ok((await failure(client.get(SEED.targetId, tally()))) instanceof ResponseTooLargeError);
    // 64 KiB of whitespace is no Data Action, but it was read whole: the error is about the content.
    const second = await failure(client.get(SEED.targetId, tally()));
    assert.equal((second as { code?: string }).code, "CXONE_HTTP", second.message);
  });

  test("a PUT whose answer is too large may have landed: it is read back, and a landed write counts as applied", async (t) => {
    const { emu, client } = await clientWithEmulator(t, { emulator: { faults: [{ route: "put", kind: "huge" }] } });
    const desired = { dateProcessing: { ...(emu.store.get(SEED.targetId) as DataAction).configuration.dateProcessing!, computedValue: "2030-01-01T00:00:00.000Z" }, enabled: true };
    const counts = tally();
    const result = await client.modify(SEED.targetId, (live) => {
      const merged = mergeOwned(live, desired);
      return live.configuration.dateProcessing?.computedValue === desired.dateProcessing.computedValue ? null : merged;
    }, counts);
    assert.equal(result.putSkipped, false);
    assert.equal(result.action.configuration.dateProcessing?.computedValue, "2030-01-01T00:00:00.000Z");
    assert.deepEqual(routes(emu, "put").map((r) => r.fault), ["huge"]);
    assert.equal(routes(emu, "get").length, 2, "the first read and the read-back");
  });
});

describe("a list that shifts between pages", () => {
  // Three loose matches of "Target" sorted by id; the exact one is the last of page 1.
  const seed = (): DataAction[] =>
    ["Target_old", "Target", "target_v2"].map((name, i) => ({ id: `da-${i + 1}`, name, enabled: true, version: 1, configuration: {} }));

  test("an entity seen on two pages is one action, not an ambiguous name", async (t) => {
    const { emu, client } = await clientWithEmulator(t, {
      settings: { pageSize: 2 },
      emulator: { seed: seed(), faults: [{ route: "list", kind: "shift", after: 1 }] },
    });
    const found = await client.findByName("Target", tally());
    assert.equal(found.id, "da-2");
    const pages = routes(emu, "list");
    assert.deepEqual(pages.map((r) => [r.query.page, r.fault]), [["1", undefined], ["2", "shift"]]);
  });

  test("without the shift the same lookup reads the same two pages (the fault is what repeats da-2)", async (t) => {
    const { emu, client } = await clientWithEmulator(t, { settings: { pageSize: 2 }, emulator: { seed: seed() } });
    assert.equal((await client.findByName("Target", tally())).id, "da-2");
    assert.equal(routes(emu, "list").length, 2);
  });

  test("two different actions with the exact name are still ambiguous when the list shifts", async (t) => {
    const actions = [...seed(), { id: "da-4", name: "Target", enabled: true, version: 1, configuration: {} }];
    const { client } = await clientWithEmulator(t, {
      settings: { pageSize: 2 },
      emulator: { seed: actions, faults: [{ route: "list", kind: "shift", after: 1 }] },
    });
    const error = await failure(client.findByName("Target", tally()));
    assert.equal((error as { code?: string }).code, "CXONE_AMBIGUOUS_NAME");
    assert.deepEqual((error as unknown as { ids: string[] }).ids, ["da-2", "da-4"]);
  });
});

describe("redaction", () => {
  const secret = 'p@ss w/rd+~!(x)-"' + "Z".repeat(8);
  test("a server that echoes the form it got never puts the secret in an error, in any encoding", async (t) => {
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        // The raw form (form-encoded), the same percent-encoded again, and the decoded value.
        const decoded = new URLSearchParams(body).get("client_secret") ?? "";
        const said = `bad request ${body} / ${encodeURIComponent(decoded)} / ${decoded}`;
        const status = req.url?.startsWith(DEFAULTS.tokenPath) ? 401 : 400;
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error_description: said, message: said }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const client = new CxoneClient({ baseUrl: url, tokenUrl: url + DEFAULTS.tokenPath, clientId: "app", clientSecret: secret }, { settings: { maxAttempts: 1 } });
    t.after(() => client.close());
    const error = await failure(client.get("da-1", tally()));
    assert.ok(error instanceof AuthenticationError, error.message);
    for (const form of [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)]) assert.ok(!error.message.includes(form), error.message);
    assert.ok(!/client_id=app\b/.test(error.message), error.message);
    assert.match(error.message, /client_secret=\[redacted\]/);
    assert.ok(!(error instanceof ValidationError));
  });
});

describe("servers that redirect, clamp, run long or quote the Authorization header", () => {
  /** A loopback server answering each request with `answer`; its requests are recorded. */
  async function server(t: TestContext, answer: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void) {
    const seen: { method: string; url: string; authorization?: string }[] = [];
    const s = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        seen.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization });
        answer(req, res, body);
      });
    });
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => s.close(() => resolve())));
    return { url: `http://127.0.0.1:${(s.address() as { port: number }).port}`, seen };
  }
  const TOKEN = "tok-0123456789abcdefghij-secret";
  const tokenAnswer = (res: http.ServerResponse) =>
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: TOKEN, token_type: "Bearer", expires_in: 3600 }));

  for (const route of ["the API", "the token endpoint"] as const) {
    test(`a redirect from ${route} is not followed: the call fails and the Location is never asked`, async (t) => {
      const elsewhere = await server(t, (_req, res) => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
      const redirecting = await server(t, (req, res, _body) => {
        const isToken = req.url?.startsWith(DEFAULTS.tokenPath) === true;
        if (isToken && route === "the API") return tokenAnswer(res);
        res.writeHead(302, { location: `${elsewhere.url}${req.url}` }).end();
      });
      const client = new CxoneClient(
        { baseUrl: redirecting.url, tokenUrl: redirecting.url + DEFAULTS.tokenPath, clientId: "app", clientSecret: "s3cret-value-long-enough" },
        { settings: { maxAttempts: 1 } },
      );
      t.after(() => client.close());
      const error = await failure(client.get("da-1", tally()));
      assert.match(error.message, /302/, error.message);
      assert.deepEqual(elsewhere.seen, [], "nothing reached the Location: not the credentials, not the token");
    });
  }

  test("a server that clamps pageSize: paging follows the size it served, and finds the match past its first page", async (t) => {
    // 150 loose matches of "Target" and the exact one last (ids sort it there); the client asks
    // for 200 a page, the emulator serves at most 100.
    const seed: DataAction[] = [
      ...Array.from({ length: 150 }, (_, i) => ({ id: `da-${String(i).padStart(3, "0")}`, name: `Target_${i}`, enabled: true, version: 1, configuration: {} })),
      { id: "da-zzz", name: "Target", enabled: true, version: 1, configuration: {} },
    ];
    assert.ok(DEFAULTS.emulatorMaxPageSize < 200, "the premise: the emulator clamps a request for 200");
    const { emu, client } = await clientWithEmulator(t, { settings: { pageSize: 200 }, emulator: { seed } });
    assert.equal((await client.findByName("Target", tally())).id, "da-zzz");
    assert.equal(routes(emu, "list").length, 2);
  });

  // [actions that match, the lookup's verdict, list requests made]
  const paging: Array<[number, "found" | "stopped", number]> = [
    [30, "found", 3], // exactly maxPages pages of 10: the last one is read
    [31, "stopped", 3],
  ];
  for (const [count, verdict, requests] of paging) {
    test(`maxPages 3 of 10 and ${count} matches: ${verdict} after ${requests} pages`, async (t) => {
      const seed: DataAction[] = Array.from({ length: count }, (_, i) => ({
        id: `da-${String(i).padStart(3, "0")}`,
        name: i === count - 1 ? "Target" : `Target_${i}`,
        enabled: true,
        version: 1,
        configuration: {},
      }));
      const { emu, client } = await clientWithEmulator(t, { settings: { pageSize: 10, maxPages: 3 }, emulator: { seed } });
      const lookup = client.findByName("Target", tally());
      if (verdict === "found") assert.equal((await lookup).id, `da-${String(count - 1).padStart(3, "0")}`);
      else assert.match((await failure(lookup)).message, /^Listing Data Actions stopped after 3 pages of 10 without reaching the end/);
      assert.equal(routes(emu, "list").length, requests);
    });
  }

  test("an error body that quotes the Authorization header back: neither the bearer token nor the Basic credentials reach the message", async (t) => {
    const secret = "s3cret-value-long-enough";
    const basic = Buffer.from(`app-client:${secret}`).toString("base64");
    const api = await server(t, (req, res) => {
      if (req.url?.startsWith(DEFAULTS.tokenPath) === true) return tokenAnswer(res);
      const said = `request refused; you sent Authorization: ${req.headers.authorization} (also as Basic ${basic})`;
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ message: said }));
    });
    const client = new CxoneClient({ baseUrl: api.url, tokenUrl: api.url + DEFAULTS.tokenPath, clientId: "app-client", clientSecret: secret }, { settings: { maxAttempts: 1 } });
    t.after(() => client.close());
    const error = await failure(client.get("da-1", tally()));
    assert.equal(api.seen.at(-1)?.authorization, `Bearer ${TOKEN}`, "the premise: the token was sent, and quoted back");
    assert.match(error.message, /request refused; you sent Authorization: Bearer \[redacted\] \(also as Basic \[redacted\]\)/);
    assert.ok(!error.message.includes(TOKEN) && !error.message.includes(basic) && !error.message.includes(secret), error.message);
  });
});
