/**
 * The CXone Data Action HTTP client (cxone-api.md). One client per tenant and API client id
 * shares its token cache, adaptive limiter, circuit breaker and keep-alive undici Agent across
 * every resource the dynamic-provider host applies at once.
 *
 * Layers of one call, outermost first: breaker check -> token -> (retry loop -> limiter permit
 * -> one HTTP attempt) -> on 401 a new token and the retry loop once more -> typed error.
 */
import type { Agent } from "undici";
import { CircuitBreaker } from "./breaker";
import { systemClock, systemSleep } from "../shared/clock";
import { DEFAULTS, type Defaults } from "../shared/defaults";
import {
  AuthenticationError,
  ConflictError,
  CxoneError,
  HttpError,
  ResponseTooLargeError,
  TransientError,
  UnconfirmedWriteError,
} from "../shared/errors";
import { checkedAnswer, sameAction, serverMessage, tooLarge, unexpectedBody } from "./answers";
import { queued, spentMs, type CallState } from "./budget";
import { borrowAgent, exchange, header, returnAgent, type Answer, type Attempt, type Method } from "./http";
import { AdaptiveLimiter } from "./limiter";
import { limiterWait, logAttempt, timedAttempt } from "./http-log";
import { actionPath, findByName, listPath, type ListSource } from "./lookup";
import { isDataAction, isListPage, normalizeAction, parseJson } from "./shapes";
import { redact } from "../shared/redact";
import { decideRetry, formatMs, parseRetryAfter, retryPolicyFrom } from "./retry";
import { TokenCache, parseTokenResponse, tokenRequestBody, type IssuedToken } from "./token";
import type { Clock, DataAction, ListPage, Sleep, Tally } from "../shared/types";

export { NetworkFailure } from "./http";
export { closestNames } from "./lookup";
export { mergeOwned, ownedEquals, type OwnedConfig } from "./merge";

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

// 408 and 429 say "not now"; the 5xx set is cxone-api.md's. The same set decideRetry retries.
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const RECENT_TOKENS = 4; // tokens remembered for redaction

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
  private readonly listSource: ListSource;
  /** Strings that must never leave this client: the credentials, and the tokens issued lately. */
  readonly #credentials: string[];
  readonly #recentTokens: string[] = [];
  private closed = false;
  /** Errors already counted by the breaker (see recordFailureOnce). */
  private readonly counted = new WeakSet<object>();

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
      idleMs: this.settings.rateIdleMs,
      idleHoldMs: this.settings.rateIdleHoldMs,
      pauseMs: this.settings.throttlePauseMs,
      maxPauseMs: this.settings.retryAfterMaxMs,
      clock: this.clock,
      sleep: this.sleep,
    });
    this.breaker = new CircuitBreaker({ threshold: this.settings.breakerThreshold, cooldownMs: this.settings.breakerCooldownMs, clock: this.clock });
    this.tokenPath = new URL(config.tokenUrl).pathname;
    this.listSource = {
      fetchPage: (page, pageSize, name, tally) => this.listPage(page, pageSize, name, tally),
      actionsPath: this.settings.actionsPath,
      pageSize: this.settings.pageSize,
      maxPages: this.settings.maxPages,
      log: this.log,
    };
  }

  /**
   * The one action named exactly `name` (case-sensitive), from every page of the server's
   * loosely filtered list (lookup.ts).
   */
  findByName(name: string, tally: Tally): Promise<DataAction> {
    return findByName(this.listSource, name, tally);
  }

  async get(id: string, tally: Tally): Promise<DataAction> {
    const path = actionPath(this.settings.actionsPath, id);
    const answer = await this.call("GET", path, undefined, tally, `Data Action ${id}`);
    return sameAction(id, this.parseAction(answer, "GET", path), "GET", path);
  }

  /** One PUT of the whole action; a 409 is a ConflictError (modify handles it by re-reading). */
  async put(action: DataAction, tally: Tally): Promise<DataAction> {
    const path = actionPath(this.settings.actionsPath, action.id);
    const answer = await this.call("PUT", path, action, tally, `Data Action ${action.id}`);
    return sameAction(action.id, this.parseAction(answer, "PUT", path), "PUT", path);
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
        // No answer, or one too large to read, is not a refusal: the PUT may have landed.
        if (error instanceof TransientError || error instanceof ResponseTooLargeError) {
          // Read back once; if CXone already holds what we wanted, the write succeeded and must be
          // recorded as such. The read-back is recovery from the failed attempts, counted as a retry.
          tally.retries++;
          let after: DataAction;
          try {
            after = await this.get(id, tally);
          } catch (readError) {
            throw new UnconfirmedWriteError(
              `${error.message} Reading the action back failed too (${(readError as Error).message}), so the write ` +
                "may or may not have reached CXone.",
              { method: "PUT", path: actionPath(this.settings.actionsPath, id), cause: error },
            );
          }
          if (mutate(after) === null) return { action: after, putSkipped: false, conflicts };
          throw error;
        }
        if (!(error instanceof ConflictError)) throw error;
        if (conflicts >= this.settings.conflictRetries) {
          throw new ConflictError(
            `PUT ${actionPath(this.settings.actionsPath, id)} still answered 409 after ${conflicts + 1} read-merge-write rounds: another writer keeps ` +
              "changing this Data Action. Stop the other writer or wait for it, then run `pulumi up` again.",
            { method: "PUT", path: actionPath(this.settings.actionsPath, id), status: 409, cause: error },
          );
        }
        // A concurrent writer won. Back off before reading again (full jitter under a ceiling that
        // doubles, as for transient answers): back-to-back rounds would all land while the other
        // writer is still busy. The rounds are bounded by conflictRetries, the waits by backoffCapMs.
        const delayMs = this.random() * Math.min(this.settings.backoffCapMs, this.settings.backoffBaseMs * 2 ** conflicts);
        this.log(`CXone PUT ${actionPath(this.settings.actionsPath, id)}: 409, version is stale; reading it again in ${Math.round(delayMs)} ms (round ${conflicts + 2})`);
        await this.sleep(delayMs);
        // Then read its version and merge our part into it again. The new round is a retry of the
        // write, so the audit record counts it.
        tally.retries++;
        live = await this.get(id, tally);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const key = sharedKey(this.#config, this.settings);
    if (shared.get(key) === this) shared.delete(key);
    await returnAgent(this.baseUrl);
  }

  // -------------------------------------------------------------------------------------------
  // Listing: one checked page for lookup.ts

  private async listPage(page: number, pageSize: number, name: string | null, tally: Tally): Promise<ListPage> {
    const path = listPath(this.settings.actionsPath, page, pageSize, name);
    const answer = await this.call("GET", path, undefined, tally, "the Data Action list");
    const body = parseJson(answer.text);
    if (!isListPage(body)) throw unexpectedBody("GET", path, answer.status, "a list page ({entities, total, page, pageSize})");
    return { ...body, entities: body.entities.map(normalizeAction) };
  }

  // -------------------------------------------------------------------------------------------
  // One API call: breaker, token, retries, the 401 renewal, and the mapping of answers to errors

  private async call(method: Method, path: string, body: unknown, tally: Tally, subject: string): Promise<Answer> {
    if (this.closed) {
      throw new CxoneError("CXONE_CLIENT_CLOSED", `${method} ${path} was not sent: this CXone client was closed; use sharedClient() for a new one.`);
    }
    this.breaker.check(`${method} ${path}`);
    let failed = false;
    let error: unknown;
    try {
      return checkedAnswer(method, path, await this.authorized(method, path, body, tally), subject, this.redact);
    } catch (caught) {
      // Only transient trouble that outlived its retries counts against the tenant; a 4xx
      // shows the service answering.
      failed = caught instanceof TransientError;
      error = caught;
      throw caught;
    } finally {
      if (failed) this.recordFailureOnce(error);
      else this.breaker.recordSuccess();
    }
  }

  /**
   * One failed request is one failure, however many calls awaited it: a token fetch shared by
   * 20 calls rejects all 20 with the same error object, which counts once.
   */
  private recordFailureOnce(error: unknown): void {
    if (typeof error === "object" && error !== null) {
      if (this.counted.has(error)) return;
      this.counted.add(error);
    }
    this.breaker.recordFailure();
  }

  /** The first non-transient answer, after at most one token renewal on a 401. */
  private async authorized(method: Method, path: string, body: unknown, tally: Tally): Promise<Answer> {
    const state: CallState = { attempts: 0, startedAt: this.clock.now(), queuedMs: 0 };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    // A token before queueing: calls that arrive together share one fetch, and a fetch that fails
    // fails them all at once, before they queue. Each attempt takes it again when it is sent
    // (apiAttempt), which costs nothing while the cached one is valid.
    await this.#tokens.token();
    // The token each attempt sent.
    let sent = "";
    const attempt = () => this.apiAttempt(method, path, payload, tally, state, (token) => (sent = token));
    let answer = await this.retrying(method, path, state, tally, attempt);
    if (answer.status !== 401) return answer;
    // The token expired or was revoked: renew it once and repeat the call once.
    this.#tokens.invalidate(sent);
    // The repeat is one more request for the same operation, so the audit counts it as a retry.
    tally.retries++;
    this.log(`CXone ${method} ${path}: 401, renewing the access token and repeating the call once`);
    answer = await this.retrying(method, path, state, tally, attempt);
    if (answer.status !== 401) return answer;
    throw new AuthenticationError(
      `CXone answered 401 to ${method} ${path} even with a newly issued access token. ` +
        "Check that the API client in cxone:clientId / cxone:clientSecret is enabled and allowed to use this API, then run `pulumi up` again.",
      { method, path, status: 401 },
    );
  }

  private async apiAttempt(method: Method, path: string, payload: string | undefined, tally: Tally, state: CallState, sending: (token: string) => void): Promise<Attempt> {
    const queuedFrom = this.clock.now();
    const permit = await limiterWait(this.limiter.acquire(), this.clock);
    state.queuedMs += this.clock.now() - queuedFrom;
    // The token is taken now, when the request goes out, not before it queued: a queue longer
    // than the token's lifetime must not send an expired token (and read as a credentials problem).
    let token: string;
    try {
      token = await this.#tokens.token();
    } catch (error) {
      permit.release("failed", undefined);
      throw error;
    }
    sending(token);
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
        const date = header(attempt.headers, "date");
        const now = this.clock.now();
        if (parseRetryAfter(retryAfter, now, date) !== undefined) {
          const decision = decideRetry({ method, status: 429, retryAfter, date }, { attempt: state.attempts + 1, elapsedMs: spentMs(state, now), now }, this.policy, () => 0);
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
   * decideRetry allows; returns the first other answer, or throws TransientError (or
   * ResponseTooLargeError, at once: a body past the cap is no passing trouble).
   */
  private async retrying(method: Method, path: string, state: CallState, tally: Tally | null, attempt: () => Promise<Attempt>): Promise<Answer> {
    for (;;) {
      const { result, timing } = await timedAttempt(attempt, this.clock);
      state.attempts++;
      if (result.kind === "answer" && !TRANSIENT_STATUSES.has(result.status)) return logAttempt(method, path, state.attempts, timing, result);
      if (result.kind === "too-large") {
        logAttempt(method, path, state.attempts, timing, result, { retry: false, reason: `body over ${result.limitBytes} bytes` });
        throw tooLarge(method, path, result.status, result.limitBytes, path === this.tokenPath && method === "POST" ? "cxone:tokenUrl" : "cxone:baseUrl");
      }
      const now = this.clock.now();
      const elapsedMs = spentMs(state, now);
      const decision = decideRetry(
        result.kind === "answer"
          ? { method, status: result.status, retryAfter: header(result.headers, "retry-after"), date: header(result.headers, "date") }
          : { method, networkError: true, timedOut: result.timedOut },
        { attempt: state.attempts, elapsedMs, now },
        this.policy,
        this.random,
      );
      logAttempt(method, path, state.attempts, timing, result, decision);
      const what = result.kind === "answer" ? `${result.status}` : result.timedOut ? "timeout" : `network error (${result.cause.message})`;
      if (!decision.retry) {
        throw new TransientError(
          `${method} ${path} failed after ${state.attempts} attempt(s) over ${formatMs(elapsedMs)}${queued(state)}; last: ${what} (${decision.reason}). ` +
            "CXone or the network is having trouble; it is safe to run `pulumi up` again (the PUT is idempotent).",
          { method, path, status: result.kind === "answer" ? result.status : undefined, cause: result.kind === "network" ? result.cause : undefined },
        );
      }
      if (tally !== null) tally.retries++;
      this.log(`CXone ${method} ${path}: ${what}; retry ${state.attempts + 1} in ${Math.round(decision.delayMs)} ms (${decision.reason})`);
      await this.sleep(decision.delayMs);
    }
  }

  private parseAction(answer: Answer, method: Method, path: string): DataAction {
    const body = parseJson(answer.text);
    if (!isDataAction(body)) throw unexpectedBody(method, path, answer.status, "a Data Action ({id, name, enabled, configuration})");
    return normalizeAction(body);
  }

  // -------------------------------------------------------------------------------------------
  // Token exchange (the cache in token.ts calls this; never through the limiter, so a call
  // waiting for a permit can never wait on a token request that waits for a permit)

  private async fetchToken(): Promise<IssuedToken> {
    const method = "POST";
    const path = this.tokenPath;
    const state: CallState = { attempts: 0, startedAt: this.clock.now(), queuedMs: 0 };
    const form = tokenRequestBody(this.#config.clientId, this.#config.clientSecret, this.settings.tokenScope);
    const headers = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
    this.log(`CXone POST ${path}: requesting an access token`);
    const answer = await this.retrying(method, path, state, null, () => this.send(method, this.#config.tokenUrl, headers, form));
    if (answer.status === 400 || answer.status === 401) {
      const server = serverMessage(answer.text, this.redact);
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
    if (issued === null) throw unexpectedBody(method, path, answer.status, "a token response with access_token");
    this.remember(issued.accessToken);
    return issued;
  }

  /** Tokens are redacted from any text this client passes on; older ones are no longer sent anywhere. */
  private remember(token: string): void {
    this.#recentTokens.push(token);
    if (this.#recentTokens.length > RECENT_TOKENS) this.#recentTokens.shift();
  }

  // -------------------------------------------------------------------------------------------
  // One HTTP exchange (http.ts), with this client's agent, limits and redaction

  private send(method: Method, url: string, headers: Record<string, string>, body: string | undefined): Promise<Attempt> {
    const limits = { timeoutMs: this.settings.requestTimeoutMs, maxBodyBytes: this.settings.maxResponseBytes };
    return exchange(this.agent, method, url, headers, body, limits, this.redact);
  }

  /** Credentials and recent tokens out of `text` (redact.ts); an arrow, so it can be passed on. */
  private readonly redact = (text: string): string => redact(text, [...this.#credentials, ...this.#recentTokens]);
}

// One client per tenant, API client, path and scope per process ------------------------------
const shared = new Map<string, CxoneClient>();

function sharedKey(config: ClientConfig, settings?: Partial<Settings>): string {
  return JSON.stringify([config.baseUrl.replace(/\/+$/, ""), config.clientId, settings?.actionsPath ?? DEFAULTS.actionsPath, settings?.tokenScope ?? DEFAULTS.tokenScope]);
}

/** The process-wide client of this tenant and API client; `deps` only apply when it is created. */
export function sharedClient(config: ClientConfig, deps?: ClientDeps): CxoneClient {
  const key = sharedKey(config, deps?.settings);
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
