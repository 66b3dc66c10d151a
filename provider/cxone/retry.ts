/**
 * Whether, and after how long, one failed HTTP attempt is tried again. Pure: the caller
 * passes the outcome, the time facts and the random source, and does the waiting itself.
 */

export interface AttemptOutcome {
  method: string;
  status?: number;
  networkError?: boolean;
  timedOut?: boolean;
  retryAfter?: string | null;
  /** The answer's `Date` header: the server's clock, against which an HTTP-date Retry-After is read. */
  date?: string | null;
}

export interface RetryState {
  attempt: number; // 1-based: the attempt that just failed
  elapsedMs: number; // ms since the call started
  now: number; // ms since the epoch, to read an HTTP-date Retry-After
}

export interface RetryPolicy {
  maxAttempts: number; // attempts per call, the first included
  budgetMs: number; // ms one call may spend across its attempts and waits
  baseMs: number; // ms, ceiling of the first full-jitter backoff
  capMs: number; // ms, largest full-jitter backoff ceiling
  retryAfterMaxMs: number; // ms, longest Retry-After honoured
}

export type RetryDecision =
  | { retry: false; reason: string }
  | { retry: true; delayMs: number; reason: string; fromRetryAfter: boolean };

// 408 and 429 say "not now"; 500/502/503/504 are the transient server answers of cxone-api.md.
// 501 and 505 describe the request itself, so repeating it cannot help.
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);
// GET and PUT are idempotent (cxone-api.md); the only POST that reaches here is the token
// request, which the client routes here by choice. Anything else is not known to be safe.
const RETRYABLE_METHODS: ReadonlySet<string> = new Set(["GET", "PUT", "POST"]);

/** A duration for people: "250 ms", "1.5 s", "120 s". */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}

export function decideRetry(outcome: AttemptOutcome, state: RetryState, policy: RetryPolicy, random: () => number): RetryDecision {
  const method = outcome.method.toUpperCase();
  if (!RETRYABLE_METHODS.has(method)) return { retry: false, reason: `${method} is never retried` };
  const transient = outcome.networkError === true || outcome.timedOut === true || (outcome.status !== undefined && RETRYABLE_STATUSES.has(outcome.status));
  if (!transient) {
    return { retry: false, reason: outcome.status === undefined ? "not a transient failure" : `status ${outcome.status} is not retried` };
  }
  if (state.attempt >= policy.maxAttempts) return { retry: false, reason: `all ${policy.maxAttempts} attempts used` };
  const remainingMs = Math.max(0, policy.budgetMs - state.elapsedMs);
  const askedMs = parseRetryAfter(outcome.retryAfter, state.now, outcome.date);
  // The server knows its own recovery time better than any backoff formula, so its answer wins.
  if (askedMs !== undefined) {
    if (askedMs > policy.retryAfterMaxMs) {
      return { retry: false, reason: `the server asked to wait ${formatMs(askedMs)}, longer than the ${formatMs(policy.retryAfterMaxMs)} honoured` };
    }
    if (askedMs > remainingMs) {
      return {
        retry: false,
        reason: `the server asked to wait ${formatMs(askedMs)} but only ${formatMs(remainingMs)} of the ${formatMs(policy.budgetMs)} call budget remain`,
      };
    }
    return { retry: true, delayMs: askedMs, reason: `Retry-After ${formatMs(askedMs)}`, fromRetryAfter: true };
  }
  // Full jitter: concurrent callers that failed together spread out instead of returning together.
  const ceilingMs = Math.min(policy.capMs, policy.baseMs * 2 ** (state.attempt - 1));
  const delayMs = random() * ceilingMs;
  if (state.elapsedMs + delayMs > policy.budgetMs) return { retry: false, reason: `the ${formatMs(policy.budgetMs)} call budget is spent` };
  return { retry: true, delayMs, reason: `backoff up to ${formatMs(ceilingMs)}`, fromRetryAfter: false };
}

const DELAY_SECONDS = /^\d+(\.\d+)?$/;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTH = MONTHS.join("|");
// RFC 9110 section 5.6.7: a recipient must accept all three HTTP-date forms, always GMT.
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) (${MONTH}) (\\d{4}) (\\d{2}):(\\d{2}):(\\d{2}) GMT$`);
const RFC_850 = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-(${MONTH})-(\\d{2}) (\\d{2}):(\\d{2}):(\\d{2}) GMT$`);
const ASCTIME = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (${MONTH}) ([ \\d]\\d) (\\d{2}):(\\d{2}):(\\d{2}) (\\d{4})$`);

/** An HTTP-date as ms since the epoch, or undefined when it is not one (or names no real time). */
function parseHttpDate(text: string, now: number): number | undefined {
  let parts: [year: number, month: string, day: string, h: string, m: string, s: string] | undefined;
  let match = IMF_FIXDATE.exec(text);
  if (match) parts = [Number(match[3]), match[2], match[1], match[4], match[5], match[6]];
  else if ((match = RFC_850.exec(text))) {
    // A two-digit year more than 50 years ahead is in the past century (RFC 9110).
    const thisYear = new Date(now).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(match[3]);
    if (year > thisYear + 50) year -= 100;
    parts = [year, match[2], match[1], match[4], match[5], match[6]];
  } else if ((match = ASCTIME.exec(text))) parts = [Number(match[6]), match[1], match[2].trim(), match[3], match[4], match[5]];
  if (parts === undefined) return undefined;
  const [year, monthName, day, h, m, s] = parts;
  const month = MONTHS.indexOf(monthName);
  const ms = Date.UTC(year, month, Number(day), Number(h), Number(m), Number(s));
  // Date.UTC rolls Feb 30 over to Mar 2; a date that does not round-trip is not a date.
  const back = new Date(ms);
  const valid = back.getUTCDate() === Number(day) && back.getUTCMonth() === month && back.getUTCHours() === Number(h) &&
    back.getUTCMinutes() === Number(m) && back.getUTCSeconds() === Number(s);
  return valid ? ms : undefined;
}

/**
 * Retry-After as a wait in ms from `now`: delay-seconds (RFC 9110 says a non-negative
 * integer; decimals such as "1.5" are accepted too because some servers send them) or an
 * HTTP-date (a date already past means 0). Anything else is undefined, so the caller falls
 * back to its own backoff instead of trusting a value it cannot read.
 */
export function parseRetryAfter(value: string | null | undefined, now: number, serverDate?: string | null): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (DELAY_SECONDS.test(text)) {
    const ms = Number(text) * 1000;
    return Number.isFinite(ms) ? ms : undefined;
  }
  const at = parseHttpDate(text, now);
  if (at === undefined) return undefined;
  // An HTTP-date names a moment on the server's clock: read it against the server's own `Date`
  // when the answer has one, so a server whose clock is hours off still asks for seconds.
  const serverNow = serverDate === null || serverDate === undefined ? undefined : parseHttpDate(serverDate.trim(), now);
  return Math.max(0, at - (serverNow ?? now));
}

export interface RetryDefaults {
  maxAttempts: number;
  callBudgetMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  retryAfterMaxMs: number;
}

/** The policy from DEFAULTS-shaped settings (see provider/defaults.ts for units). */
export function retryPolicyFrom(defaults: RetryDefaults): RetryPolicy {
  return {
    maxAttempts: defaults.maxAttempts,
    budgetMs: defaults.callBudgetMs,
    baseMs: defaults.backoffBaseMs,
    capMs: defaults.backoffCapMs,
    retryAfterMaxMs: defaults.retryAfterMaxMs,
  };
}
