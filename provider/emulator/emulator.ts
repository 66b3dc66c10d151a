/**
 * A CXone Data Action API emulator on node:http, serving /work/shared/cxone-api.md:
 * OAuth client credentials, the paged loosely-filtered list, GET/PUT of one action,
 * plus a Standard Webhooks receiver. Faults and throttling come from ./faults.
 * Loopback only, in memory, and every request is recorded without token or secret text.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import * as http from "node:http";
import { DEFAULTS } from "../shared/defaults";
import { ConfigError } from "../shared/errors";
import {
  FaultPlan,
  TokenBucket,
  retryAfterValue,
  validateThrottleSpec,
  type ConcreteRoute,
  type FaultRoute,
  type FaultSpec,
  type RetryAfterForm,
  type ThrottleSpec,
} from "./faults";
import type { DataAction } from "../shared/types";
import { signWebhook } from "../resource/webhook";

export type { FaultRoute, FaultSpec, ThrottleSpec } from "./faults";

export const EMULATOR_CLIENT_ID = "emulator-client";
export const EMULATOR_CLIENT_SECRET = "emulator-secret";
export const SCOPE_READ = "dataactions:read";
export const SCOPE_WRITE = "dataactions:write";

const HOST = "127.0.0.1";
const ACTIONS_PATH = "/api/v2/dataactions";
const WEBHOOK_PATH = "/webhooks/receiver";
const REDACTED = "[redacted]";

export interface EmulatorClient {
  secret: string;
  scopes: string[]; // "dataactions:read", "dataactions:write"
}

export interface EmulatorOptions {
  port?: number; // default 0 (ephemeral); host is always 127.0.0.1
  seed?: DataAction[] | string; // entities, or a path to a JSON file holding an array of them; default: defaultSeed()
  clients?: Record<string, EmulatorClient>; // default { "emulator-client": { secret: "emulator-secret", scopes: [read, write] } }
  tokenTtlSeconds?: number; // default DEFAULTS.emulatorTokenTtlS, sent as expires_in
  faults?: FaultSpec[];
  randomSeed?: number; // seeds probability faults; default 1
  throttle?: ThrottleSpec; // token bucket over the API routes (token route included, webhook receiver excluded)
  webhookSecret?: string; // the receiver verifies webhook-signature with it when set
  webhookStatus?: number; // receiver answers this status (default DEFAULTS.emulatorWebhookStatus)
  log?: (line: string) => void; // request log lines (never a secret or token)
  now?: () => number; // ms since the epoch; drives token expiry, the throttle's refill and Retry-After dates
}

export interface RecordedRequest {
  seq: number;
  method: string;
  route: FaultRoute | "other";
  path: string;
  query: Record<string, string>;
  status: number; // 0 while the response is pending, or when the request never got one
  tokenSeq?: number; // API routes: the token presented (when known); token route: the token issued
  body?: unknown;
  startedAt: number;
  endedAt: number;
  fault?: string; // "throttle", or the FaultSpec kind that hit this request
}

export interface WebhookDelivery {
  id: string;
  timestamp: string;
  signatureValid: boolean | null; // null: no webhookSecret configured
  body: unknown;
  status: number;
  duplicate: boolean; // an earlier delivery carried the same webhook-id
}

export interface Emulator {
  url: string; // http://127.0.0.1:PORT
  tokenUrl: string; // url + DEFAULTS.tokenPath
  webhookUrl: string; // url + "/webhooks/receiver"
  requests: RecordedRequest[]; // every request, in arrival order
  deliveries: WebhookDelivery[];
  store: Map<string, DataAction>; // live, mutable (tests edit it to simulate out-of-band changes)
  revokeTokens(): void; // every issued token becomes invalid (401)
  setFaults(faults: FaultSpec[]): void; // replaces the faults and restarts their counters and random sequence
  setThrottle(t: ThrottleSpec | undefined): void; // a new, full bucket; undefined removes the throttle
  tokensIssued(): number;
  issuedTokens(): string[]; // the token texts, revoked ones included, so tests can prove none leaked
  reset(): void; // clear requests and deliveries
  close(): Promise<void>; // closes the server and every open socket, idle keep-alive ones included
}

/** Facts about defaultSeed(), so tests name them instead of repeating literals. */
export const SEED = {
  targetId: "da-000123",
  targetName: "Production_Date_Processor",
  nearMissNames: ["production_date_processor", "Production_Date_Processor_v2", "Staging_Date_Processor"],
  duplicateName: "Duplicate_Name",
  duplicateIds: ["da-000201", "da-000202"],
  unversionedId: "da-000301", // an action without `version`
  unconfiguredId: "da-000302", // an action without `configuration.dateProcessing`
  generatedCount: 230, // Action_0001 ... Action_0230, ids da-100001 ... da-100230
  lastPageName: "Action", // its filter matches every generated action too, and its id sorts after them all
  lastPageId: "da-999999",
} as const;

function dateProcessing(computedValue: string, timezone: string) {
  return {
    sourceField: "input_datetime",
    targetField: "processed_datetime",
    computedValue,
    timezone,
    dstAdjustment: true,
    precision: 3,
  };
}

export function defaultSeed(): DataAction[] {
  const action = (id: string, name: string, extra: Partial<DataAction> = {}): DataAction => ({
    id,
    name,
    type: "DATE_PROCESSOR",
    enabled: true,
    version: 1,
    configuration: { dateProcessing: dateProcessing("2024-01-15T09:00:00.000Z", "UTC") },
    ...extra,
  });
  const zones = ["UTC", "Europe/London", "Asia/Tokyo", "America/Chicago"];
  const generated = Array.from({ length: SEED.generatedCount }, (_, i) => {
    const n = i + 1;
    return action(`da-${100000 + n}`, `Action_${String(n).padStart(4, "0")}`, {
      enabled: n % 10 !== 0,
      version: (n % 5) + 1,
      configuration: {
        dateProcessing: dateProcessing(new Date(Date.UTC(2024, 0, 1, n)).toISOString(), zones[n % zones.length]),
      },
    });
  });
  const unversioned = action(SEED.unversionedId, "Unversioned_Date_Processor");
  delete unversioned.version;
  return [
    action(SEED.targetId, SEED.targetName, {
      version: 7,
      configuration: {
        dateProcessing: dateProcessing("2024-02-29T12:30:00.000-05:00", "America/New_York"),
        anyOtherKey: "owned by someone else; must survive every PUT untouched",
        routing: { queue: "billing", retry: { max: 3, backoff: "PT5S" }, tags: ["finance", "eod"] },
      },
    }),
    action("da-000124", SEED.nearMissNames[0], { version: 3 }),
    action("da-000125", SEED.nearMissNames[1], { version: 2 }),
    action("da-000126", SEED.nearMissNames[2], { enabled: false }),
    action(SEED.duplicateIds[0], SEED.duplicateName),
    action(SEED.duplicateIds[1], SEED.duplicateName, { version: 4 }),
    unversioned,
    action(SEED.unconfiguredId, "Unconfigured_Action", { configuration: { webhookTemplate: "none" } }),
    ...generated,
    action(SEED.lastPageId, SEED.lastPageName, { version: 12 }),
  ];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkSeed(entities: unknown, source: string): DataAction[] {
  if (!Array.isArray(entities)) throw new ConfigError(`emulator seed ${source}: expected a JSON array of Data Actions`);
  const ids = new Set<string>();
  entities.forEach((e: unknown, i) => {
    if (!isRecord(e) || typeof e.id !== "string" || e.id === "" || typeof e.name !== "string" ||
        typeof e.enabled !== "boolean" || !isRecord(e.configuration)) {
      throw new ConfigError(
        `emulator seed ${source}: entity ${i} needs a non-empty string id, a string name, a boolean enabled and an object configuration`,
      );
    }
    if (ids.has(e.id)) throw new ConfigError(`emulator seed ${source}: id ${e.id} appears twice; ids must be unique`);
    ids.add(e.id);
  });
  // A copy, so the caller's array is never edited by PUTs.
  return structuredClone(entities as DataAction[]);
}

async function loadSeed(seed: EmulatorOptions["seed"]): Promise<DataAction[]> {
  if (seed === undefined) return defaultSeed();
  if (Array.isArray(seed)) return checkSeed(seed, "(array)");
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(seed, "utf8"));
  } catch (cause) {
    throw new ConfigError(`emulator seed file ${seed} could not be read as JSON: ${(cause as Error).message}`);
  }
  return checkSeed(parsed, `file ${seed}`);
}

/** Keys that may carry credentials are replaced, so records and logs never hold them. */
function redact(fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = /secret|token|password/i.test(key) ? REDACTED : value;
  return out;
}

/** Constant-time comparison of two strings of any lengths (hashing equalises the lengths). */
function sameText(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

const IANA_OFFSET = /^[+-]/;
function isIanaZone(zone: string): boolean {
  // Newer V8 accepts offset strings such as "+05:00" as time zones; they are not IANA names.
  if (zone === "" || IANA_OFFSET.test(zone)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-](\d{2}):(\d{2}))$/;
/** The reason a computedValue is invalid, or undefined. Date.parse alone accepts Feb 30. */
function timestampProblem(value: string): string | undefined {
  const m = TIMESTAMP.exec(value);
  if (!m) return `computedValue "${value}" is not an ISO 8601 timestamp with an offset (Z or ±hh:mm)`;
  const [, y, mo, d, h, mi, s, fraction, , oh, om] = m;
  if (fraction !== undefined && fraction.length > 3) {
    return `computedValue "${value}" has ${fraction.length} fractional digits; at most 3 are allowed`;
  }
  const date = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s));
  const exists = date.getUTCFullYear() === +y && date.getUTCMonth() === +mo - 1 && date.getUTCDate() === +d &&
    date.getUTCHours() === +h && date.getUTCMinutes() === +mi && date.getUTCSeconds() === +s;
  if (!exists || (oh !== undefined && (+oh > 23 || +om > 59))) return `computedValue "${value}" is not a valid date and time`;
  return undefined;
}

function dateProcessingProblem(dp: unknown): string | undefined {
  if (!isRecord(dp)) return "configuration.dateProcessing must be an object";
  for (const key of ["sourceField", "targetField", "computedValue", "timezone"]) {
    if (typeof dp[key] !== "string") return `configuration.dateProcessing.${key} must be a string`;
  }
  if (typeof dp.dstAdjustment !== "boolean") return "configuration.dateProcessing.dstAdjustment must be a boolean";
  const p = dp.precision;
  if (!(typeof p === "number" && Number.isInteger(p) && p >= 0 && p <= 3)) {
    return "configuration.dateProcessing.precision must be an integer from 0 to 3";
  }
  if (!isIanaZone(dp.timezone as string)) return `configuration.dateProcessing.timezone "${dp.timezone}" is not an IANA time zone`;
  return timestampProblem(dp.computedValue as string);
}

/** Why `body` cannot replace `stored` at `id`, or undefined when it can. */
function replacementProblem(id: string, stored: DataAction, body: unknown): string | undefined {
  if (!isRecord(body)) return "the body must be a JSON object holding the whole Data Action";
  if (body.id !== id) return `id ${JSON.stringify(body.id)} in the body does not match the path id "${id}"`;
  if (body.name !== stored.name) return `name ${JSON.stringify(body.name)} in the body does not match the action's name "${stored.name}"`;
  if (stored.type !== undefined && body.type !== stored.type) {
    return `type ${JSON.stringify(body.type)} in the body does not match the action's type "${stored.type}"`;
  }
  if (typeof body.enabled !== "boolean") return "enabled must be a boolean";
  const v = body.version;
  if (v !== undefined && !(typeof v === "number" && Number.isInteger(v) && v >= 0)) return "version must be a non-negative integer";
  if (!isRecord(body.configuration)) return "configuration must be an object";
  const dp = body.configuration.dateProcessing;
  return dp === undefined ? undefined : dateProcessingProblem(dp);
}

/** Standard Webhooks: any space-separated `v1,<base64>` entry equal to the expected HMAC. */
function signatureMatches(secret: string, id: string, timestamp: string, body: Buffer, header: string): boolean {
  // The sender's own signing (whsec_ secrets are base64 keys), so both ends agree by construction.
  const expected = Buffer.from(signWebhook(secret, id, timestamp, body.toString("utf8")).slice("v1,".length));
  return header.split(" ").some((entry) => {
    const [version, signature] = entry.split(",", 2);
    const given = Buffer.from(signature ?? "");
    // Compare the base64 text itself: decoding first would let non-base64 junk through.
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

function classify(method: string, path: string): ConcreteRoute | "other" {
  if (path === DEFAULTS.tokenPath) return method === "POST" ? "token" : "other";
  if (path === ACTIONS_PATH) return method === "GET" ? "list" : "other";
  if (path === WEBHOOK_PATH) return method === "POST" ? "webhook" : "other";
  if (path.startsWith(`${ACTIONS_PATH}/`) && !path.slice(ACTIONS_PATH.length + 1).includes("/")) {
    return method === "GET" ? "get" : method === "PUT" ? "put" : "other";
  }
  return "other";
}

/** A path some method serves: asking it with another method is a 405, not a 404. */
function knownPath(path: string): boolean {
  return ["GET", "PUT", "POST"].some((method) => classify(method, path) !== "other");
}

function headerValue(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The parsed body, or its text when it is not JSON (so the record still shows what was sent). */
function parseJson(raw: Buffer): { body: unknown; parsed: boolean } {
  const text = raw.toString("utf8");
  try {
    return { body: JSON.parse(text), parsed: true };
  } catch {
    return { body: text, parsed: false };
  }
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const message = (status: number, text: string, headers?: Record<string, string>): Reply => ({
  status,
  body: { message: text },
  headers,
});
const oauthError = (status: number, error: string, description: string): Reply => ({
  status,
  body: { error, error_description: description },
  headers: { "cache-control": "no-store" },
});

/** Query integers: absent means the default; anything but a whole number of at least 1 is refused. */
function positiveInt(raw: string | null, fallback: number): number | undefined {
  if (raw === null) return fallback;
  return /^\d+$/.test(raw) && Number(raw) >= 1 ? Number(raw) : undefined;
}

interface IssuedToken {
  seq: number;
  clientId: string;
  scopes: string[];
  expiresAt: number;
}

class EmulatorServer implements Emulator {
  url = "";
  tokenUrl = "";
  webhookUrl = "";
  readonly requests: RecordedRequest[] = [];
  readonly deliveries: WebhookDelivery[] = [];
  readonly store: Map<string, DataAction>;
  readonly server: http.Server;

  private readonly clients: Record<string, EmulatorClient>;
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly now: () => number;
  private readonly ttlS: number;
  private readonly randomSeed: number;
  private faults: FaultPlan;
  private throttle?: { spec: ThrottleSpec; bucket: TokenBucket };
  private seq = 0;
  private issued = 0;
  private revokedThrough = 0; // tokens with seq <= this are revoked

  constructor(private readonly options: EmulatorOptions, seed: DataAction[]) {
    this.now = options.now ?? Date.now;
    this.ttlS = options.tokenTtlSeconds ?? DEFAULTS.emulatorTokenTtlS;
    this.randomSeed = options.randomSeed ?? 1;
    this.clients = options.clients ?? {
      [EMULATOR_CLIENT_ID]: { secret: EMULATOR_CLIENT_SECRET, scopes: [SCOPE_READ, SCOPE_WRITE] },
    };
    this.store = new Map(seed.map((a) => [a.id, a]));
    this.faults = new FaultPlan(options.faults ?? [], this.randomSeed);
    this.setThrottle(options.throttle);
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  revokeTokens(): void {
    this.revokedThrough = this.issued;
  }

  setFaults(faults: FaultSpec[]): void {
    this.faults = new FaultPlan(faults, this.randomSeed);
  }

  setThrottle(t: ThrottleSpec | undefined): void {
    this.throttle = t && { spec: validateThrottleSpec(t), bucket: new TokenBucket(t, this.now()) };
  }

  issuedTokens(): string[] {
    return [...this.tokens.keys()];
  }

  tokensIssued(): number {
    return this.issued;
  }

  reset(): void {
    // In place, so arrays a test already holds stay the live ones.
    this.requests.length = 0;
    this.deliveries.length = 0;
  }

  close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    return new Promise((resolve, reject) => {
      this.server.close((err) => {
        // A second close() finds the server stopped already; that is success, not failure.
        if (err && (err as NodeJS.ErrnoException).code !== "ERR_SERVER_NOT_RUNNING") reject(err);
        else resolve();
      });
      // server.close() alone waits for idle keep-alive sockets to time out; end them now.
      this.server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", `http://${HOST}`);
    const method = req.method ?? "GET";
    const route = classify(method, url.pathname);
    const record: RecordedRequest = {
      seq: ++this.seq,
      method,
      route,
      path: url.pathname,
      query: redact(Object.fromEntries(url.searchParams)),
      status: 0,
      startedAt: this.now(),
      endedAt: 0,
    };
    this.requests.push(record);
    let raw: Buffer;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      raw = Buffer.concat(chunks);
    } catch {
      // The client went away before its body arrived; there is no one to answer.
      record.endedAt = this.now();
      return;
    }
    if (route === "other") return this.send(res, record, this.other(method, url.pathname));
    const throttled = this.throttled(route, record);
    if (throttled) return this.send(res, record, throttled);
    const fault = this.faults.next(route);
    if (fault) record.fault = fault.kind;
    if (fault?.kind === "429") {
      const form = fault.retryAfter ?? "seconds";
      const waitMs = (fault.retryAfterSeconds ?? DEFAULTS.emulatorRetryAfterS) * 1000;
      return this.send(res, record, this.tooMany(form, waitMs, "injected fault"));
    }
    if (fault?.kind === "5xx") {
      const status = fault.status ?? 503; // 503 Service Unavailable: the most common transient answer
      return this.send(res, record, message(status, `injected ${status} fault; retry later`));
    }
    // Revoke first, then serve: the request's own token is now invalid, so an API call
    // answers 401 and the client must fetch a new token (see docs/emulator.md).
    if (fault?.kind === "revoke") this.revokeTokens();
    const reply = this.serve(route, req, url, raw, record);
    this.send(res, record, reply, fault?.kind === "slow" || fault?.kind === "drop" ? fault : undefined);
  }

  private throttled(route: ConcreteRoute, record: RecordedRequest): Reply | undefined {
    // The webhook receiver stands for an external scheduler, not CXone: CXone's throttle does not cover it.
    if (!this.throttle || route === "webhook") return undefined;
    const waitMs = this.throttle.bucket.take(this.now());
    if (waitMs === 0) return undefined;
    record.fault = "throttle";
    return this.tooMany(this.throttle.spec.retryAfter ?? "seconds", waitMs, "rate limit exceeded");
  }

  private tooMany(form: RetryAfterForm, waitMs: number, why: string): Reply {
    const retryAfter = retryAfterValue(form, waitMs, this.now());
    return message(429, `too many requests (${why}); retry later`, retryAfter === undefined ? undefined : { "retry-after": retryAfter });
  }

  private other(method: string, path: string): Reply {
    return knownPath(path)
      ? message(405, `${method} is not allowed on ${path}`)
      : message(404, `no route for ${method} ${path}`);
  }

  private serve(route: ConcreteRoute, req: http.IncomingMessage, url: URL, raw: Buffer, record: RecordedRequest): Reply {
    if (route === "token") return this.issueToken(req, raw, record);
    if (route === "webhook") return this.receiveWebhook(req, raw, record);
    const denied = this.authorize(req, record, route === "put" ? SCOPE_WRITE : SCOPE_READ);
    if (denied) return denied;
    if (route === "list") return this.list(url.searchParams);
    let id: string;
    try {
      id = decodeURIComponent(url.pathname.slice(ACTIONS_PATH.length + 1));
    } catch {
      return message(400, `the action id in ${url.pathname} is not valid percent-encoding`);
    }
    return route === "get" ? this.getOne(id) : this.replace(id, raw, record);
  }

  private issueToken(req: http.IncomingMessage, raw: Buffer, record: RecordedRequest): Reply {
    const form = new URLSearchParams(raw.toString("utf8"));
    record.body = redact(Object.fromEntries(form));
    const type = (headerValue(req, "content-type") ?? "").split(";")[0].trim().toLowerCase();
    if (type !== "application/x-www-form-urlencoded") {
      return oauthError(400, "invalid_request", "send the token request as application/x-www-form-urlencoded");
    }
    const grant = form.get("grant_type");
    if (!grant) return oauthError(400, "invalid_request", "grant_type is required; use client_credentials");
    if (grant !== "client_credentials") {
      return oauthError(400, "unsupported_grant_type", `grant_type ${grant} is not supported; use client_credentials`);
    }
    const clientId = form.get("client_id") ?? "";
    const client = Object.hasOwn(this.clients, clientId) ? this.clients[clientId] : undefined;
    if (!client || !sameText(client.secret, form.get("client_secret") ?? "")) {
      return oauthError(401, "invalid_client", "unknown client or wrong client secret; check the client id and secret");
    }
    // RFC 6749 3.3: the server may grant fewer scopes than asked; it grants what the client holds.
    const requested = form.get("scope")?.split(" ").filter(Boolean);
    const scopes = requested ? client.scopes.filter((s) => requested.includes(s)) : [...client.scopes];
    const token = randomBytes(32).toString("base64url");
    const seq = ++this.issued;
    this.tokens.set(token, { seq, clientId, scopes, expiresAt: this.now() + this.ttlS * 1000 });
    record.tokenSeq = seq;
    return {
      status: 200,
      body: { access_token: token, token_type: "Bearer", expires_in: this.ttlS, scope: scopes.join(" ") },
      headers: { "cache-control": "no-store" },
    };
  }

  private authorize(req: http.IncomingMessage, record: RecordedRequest, scope: string): Reply | undefined {
    const unauthorized = (problem: string) =>
      message(401, `${problem}; fetch a new token`, {
        "www-authenticate": `Bearer error="invalid_token", error_description="${problem}"`,
      });
    const match = /^Bearer\s+(\S+)$/i.exec(headerValue(req, "authorization") ?? "");
    if (!match) return unauthorized("no bearer token");
    const token = this.tokens.get(match[1]);
    if (!token) return unauthorized("unknown token");
    record.tokenSeq = token.seq;
    if (token.seq <= this.revokedThrough) return unauthorized("token revoked");
    if (this.now() >= token.expiresAt) return unauthorized("token expired");
    if (!token.scopes.includes(scope)) return message(403, `client ${token.clientId} is missing scope ${scope}`);
    return undefined;
  }

  private list(query: URLSearchParams): Reply {
    const page = positiveInt(query.get("page"), 1);
    if (page === undefined) return message(400, "page must be a whole number of at least 1");
    const requested = positiveInt(query.get("pageSize"), DEFAULTS.emulatorListPageSize);
    if (requested === undefined) return message(400, "pageSize must be a whole number of at least 1");
    const pageSize = Math.min(requested, DEFAULTS.emulatorMaxPageSize);
    const filter = query.get("filter");
    if (filter !== null && !filter.startsWith("name=")) return message(400, `filter "${filter}" is not supported; use name=<name>`);
    // Loose on purpose, like a real server may be: case-insensitive substring, so clients must re-check exactly.
    const needle = filter?.slice("name=".length).toLowerCase();
    const matches = [...this.store.values()]
      .filter((a) => needle === undefined || String(a.name).toLowerCase().includes(needle))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const entities = matches.slice((page - 1) * pageSize, page * pageSize);
    return { status: 200, body: { entities, total: matches.length, page, pageSize } };
  }

  private getOne(id: string): Reply {
    const action = this.store.get(id);
    return action ? { status: 200, body: action } : message(404, `data action ${id} not found`);
  }

  private replace(id: string, raw: Buffer, record: RecordedRequest): Reply {
    const { body, parsed } = parseJson(raw);
    record.body = body;
    const stored = this.store.get(id);
    if (!stored) return message(404, `data action ${id} not found`);
    const problem = parsed ? replacementProblem(id, stored, body) : "the body is not valid JSON";
    if (problem) return message(400, problem);
    const action = body as DataAction;
    if (action.version !== undefined && action.version !== stored.version) {
      return message(409, `version ${action.version} is stale; the action is at version ${stored.version ?? "(none)"}; read it again`);
    }
    // Stored exactly as sent (unknown keys included), with the next version.
    const saved: DataAction = { ...action, version: (stored.version ?? 0) + 1 };
    this.store.set(id, saved);
    return { status: 200, body: saved };
  }

  private receiveWebhook(req: http.IncomingMessage, raw: Buffer, record: RecordedRequest): Reply {
    const id = headerValue(req, "webhook-id");
    const timestamp = headerValue(req, "webhook-timestamp");
    const signature = headerValue(req, "webhook-signature");
    const { body, parsed } = parseJson(raw);
    record.body = body;
    const secret = this.options.webhookSecret;
    const signatureValid = secret === undefined ? null
      : id !== undefined && timestamp !== undefined && signature !== undefined &&
        signatureMatches(secret, id, timestamp, raw, signature);
    // A receiver that checks signatures refuses a bad one; a missing header or body is the sender's bug.
    const [status, refusal]: [number, string?] =
      !id || !timestamp ? [400, "webhook-id and webhook-timestamp headers are required"]
      : signatureValid === false ? [401, "webhook-signature does not match"]
      : !parsed ? [400, "the body is not valid JSON"]
      : [this.options.webhookStatus ?? DEFAULTS.emulatorWebhookStatus];
    const duplicate = id !== undefined && this.deliveries.some((d) => d.id === id);
    this.deliveries.push({ id: id ?? "", timestamp: timestamp ?? "", signatureValid, body, status, duplicate });
    if (refusal !== undefined) return message(status, refusal);
    // 204 and 205 must not carry a body.
    return status === 204 || status === 205 ? { status } : message(status, `webhook ${id} received`);
  }

  private send(res: http.ServerResponse, record: RecordedRequest, reply: Reply, fault?: FaultSpec): void {
    let payload: Buffer;
    try {
      payload = Buffer.from(reply.body === undefined ? "" : JSON.stringify(reply.body));
    } catch (cause) {
      // Tests edit `store` freely; an entity JSON cannot encode (a BigInt, a cycle) must
      // answer 500 rather than throw inside the server of the process hosting the tests.
      reply = message(500, `the emulator cannot encode the response: ${(cause as Error).message}`);
      payload = Buffer.from(JSON.stringify(reply.body));
    }
    const headers: Record<string, string | number> = { ...reply.headers, "content-length": payload.length };
    if (payload.length > 0) headers["content-type"] = "application/json; charset=utf-8";
    record.status = reply.status;
    const finish = () => {
      record.endedAt = this.now();
      this.log(record);
    };
    const write = () => {
      // The client may have given up meanwhile (a slow fault); writing then would raise an error.
      if (!res.destroyed) res.writeHead(reply.status, headers).end(payload);
      finish();
    };
    if (fault?.kind === "slow") {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        write();
      }, fault.delayMs ?? DEFAULTS.emulatorSlowDelayMs);
      this.timers.add(timer);
    } else if (fault?.kind === "drop") {
      // Headers promise the whole body, half of it arrives, then the connection dies.
      // With no body there is nothing to cut short, so the connection dies before the headers.
      const socket = res.socket;
      if (payload.length === 0) socket?.destroy();
      else res.writeHead(reply.status, headers).write(payload.subarray(0, payload.length >> 1), () => socket?.destroy());
      finish();
    } else {
      write();
    }
  }

  private log(record: RecordedRequest): void {
    if (!this.options.log) return;
    const query = new URLSearchParams(record.query).toString();
    const parts = [
      `#${record.seq}`,
      record.method,
      record.path + (query ? `?${query}` : ""),
      `-> ${record.status}`,
      `${record.endedAt - record.startedAt}ms`,
    ];
    if (record.tokenSeq !== undefined) parts.push(`token#${record.tokenSeq}`);
    if (record.fault !== undefined) parts.push(`fault=${record.fault}`);
    this.options.log(parts.join(" "));
  }
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = new EmulatorServer(options, await loadSeed(options.seed));
  const { server } = emulator;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new ConfigError("emulator: the server has no TCP address");
  emulator.url = `http://${HOST}:${address.port}`;
  emulator.tokenUrl = emulator.url + DEFAULTS.tokenPath;
  emulator.webhookUrl = emulator.url + WEBHOOK_PATH;
  return emulator;
}
