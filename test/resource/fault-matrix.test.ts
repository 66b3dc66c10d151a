/**
 * The fault matrix: 20 resources (the seeded Action_0001..Action_0020) applied through ONE
 * dynamic-provider host over gRPC, 10 at a time like `pulumi up --parallel 10`, while the
 * emulator injects one kind of trouble per case. Every case asserts the same invariants:
 *
 * - every resource converges (audit SUCCESS, or PARTIAL with the value applied when the webhook
 *   is down) or fails with an error that names the method and path and says what to do;
 * - no key we do not own is lost, in any action (the 20 carry foreign keys at the top level,
 *   in `configuration` and inside `dateProcessing`), and actions we do not manage are untouched;
 * - each converged action was written exactly once (its version moved by one);
 * - the audit records count the retries and match, request for request, what the emulator saw;
 * - nothing is left applied without being recorded: every action whose live owned part changed
 *   has a recorded state (success or partial failure) whose `applied` is the live value.
 *
 * Delays are real here (the host runs the provider's own clock), so Retry-After stays at 1 s,
 * fault counts stay small, and slow responses stay far below the provider's request timeout.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { isDeepStrictEqual } from "node:util";
import { DEFAULTS } from "../../provider/shared/defaults";
import { SEED, type FaultSpec, type RecordedRequest } from "../../provider/emulator/emulator";
import type { DataAction } from "../../provider/shared/types";
import { inPool, type ResourceState } from "../../harness/engine";
import {
  applyOne,
  countLeaked,
  onArrival,
  requestsFor,
  restoreStore,
  snapshotStore,
  startFleet,
  type Fleet,
  type Outcome,
} from "../../harness/fleet";

type Props = Record<string, unknown>;

interface Audit {
  status: "SUCCESS" | "PARTIAL";
  actionId: string;
  httpRequests: number;
  retries: number;
  latencyMs: number;
  putSkipped: boolean;
  webhook: { delivered: boolean; status: number | null; attempts: number; error: string | null };
}

const PARALLEL = 10; // resources in flight at once, like `pulumi up --parallel 10`
const ZONES = ["America/New_York", "Europe/London", "Asia/Tokyo", "Australia/Sydney"];
const OWNED_DATE_KEYS = new Set(["sourceField", "targetField", "computedValue", "timezone", "dstAdjustment", "precision"]);
// Node timers may fire a millisecond early; the emulator and the host read the same system clock.
const TIMER_SLACK_MS = 5;
// Far below DEFAULTS.requestTimeoutMs (15 s): a held response the provider must wait for, not a timeout.
const SLOW_MS = 150;

const TARGETS = Array.from({ length: 20 }, (_, i) => ({
  id: `da-${100001 + i}`,
  name: `Action_${String(i + 1).padStart(4, "0")}`,
}));
const TARGET_IDS = new Set(TARGETS.map((t) => t.id));

let fleet: Fleet;
let snapshot: Map<string, DataAction>; // the store every case starts from
const seen: string[] = []; // every state and error text, scanned for secrets at the end

// Registered at the top level: an `after` called inside a hook belongs to that hook and would run as it ends.
after(() => fleet?.close());

before(async () => {
  // The debug log on: every attempt, retry and failure of the matrix is written, and scanned for secrets at the end.
  fleet = await startFleet("fault-matrix", { CXONE_LOG: "debug" });
  const { emulator } = fleet;
  assert.ok(SEED.generatedCount >= TARGETS.length);
  // Keys this provider does not own, everywhere they can be: each must survive every case.
  for (const [i, t] of TARGETS.entries()) {
    const action = emulator.store.get(t.id) as DataAction;
    assert.equal(action.name, t.name, "the seeded generated actions are the targets");
    action.owner = `team-${i % 3}`;
    action.configuration.routing = { queue: `queue-${i}`, retry: { max: i % 4, backoff: "PT5S" }, tags: ["eod", `t${i}`] };
    action.configuration.anyOtherKey = `owned by someone else #${i}`;
    (action.configuration.dateProcessing as Props).legacyPattern = "yyyy-MM-dd'T'HH:mm:ss";
  }
  snapshot = snapshotStore(emulator);
  // One apply before the matrix, so the host has loaded the provider and holds a token: a fault
  // on "any" route then meets API calls, as it would in the middle of a deployment.
  const warm = await applyOne(fleet.host, "warm-up", { ...fleet.base, actionName: SEED.targetName, offsetMinutes: 1 });
  assert.equal(warm.kind, "ok", warm.kind === "failed" ? warm.error.message : "");
});

interface CaseSpec {
  label: string;
  salt: number; // makes this case's values differ from the seed's and from every other case's
  faults: FaultSpec[];
  arrival?: (request: RecordedRequest) => void; // a concurrent writer, run as each request arrives
  webhook?: boolean; // every resource notifies the receiver; every other pair requires delivery
  targets?: typeof TARGETS;
  failing?: string[]; // names that must fail (with a clear error) rather than converge
  partialAllowed?: boolean; // a partial failure (state recorded) counts as converged too
  retries?: boolean; // whether the faults make the CXone client retry (default true)
}

interface CaseResult {
  outcomes: Map<string, Outcome>;
  states: ResourceState[]; // recorded: success and partial-failure states
  requests: RecordedRequest[];
}

/** The expected store, edited alongside the emulator's by a case's concurrent writer. */
let expected: Map<string, DataAction>;

function liveAction(id: string): DataAction {
  return structuredClone(fleet.emulator.store.get(id) as DataAction);
}

/** What state records of an action: the owned dateProcessing keys, by name, and enabled. */
function owned(action: DataAction) {
  const processing = action.configuration.dateProcessing;
  const kept = processing === undefined || processing === null ? null : Object.fromEntries(Object.entries(processing).filter(([key]) => OWNED_DATE_KEYS.has(key)));
  return { dateProcessing: kept, enabled: action.enabled };
}

/** Everything in an action that this provider does not own. */
function foreign(action: DataAction) {
  const { version: _version, enabled: _enabled, configuration, ...top } = action;
  const { dateProcessing, ...others } = configuration;
  // The ownership record (managedBy) is ours too: written with every apply.
  const insideDate = Object.fromEntries(Object.entries(dateProcessing ?? {}).filter(([key]) => !OWNED_DATE_KEYS.has(key) && key !== "managedBy"));
  return { top, others, insideDate };
}

function newsFor(spec: CaseSpec, i: number): Props {
  const t = TARGETS[i];
  return {
    ...fleet.base,
    actionName: t.name,
    // Half are pinned by id (create GETs the action), half are found by name (create lists).
    ...(i % 2 === 0 ? { actionId: t.id } : {}),
    targetTimezone: ZONES[i % ZONES.length],
    offsetMinutes: spec.salt * 100 + i + 1,
    ...(spec.webhook ? { webhookUrl: fleet.emulator.webhookUrl, webhookRequired: i % 4 >= 2 } : {}),
  };
}

function requiresWebhook(spec: CaseSpec, i: number): boolean {
  return spec.webhook === true && i % 4 >= 2;
}

function auditOf(state: ResourceState): Audit {
  return state.outputs.audit as Audit;
}

/** The next request for the same resource on the same route: the retry of `request`. */
function retryOf(requests: RecordedRequest[], request: RecordedRequest): RecordedRequest | undefined {
  return requests.find(
    (r) => r.seq > request.seq && r.route === request.route && r.path === request.path && r.query.filter === request.query.filter,
  );
}

async function runCase(spec: CaseSpec): Promise<CaseResult> {
  const { emulator, host } = fleet;
  const targets = spec.targets ?? TARGETS;
  restoreStore(emulator, snapshot);
  expected = snapshotStore(emulator);
  emulator.reset();
  emulator.setFaults(spec.faults);
  const removeHook = spec.arrival ? onArrival(emulator, spec.arrival) : () => undefined;
  let list: Outcome[];
  try {
    list = await inPool(targets, PARALLEL, (t) => applyOne(host, `${spec.label}-${t.name}`, newsFor(spec, TARGETS.indexOf(t))));
  } finally {
    removeHook();
    emulator.setFaults([]);
  }
  const outcomes = new Map(list.map((o, i) => [targets[i].name, o]));
  for (const o of list) seen.push(o.kind === "ok" ? JSON.stringify(o.state) : o.error.message, o.kind === "partial" ? JSON.stringify(o.state) : "");
  const states = list.flatMap((o) => (o.kind === "failed" ? [] : [o.state]));
  const failing = new Set(spec.failing ?? []);

  // Nothing applied without being recorded.
  for (const t of targets) {
    const live = liveAction(t.id);
    const before = expected.get(t.id) as DataAction;
    if (isDeepStrictEqual(owned(live), owned(before))) continue;
    const recorded = states.filter((s) => s.id === t.id);
    assert.ok(
      recorded.some((s) => isDeepStrictEqual(s.outputs.applied, owned(live))),
      `${t.name}: CXone holds a dateProcessing/enabled that no recorded state (success or partial failure) holds`,
    );
  }

  // Converged, or failed with a clear error; the failures are exactly the expected ones.
  for (const t of targets) {
    const i = TARGETS.indexOf(t);
    const o = outcomes.get(t.name) as Outcome;
    if (failing.has(t.name)) {
      assert.equal(o.kind, "failed", `${t.name} was expected to fail`);
      continue;
    }
    const want = requiresWebhook(spec, i) ? ["partial"] : spec.partialAllowed ? ["ok", "partial"] : ["ok"];
    assert.ok(want.includes(o.kind), `${t.name} ended ${o.kind}: ${o.kind === "failed" ? o.error.message : ""}`);
  }
  for (const o of list) {
    if (o.kind !== "failed") continue;
    assert.match(o.error.message, /\b(GET|PUT|POST) \/api\/v2\/\S+/, `${o.name}: the error names the method and path`);
    assert.match(o.error.message, /pulumi (up|refresh)/, `${o.name}: the error says what to do`);
  }

  // Every recorded state holds what CXone holds, the requested value, and an honest audit.
  for (const state of states) {
    const t = TARGETS.find((x) => x.id === state.id);
    assert.ok(t, `state id ${state.id} is one of the targets`);
    const audit = auditOf(state);
    const live = liveAction(t.id);
    assert.equal(state.outputs.actionId, t.id);
    assert.equal(audit.actionId, t.id);
    if (spec.webhook) assert.equal(audit.status, "PARTIAL", `${t.name}: audit.status`);
    else if (!spec.partialAllowed) assert.equal(audit.status, "SUCCESS", `${t.name}: audit.status`);
    assert.deepEqual(state.outputs.applied, owned(live), `${t.name}: the recorded applied value is the live one`);
    assert.equal(live.configuration.dateProcessing?.computedValue, state.outputs.computedValue, `${t.name}: CXone holds the requested value`);
    assert.equal(live.enabled, true);
    assert.equal(live.version, (expected.get(t.id)?.version ?? 0) + 1, `${t.name}: written exactly once`);
    assert.equal(audit.putSkipped, false, `${t.name}: our PUT landed, so the audit must not say it was skipped`);
    const mine = requestsFor(emulator, t);
    assert.equal(audit.httpRequests, mine.length, `${t.name}: audit.httpRequests equals the requests the emulator saw for it`);
    // Each 401, 429, 5xx or dropped answer is repeated once by the client: a retry the audit counts.
    const repeated = mine.filter((r) => r.fault === "drop" || [401, 429, 500, 502, 503, 504].includes(r.status)).length;
    assert.ok(audit.retries >= repeated, `${t.name}: audit.retries ${audit.retries} counts its ${repeated} failed attempts`);
  }

  // No key we do not own is lost; actions we do not manage are untouched.
  for (const [id, before] of expected) {
    const now = emulator.store.get(id);
    assert.ok(now, `${id} still exists`);
    if (TARGET_IDS.has(id)) assert.deepEqual(foreign(now), foreign(before), `${id}: every key we do not own survives`);
    else assert.deepEqual(now, before, `${id} is not managed here and is untouched`);
  }

  // The faults did fire, and the audits count the retries they caused.
  for (const fault of spec.faults) {
    const hit = emulator.requests.some((r) => r.fault === fault.kind && (fault.route === "any" || r.route === fault.route));
    assert.ok(hit, `fault ${fault.route}:${fault.kind} was injected`);
  }
  const retries = states.reduce((sum, s) => sum + auditOf(s).retries, 0);
  if (spec.retries !== false) assert.ok(retries > 0, `the audits count the retries (sum ${retries})`);
  return { outcomes, states, requests: [...emulator.requests] };
}

describe("fault matrix: 20 resources through one host, 10 at a time", () => {
  test("slow responses are waited for, not retried or duplicated", async () => {
    const delayed = (route: "list" | "get" | "put", count: number): FaultSpec => ({ route, kind: "slow", count, delayMs: SLOW_MS });
    const { states, requests } = await runCase({
      label: "slow",
      salt: 1,
      faults: [delayed("list", 3), delayed("get", 3), delayed("put", 4)],
      retries: false,
    });
    for (const state of states) {
      assert.equal(auditOf(state).retries, 0, "an answer within requestTimeoutMs is not a failure");
      const t = TARGETS.find((x) => x.id === state.id) as (typeof TARGETS)[number];
      const mine = requestsFor(fleet.emulator, t);
      assert.equal(mine.length, 2, `${t.name}: one lookup or read, one PUT`);
      if (mine.some((r) => r.fault === "slow")) assert.ok(auditOf(state).latencyMs >= SLOW_MS, `${t.name}: latency includes the held answer`);
    }
    assert.equal(requests.filter((r) => r.fault === "slow").length, 10);
  });

  test("dropped connections are retried; a PUT applied before its answer was cut is not written twice", async () => {
    const { requests } = await runCase({
      label: "drop",
      salt: 2,
      faults: [
        { route: "list", kind: "drop", count: 2 },
        { route: "get", kind: "drop", count: 2 },
        { route: "put", kind: "drop", count: 3 },
      ],
    });
    // The server applied each dropped PUT; the retry met our own write as a stale version.
    const droppedPuts = requests.filter((r) => r.route === "put" && r.fault === "drop");
    assert.equal(droppedPuts.length, 3, "the three PUT drops happened");
    for (const dropped of droppedPuts) {
      assert.equal(retryOf(requests, dropped)?.status, 409, `${dropped.path}: the repeated PUT found the write already applied`);
    }
  });

  test("5xx bursts on every route are retried", async () => {
    const { requests } = await runCase({
      label: "5xx",
      salt: 3,
      faults: [
        { route: "any", kind: "5xx", status: 503, count: 3 },
        { route: "list", kind: "5xx", status: 500, after: 2, count: 2 },
        { route: "get", kind: "5xx", status: 504, after: 1, count: 2 },
        { route: "put", kind: "5xx", status: 502, after: 3, count: 3 },
      ],
    });
    const statuses = new Set(requests.map((r) => r.status));
    for (const status of [500, 502, 503, 504]) assert.ok(statuses.has(status), `a ${status} was answered`);
  });

  test("token revocation mid-run: one new token, every 401 repeated once", async () => {
    const issuedBefore = fleet.emulator.tokensIssued();
    const { states, requests } = await runCase({
      label: "revoke",
      salt: 4,
      faults: [
        { route: "put", kind: "revoke", after: 3, count: 1 },
        { route: "token", kind: "5xx", status: 503, count: 1 },
      ],
    });
    const unauthorized = requests.filter((r) => r.status === 401);
    assert.ok(unauthorized.length > 0, "calls in flight with the revoked token were refused");
    const tokenRequests = requests.filter((r) => r.route === "token");
    assert.deepEqual(tokenRequests.map((r) => r.status), [503, 200], "the token request was retried once, then shared by every call");
    assert.equal(fleet.emulator.tokensIssued(), issuedBefore + 1);
    for (const refused of unauthorized) {
      const t = TARGETS.find((x) => refused.path.endsWith(x.id) || refused.query.filter === `name=${x.name}`);
      const state = states.find((s) => s.id === t?.id);
      assert.ok(state && auditOf(state).retries >= 1, `${refused.path}: the repeat after the 401 is counted as a retry`);
    }
  });

  test("409 races with a concurrent writer: re-read, re-merge, bounded", async () => {
    const byPath = new Map(TARGETS.map((t) => [`/api/v2/dataactions/${t.id}`, t]));
    const relentless = new Set([TARGETS[18].name, TARGETS[19].name]); // one pinned by id, one found by name
    const twice = new Set([TARGETS[4].name, TARGETS[5].name]);
    const writes = new Map<string, number>();
    // The other writer changes the action between our read and our PUT: as our PUT arrives, before
    // the emulator compares versions. It bumps the version and edits keys we do not own, which
    // our re-merge must keep.
    const compete = (action: DataAction, n: number): DataAction => {
      const next = structuredClone(action);
      next.version = (next.version ?? 0) + 1;
      next.configuration.competitor = { writes: n };
      (next.configuration.dateProcessing as Props).legacyPattern = `competitor-${n}`;
      return next;
    };
    const { outcomes, states, requests } = await runCase({
      label: "conflict",
      salt: 5,
      faults: [],
      failing: [...relentless],
      arrival: (request) => {
        const t = request.route === "put" ? byPath.get(request.path) : undefined;
        if (t === undefined) return;
        const n = (writes.get(t.name) ?? 0) + 1;
        if (n > (relentless.has(t.name) ? Infinity : twice.has(t.name) ? 2 : 1)) return;
        writes.set(t.name, n);
        fleet.emulator.store.set(t.id, compete(fleet.emulator.store.get(t.id) as DataAction, n));
        expected.set(t.id, compete(expected.get(t.id) as DataAction, n));
      },
    });
    for (const name of relentless) {
      const o = outcomes.get(name) as Outcome;
      assert.ok(o.kind === "failed");
      const t = TARGETS.find((x) => x.name === name) as (typeof TARGETS)[number];
      assert.match(o.error.message, new RegExp(`PUT /api/v2/dataactions/${t.id}\\b.*409`), "the error names the PUT and the 409");
      const puts = requests.filter((r) => r.route === "put" && r.path.endsWith(t.id));
      assert.equal(puts.length, 1 + DEFAULTS.conflictRetries, `${name}: the read-merge-PUT rounds are bounded`);
    }
    for (const name of twice) {
      const t = TARGETS.find((x) => x.name === name) as (typeof TARGETS)[number];
      const puts = requests.filter((r) => r.route === "put" && r.path.endsWith(t.id));
      assert.deepEqual(puts.map((r) => r.status), [409, 409, 200], `${name}: two lost races, then our merge on top of the winner`);
    }
    // Each lost race costs one more read-merge-PUT round: a retry of the write, in the audit.
    for (const state of states) {
      const conflicts = requests.filter((r) => r.route === "put" && r.path.endsWith(state.id) && r.status === 409).length;
      assert.equal(auditOf(state).retries, conflicts, `${state.id}: audit.retries counts its ${conflicts} read-merge-PUT round(s) after a 409`);
    }
  });

  test("webhook down: every value applied and recorded as PARTIAL; required deliveries fail partially", async () => {
    const { outcomes, states, requests } = await runCase({
      label: "webhook",
      salt: 6,
      faults: [{ route: "webhook", kind: "5xx", status: 503 }],
      webhook: true,
      retries: false, // CXone answered; only the receiver failed
    });
    for (const state of states) {
      const { webhook } = auditOf(state);
      assert.equal(webhook.delivered, false);
      assert.equal(webhook.attempts, DEFAULTS.webhookAttempts, "every delivery attempt was used");
    }
    const attempts = states.reduce((sum, s) => sum + auditOf(s).webhook.attempts, 0);
    assert.equal(requests.filter((r) => r.route === "webhook").length, attempts, "audit.webhook.attempts counts what the receiver saw");
    for (const o of outcomes.values()) {
      if (o.kind !== "partial") continue;
      assert.match(o.error.message, /webhook/);
      assert.match(o.error.message, new RegExp(`${o.state.id}.*pulumi up`), "the partial failure names the action and what to do");
    }
  });

  test("a PUT applied by the server whose every answer is cut is still recorded", async () => {
    // Every PUT attempt is dropped: the first lands, the repeats meet a stale version, and the
    // provider never sees an answer. CXone now holds the new value, so state must record it
    // (a success after reading it back, or a partial failure) rather than forget it.
    const { requests } = await runCase({
      label: "drop-all",
      salt: 10,
      targets: [TARGETS[0]],
      faults: [{ route: "put", kind: "drop" }],
      partialAllowed: true,
    });
    const puts = requests.filter((r) => r.route === "put");
    assert.ok(puts.length >= 2 && puts.every((r) => r.fault === "drop"), "every PUT answer was cut");
    assert.equal(puts[0].status, 200, "the first PUT was applied before its answer was cut");
  });

  test("429 in all three forms (Retry-After seconds, HTTP-date, none): each honoured before the retry", async () => {
    // After a 429 the shared limiter paces the whole tenant at the rate it learned (by design),
    // which would cost seconds if the 429s came first. So each form hits the last request of
    // its route in this run: the 10th lookup, the 10th read, the 20th PUT; one route per form,
    // so every 429 is attributable to its form.
    const { requests } = await runCase({
      label: "429",
      salt: 7,
      faults: [
        { route: "list", kind: "429", after: 9, count: 1, retryAfter: "seconds", retryAfterSeconds: 1 },
        { route: "get", kind: "429", after: 9, count: 1, retryAfter: "http-date", retryAfterSeconds: 1 },
        { route: "put", kind: "429", after: 19, count: 1, retryAfter: "none" },
      ],
    });
    const earliest: Record<string, (r: RecordedRequest) => number> = {
      list: (r) => r.startedAt + 1000, // Retry-After: 1
      get: (r) => Math.ceil((r.startedAt + 1000) / 1000) * 1000, // the emulator names the next whole second at least 1 s ahead
      put: (r) => r.startedAt + DEFAULTS.throttlePauseMs, // no Retry-After: the limiter pauses every caller this long
    };
    const throttled = requests.filter((r) => r.status === 429);
    assert.deepEqual(throttled.map((r) => r.route).sort(), ["get", "list", "put"]);
    for (const r of throttled) {
      const retry = retryOf(requests, r);
      assert.ok(retry, `${r.method} ${r.path} was retried after its 429`);
      assert.equal(retry.status, 200);
      assert.ok(
        retry.startedAt >= earliest[r.route](r) - TIMER_SLACK_MS,
        `${r.route}: retried ${retry.startedAt - r.startedAt} ms after its 429, earlier than the wait it was asked for`,
      );
    }
  });

  // Runs last in this describe, on what every case of the matrix above recorded (node:test runs a
  // file's tests in order): the count below fails it if they recorded nothing.
  test("across every case of the matrix above: no client secret, webhook secret or token in any state, error or debug log line", () => {
    const tokens = fleet.emulator.issuedTokens();
    assert.ok(tokens.length > 1, "several tokens were issued (revocation)");
    assert.ok(seen.filter((text) => text !== "").length >= 20, `the matrix recorded its states and errors (${seen.length})`);
    const logged = fleet.host.logLines();
    // The log of a retried attempt and of a failed hook are what would quote a header or a URL back.
    assert.ok(
      logged.some((line) => / event=http .*decision=retry/.test(line)) && logged.some((line) => / event=hook .*outcome=error .*error=/.test(line)),
      `the debug log wrote the matrix's retried attempts and failed hooks with their errors (${logged.length} lines)`,
    );
    const texts = [...seen, ...fleet.host.stdout, ...fleet.host.stderr];
    assert.equal(countLeaked(texts, [fleet.clientSecret, fleet.webhookSecret, ...tokens]), 0, "a secret leaked");
  });
});
