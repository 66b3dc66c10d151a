/**
 * Fault injection and throttling for the CXone emulator: pure decisions, no I/O.
 * The emulator asks "does this request get a fault?" and "may this request pass the
 * throttle?"; everything here is deterministic given the specs, the seed, the order
 * of requests and the clock readings passed in.
 */
import { ConfigError } from "../shared/errors";

/** The emulator's routes a fault can target; "any" matches each of the other five. */
export type FaultRoute = "token" | "list" | "get" | "put" | "webhook" | "any";
export type ConcreteRoute = Exclude<FaultRoute, "any">;
/** What a fault does: answer 429 or a 5xx, drop the connection, answer slowly, revoke the token,
 *  send a huge or endless body, shift the list between pages, or answer a gateway's 404 page. */
export type FaultKind = "429" | "5xx" | "drop" | "slow" | "revoke" | "huge" | "endless" | "shift" | "gateway404";
/** How a 429's Retry-After is written: seconds, an HTTP-date, or not at all. */
export type RetryAfterForm = "seconds" | "http-date" | "none";

/** A fault the emulator injects into the requests of one route. Which matching requests it hits
 *  (all optional): the first `count` after skipping `after`, and/or each with `probability`. */
export interface FaultSpec {
  /** The route whose requests it hits (`any` for all). */
  route: FaultRoute;
  /** What happens: a status, a dropped connection, a slow, huge or endless answer, a revoked token, a shifting list. */
  kind: FaultKind;
  /** Matching requests let through first; default 0. */
  after?: number;
  /** Requests hit after those; default every one. */
  count?: number;
  /** The chance each matching request is hit (seeded by `randomSeed`); default 1. */
  probability?: number;
  /** For 429, default "seconds". */
  retryAfter?: RetryAfterForm;
  /** For 429, default DEFAULTS.emulatorRetryAfterS. */
  retryAfterSeconds?: number;
  /** For 5xx (default 503) */
  status?: 500 | 502 | 503 | 504;
  /** For slow: delay before the response headers, default DEFAULTS.emulatorSlowDelayMs. */
  delayMs?: number;
  /** For huge: bytes of the body, all announced in content-length, default DEFAULTS.emulatorHugeBodyBytes. */
  bytes?: number;
  /** For shift (list only): actions created before the page is served, sorting first and matching its filter; default 1. */
  shiftBy?: number;
}

/** A token bucket over the API routes: requests past it get 429 with Retry-After. */
export interface ThrottleSpec {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** The bucket's size; default `ratePerSecond` rounded down (at least 1). */
  burst?: number;
  /** How Retry-After is written; default "seconds". */
  retryAfter?: RetryAfterForm;
}

const ROUTES: readonly FaultRoute[] = ["token", "list", "get", "put", "webhook", "any"];
const KINDS: readonly FaultKind[] = ["429", "5xx", "drop", "slow", "revoke", "huge", "endless", "shift", "gateway404"];
const RETRY_AFTER_FORMS: readonly RetryAfterForm[] = ["seconds", "http-date", "none"];
const STATUSES: readonly number[] = [500, 502, 503, 504];

/** mulberry32: a tiny seeded PRNG with a full 2^32 period; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

/** Throws ConfigError naming the bad field, so a typo in a test or on the CLI fails loudly. */
export function validateFaultSpec(spec: FaultSpec): FaultSpec {
  const where = `fault ${JSON.stringify(spec)}`;
  if (!ROUTES.includes(spec.route)) throw new ConfigError(`${where}: route must be one of ${ROUTES.join(", ")}`);
  if (!KINDS.includes(spec.kind)) throw new ConfigError(`${where}: kind must be one of ${KINDS.join(", ")}`);
  for (const key of ["after", "count", "retryAfterSeconds", "delayMs", "bytes", "shiftBy"] as const) {
    if (spec[key] !== undefined && !isNonNegativeInteger(spec[key])) {
      throw new ConfigError(`${where}: ${key} must be a non-negative integer`);
    }
  }
  if (spec.kind === "shift" && spec.route !== "list") {
    throw new ConfigError(`${where}: a shift fault moves list pages; its route must be list`);
  }
  const p = spec.probability;
  if (p !== undefined && !(typeof p === "number" && p >= 0 && p <= 1)) {
    throw new ConfigError(`${where}: probability must be a number from 0 to 1`);
  }
  if (spec.retryAfter !== undefined && !RETRY_AFTER_FORMS.includes(spec.retryAfter)) {
    throw new ConfigError(`${where}: retryAfter must be one of ${RETRY_AFTER_FORMS.join(", ")}`);
  }
  if (spec.status !== undefined && !STATUSES.includes(spec.status)) {
    throw new ConfigError(`${where}: status must be one of ${STATUSES.join(", ")}`);
  }
  return spec;
}

export function validateThrottleSpec(spec: ThrottleSpec): ThrottleSpec {
  const where = `throttle ${JSON.stringify(spec)}`;
  if (!(Number.isFinite(spec.ratePerSecond) && spec.ratePerSecond > 0)) {
    throw new ConfigError(`${where}: ratePerSecond must be a number above 0`);
  }
  if (spec.burst !== undefined && !(Number.isInteger(spec.burst) && spec.burst >= 1)) {
    throw new ConfigError(`${where}: burst must be an integer of at least 1`);
  }
  if (spec.retryAfter !== undefined && !RETRY_AFTER_FORMS.includes(spec.retryAfter)) {
    throw new ConfigError(`${where}: retryAfter must be one of ${RETRY_AFTER_FORMS.join(", ")}`);
  }
  return spec;
}

/**
 * The CLI's fault syntax: `route:kind[:key=value...]`, options separated by `:` or `,`,
 * e.g. `put:429:count=3`, `any:5xx:status=502,after=1,count=2`, `get:slow:delayMs=2000`.
 */
export function parseFaultSpec(text: string): FaultSpec {
  const [route, kind, ...options] = text.split(/[:,]/);
  const spec: Record<string, unknown> = { route, kind };
  for (const option of options) {
    const eq = option.indexOf("=");
    const key = option.slice(0, eq);
    const raw = option.slice(eq + 1);
    if (eq <= 0 || raw === "") throw new ConfigError(`fault "${text}": option "${option}" must be key=value`);
    switch (key) {
      case "retryAfter":
        spec[key] = raw;
        break;
      case "after":
      case "count":
      case "probability":
      case "retryAfterSeconds":
      case "status":
      case "delayMs":
      case "bytes":
      case "shiftBy":
        spec[key] = Number(raw);
        break;
      default:
        throw new ConfigError(
          `fault "${text}": unknown option "${key}"; use after, count, probability, retryAfter, retryAfterSeconds, status, delayMs, bytes or shiftBy`,
        );
    }
  }
  return validateFaultSpec(spec as unknown as FaultSpec);
}

/**
 * Decides, request by request, which fault (if any) applies. Every spec counts every
 * request to its route, whether or not an earlier spec fired, so `after`/`count` always
 * mean "the n-th request to this route"; when several specs fire, the first listed wins.
 */
export class FaultPlan {
  private readonly specs: FaultSpec[];
  private readonly seen: number[];
  private readonly random: () => number;

  constructor(specs: FaultSpec[], randomSeed: number) {
    this.specs = specs.map((s) => validateFaultSpec({ ...s }));
    this.seen = specs.map(() => 0);
    this.random = mulberry32(randomSeed);
  }

  next(route: ConcreteRoute): FaultSpec | undefined {
    let chosen: FaultSpec | undefined;
    this.specs.forEach((spec, i) => {
      if (spec.route !== route && spec.route !== "any") return;
      const n = this.seen[i]++;
      const after = spec.after ?? 0;
      const inWindow = n >= after && (spec.count === undefined || n < after + spec.count);
      // Draw only inside the window so the sequence of draws depends on request order alone.
      const fires = inWindow && (spec.probability === undefined || this.random() < spec.probability);
      if (fires && chosen === undefined) chosen = spec;
    });
    return chosen;
  }
}

/** A token bucket: `burst` tokens (default: one second's worth), refilled continuously. */
export class TokenBucket {
  private readonly rate: number;
  private readonly capacity: number;
  private tokens: number;
  private last: number;

  constructor(spec: ThrottleSpec, nowMs: number) {
    validateThrottleSpec(spec);
    this.rate = spec.ratePerSecond;
    this.capacity = spec.burst ?? Math.max(1, Math.floor(spec.ratePerSecond));
    this.tokens = this.capacity;
    this.last = nowMs;
  }

  /** Takes a token and returns 0, or returns the ms until the next token is available. */
  take(nowMs: number): number {
    // A clock that steps backwards (an injected test clock) must not mint tokens.
    const elapsedMs = Math.max(0, nowMs - this.last);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsedMs * this.rate) / 1000);
    this.last = Math.max(this.last, nowMs);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return ((1 - this.tokens) * 1000) / this.rate;
  }
}

/**
 * The Retry-After value announcing a wait of `waitMs`, or undefined for "none".
 * Seconds are rounded up so a client that honours them is never early. An HTTP-date
 * has whole-second resolution, so it is rounded up to the next whole second and is at
 * least one second ahead: a date that is already past would tell the client nothing.
 */
export function retryAfterValue(form: RetryAfterForm, waitMs: number, nowMs: number): string | undefined {
  switch (form) {
    case "none":
      return undefined;
    case "seconds":
      return String(Math.ceil(waitMs / 1000));
    case "http-date":
      return new Date(Math.ceil((nowMs + Math.max(waitMs, 1000)) / 1000) * 1000).toUTCString();
  }
}
