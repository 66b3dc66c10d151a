/**
 * Webhook delivery against the emulator's Standard Webhooks receiver on 127.0.0.1.
 * Sleeps are recorded and move an injected clock, so backoff delays are asserted, not waited for.
 */
import assert from "node:assert/strict";
import * as http from "node:http";
import { test, type TestContext } from "node:test";
import { Webhook } from "standardwebhooks";
import { Agent, type Dispatcher } from "undici";
import type { FaultSpec } from "../../provider/emulator/emulator";
import { deliverWebhook, signWebhook, type WebhookOptions } from "../../provider/resource/webhook";
import { startEmulator } from "../helpers/emulator";
import { applyOne, countLeaked, startFleet } from "../../harness/fleet";

const SECRET = `webhook-secret-${process.pid}`;
const PAYLOAD = { type: "cxone.dateaction.applied", actionId: "da-000123", audit: { requestId: "req-1", status: "SUCCESS" } };

// A whole second of the real time: the emulator's receiver (standardwebhooks) refuses timestamps
// 5 minutes off its clock, and whole seconds keep the expected timestamps exact.
const START_MS = Math.floor(Date.now() / 1000) * 1000;

/** Options with a fake clock whose sleep records each delay and moves time by it. */
function options(t: TestContext, url: string, overrides: Partial<WebhookOptions> = {}) {
  let now = START_MS;
  const sleeps: number[] = [];
  const sent: Array<Record<string, string>> = [];
  // Observes the headers of every attempt on their way out; the request still goes over the wire.
  const agent = new Agent();
  t.after(() => agent.close());
  const dispatcher = agent.compose((dispatch) => (opts, handler) => {
    sent.push({ ...(opts.headers as Record<string, string>) });
    return dispatch(opts, handler);
  });
  const opts: WebhookOptions = {
    url,
    id: "6f1c2b9e-0d3a-4c55-9a77-0123456789ab",
    payload: PAYLOAD,
    secret: SECRET,
    attempts: 4,
    timeoutMs: 2_000,
    backoffBaseMs: 2_000,
    dispatcher: dispatcher as Dispatcher,
    clock: { now: () => now },
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    random: () => 0.5,
    ...overrides,
  };
  return { opts, sleeps, sent };
}

/** A 127.0.0.1 port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test("signWebhook reproduces the Standard Webhooks test vector (whsec_ secret, base64-decoded key)", () => {
  assert.equal(
    signWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}'),
    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
  );
  // Without the prefix the secret's own bytes are the key, so the two forms differ.
  assert.notEqual(
    signWebhook("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}'),
    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
  );
});

test("signWebhook signs as the official standardwebhooks library does, for whsec_ keys and plain secrets", () => {
  const body = '{"type":"cxone.dateaction.applied","actionId":"da-1"}';
  const cases: Array<[string, InstanceType<typeof Webhook>]> = [
    ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")],
    ["a plain shared string, é included", new Webhook(Buffer.from("a plain shared string, é included", "utf8"), { format: "raw" })],
  ];
  for (const [secret, official] of cases) {
    assert.equal(signWebhook(secret, "msg_1", 1767225600, body), official.sign("msg_1", new Date(1767225600 * 1000), body), secret);
  }
});

test("delivers once with the id, the timestamp and a signature the receiver verifies", async (t) => {
  const emulator = await startEmulator(t, { webhookSecret: SECRET });
  const { opts, sleeps, sent } = options(t, emulator.webhookUrl);
  const result = await deliverWebhook(opts);
  assert.deepEqual(result, { delivered: true, status: 204, attempts: 1, error: null });
  assert.deepEqual(sleeps, []);
  assert.equal(emulator.deliveries.length, 1);
  const [delivery] = emulator.deliveries;
  assert.equal(delivery.id, opts.id);
  assert.equal(delivery.timestamp, String(START_MS / 1000));
  assert.equal(delivery.signatureValid, true);
  assert.deepEqual(delivery.body, PAYLOAD);
  assert.equal(sent[0]["content-type"], "application/json");
});

test("without a secret no signature is sent, and a receiver without one accepts it", async (t) => {
  const emulator = await startEmulator(t);
  const { opts, sent } = options(t, emulator.webhookUrl, { secret: undefined });
  assert.deepEqual(await deliverWebhook(opts), { delivered: true, status: 204, attempts: 1, error: null });
  assert.equal(sent[0]["webhook-signature"], undefined);
  assert.equal(emulator.deliveries[0].signatureValid, null);
});

test("503 twice then 204: three attempts, one webhook-id, fresh timestamp and valid signature each, jittered backoff delays", async (t) => {
  const emulator = await startEmulator(t, { webhookSecret: SECRET, faults: [{ route: "webhook", kind: "5xx", status: 503, count: 2 }] });
  const { opts, sleeps, sent } = options(t, emulator.webhookUrl);
  const result = await deliverWebhook(opts);
  assert.deepEqual(result, { delivered: true, status: 204, attempts: 3, error: null });
  // random() = 0.5 of a ceiling that doubles from backoffBaseMs: 0.5 * 2000, 0.5 * 4000.
  assert.deepEqual(sleeps, [1000, 2000]);
  assert.deepEqual(emulator.requests.filter((r) => r.route === "webhook").map((r) => r.status), [503, 503, 204]);
  assert.equal(sent.length, 3);
  assert.deepEqual(new Set(sent.map((h) => h["webhook-id"])), new Set([opts.id]));
  const start = START_MS / 1000;
  assert.deepEqual(sent.map((h) => Number(h["webhook-timestamp"])), [start, start + 1, start + 3]);
  const body = JSON.stringify(PAYLOAD);
  // Each attempt's own timestamp, signed as the official library signs it (not with signWebhook).
  const official = new Webhook(Buffer.from(SECRET, "utf8"), { format: "raw" });
  for (const h of sent) assert.equal(h["webhook-signature"], official.sign(opts.id, new Date(Number(h["webhook-timestamp"]) * 1000), body));
  assert.equal(emulator.deliveries.length, 1);
  assert.equal(emulator.deliveries[0].signatureValid, true);
});

test("a 429 waits exactly its Retry-After; one longer than what is left of the delivery ends it with the wait named", async (t) => {
  const emulator = await startEmulator(t, { faults: [{ route: "webhook", kind: "429", count: 1, retryAfterSeconds: 3 }] });
  const first = options(t, emulator.webhookUrl);
  assert.deepEqual(await deliverWebhook(first.opts), { delivered: true, status: 204, attempts: 2, error: null });
  assert.deepEqual(first.sleeps, [3000]);

  emulator.setFaults([{ route: "webhook", kind: "429", count: 1, retryAfterSeconds: 30 }]);
  const second = options(t, emulator.webhookUrl, { attempts: 3, timeoutMs: 5_000 });
  const result = await deliverWebhook(second.opts);
  assert.deepEqual(second.sleeps, []);
  assert.deepEqual(result, {
    delivered: false,
    status: 429,
    attempts: 1,
    error: `POST to the webhook receiver at ${new URL(emulator.url).host} answered 429 and asked to wait 30 s, more than the 15 s left of the delivery's 15 s; gave up`,
  });
});

test("gives up after `attempts` with the last status and a clear error", async (t) => {
  const faults: FaultSpec[] = [{ route: "webhook", kind: "5xx", status: 502, count: 10 }];
  const emulator = await startEmulator(t, { faults });
  const { opts, sleeps } = options(t, emulator.webhookUrl, { attempts: 3 });
  const result = await deliverWebhook(opts);
  assert.deepEqual(result, {
    delivered: false,
    status: 502,
    attempts: 3,
    error: `POST to the webhook receiver at ${new URL(emulator.url).host} answered 502 on attempt 3 of 3; gave up`,
  });
  assert.deepEqual(sleeps, [1000, 2000]);
  assert.equal(emulator.requests.filter((r) => r.route === "webhook").length, 3);
});

test("a 4xx is the receiver's final word: not retried, not delivered", async (t) => {
  for (const [emulatorOptions, status] of [
    [{ webhookStatus: 410 }, 410],
    [{ webhookSecret: "the receiver expects another secret" }, 401],
  ] as const) {
    const emulator = await startEmulator(t, emulatorOptions);
    const { opts, sleeps } = options(t, emulator.webhookUrl);
    assert.deepEqual(await deliverWebhook(opts), {
      delivered: false,
      status,
      attempts: 1,
      error: `POST to the webhook receiver at ${new URL(emulator.url).host} answered ${status}; only a 2xx counts as delivered, and a ${status} is not retried`,
    });
    assert.deepEqual(sleeps, []);
  }
});

test("a dropped connection and a slow receiver are retried; the slow attempt ends at timeoutMs", async (t) => {
  const emulator = await startEmulator(t, {
    faults: [
      { route: "webhook", kind: "drop", count: 1 },
      // Long enough that an attempt not cut by the timeout would succeed as attempt 2, not 3.
      { route: "webhook", kind: "slow", after: 1, count: 1, delayMs: 60_000 },
    ],
  });
  // The default 2 s: room for a loaded machine's third attempt, and 30 times shorter than the held one.
  const { opts, sleeps } = options(t, emulator.webhookUrl);
  const result = await deliverWebhook(opts);
  assert.deepEqual(result, { delivered: true, status: 204, attempts: 3, error: null }, "the slow attempt was cut at the timeout, so a third one was made");
  assert.deepEqual(sleeps, [1000, 2000]);
});

test("an endless or huge answer body costs neither time nor memory: the status is the answer, the rest is cut off", async (t) => {
  for (const fault of [{ route: "webhook", kind: "endless" }, { route: "webhook", kind: "huge", bytes: 256 * 1024 * 1024 }] satisfies FaultSpec[]) {
    const emulator = await startEmulator(t, { faults: [fault] });
    // A timeout far beyond the run: only the drain limit can end the attempt early.
    const { opts } = options(t, emulator.webhookUrl, { timeoutMs: 60_000 });
    // An endless body read to its end would last until the timeout and fail the attempt; the
    // memory a huge one costs is measured by `npm run bench:hostile` (webhook: endless body).
    const result = await deliverWebhook(opts);
    assert.deepEqual(result, { delivered: true, status: 200, attempts: 1, error: null }, fault.kind);
  }
});

test("connection refused on a closed 127.0.0.1 port is reported, not thrown, after every attempt", async (t) => {
  const port = await closedPort();
  const { opts, sleeps } = options(t, `http://127.0.0.1:${port}/hook`, { attempts: 2 });
  const result = await deliverWebhook(opts);
  assert.deepEqual(result, {
    delivered: false,
    status: null,
    attempts: 2,
    error: `POST to the webhook receiver at 127.0.0.1:${port} failed: connection refused (ECONNREFUSED) on attempt 2 of 2; gave up`,
  });
  assert.deepEqual(sleeps, [1000]);
});

test("without an injected dispatcher it uses (and closes) one of its own", async (t) => {
  const emulator = await startEmulator(t);
  const { opts } = options(t, emulator.webhookUrl);
  assert.deepEqual(await deliverWebhook({ ...opts, dispatcher: undefined }), { delivered: true, status: 204, attempts: 1, error: null });
});

test("the result is plain JSON and never holds the secret, the path, the query or credentials of the URL", async (t) => {
  const token = `query-token-${process.pid}`;
  const emulator = await startEmulator(t, { webhookStatus: 500 });
  const refused = await closedPort();
  const urls = [
    `${emulator.webhookUrl}?token=${token}`,
    // A path that is itself the secret (404 here: the emulator serves only its receiver path).
    `${emulator.url}/hooks/${token}`,
    `http://user:${token}@127.0.0.1:${refused}/hook?sig=${token}#${token}`,
  ];
  for (const url of urls) {
    const { opts } = options(t, url, { attempts: 2 });
    const result = await deliverWebhook(opts);
    assert.equal(result.delivered, false);
    assert.notEqual(result.error, null);
    const text = JSON.stringify(result);
    assert.deepEqual(JSON.parse(text), result, "plain JSON: nothing lost in a round trip");
    assert.ok(!text.includes(SECRET), text);
    assert.ok(!text.includes(token), text);
    assert.ok(!text.includes("/hook"), `no path at all, only the host: ${text}`);
    assert.match(result.error ?? "", /at 127\.0\.0\.1:\d+/, "the host names the receiver");
  }
  // The receiver did get the query: only the error text leaves it out.
  assert.ok("token" in (emulator.requests.find((r) => r.route === "webhook")?.query ?? {}));
});

test("a URL that is not http(s) or not a URL at all is reported without an attempt", async (t) => {
  for (const [url, error] of [
    ["not a url", "webhookUrl is not a valid URL; set an absolute http(s) URL"],
    ["ftp://127.0.0.1/hook", "webhookUrl must be an http(s) URL, not ftp:"],
  ]) {
    const { opts } = options(t, url);
    assert.deepEqual(await deliverWebhook(opts), { delivered: false, status: null, attempts: 0, error });
  }
});

test("through the real provider host: only the webhookUrl output holds the URL's path and query", async () => {
  const fleet = await startFleet("webhook-url-secret");
  try {
    const pathToken = `path-token-${process.pid}`;
    const queryToken = `query-token-${process.pid}`;
    // The emulator serves only /webhooks/receiver: this path answers 404, a final "not delivered".
    const webhookUrl = `${fleet.emulator.url}/hooks/${pathToken}?key=${queryToken}`;
    const outcome = await applyOne(fleet.host, "secret-url", { ...fleet.base, webhookUrl, webhookRequired: true });
    assert.equal(outcome.kind, "partial", outcome.kind === "failed" ? outcome.error.message : "");
    if (outcome.kind !== "partial") return;
    const outputs = outcome.state.outputs as { webhookUrl: string; audit: { webhook: { delivered: boolean; status: number; error: string } } };
    assert.equal(outputs.webhookUrl, webhookUrl, "the output holds the URL as given");
    assert.deepEqual([outputs.audit.webhook.delivered, outputs.audit.webhook.status], [false, 404]);
    assert.match(outputs.audit.webhook.error, new RegExp(`at ${new URL(fleet.emulator.url).host} answered 404`));
    // Everything but the webhookUrl output: the rest of the state, the error, the host's output.
    const { webhookUrl: _kept, ...rest } = outputs;
    const texts = [JSON.stringify(rest), outcome.error.message, ...fleet.host.stdout, ...fleet.host.stderr];
    assert.equal(countLeaked(texts, [pathToken, queryToken, "/hooks/"]), 0, "the URL's path or query leaked");
  } finally {
    await fleet.close();
  }
});
