/**
 * The CXone Data Action HTTP client (cxone-api.md). One client per tenant and API client id
 * shares its token cache, adaptive limiter, circuit breaker and keep-alive undici Agent across
 * every resource the dynamic-provider host applies at once.
 *
 * Layers of one call, outermost first: breaker check -> token -> (retry loop -> limiter permit
 * -> one HTTP attempt) -> on 401 a new token and the retry loop once more -> typed error.
 */
import type { IncomingHttpHeaders } from "node:http";
import { isDeepStrictEqual } from "node:util";
import { Agent, request } from "undici";
import { CircuitBreaker } from "./breaker";
import { systemClock, systemSleep } from "../shared/clock";
import { DEFAULTS, type Defaults } from "../shared/defaults";
import { editDistance } from "../shared/distance";
import {
  AmbiguousNameError,
  AuthenticationError,
  ConflictError,
  CxoneError,
  HttpError,
  NotFoundError,
  PermissionError,
  TransientError,
  UnconfirmedWriteError,
  ValidationError,
} from "../shared/errors";
import { AdaptiveLimiter } from "./limiter";
import { decideRetry, formatMs, parseRetryAfter, retryPolicyFrom } from "./retry";
import { TokenCache, parseTokenResponse, tokenRequestBody, type IssuedToken } from "./token";
import type { Clock, DataAction, DateProcessing, ListPage, Sleep, Tally } from "../shared/types";

export interface ClientConfig {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

/** DEFAULTS with its literal types widened, so tests and callers can pass other numbers. */
export type Settings = { [K in keyof Defaults]: Defaults[K] extends number ? number : Defaults[K] extends string ? string : Defaults[K] };

export interface ClientDeps {
  clock?: Clock;
  sleep?: Sleep;
  random?: () => number;
  settings?: Partial<Settings>;
  log?: (line: string) => void;
}

/** The part of a Data Action this provider owns (resource-spec.md). */
export interface OwnedConfig {
  dateProcessing: DateProcessing;
  enabled: boolean;
}

/** A network failure reduced to name, code and a redacted message: undici errors carry sockets and more. */
export class NetworkFailure extends Error {
  readonly code: string | undefined;
  constructor(name: string, code: string | undefined, message: string) {
    super(message);
    this.name = name;
    this.code = code;
  }
}

type Method = "GET" | "PUT" | "POST";

/** One HTTP attempt: an answer whose body was read completely, or a failure to get one. */
type Attempt =
  | { kind: "answer"; status: number; headers: IncomingHttpHeaders; text: string }
  | { kind: "network"; timedOut: boolean; cause: NetworkFailure };
type Answer = Extract<Attempt, { kind: "answer" }>;

/** Shared by the attempts of one call, including the repeat after a 401, so one budget covers both. */
interface CallState {
  attempts: number;
  startedAt: number;
}

const DATA_ACTIONS_PATH = "/api/v2/dataactions";
// 408 and 429 say "not now"; the 5xx set is cxone-api.md's. The same set decideRetry retries.
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const SUGGESTIONS = 5;
const RECENT_TOKENS = 4; // tokens remembered for redaction
const ERROR_TEXT_MAX = 300; // characters of a server's error body quoted in a message

// ---------------------------------------------------------------------------------------------
// Keep-alive agents, one per base URL, shared by every client of that tenant.

const agents = new Map<string, { agent: Agent; users: number }>();

function borrowAgent(baseUrl: string, settings: Settings): Agent {
  let entry = agents.get(baseUrl);
  if (entry === undefined) {
    entry = {
      agent: new Agent({
        connectTimeout: settings.connectTimeoutMs,
        keepAliveTimeout: settings.keepAliveTimeoutMs,
        // No socket cap here: each client's limiter caps its requests in flight, and a request
        // queued inside undici would spend its per-attempt timeout waiting for a socket.
      }),
      users: 0,
    };
    agents.set(baseUrl, entry);
  }
  entry.users++;
  return entry.agent;
}

async function returnAgent(baseUrl: string): Promise<void> {
  const entry = agents.get(baseUrl);
  if (entry === undefined) return;
  entry.users--;
  if (entry.users > 0) return;
  agents.delete(baseUrl);
  await entry.agent.close();
}

// ---------------------------------------------------------------------------------------------

export class CxoneClient {
  private readonly baseUrl: string;
  private readonly settings: Settings;
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly log: (line: string) => void;
  private readonly agent: Agent;
  // Credentials and tokens live in #private fields: util.inspect and JSON.stringify of a client
  // (a debugging log line, an error's context) never show them.
  readonly #config: ClientConfig;
  readonly #tokens: TokenCache;
  private readonly limiter: AdaptiveLimiter;
  private readonly breaker: CircuitBreaker;
  private readonly policy: ReturnType<typeof retryPolicyFrom>;
  private readonly tokenPath: string;
  /** Strings that must never leave this client: the credentials, and the tokens issued lately. */
  readonly #credentials: string[];
  readonly #recentTokens: string[] = [];
  private closed = false;

  constructor(config: ClientConfig, deps: ClientDeps = {}) {
    this.#config = { ...config };
    this.baseUrl = config.baseUrl.replace(/\/+$/, "");
    this.settings = { ...DEFAULTS, ...deps.settings };
    this.clock = deps.clock ?? systemClock;
    this.sleep = deps.sleep ?? systemSleep;
    this.random = deps.random ?? Math.random;
    this.log = deps.log ?? (() => undefined);
    this.#credentials = [config.clientSecret, config.clientId].filter((s) => s.length > 0);
    this.policy = retryPolicyFrom(this.settings);
    this.agent = borrowAgent(this.baseUrl, this.settings);
    this.#tokens = new TokenCache(() => this.fetchToken(), this.clock, this.settings.tokenRefreshMarginMs);
    this.limiter = new AdaptiveLimiter({
      maxConcurrency: this.settings.maxConcurrency,
      rateFloorPerS: this.settings.rateFloorPerS,
      decrease: this.settings.rateDecrease,
      initialRatePerS: this.settings.rateInitialPerS,
      initialBurst: this.settings.rateInitialBurst,
      slowStartDoublingMs: this.settings.rateSlowStartDoublingMs,
      cubic: this.settings.rateCubicPerS3,
      cubicMin: this.settings.rateCubicMinPerS3,
      windowMs: this.settings.rateWindowMs,
      pauseMs: this.settings.throttlePauseMs,
      maxPauseMs: this.settings.retryAfterMaxMs,
      clock: this.clock,
      sleep: this.sleep,
    });
    this.breaker = new CircuitBreaker({ threshold: this.settings.breakerThreshold, cooldownMs: this.settings.breakerCooldownMs, clock: this.clock });
    this.tokenPath = new URL(config.tokenUrl).pathname;
  }

  /**
   * The one action named exactly `name` (case-sensitive). The server's filter may match
   * loosely, so every page of its answer is read and matched here.
   */
  async findByName(name: string, tally: Tally): Promise<DataAction> {
    const listed = await this.listAll(name, tally);
    const matches = listed.filter((a) => a.name === name);
    if (matches.length === 1) return matches[0];
    if (matches.length > 1) {
      const ids = matches.map((a) => a.id);
      throw new AmbiguousNameError(
        `${ids.length} Data Actions are named exactly "${name}" (ids ${ids.join(", ")}). ` +
          "Set actionId to the one this resource should manage, or rename the others in CXone.",
        ids,
      );
    }
    const suggestions = closestNames(name, await this.namesForSuggestions(listed, tally));
    throw new NotFoundError(
      `No Data Action is named exactly "${name}" (names match case-sensitively)` +
        (suggestions.length > 0 ? `; closest names: ${suggestions.map((n) => `"${n}"`).join(", ")}` : "") +
        ". Fix actionName, or set actionId to pin the action by id.",
      { method: "GET", path: DATA_ACTIONS_PATH },
    );
  }

  async get(id: string, tally: Tally): Promise<DataAction> {
    const path = actionPath(id);
    const answer = await this.call("GET", path, undefined, tally, `Data Action ${id}`);
    return this.parseAction(answer, "GET", path);
  }

  /** One PUT of the whole action; a 409 is a ConflictError (modify handles it by re-reading). */
  async put(action: DataAction, tally: Tally): Promise<DataAction> {
    const path = actionPath(action.id);
    const answer = await this.call("PUT", path, action, tally, `Data Action ${action.id}`);
    return this.parseAction(answer, "PUT", path);
  }

  /**
   * Read-modify-write. `current` (the entity a list just returned) saves the first GET; a stale
   * one only costs a 409 and a re-read. `mutate` returns the whole desired action, or null when
   * the live one already matches (no PUT).
   */
  async modify(
    id: string,
    mutate: (live: DataAction) => DataAction | null,
    tally: Tally,
    current?: DataAction,
  ): Promise<{ action: DataAction; putSkipped: boolean; conflicts: number }> {
    let live = current ?? (await this.get(id, tally));
    // Once a PUT went out, a later round that finds nothing to write found our own write.
    let sent = false;
    for (let conflicts = 0; ; conflicts++) {
      const desired = mutate(live);
      if (desired === null) return { action: live, putSkipped: !sent, conflicts };
      try {
        sent = true;
        return { action: await this.put(desired, tally), putSkipped: false, conflicts };
      } catch (error) {
        if (error instanceof TransientError) {
          // No answer is not a refusal: the PUT may have landed. Read back once; if CXone already
          // holds what we wanted, the write succeeded and must be recorded as such. The read-back
          // is recovery from the failed attempts, counted as a retry.
          tally.retries++;
          let after: DataAction;
          try {
            after = await this.get(id, tally);
          } catch (readError) {
            throw new UnconfirmedWriteError(
              `${error.message} Reading the action back failed too (${(readError as Error).message}), so the write ` +
                "may or may not have reached CXone.",
              { method: "PUT", path: actionPath(id), cause: error },
            );
          }
          if (mutate(after) === null) return { action: after, putSkipped: false, conflicts };
          throw error;
        }
        if (!(error instanceof ConflictError)) throw error;
        if (conflicts >= this.settings.conflictRetries) {
          throw new ConflictError(
            `PUT ${actionPath(id)} still answered 409 after ${conflicts + 1} read-merge-write rounds: another writer keeps ` +
              "changing this Data Action. Stop the other writer or wait for it, then run `pulumi up` again.",
            { method: "PUT", path: actionPath(id), status: 409, cause: error },
          );
        }
        this.log(`CXone PUT ${actionPath(id)}: 409, version is stale; reading it again (round ${conflicts + 2})`);
        // A concurrent writer won: read its version and merge our part into it again. The new
        // round is a retry of the write, so the audit record counts it.
        tally.retries++;
        live = await this.get(id, tally);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const key = sharedKey(this.#config);
    if (shared.get(key) === this) shared.delete(key);
    await returnAgent(this.baseUrl);
  }

  // -------------------------------------------------------------------------------------------
  // Listing

  /** Every entity the list answers for `name` (or for all names when null), page by page. */
  private async listAll(name: string | null, tally: Tally): Promise<DataAction[]> {
    const listed: DataAction[] = [];
    for (let page = 1; page <= this.settings.maxPages; page++) {
      const filter = name === null ? "" : `&filter=${encodeURIComponent(`name=${name}`)}`;
      const path = `${DATA_ACTIONS_PATH}?pageSize=${this.settings.pageSize}&page=${page}${filter}`;
      const answer = await this.call("GET", path, undefined, tally, "the Data Action list");
      const body = parseJson(answer.text);
      if (!isListPage(body)) throw this.unexpected("GET", path, answer, "a list page ({entities, total, page, pageSize})");
      listed.push(...body.entities.map(normalizeAction));
      // The server may clamp pageSize; its own figure says how far this page reaches.
      const served = body.pageSize > 0 ? body.pageSize : body.entities.length;
      if (body.entities.length === 0 || page * served >= body.total) return listed;
    }
    throw new HttpError(
      `Listing Data Actions stopped after ${this.settings.maxPages} pages of ${this.settings.pageSize} without reaching the end. ` +
        "Narrow the lookup: set actionId to pin the action by id.",
      { method: "GET", path: DATA_ACTIONS_PATH },
    );
  }

  /**
   * Names to suggest when nothing matched: the loose matches of the filter, or, when the filter
   * matched nothing at all (a typo), every name. This costs requests only on the failure path;
   * if it fails, the not-found error still stands, without suggestions.
   */
  private async namesForSuggestions(listed: DataAction[], tally: Tally): Promise<string[]> {
    if (listed.length > 0) return listed.map((a) => a.name);
    try {
      return (await this.listAll(null, tally)).map((a) => a.name);
    } catch (error) {
      if (!(error instanceof CxoneError)) throw error;
      this.log(`CXone: could not list Data Actions for name suggestions: ${error.message}`);
      return [];
    }
  }

  // -------------------------------------------------------------------------------------------
  // One API call: breaker, token, retries, the 401 renewal, and the mapping of answers to errors

  private async call(method: Method, path: string, body: unknown, tally: Tally, subject: string): Promise<Answer> {
    if (this.closed) {
      throw new CxoneError("CXONE_CLIENT_CLOSED", `${method} ${path} was not sent: this CXone client was closed; use sharedClient() for a new one.`);
    }
    this.breaker.check(`${method} ${path}`);
    let failed = false;
    try {
      return this.checked(method, path, await this.authorized(method, path, body, tally), subject);
    } catch (error) {
      // Only transient trouble that outlived its retries counts against the tenant; a 4xx
      // shows the service answering.
      failed = error instanceof TransientError;
      throw error;
    } finally {
      if (failed) this.breaker.recordFailure();
      else this.breaker.recordSuccess();
    }
  }

  /** The first non-transient answer, after at most one token renewal on a 401. */
  private async authorized(method: Method, path: string, body: unknown, tally: Tally): Promise<Answer> {
    const state: CallState = { attempts: 0, startedAt: this.clock.now() };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let token = await this.#tokens.token();
    let answer = await this.retrying(method, path, state, tally, () => this.apiAttempt(method, path, token, payload, tally, state));
    if (answer.status !== 401) return answer;
    // The token expired or was revoked: renew it once and repeat the call once.
    this.#tokens.invalidate(token);
    // The repeat is one more request for the same operation, so the audit counts it as a retry.
    tally.retries++;
    this.log(`CXone ${method} ${path}: 401, renewing the access token and repeating the call once`);
    token = await this.#tokens.token();
    answer = await this.retrying(method, path, state, tally, () => this.apiAttempt(method, path, token, payload, tally, state));
    if (answer.status !== 401) return answer;
    throw new AuthenticationError(
      `CXone answered 401 to ${method} ${path} even with a newly issued access token. ` +
        "Check that the API client in cxone:clientId / cxone:clientSecret is enabled and allowed to use this API, then run `pulumi up` again.",
      { method, path, status: 401 },
    );
  }

  private async apiAttempt(method: Method, path: string, token: string, payload: string | undefined, tally: Tally, state: CallState): Promise<Attempt> {
    const permit = await this.limiter.acquire();
    tally.httpRequests++;
    let outcome: "ok" | "throttled" | "failed" = "failed";
    let waitMs: number | null | undefined;
    try {
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: "application/json" };
      if (payload !== undefined) headers["content-type"] = "application/json";
      const attempt = await this.send(method, `${this.baseUrl}${path}`, headers, payload);
      if (attempt.kind === "answer" && attempt.status === 429) {
        outcome = "throttled";
        // The limiter holds the tenant only for a Retry-After this call will wait for too: the
        // same decision retrying() takes next (a Retry-After decision draws no random number).
        const retryAfter = header(attempt.headers, "retry-after");
        const now = this.clock.now();
        if (parseRetryAfter(retryAfter, now) !== undefined) {
          const decision = decideRetry({ method, status: 429, retryAfter }, { attempt: state.attempts + 1, elapsedMs: now - state.startedAt, now }, this.policy, () => 0);
          waitMs = decision.retry ? decision.delayMs : null;
        }
      } else if (attempt.kind === "answer" && !TRANSIENT_STATUSES.has(attempt.status)) {
        outcome = "ok";
      }
      return attempt;
    } finally {
      permit.release(outcome, waitMs);
    }
  }

  /**
   * Repeats `attempt` while the outcome is transient (429, 5xx, network, timeout) and
   * decideRetry allows; returns the first other answer, or throws TransientError.
   */
  private async retrying(method: Method, path: string, state: CallState, tally: Tally | null, attempt: () => Promise<Attempt>): Promise<Answer> {
    for (;;) {
      const result = await attempt();
      state.attempts++;
      if (result.kind === "answer" && !TRANSIENT_STATUSES.has(result.status)) return result;
      const now = this.clock.now();
      const elapsedMs = now - state.startedAt;
      const decision = decideRetry(
        result.kind === "answer"
          ? { method, status: result.status, retryAfter: header(result.headers, "retry-after") }
          : { method, networkError: true, timedOut: result.timedOut },
        { attempt: state.attempts, elapsedMs, now },
        this.policy,
        this.random,
      );
      const what = result.kind === "answer" ? `${result.status}` : result.timedOut ? "timeout" : `network error (${result.cause.message})`;
      if (!decision.retry) {
        throw new TransientError(
          `${method} ${path} failed after ${state.attempts} attempt(s) over ${formatMs(elapsedMs)}; last: ${what} (${decision.reason}). ` +
            "CXone or the network is having trouble; it is safe to run `pulumi up` again (the PUT is idempotent).",
          { method, path, status: result.kind === "answer" ? result.status : undefined, cause: result.kind === "network" ? result.cause : undefined },
        );
      }
      if (tally !== null) tally.retries++;
      this.log(`CXone ${method} ${path}: ${what}; retry ${state.attempts + 1} in ${Math.round(decision.delayMs)} ms (${decision.reason})`);
      await this.sleep(decision.delayMs);
    }
  }

  /** Turns a non-transient, non-401 answer into the parsed result or a typed error. */
  private checked(method: Method, path: string, answer: Answer, subject: string): Answer {
    const { status } = answer;
    if (status >= 200 && status < 300) return answer;
    const details = { method, path, status };
    const server = this.serverMessage(answer.text);
    const said = server === "" ? "" : `: ${server}`;
    switch (status) {
      case 400:
        throw new ValidationError(
          `CXone rejected ${method} ${path} (400)${said}. Fix the input that produces this value and run \`pulumi up\` again.`,
          details,
        );
      case 403: {
        const scope = method === "PUT" ? "dataactions:write" : "dataactions:read";
        throw new PermissionError(
          `CXone refused ${method} ${path} (403)${said}. This operation needs the ${scope} scope; ` +
            "grant it to the API client (cxone:clientId) in CXone, then run `pulumi up` again.",
          details,
        );
      }
      case 404:
        throw new NotFoundError(
          path.startsWith(`${DATA_ACTIONS_PATH}?`)
            ? `${method} ${path} answered 404${said}: the Data Action API is not at this address. Check cxone:baseUrl / cxone:region.`
            : `${subject} was not found (${method} ${path} answered 404): it was deleted or never existed. ` +
                "Check actionId/actionName, or run `pulumi refresh` to drop it from the stack.",
          details,
        );
      case 409:
        throw new ConflictError(
          `${method} ${path} answered 409${said}: the version sent is stale because someone else changed ${subject}. Read it again and retry.`,
          details,
        );
      default:
        throw new HttpError(`${method} ${path} answered an unexpected ${status}${said}.`, details);
    }
  }

  private parseAction(answer: Answer, method: Method, path: string): DataAction {
    const body = parseJson(answer.text);
    if (!isDataAction(body)) throw this.unexpected(method, path, answer, "a Data Action ({id, name, enabled, configuration})");
    return normalizeAction(body);
  }

  private unexpected(method: Method, path: string, answer: Answer, expected: string): HttpError {
    return new HttpError(
      `${method} ${path} answered ${answer.status} with a body that is not ${expected}; is cxone:baseUrl a CXone API?`,
      { method, path, status: answer.status },
    );
  }

  // -------------------------------------------------------------------------------------------
  // Token exchange (the cache in token.ts calls this; never through the limiter, so a call
  // waiting for a permit can never wait on a token request that waits for a permit)

  private async fetchToken(): Promise<IssuedToken> {
    const method = "POST";
    const path = this.tokenPath;
    const state: CallState = { attempts: 0, startedAt: this.clock.now() };
    const form = tokenRequestBody(this.#config.clientId, this.#config.clientSecret, this.settings.tokenScope);
    const headers = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
    this.log(`CXone POST ${path}: requesting an access token`);
    const answer = await this.retrying(method, path, state, null, () => this.send(method, this.#config.tokenUrl, headers, form));
    if (answer.status === 400 || answer.status === 401) {
      const server = this.serverMessage(answer.text);
      throw new AuthenticationError(
        `The CXone token endpoint refused the API client (POST ${path} answered ${answer.status}${server === "" ? "" : `: ${server}`}). ` +
          "Check cxone:clientId / cxone:clientSecret (or CXONE_CLIENT_ID / CXONE_CLIENT_SECRET) and cxone:tokenUrl.",
        { method, path, status: answer.status },
      );
    }
    if (answer.status < 200 || answer.status >= 300) {
      throw new HttpError(`POST ${path} answered an unexpected ${answer.status} to the token request; check cxone:tokenUrl.`, {
        method,
        path,
        status: answer.status,
      });
    }
    const issued = parseTokenResponse(parseJson(answer.text), this.settings.tokenExpiresInS);
    if (issued === null) throw this.unexpected(method, path, answer, "a token response with access_token");
    this.remember(issued.accessToken);
    return issued;
  }

  /** Tokens are redacted from any text this client passes on; older ones are no longer sent anywhere. */
  private remember(token: string): void {
    this.#recentTokens.push(token);
    if (this.#recentTokens.length > RECENT_TOKENS) this.#recentTokens.shift();
  }

  // -------------------------------------------------------------------------------------------
  // One HTTP exchange

  private async send(method: Method, url: string, headers: Record<string, string>, body: string | undefined): Promise<Attempt> {
    const timeoutMs = this.settings.requestTimeoutMs;
    try {
      const response = await request(url, {
        method,
        headers,
        body,
        dispatcher: this.agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        // headersTimeout/bodyTimeout bound each phase; this bounds the whole attempt.
        signal: AbortSignal.timeout(timeoutMs),
      });
      try {
        // Reading every body, errors included, returns the socket to the keep-alive pool.
        return { kind: "answer", status: response.statusCode, headers: response.headers, text: await response.body.text() };
      } catch (error) {
        response.body.destroy();
        return this.networkFailure(error);
      }
    } catch (error) {
      return this.networkFailure(error);
    }
  }

  private networkFailure(error: unknown): Attempt {
    const e = error as { name?: unknown; code?: unknown; message?: unknown };
    const name = typeof e?.name === "string" ? e.name : "Error";
    const code = typeof e?.code === "string" ? e.code : undefined;
    const timedOut =
      name === "TimeoutError" || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT" || code === "UND_ERR_CONNECT_TIMEOUT";
    const message = this.redact(typeof e?.message === "string" ? e.message : String(error));
    return { kind: "network", timedOut, cause: new NetworkFailure(name, code, message) };
  }

  /** The server's own words from an error body (`message`, `error_description`), redacted and bounded. */
  private serverMessage(text: string): string {
    const body = parseJson(text) as Record<string, unknown> | undefined;
    const fields = [body?.message, body?.error_description, body?.error].filter((v): v is string => typeof v === "string" && v !== "");
    const raw = fields.length > 0 ? fields[0] : text.trim();
    const redacted = this.redact(raw);
    return redacted.length > ERROR_TEXT_MAX ? `${redacted.slice(0, ERROR_TEXT_MAX)}...` : redacted;
  }

  private redact(text: string): string {
    return [...this.#credentials, ...this.#recentTokens].reduce((t, secret) => t.split(secret).join("[redacted]"), text);
  }
}

// ---------------------------------------------------------------------------------------------
// One client per (baseUrl, clientId) per process

const shared = new Map<string, CxoneClient>();

function sharedKey(config: ClientConfig): string {
  return JSON.stringify([config.baseUrl.replace(/\/+$/, ""), config.clientId]);
}

/** The process-wide client of this tenant and API client; `deps` only apply when it is created. */
export function sharedClient(config: ClientConfig, deps?: ClientDeps): CxoneClient {
  const key = sharedKey(config);
  let client = shared.get(key);
  if (client === undefined) {
    client = new CxoneClient(config, deps);
    shared.set(key, client);
  }
  return client;
}

export async function closeAllClients(): Promise<void> {
  const clients = [...shared.values()];
  shared.clear();
  await Promise.all(clients.map((c) => c.close()));
}

// ---------------------------------------------------------------------------------------------
// Merging the owned part into a live action (pure)

/**
 * The live action with our `enabled` and `dateProcessing` written in. Every other key, at the
 * top level and in `configuration`, is kept as read, and so is `version` (the server checks it).
 * We own `dateProcessing`, yet keys inside it that we do not know are kept too: a newer CXone
 * field there must not be erased by an older provider.
 */
export function mergeOwned(live: DataAction, desired: OwnedConfig): DataAction {
  const liveProcessing = live.configuration?.dateProcessing;
  return {
    ...live,
    enabled: desired.enabled,
    configuration: {
      ...live.configuration,
      dateProcessing: { ...(isRecord(liveProcessing) ? liveProcessing : {}), ...desired.dateProcessing },
    },
  };
}

/**
 * Whether the live action already holds what we want, so the PUT can be skipped. Keys inside
 * `dateProcessing` that we do not set are ignored (mergeOwned keeps them). A null
 * `dateProcessing` (an action that had none) matches only an action without one.
 */
export function ownedEquals(live: DataAction, desired: { dateProcessing: DateProcessing | null; enabled: boolean }): boolean {
  if (live.enabled !== desired.enabled) return false;
  const liveProcessing = live.configuration?.dateProcessing;
  if (desired.dateProcessing === null) return liveProcessing === undefined || liveProcessing === null;
  if (!isRecord(liveProcessing)) return false;
  return Object.entries(desired.dateProcessing).every(([key, value]) => value === undefined || isDeepStrictEqual(liveProcessing[key], value));
}

// ---------------------------------------------------------------------------------------------
// Name suggestions (pure)

/**
 * Up to five names close to `wanted`, closest first: by edit distance ignoring case, then by
 * exact edit distance (so "Foo_Bar" beats "foo_bar" for "Foo_Baz").
 */
export function closestNames(wanted: string, names: string[]): string[] {
  const target = wanted.toLowerCase();
  // Further than this is a different name, not a typo of this one; containment (a suffix such
  // as "_v2") is always worth showing.
  const maxDistance = Math.max(2, Math.floor(wanted.length / 3));
  const scored = [...new Set(names)]
    .filter((n) => n !== wanted)
    .map((n) => {
      const lower = n.toLowerCase();
      const contains = lower.includes(target) || target.includes(lower);
      return { name: n, loose: editDistance(target, lower), exact: editDistance(wanted, n), contains };
    })
    .filter((s) => s.loose <= maxDistance || s.contains);
  scored.sort((a, b) => a.loose - b.loose || a.exact - b.exact || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return scored.slice(0, SUGGESTIONS).map((s) => s.name);
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function actionPath(id: string): string {
  return `${DATA_ACTIONS_PATH}/${encodeURIComponent(id)}`;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isDataAction(value: unknown): value is DataAction {
  return (
    isRecord(value) &&
    typeof value.id === "string" &&
    typeof value.name === "string" &&
    (value.configuration === undefined || isRecord(value.configuration))
  );
}

function isListPage(value: unknown): value is ListPage {
  return (
    isRecord(value) &&
    Array.isArray(value.entities) &&
    value.entities.every(isDataAction) &&
    typeof value.total === "number" &&
    typeof value.pageSize === "number"
  );
}

/** An action without `configuration` gets an empty one, so merging has somewhere to write. */
function normalizeAction(action: DataAction): DataAction {
  return action.configuration === undefined ? { ...action, configuration: {} } : action;
}
