/**
 * What each route of the emulated CXone API answers (cxone-api.md): the OAuth token endpoint,
 * bearer-token checks with scopes, the paged loosely-filtered list, GET and PUT of one action.
 * Transport, recording, faults and throttling live in emulator.ts; this file holds the API's
 * state (issued tokens, the store) and its answers.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type * as http from "node:http";
import { DEFAULTS } from "../shared/defaults";
import type { ConcreteRoute } from "./faults";
import { replacementProblem } from "./store";
import type { EmulatorClient, RecordedRequest } from "./types";
import type { DataAction } from "../shared/types";

/** The OAuth scope that lets a token list and read Data Actions. */
export const SCOPE_READ = "dataactions:read";
/** The OAuth scope that lets a token write Data Actions. */
export const SCOPE_WRITE = "dataactions:write";
export const WEBHOOK_PATH = "/webhooks/receiver";
const REDACTED = "[redacted]";

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export const message = (status: number, text: string, headers?: Record<string, string>): Reply => ({
  status,
  body: { message: text },
  headers,
});
const oauthError = (status: number, error: string, description: string): Reply => ({
  status,
  body: { error, error_description: description },
  headers: { "cache-control": "no-store" },
});

/** The route of a request; `actionsPath` is where the emulator serves the Data Action collection. */
export function classify(method: string, path: string, actionsPath: string): ConcreteRoute | "other" {
  if (path === DEFAULTS.tokenPath) return method === "POST" ? "token" : "other";
  if (path === actionsPath) return method === "GET" ? "list" : "other";
  if (path === WEBHOOK_PATH) return method === "POST" ? "webhook" : "other";
  if (path.startsWith(`${actionsPath}/`) && !path.slice(actionsPath.length + 1).includes("/")) {
    return method === "GET" ? "get" : method === "PUT" ? "put" : "other";
  }
  return "other";
}

/** A 405 for a path some method serves, else a 404. */
export function otherRoute(method: string, path: string, actionsPath: string): Reply {
  const known = ["GET", "PUT", "POST"].some((m) => classify(m, path, actionsPath) !== "other");
  return known ? message(405, `${method} is not allowed on ${path}`) : message(404, `no route for ${method} ${path}`);
}

export function headerValue(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The parsed body, or its text when it is not JSON (so the record still shows what was sent). */
export function parseJson(raw: Buffer): { body: unknown; parsed: boolean } {
  const text = raw.toString("utf8");
  try {
    return { body: JSON.parse(text), parsed: true };
  } catch {
    return { body: text, parsed: false };
  }
}

/** Keys that may carry credentials are replaced, so records and logs never hold them. */
export function redactFields(fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = /secret|token|password/i.test(key) ? REDACTED : value;
  return out;
}

/** Constant-time comparison of two strings of any lengths (hashing equalises the lengths). */
function sameText(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

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

export class ApiRoutes {
  private readonly tokens = new Map<string, IssuedToken>();
  private issued = 0;
  private revokedThrough = 0; // tokens with seq <= this are revoked
  private inserted = 0; // actions a shift fault created

  constructor(
    readonly store: Map<string, DataAction>,
    private readonly clients: Record<string, EmulatorClient>,
    private readonly ttlS: number,
    private readonly now: () => number,
    private readonly actionsPath: string,
  ) {}

  revokeTokens(): void {
    this.revokedThrough = this.issued;
  }

  issuedTokens(): string[] {
    return [...this.tokens.keys()];
  }

  tokensIssued(): number {
    return this.issued;
  }

  /**
   * `shiftBy`: before a list page is served, that many actions are created that sort first and
   * match its filter, as if someone created them since the previous page: offset paging then
   * shows the previous page's last entities again, and `total` grows.
   */
  serve(route: Exclude<ConcreteRoute, "webhook">, req: http.IncomingMessage, url: URL, raw: Buffer, record: RecordedRequest, shiftBy = 0): Reply {
    if (route === "token") return this.issueToken(req, raw, record);
    const denied = this.authorize(req, record, route === "put" ? SCOPE_WRITE : SCOPE_READ);
    if (denied) return denied;
    if (route === "list") {
      if (shiftBy > 0) this.insertFirst(url.searchParams.get("filter")?.slice("name=".length) ?? null, shiftBy);
      return this.list(url.searchParams);
    }
    let id: string;
    try {
      id = decodeURIComponent(url.pathname.slice(this.actionsPath.length + 1));
    } catch {
      return message(400, `the action id in ${url.pathname} is not valid percent-encoding`);
    }
    return route === "get" ? this.getOne(id) : this.replace(id, raw, record);
  }

  private issueToken(req: http.IncomingMessage, raw: Buffer, record: RecordedRequest): Reply {
    const form = new URLSearchParams(raw.toString("utf8"));
    record.body = redactFields(Object.fromEntries(form));
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

  /** New actions whose ids sort before every other ("!" is below digits and letters) and whose names contain `filterName`. */
  private insertFirst(filterName: string | null, count: number): void {
    for (let i = 0; i < count; i++) {
      const n = ++this.inserted;
      const id = `!inserted-${String(n).padStart(6, "0")}`;
      const name = `${filterName ?? "Inserted"}_inserted_${n}`;
      this.store.set(id, { id, name, type: "DATE_PROCESSOR", enabled: true, version: 1, configuration: {} });
    }
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
}
