/**
 * The debug log as a user gets it: CXONE_LOG=debug in the environment of Pulumi's own
 * dynamic-provider host, the host's stderr captured, an emulator fault that makes a request
 * retried. One apply must be followable end to end by its request id, and nothing secret may
 * appear.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { SEED, startEmulator, type Emulator } from "../../provider/emulator/emulator";
import { inPool, up } from "../../harness/engine";
import { countLeaked } from "../../harness/fleet";
import { HostError, makeProgramDir, ownHost, ProviderHost } from "../../harness/host";
import { compiledPackage, runProgram } from "../../harness/program";
import { VALID_INPUTS } from "../../harness/fixtures";

type Props = Record<string, unknown>;

const clientId = "debug-log-client";
const clientSecret = `debug-log-secret-${process.pid}-${Date.now()}`;
const webhookSecret = `whsec-debug-log-${process.pid}-${Date.now()}`;
// The receiver's URL carries a token in its query, as real scheduler endpoints do.
const hookToken = `hook-token-${process.pid}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let emulator: Emulator;
let host: ProviderHost;
let base: Props;
let removeProgram: () => void;

/** The host's log lines written since `from` (an index into its stderr chunks), split into fields. */
function linesSince(from: number) {
  return host.logLines(from).map((line) => ({ line, fields: fieldsOf(line) }));
}

/** logfmt fields of one line: bare or JSON-quoted values. */
function fieldsOf(line: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of line.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
    fields[match[1]] = match[2].startsWith('"') ? JSON.parse(match[2]) : match[2];
  }
  return fields;
}

/** Waits until the host's stderr holds a line matching `pattern` (stderr arrives asynchronously);
 *  fails, naming what it holds, when none comes. */
async function stderrHas(from: number, pattern: RegExp): Promise<void> {
  await host.stderrMatching(from, pattern);
}

before(async () => {
  emulator = await startEmulator({
    clients: { [clientId]: { secret: clientSecret, scopes: ["dataactions:read", "dataactions:write"] } },
    webhookSecret,
  });
  const program = makeProgramDir();
  removeProgram = program.remove;
  const { CxoneDateAction } = compiledPackage();
  const registrations = await runProgram(() => [
    new CxoneDateAction("logged", {
      ...VALID_INPUTS,
      offsetMinutes: 90,
      webhookUrl: `${emulator.webhookUrl}?token=${hookToken}`,
    }),
  ]);
  base = registrations[0].inputs;
  // Only CXONE_LOG reaches the host from the environment; the credentials come as stack config.
  host = await ProviderHost.start({ cwd: program.dir, env: { CXONE_LOG: "debug" } });
  await host.configure({ "cxone:baseUrl": emulator.url, "cxone:clientId": clientId, "cxone:clientSecret": clientSecret, "cxone:webhookSecret": webhookSecret });
});

after(async () => {
  await host?.close();
  await emulator?.close();
  removeProgram?.();
});

beforeEach(() => emulator.reset());

test("a PUT answered 429 once shows end to end: both attempts, the decision and wait, the token fetch, one request id", async () => {
  emulator.setFaults([{ route: "put", kind: "429", count: 1, retryAfterSeconds: 1 }]);
  const from = host.stderr.length;
  const { state } = await up(host, "logged", base);
  const audit = state.outputs.audit as Props;
  const requestId = audit.requestId as string;
  assert.match(requestId, UUID);
  await stderrHas(from, /event=hook .*phase=end/);
  const lines = linesSince(from);

  // One apply, one id: every line of it, the audit record and the webhook delivery agree.
  assert.ok(lines.length >= 6, lines.map((l) => l.line).join("\n"));
  for (const { line, fields } of lines) assert.equal(fields.req, requestId, line);
  assert.deepEqual(emulator.deliveries.map((d) => (d.body as { audit: Props }).audit.requestId), [requestId], "the delivery carries the audit of this apply");

  const http = lines.filter((l) => l.fields.event === "http").map((l) => l.fields);
  const puts = http.filter((f) => f.method === "PUT");
  assert.equal(puts.length, 2, "two PUT attempts");
  assert.deepEqual(
    puts.map((f) => [f.path, f.attempt, f.status, f.decision, f.delay_ms, f.reason]),
    [
      ["/api/v2/dataactions/da-000123", "1", "429", "retry", "1000", "Retry-After 1 s"],
      ["/api/v2/dataactions/da-000123", "2", "200", "final", undefined, undefined],
    ],
  );
  for (const f of http) assert.match(f.ms, /^\d+$/, "every attempt has its duration");

  // The token fetch: its POST attempt and the issue, never the token.
  const tokenPost = http.find((f) => f.method === "POST");
  assert.deepEqual([tokenPost?.path, tokenPost?.status, tokenPost?.attempt], ["/api/v2/oauth2/token", "200", "1"]);
  assert.ok(lines.some((l) => l.fields.event === "token" && l.fields.expires_in_s === "3600"), "the token fetch is logged");

  // The lookup's path is logged without its query (the name filter).
  const list = http.find((f) => f.method === "GET");
  assert.equal(list?.path, "/api/v2/dataactions");

  // The webhook attempt names the receiver's host only.
  const hook = lines.find((l) => l.fields.event === "webhook")?.fields;
  assert.deepEqual([hook?.host, hook?.status, hook?.decision], [new URL(emulator.url).host, "204", "delivered"]);

  const end = lines.find((l) => l.fields.event === "hook" && l.fields.phase === "end")?.fields;
  assert.deepEqual([end?.hook, end?.outcome, end?.action], ["create", "ok", "Production_Date_Processor"]);

  // Nothing secret: credentials, tokens, the webhook secret, the webhook URL's path and query.
  const needles = [clientSecret, webhookSecret, hookToken, "/webhooks/receiver", ...emulator.issuedTokens()];
  assert.equal(countLeaked(host.stderr, needles), 0, "a secret leaked into the host's stderr");
});

test("a webhook that keeps failing: each attempt logged by host, the give-up's reason without the URL's path or query", async () => {
  emulator.setFaults([{ route: "webhook", kind: "5xx", status: 503 }]);
  const from = host.stderr.length;
  const { state } = await up(host, "hook-down", { ...base, offsetMinutes: 75 });
  const audit = state.outputs.audit as Props;
  assert.equal(audit.status, "PARTIAL");
  await stderrHas(from, /event=hook .*phase=end/);
  const hooks = linesSince(from).filter((l) => l.fields.event === "webhook").map((l) => l.fields);
  assert.deepEqual(hooks.map((f) => [f.attempt, f.status, f.decision]), [["1", "503", "retry"], ["2", "503", "retry"], ["3", "503", "retry"], ["4", "503", "give-up"]]);
  // The delivery's own error text names the receiver's host only, never its path or query.
  assert.match(hooks[3].reason, /^POST to the webhook receiver at 127\.0\.0\.1:\d+ answered 503 on attempt 4 of 4; gave up$/);
  assert.ok(hooks.every((f) => f.req === audit.requestId));
  assert.equal(countLeaked(host.stderr, [hookToken, "/webhooks/receiver", clientSecret, webhookSecret, ...emulator.issuedTokens()]), 0);
});

test("resources applied at once by one host: each one's lines carry its own request id", async () => {
  const names = ["Production_Date_Processor", ...SEED.nearMissNames];
  const from = host.stderr.length;
  const applied = await inPool(names, names.length, (actionName, i) => up(host, `parallel-${i}`, { ...base, actionName, offsetMinutes: 10 + i }));
  await stderrHas(from, new RegExp(`(event=hook .*phase=end[^]*){${names.length}}`));
  const lines = linesSince(from);
  for (const { state } of applied) {
    const requestId = (state.outputs.audit as Props).requestId;
    const own = lines.filter((l) => l.fields.req === requestId).map((l) => l.fields);
    // Its own PUT, and no other action's.
    const puts = own.filter((f) => f.event === "http" && f.method === "PUT").map((f) => f.path);
    assert.deepEqual(puts, [`/api/v2/dataactions/${state.id}`], `${state.id}: ${JSON.stringify(own)}`);
    assert.deepEqual(own.filter((f) => f.event === "hook").map((f) => f.action), [state.outputs.actionName, state.outputs.actionName]);
  }
  assert.ok(lines.every((l) => applied.some(({ state }) => (state.outputs.audit as Props).requestId === l.fields.req)), "no line without an apply's id");
});

test("an error a hook throws carries the request id its log lines carry", async () => {
  const from = host.stderr.length;
  const error = await up(host, "missing", { ...base, actionName: "No_Such_Action" }).then(
    () => assert.fail("create of a missing action succeeded"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof HostError, String(error));
  const id = /\(request id ([0-9a-f-]{36})\)/.exec(error.message)?.[1];
  assert.ok(id !== undefined, `the error names its request id: ${error.message}`);
  assert.match(error.message, /No Data Action is named exactly "No_Such_Action"/);
  await stderrHas(from, /event=hook .*outcome=error/);
  const end = linesSince(from).find((l) => l.fields.event === "hook" && l.fields.outcome === "error")?.fields;
  assert.deepEqual([end?.req, end?.code, end?.hook], [id, "CXONE_NOT_FOUND", "create"]);
  assert.ok(linesSince(from).every((l) => l.fields.req === id), "every line of the failed apply has its id");
});

test("cxone:logLevel in stack config wins over CXONE_LOG; info leaves out the attempts that went well", async (t) => {
  const own = await ownHost(t, { "cxone:baseUrl": emulator.url, "cxone:clientId": clientId, "cxone:clientSecret": clientSecret, "cxone:logLevel": "info" }, { CXONE_LOG: "debug" });
  emulator.setFaults([{ route: "put", kind: "429", count: 1, retryAfterSeconds: 0 }]);
    const { webhookUrl: _none, ...withoutWebhook } = base;
    const { state } = await up(own, "info-level", { ...withoutWebhook, offsetMinutes: 45 });
    const requestId = (state.outputs.audit as Props).requestId;
    const lines = (await own.stderrMatching(0, /phase=end/)).split("\n").filter((l) => l.startsWith("cxone "));
    assert.ok(lines.length > 0, "info lines are written");
    assert.ok(lines.every((l) => l.includes(" level=info ") && l.includes(` req=${requestId} `)), lines.join("\n"));
    assert.deepEqual(
      lines.map((l) => fieldsOf(l)).map((f) => [f.event, f.method ?? f.hook, f.status ?? f.outcome]),
      [
        ["token", undefined, undefined],
        ["http", "PUT", "429"],
        ["hook", "create", "ok"],
      ],
    );
});

test("an unknown cxone:logLevel fails the first call (preview's check) naming the setting and its values", async (t) => {
  const own = await ownHost(t, { "cxone:baseUrl": emulator.url, "cxone:logLevel": "verbose" });
  await assert.rejects(own.check("bad-level", {}, base), (e: unknown) => e instanceof HostError && /cxone:logLevel .*"verbose".*off, info, debug/.test(e.message));
});
