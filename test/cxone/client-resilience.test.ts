/**
 * The CXone client under trouble, against the real emulator over loopback: throttling with
 * and without Retry-After, 5xx bursts, dropped connections, timeouts, token revocation and
 * persistent 401s, the circuit breaker, and that no credential or token ever leaks.
 * Delays are asserted through an injected sleep that records and advances a manual clock.
 */
import { isDeepStrictEqual } from "node:util";
import assert from "node:assert/strict";
import { once } from "node:events";
import * as http from "node:http";
import { inspect } from "node:util";
import { describe, test, type TestContext } from "node:test";
import { CxoneClient, NetworkFailure, mergeOwned, ownedEquals } from "../../provider/cxone/client";
import { DEFAULTS } from "../../provider/shared/defaults";
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SEED, type Emulator } from "../../provider/emulator/emulator";
import { AuthenticationError, CircuitOpenError, TransientError } from "../../provider/shared/errors";
import { TokenCache, parseTokenResponse, tokenRequestBody, type IssuedToken } from "../../provider/cxone/token";
import { clientWithEmulator, routes, tally, type ClientSetup } from "../helpers/client";
import { manualClock, startEmulator } from "../helpers/emulator";
import { rejection as failure } from "../helpers/assert";


describe("throttling and transient failures", () => {
  test("429 with Retry-After in seconds waits exactly that long, then succeeds", async (t) => {
    const { emu, client, sleeps } = await clientWithEmulator(t, {
      emulator: { faults: [{ route: "get", kind: "429", count: 1, retryAfter: "seconds", retryAfterSeconds: 2 }] },
    });
    const counts = tally();
    assert.equal((await client.get(SEED.targetId, counts)).id, SEED.targetId);
    assert.deepEqual(sleeps, [2000]);
    assert.deepEqual(routes(emu, "get").map((r) => r.status), [429, 200]);
    assert.deepEqual(counts, { httpRequests: 2, retries: 1 });
  });

  test("429 with Retry-After as an HTTP-date waits until that date", async (t) => {
    const { emu, client, sleeps } = await clientWithEmulator(t, {
      emulator: { faults: [{ route: "put", kind: "429", count: 1, retryAfter: "http-date", retryAfterSeconds: 3 }] },
    });
    const live = await client.get(SEED.targetId, tally());
    const counts = tally();
    await client.put(live, counts);
    assert.match(String(routes(emu, "put")[0].status), /429/);
    // The manual clock starts on a whole second, so the date is exactly 3 s ahead.
    assert.deepEqual(sleeps, [3000]);
    assert.deepEqual(counts, { httpRequests: 2, retries: 1 });
  });

  test("429 with an HTTP-date from a server whose clock is 2 h ahead: the date is read against the answer's Date, not ours", async (t) => {
    const skewMs = 2 * 3600 * 1000;
    const server = manualClock();
    const { emu, client, sleeps } = await clientWithEmulator(t, {
      emulator: { now: () => server.now() + skewMs, faults: [{ route: "get", kind: "429", count: 1, retryAfter: "http-date", retryAfterSeconds: 3 }] },
    });
    await client.get(SEED.targetId, tally());
    assert.deepEqual(routes(emu, "get").map((r) => r.status), [429, 200]);
    assert.deepEqual(sleeps, [3000], "three seconds, as the server meant, not two hours and three seconds");
  });

  test("429 without Retry-After backs off with full jitter that grows per attempt", async (t) => {
    const draws = [0.999, 0.999];
    const { emu, client, sleeps, logs } = await clientWithEmulator(t, {
      emulator: { faults: [{ route: "get", kind: "429", count: 2, retryAfter: "none" }] },
      random: () => draws.shift() ?? 0,
    });
    const counts = tally();
    await client.get(SEED.targetId, counts);
    assert.equal(routes(emu, "get").length, 3);
    assert.deepEqual(counts, { httpRequests: 3, retries: 2 });
    // The limiter may add its own pause after a 429, so the retry delays are read from the log;
    // the first sleep of all is the first retry's.
    const delays = logs.flatMap((l) => /429; retry \d in (\d+) ms/.exec(l)?.[1] ?? []).map(Number);
    assert.equal(delays.length, 2);
    assert.equal(Math.round(sleeps[0]), delays[0]);
    const base = DEFAULTS.backoffBaseMs;
    // Ceilings base, then 2 * base; a draw near 1 lands just under the ceiling.
    assert.ok(delays[0] > 0.9 * base && delays[0] <= base, `first delay ${delays[0]}`);
    assert.ok(delays[1] > 0.9 * 2 * base && delays[1] <= 2 * base, `second delay ${delays[1]}`);
  });

  test("a backoff draw scales the ceiling: a quarter draw waits a quarter of it", async (t) => {
    const { client, sleeps } = await clientWithEmulator(t, {
      emulator: { faults: [{ route: "get", kind: "5xx", count: 1 }] },
      random: () => 0.25,
    });
    await client.get(SEED.targetId, tally());
    assert.deepEqual(sleeps, [0.25 * DEFAULTS.backoffBaseMs], "a 5xx leaves the limiter's pacing alone");
  });

  test("a burst of 500/502/504 is retried until the call succeeds", async (t) => {
    const { emu, client, logs } = await clientWithEmulator(t, {
      emulator: {
        faults: [
          { route: "get", kind: "5xx", count: 1, status: 500 },
          { route: "get", kind: "5xx", after: 1, count: 1, status: 502 },
          { route: "get", kind: "5xx", after: 2, count: 1, status: 504 },
        ],
      },
    });
    const counts = tally();
    await client.get(SEED.targetId, counts);
    assert.deepEqual(routes(emu, "get").map((r) => r.status), [500, 502, 504, 200]);
    assert.deepEqual(counts, { httpRequests: 4, retries: 3 });
    assert.equal(logs.filter((l) => /retry \d in \d+ ms/.test(l)).length, 3);
  });

  test("dropped connections are retried", async (t) => {
    const { emu, client } = await clientWithEmulator(t, { emulator: { faults: [{ route: "list", kind: "drop", count: 2 }] } });
    const counts = tally();
    assert.equal((await client.findByName(SEED.targetName, counts)).id, SEED.targetId);
    assert.equal(routes(emu, "list").length, 3);
    assert.deepEqual(counts, { httpRequests: 3, retries: 2 });
  });

  test("a PUT whose response was dropped after it was applied converges without a second write", async (t) => {
    const { emu, client } = await clientWithEmulator(t, { emulator: { faults: [{ route: "put", kind: "drop", count: 1 }] } });
    const live = structuredClone(emu.store.get(SEED.targetId)!);
    const desired = { dateProcessing: { ...live.configuration.dateProcessing!, computedValue: "2030-01-01T00:00:00.000Z" }, enabled: true };
    const result = await client.modify(SEED.targetId, (l) => (ownedEquals(l, desired) ? null : mergeOwned(l, desired)), tally());
    // The retried PUT carried the old version (409); the re-read shows our write already live.
    assert.deepEqual(routes(emu, "put").map((r) => r.status), [200, 409]);
    // Our write is what landed, so the audit must not say the PUT was skipped.
    assert.equal(result.putSkipped, false);
    assert.equal(result.conflicts, 1);
    assert.equal(emu.store.get(SEED.targetId)!.version, (live.version as number) + 1);
    assert.deepEqual(emu.store.get(SEED.targetId)!.configuration.dateProcessing, desired.dateProcessing);
  });

  test("a response slower than requestTimeoutMs is retried, and a TransientError ends it", async (t) => {
    const { emu, client } = await clientWithEmulator(t, {
      // 2 s: the token request answers in time even on a loaded machine; the slowed GETs (a
      // minute) never do, so the counts below do not depend on the machine's speed.
      settings: { requestTimeoutMs: 2_000, maxAttempts: 3 },
      emulator: { faults: [{ route: "get", kind: "slow", delayMs: 60_000 }] },
    });
    const counts = tally();
    const error = await failure(client.get(SEED.targetId, counts));
    assert.ok(error instanceof TransientError, String(error));
    assert.match(error.message, /GET \/api\/v2\/dataactions\/da-000123 failed after 3 attempt\(s\) over [\d.]+ m?s; last: timeout/);
    assert.match(error.message, /safe to run `pulumi up` again/);
    assert.ok(error.cause instanceof NetworkFailure);
    assert.equal(routes(emu, "get").length, 3);
    assert.deepEqual(counts, { httpRequests: 3, retries: 2 });
  });

  test("one slow response is retried and the next attempt succeeds", async (t) => {
    const { client } = await clientWithEmulator(t, {
      settings: { requestTimeoutMs: 2_000 },
      emulator: { faults: [{ route: "get", kind: "slow", count: 1, delayMs: 60_000 }] },
    });
    const counts = tally();
    assert.equal((await client.get(SEED.targetId, counts)).id, SEED.targetId);
    assert.deepEqual(counts, { httpRequests: 2, retries: 1 });
  });
});

describe("limiter", () => {
  test("requests in flight never exceed maxConcurrency", async (t) => {
    // Real time on the emulator side: the overlap of request intervals is what is measured.
    const emu = await startEmulator(t, { faults: [{ route: "get", kind: "slow", delayMs: 100 }] });
    // Pacing that would let all six go at once: the concurrency cap is the only thing that holds
    // them back (with the default slow start the pacing alone spaced them, and any cap passed).
    const client = new CxoneClient(
      { baseUrl: emu.url, tokenUrl: emu.tokenUrl, clientId: EMULATOR_CLIENT_ID, clientSecret: EMULATOR_CLIENT_SECRET },
      { settings: { maxConcurrency: 2, rateInitialPerS: 1000, rateInitialBurst: 50 } },
    );
    t.after(() => client.close());
    await Promise.all(Array.from({ length: 6 }, () => client.get(SEED.targetId, tally())));
    const gets = routes(emu, "get");
    assert.equal(gets.length, 6);
    const overlap = Math.max(...gets.map((g) => gets.filter((o) => o.startedAt <= g.startedAt && g.startedAt < o.endedAt).length));
    assert.equal(overlap, 2);
  });
});

describe("tokens", () => {
  test("20 concurrent calls after a revocation cause exactly one new token request", async (t) => {
    const { emu, client } = await clientWithEmulator(t);
    await client.get(SEED.targetId, tally());
    assert.equal(emu.tokensIssued(), 1);
    emu.revokeTokens();
    const counts = Array.from({ length: 20 }, tally);
    const results = await Promise.all(counts.map((c) => client.get(SEED.targetId, c)));
    assert.ok(results.every((a) => a.id === SEED.targetId));
    assert.equal(emu.tokensIssued(), 2);
    assert.equal(routes(emu, "token").length, 2);
    // A call sent after the renewal takes the new token at once; one sent before it meets the 401 and repeats.
    for (const c of counts) assert.ok(isDeepStrictEqual(c, { httpRequests: 2, retries: 1 }) || isDeepStrictEqual(c, { httpRequests: 1, retries: 0 }), JSON.stringify(c));
    assert.ok(routes(emu, "get").some((r) => r.status === 401), "the revoked token was met");
  });

  test("a call that stays 401 with a new token fails fast with AuthenticationError", async (t) => {
    const { emu, client } = await clientWithEmulator(t, { emulator: { faults: [{ route: "get", kind: "revoke" }] } });
    const error = await failure(client.get(SEED.targetId, tally()));
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.equal(error.status, 401);
    assert.match(error.message, /cxone:clientId \/ cxone:clientSecret/);
    assert.equal(routes(emu, "token").length, 2);
    assert.equal(routes(emu, "get").length, 2);
  });

  test("the cached token is renewed tokenRefreshMarginMs before it expires", async (t) => {
    const { emu, client, clock } = await clientWithEmulator(t, { emulator: { tokenTtlSeconds: 600 } });
    await client.get(SEED.targetId, tally());
    clock.advance(600_000 - DEFAULTS.tokenRefreshMarginMs - 1);
    await client.get(SEED.targetId, tally());
    assert.equal(emu.tokensIssued(), 1, "still within the token's life less the margin");
    clock.advance(2);
    await client.get(SEED.targetId, tally());
    assert.equal(emu.tokensIssued(), 2, "renewed before the server would refuse it");
    assert.ok(routes(emu, "get").every((r) => r.status === 200), "no call ever met an expired token");
  });

  test("refused credentials fail with AuthenticationError and are not retried", async (t) => {
    const { emu, client } = await clientWithEmulator(t, { clientSecret: "wrong-secret-value" });
    const error = await failure(client.get(SEED.targetId, tally()));
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.match(error.message, /refused the API client .*401.*Check cxone:clientId \/ cxone:clientSecret/);
    assert.equal(routes(emu, "token").length, 1);
    assert.equal(routes(emu, "get").length, 0);
  });

  test("a token request that meets 5xx is retried", async (t) => {
    const { emu, client } = await clientWithEmulator(t, { emulator: { faults: [{ route: "token", kind: "5xx", count: 2 }] } });
    const counts = tally();
    await client.get(SEED.targetId, counts);
    assert.deepEqual(routes(emu, "token").map((r) => r.status), [503, 503, 200]);
    // Token requests serve every operation of the process, so they are not counted in a tally.
    assert.deepEqual(counts, { httpRequests: 1, retries: 0 });
  });

  test("TokenCache shares one fetch, renews at half the life of a short token, and drops only the current token", async () => {
    const clock = manualClock();
    let fetches = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const cache = new TokenCache(
      async (): Promise<IssuedToken> => {
        fetches++;
        await gate;
        return { accessToken: `t${fetches}`, expiresInS: 60 };
      },
      clock,
      60_000,
    );
    const waiting = Promise.all(Array.from({ length: 5 }, () => cache.token()));
    release();
    assert.deepEqual(await waiting, ["t1", "t1", "t1", "t1", "t1"]);
    assert.equal(fetches, 1);
    clock.advance(29_999);
    assert.equal(await cache.token(), "t1");
    clock.advance(1);
    assert.equal(await cache.token(), "t2", "a 60 s token is renewed after 30 s, not on every call");
    cache.invalidate("t1");
    assert.equal(await cache.token(), "t2", "a stale token's 401 does not drop the fresh one");
    cache.invalidate("t2");
    assert.equal(await cache.token(), "t3");
  });

  test("token form and response parsing", () => {
    const form = new URLSearchParams(tokenRequestBody("id", "s&cret", "dataactions:write dataactions:read"));
    assert.deepEqual(Object.fromEntries(form), {
      grant_type: "client_credentials",
      client_id: "id",
      client_secret: "s&cret",
      scope: "dataactions:write dataactions:read",
    });
    assert.deepEqual(parseTokenResponse({ access_token: "a", expires_in: 120 }, 3600), { accessToken: "a", expiresInS: 120 });
    assert.deepEqual(parseTokenResponse({ access_token: "a" }, 3600), { accessToken: "a", expiresInS: 3600 });
    assert.equal(parseTokenResponse({ token: "a" }, 3600), null);
  });
});

describe("a slow tenant makes a deployment slow, never failed", () => {
  // 30 calls at once against a limiter that starts at 1 request/s: the last waits about 30 s for
  // its permit, longer than the whole call budget, before it is ever sent.
  const QUEUED = 30;
  const slowStart = { rateInitialPerS: 1, rateInitialBurst: 1, rateSlowStartDoublingMs: 600_000, callBudgetMs: 10_000 };

  test("time queued behind other calls is not charged to the call budget: the last call meets a 429 and still succeeds", async (t) => {
    const { emu, client } = await clientWithEmulator(t, {
      settings: slowStart,
      emulator: { faults: [{ route: "get", kind: "429", after: QUEUED - 1, count: 1, retryAfterSeconds: 1 }] },
    });
    const results = await Promise.all(Array.from({ length: QUEUED }, () => client.get(SEED.targetId, tally()).then((a) => a.id, (e: Error) => e.message)));
    assert.deepEqual(results, new Array(QUEUED).fill(SEED.targetId), "no call failed because others were ahead of it");
    assert.equal(routes(emu, "get").filter((r) => r.status === 429).length, 1, "the last call did meet its 429");
  });

  test("the access token is taken when the request is sent, not before it queued: a 3 s token outlives no queue", async (t) => {
    const { emu, client } = await clientWithEmulator(t, { settings: slowStart, emulator: { tokenTtlSeconds: 3 } });
    const results = await Promise.all(Array.from({ length: 12 }, () => client.get(SEED.targetId, tally()).then((a) => a.id, (e: Error) => e.message)));
    assert.deepEqual(results, new Array(12).fill(SEED.targetId));
    assert.equal(routes(emu, "get").filter((r) => r.status === 401).length, 0, "no request went out with a token that expired while it queued");
  });
});

describe("circuit breaker", () => {
  test("opens after breakerThreshold failed calls, fails fast, and closes after the cooldown", async (t) => {
    const { emu, client, clock } = await clientWithEmulator(t, {
      settings: { breakerThreshold: 2, breakerCooldownMs: 10_000, maxAttempts: 2 },
      emulator: { faults: [{ route: "get", kind: "5xx" }] },
    });
    for (let i = 0; i < 2; i++) {
      assert.ok((await failure(client.get(SEED.targetId, tally()))) instanceof TransientError);
    }
    const before = routes(emu, "get").length;
    const counts = tally();
    assert.ok((await failure(client.get(SEED.targetId, counts))) instanceof CircuitOpenError);
    assert.equal(routes(emu, "get").length, before, "an open breaker sends nothing");
    assert.deepEqual(counts, { httpRequests: 0, retries: 0 });

    emu.setFaults([]);
    clock.advance(10_000);
    assert.equal((await client.get(SEED.targetId, tally())).id, SEED.targetId, "the trial call after the cooldown");
    assert.equal((await client.get(SEED.targetId, tally())).id, SEED.targetId, "closed again");
  });

  test("one failed token fetch that 20 calls shared is one failure, not 20: the breaker stays closed", async (t) => {
    const { emu, client } = await clientWithEmulator(t, {
      settings: { breakerThreshold: 8, maxAttempts: 2 },
      emulator: { faults: [{ route: "token", kind: "5xx" }] },
    });
    const failures = await Promise.all(Array.from({ length: 20 }, () => failure(client.get(SEED.targetId, tally()))));
    assert.ok(failures.every((f) => f instanceof TransientError));
    assert.equal(routes(emu, "token").length, 2, "one fetch (two attempts), shared by all 20");
    emu.setFaults([]);
    assert.equal((await client.get(SEED.targetId, tally())).id, SEED.targetId, "the token endpoint is healthy again, and so is the next call");
  });

  test("4xx answers do not open the breaker", async (t) => {
    const { client } = await clientWithEmulator(t, { settings: { breakerThreshold: 2 } });
    for (let i = 0; i < 3; i++) await failure(client.get("da-missing", tally()));
    assert.equal((await client.get(SEED.targetId, tally())).id, SEED.targetId);
  });
});

/** Forwards token requests to the emulator and records every access token it hands out. */
async function tokenTap(t: TestContext, emu: Emulator) {
  const issued: string[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const upstream = await fetch(emu.tokenUrl, {
      method: "POST",
      headers: { "content-type": String(req.headers["content-type"]) },
      body: Buffer.concat(chunks),
    });
    const text = await upstream.text();
    if (upstream.status === 200) issued.push((JSON.parse(text) as { access_token: string }).access_token);
    res.writeHead(upstream.status, { "content-type": "application/json" }).end(text);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/api/v2/oauth2/token`, issued };
}

test("no credential or token text in any log line, error message, cause chain or serialized error", async (t) => {
  const clientId = "leak-probe-client-7f3a";
  const clientSecret = "leak-probe-secret-Q9xZ";
  const clients = { [clientId]: { secret: clientSecret, scopes: ["dataactions:read"] } };
  const captured: string[] = [];
  const tokens: string[] = [];
  const record = (error: unknown) => {
    assert.ok(error instanceof Error);
    captured.push(error.message, String(error.stack), JSON.stringify(error), inspect(error, { depth: 10, showHidden: true }));
  };

  const scenarios: Array<{ options: ClientSetup; act: (client: CxoneClient, emu: Emulator) => Promise<unknown> }> = [
    { options: { emulator: { faults: [{ route: "get", kind: "revoke" }] } }, act: (c) => c.get(SEED.targetId, tally()) }, // 401 twice
    { options: {}, act: async (c) => c.put(await c.get(SEED.targetId, tally()), tally()) }, // 403
    { options: {}, act: (c) => c.get("da-gone", tally()) }, // 404
    { options: {}, act: (c) => c.findByName("No_Such_Action_Anywhere", tally()) }, // not found with a full scan
    { options: { settings: { maxAttempts: 2 }, emulator: { faults: [{ route: "get", kind: "drop" }] } }, act: (c) => c.get(SEED.targetId, tally()) },
    {
      options: { settings: { maxAttempts: 2, requestTimeoutMs: 250 }, emulator: { faults: [{ route: "get", kind: "slow", delayMs: 5_000 }] } },
      act: (c) => c.get(SEED.targetId, tally()),
    },
    { options: { clientSecret: `${clientSecret}-wrong` }, act: (c) => c.get(SEED.targetId, tally()) }, // token endpoint 401
  ];
  for (const { options, act } of scenarios) {
    const clock = manualClock();
    const logs: string[] = [];
    const emu = await startEmulator(t, { now: clock.now, clients, ...options.emulator });
    const tap = await tokenTap(t, emu);
    const client = new CxoneClient(
      { baseUrl: emu.url, tokenUrl: tap.url, clientId, clientSecret: options.clientSecret ?? clientSecret },
      { clock, sleep: async (ms) => clock.advance(ms), random: () => 0.5, settings: options.settings, log: (l) => logs.push(l) },
    );
    t.after(() => client.close());
    record(await failure(act(client, emu)));
    captured.push(...logs, inspect(client, { depth: 8, showHidden: true }));
    tokens.push(...tap.issued);
  }

  assert.ok(tokens.length >= 5, `tokens were issued and captured (${tokens.length})`);
  assert.ok(captured.some((text) => /401/.test(text)) && captured.some((text) => /403/.test(text)), "the scenarios ran");
  for (const text of captured) {
    for (const secret of [clientSecret, clientId, ...tokens]) {
      assert.ok(!text.includes(secret), `leaked ${secret === clientSecret ? "the client secret" : secret === clientId ? "the client id" : "a token"} in: ${text}`);
    }
  }
});
