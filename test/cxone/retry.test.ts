/** decideRetry and parseRetryAfter, as tables. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULTS } from "../../provider/shared/defaults";
import { decideRetry, parseRetryAfter, retryPolicyFrom, type AttemptOutcome, type RetryPolicy, type RetryState } from "../../provider/cxone/retry";

const NOW = Date.UTC(2026, 9, 21, 7, 28, 0); // Wed, 21 Oct 2026 07:28:00 GMT
const POLICY: RetryPolicy = { maxAttempts: 5, budgetMs: 30_000, baseMs: 200, capMs: 3_000, retryAfterMaxMs: 10_000 };
const FIRST: RetryState = { attempt: 1, elapsedMs: 0, now: NOW };
const half = () => 0.5;

test("parseRetryAfter reads delay-seconds and the three HTTP-date forms, and refuses everything else", () => {
  const cases: Array<[value: string | null | undefined, expected: number | undefined]> = [
    ["2", 2000],
    ["0", 0],
    [" 3 ", 3000],
    ["120", 120_000],
    ["1.5", 1500],
    ["Wed, 21 Oct 2026 07:28:05 GMT", 5000], // IMF-fixdate, 5 s ahead
    ["Wednesday, 21-Oct-26 07:28:07 GMT", 7000], // RFC 850, two-digit year
    ["Wed Oct 21 07:28:09 2026", 9000], // asctime
    ["Sun Nov  1 07:28:00 2026", 11 * 86_400_000],
    ["Thu Oct  1 07:28:09 2026", 0], // asctime pads a one-digit day with a space; a past date
    ["Wed, 21 Oct 2026 07:28:00 GMT", 0], // exactly now
    ["Wed, 21 Oct 2026 07:27:00 GMT", 0], // a date already past
    ["Thu, 01 Jan 1970 00:00:00 GMT", 0],
    [null, undefined],
    [undefined, undefined],
    ["", undefined],
    ["soon", undefined],
    ["-1", undefined],
    ["1e3", undefined],
    ["0x10", undefined],
    ["2 s", undefined],
    [".5", undefined],
    ["Wed, 21 Oct 2026 07:28:05 PST", undefined], // HTTP-dates are always GMT
    ["Wed, 30 Feb 2026 07:28:05 GMT", undefined], // no such day
    ["Wed, 21 Oct 2026 25:00:00 GMT", undefined],
    ["2026-10-21T07:28:05Z", undefined], // ISO 8601 is not an HTTP-date
  ];
  for (const [value, expected] of cases) {
    assert.equal(parseRetryAfter(value, NOW), expected, `Retry-After ${JSON.stringify(value)}`);
  }
});

test("retryable outcomes: 408, 429, 500, 502, 503, 504, network errors and timeouts, for GET, PUT and POST", () => {
  const outcomes: AttemptOutcome[] = [];
  for (const method of ["GET", "PUT", "POST", "get"]) {
    for (const status of [408, 429, 500, 502, 503, 504]) outcomes.push({ method, status });
    outcomes.push({ method, networkError: true }, { method, timedOut: true });
  }
  for (const outcome of outcomes) {
    const decision = decideRetry(outcome, FIRST, POLICY, half);
    assert.deepEqual(decision, { retry: true, delayMs: 100, reason: "backoff up to 200 ms", fromRetryAfter: false }, JSON.stringify(outcome));
  }
});

test("never retried: 400, 401, 403, 404, 409 and every other status; methods other than GET, PUT, POST", () => {
  const cases: Array<[AttemptOutcome, string]> = [
    ...[400, 401, 403, 404, 409, 410, 422, 501, 505, 200, 301].map((status): [AttemptOutcome, string] => [{ method: "PUT", status }, `status ${status} is not retried`]),
    // A Retry-After on a status that is not retried changes nothing.
    [{ method: "GET", status: 400, retryAfter: "1" }, "status 400 is not retried"],
    [{ method: "DELETE", status: 503 }, "DELETE is never retried"],
    [{ method: "PATCH", networkError: true }, "PATCH is never retried"],
    [{ method: "GET" }, "not a transient failure"],
  ];
  for (const [outcome, reason] of cases) assert.deepEqual(decideRetry(outcome, FIRST, POLICY, half), { retry: false, reason }, JSON.stringify(outcome));
});

test("Retry-After wins over backoff, unless it is longer than retryAfterMaxMs or than the budget left", () => {
  const cases: Array<[outcome: AttemptOutcome, state: RetryState, expected: ReturnType<typeof decideRetry>]> = [
    [{ method: "GET", status: 429, retryAfter: "2" }, FIRST, { retry: true, delayMs: 2000, reason: "Retry-After 2 s", fromRetryAfter: true }],
    [{ method: "PUT", status: 503, retryAfter: "Wed, 21 Oct 2026 07:28:04 GMT" }, FIRST, { retry: true, delayMs: 4000, reason: "Retry-After 4 s", fromRetryAfter: true }],
    // Longer than the backoff cap is fine as long as it is under retryAfterMaxMs.
    [{ method: "GET", status: 429, retryAfter: "10" }, FIRST, { retry: true, delayMs: 10_000, reason: "Retry-After 10 s", fromRetryAfter: true }],
    [{ method: "GET", status: 429, retryAfter: "0" }, FIRST, { retry: true, delayMs: 0, reason: "Retry-After 0 ms", fromRetryAfter: true }],
    [{ method: "GET", status: 429, retryAfter: "Wed, 21 Oct 2026 07:00:00 GMT" }, FIRST, { retry: true, delayMs: 0, reason: "Retry-After 0 ms", fromRetryAfter: true }],
    [{ method: "GET", status: 429, retryAfter: "11" }, FIRST, { retry: false, reason: "the server asked to wait 11 s, longer than the 10 s honoured" }],
    [{ method: "GET", status: 429, retryAfter: "Wed, 21 Oct 2026 08:28:00 GMT" }, FIRST, { retry: false, reason: "the server asked to wait 3600 s, longer than the 10 s honoured" }],
    [
      { method: "GET", status: 429, retryAfter: "5" },
      { attempt: 2, elapsedMs: 26_000, now: NOW },
      { retry: false, reason: "the server asked to wait 5 s but only 4 s of the 30 s call budget remain" },
    ],
    // Garbage falls back to backoff.
    [{ method: "GET", status: 429, retryAfter: "later" }, FIRST, { retry: true, delayMs: 100, reason: "backoff up to 200 ms", fromRetryAfter: false }],
    [{ method: "GET", status: 429, retryAfter: null }, FIRST, { retry: true, delayMs: 100, reason: "backoff up to 200 ms", fromRetryAfter: false }],
  ];
  for (const [outcome, state, expected] of cases) assert.deepEqual(decideRetry(outcome, state, POLICY, half), expected, JSON.stringify(outcome));
});

test("full-jitter backoff: delay = random() * min(cap, base * 2^(attempt-1)), bounds included", () => {
  const cases: Array<[attempt: number, random: number, delayMs: number, ceiling: string]> = [
    [1, 0, 0, "200 ms"],
    [1, 0.999, 199.8, "200 ms"],
    [2, 0.5, 200, "400 ms"],
    [3, 1, 800, "800 ms"],
    [4, 0.25, 400, "1.6 s"],
    [4, 1, 1600, "1.6 s"],
  ];
  for (const [attempt, r, delayMs, ceiling] of cases) {
    const decision = decideRetry({ method: "GET", status: 503 }, { attempt, elapsedMs: 0, now: NOW }, POLICY, () => r);
    assert.deepEqual(decision, { retry: true, delayMs, reason: `backoff up to ${ceiling}`, fromRetryAfter: false }, `attempt ${attempt}, random ${r}`);
  }
  // The cap: attempt 5 would be 3.2 s, capped at 3 s; check with a policy that allows more attempts.
  const capped = decideRetry({ method: "GET", status: 503 }, { attempt: 9, elapsedMs: 0, now: NOW }, { ...POLICY, maxAttempts: 20 }, () => 1);
  assert.deepEqual(capped, { retry: true, delayMs: 3000, reason: "backoff up to 3 s", fromRetryAfter: false });
  // Over many draws the delay stays within [0, ceiling).
  let seed = 1;
  const lcg = () => ((seed = (seed * 48271) % 2147483647) - 1) / 2147483646;
  for (let i = 0; i < 500; i++) {
    const d = decideRetry({ method: "GET", networkError: true }, { attempt: 3, elapsedMs: 0, now: NOW }, POLICY, lcg);
    assert.ok(d.retry && d.delayMs >= 0 && d.delayMs <= 800, JSON.stringify(d));
  }
});

test("stops at maxAttempts and when the backoff would overrun the budget", () => {
  const cases: Array<[state: RetryState, random: number, expected: ReturnType<typeof decideRetry>]> = [
    [{ attempt: 5, elapsedMs: 0, now: NOW }, 0, { retry: false, reason: "all 5 attempts used" }],
    [{ attempt: 6, elapsedMs: 0, now: NOW }, 0, { retry: false, reason: "all 5 attempts used" }],
    [{ attempt: 4, elapsedMs: 0, now: NOW }, 0, { retry: true, delayMs: 0, reason: "backoff up to 1.6 s", fromRetryAfter: false }],
    // 29.5 s spent, 0.5 * 1.6 s = 800 ms more would end past 30 s.
    [{ attempt: 4, elapsedMs: 29_500, now: NOW }, 0.5, { retry: false, reason: "the 30 s call budget is spent" }],
    [{ attempt: 4, elapsedMs: 29_200, now: NOW }, 0.5, { retry: true, delayMs: 800, reason: "backoff up to 1.6 s", fromRetryAfter: false }],
    [{ attempt: 2, elapsedMs: 31_000, now: NOW }, 0, { retry: false, reason: "the 30 s call budget is spent" }],
  ];
  for (const [state, r, expected] of cases) {
    assert.deepEqual(decideRetry({ method: "PUT", status: 502 }, state, POLICY, () => r), expected, JSON.stringify(state));
  }
  // Retry-After also respects maxAttempts.
  assert.deepEqual(decideRetry({ method: "GET", status: 429, retryAfter: "1" }, { attempt: 5, elapsedMs: 0, now: NOW }, POLICY, half), {
    retry: false,
    reason: "all 5 attempts used",
  });
});

test("retryPolicyFrom maps the DEFAULTS names", () => {
  assert.deepEqual(retryPolicyFrom(DEFAULTS), {
    maxAttempts: DEFAULTS.maxAttempts,
    budgetMs: DEFAULTS.callBudgetMs,
    baseMs: DEFAULTS.backoffBaseMs,
    capMs: DEFAULTS.backoffCapMs,
    retryAfterMaxMs: DEFAULTS.retryAfterMaxMs,
  });
});
