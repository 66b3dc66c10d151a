/** The per-tenant circuit breaker with a clock the test moves. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CircuitBreaker } from "../../provider/cxone/breaker";
import { CircuitOpenError } from "../../provider/shared/errors";

function setup(threshold = 3, cooldownMs = 10_000) {
  let now = Date.UTC(2026, 0, 1);
  const breaker = new CircuitBreaker({ threshold, cooldownMs, clock: { now: () => now } });
  return {
    breaker,
    advance: (ms: number) => {
      now += ms;
    },
    at: () => now,
  };
}

function failFast(breaker: CircuitBreaker, what = "GET /api/v2/dataactions/da-1"): CircuitOpenError {
  try {
    breaker.check(what);
  } catch (error) {
    assert.ok(error instanceof CircuitOpenError, String(error));
    return error;
  }
  assert.fail("check() let the call through while the breaker should be open");
}

test("opens after `threshold` failures in a row; a success in between resets the count", () => {
  const { breaker } = setup(3);
  breaker.recordFailure();
  breaker.recordFailure();
  breaker.recordSuccess();
  breaker.recordFailure();
  breaker.recordFailure();
  assert.equal(breaker.state(), "closed");
  breaker.check("GET /x"); // still lets calls through
  breaker.recordFailure();
  assert.equal(breaker.state(), "open");
  const error = failFast(breaker);
  assert.equal(error.code, "CXONE_CIRCUIT_OPEN");
  assert.match(error.message, /^GET \/api\/v2\/dataactions\/da-1 was not sent: /);
  assert.match(error.message, /failed 3 calls in a row/);
  assert.match(error.message, /next trial call is allowed at 2026-01-01T00:00:10\.000Z \(in 10 s\)/);
  assert.match(error.message, /Check the CXone status page and the network path to cxone:baseUrl/);
});

test("after the cooldown exactly one trial call goes through; others still fail fast until it succeeds", () => {
  const { breaker, advance } = setup(2, 10_000);
  breaker.recordFailure();
  breaker.recordFailure();
  advance(9_999);
  failFast(breaker);
  assert.equal(breaker.state(), "open");
  advance(1);
  assert.equal(breaker.state(), "half-open");
  breaker.check("GET /trial"); // the trial
  const waiting = failFast(breaker);
  assert.match(waiting.message, /a trial call is under way/);
  advance(60_000);
  failFast(breaker); // however long the trial takes, only one is out
  breaker.recordSuccess();
  assert.equal(breaker.state(), "closed");
  breaker.check("GET /a");
  breaker.check("GET /b");
  // Closed again means a fresh count: one failure does not reopen it.
  breaker.recordFailure();
  assert.equal(breaker.state(), "closed");
});

test("a failed trial re-opens the breaker for a full cooldown from the failure", () => {
  const { breaker, advance } = setup(2, 10_000);
  breaker.recordFailure();
  breaker.recordFailure();
  advance(10_000);
  breaker.check("GET /trial");
  advance(3_000); // the trial takes 3 s, then fails
  breaker.recordFailure();
  assert.equal(breaker.state(), "open");
  const error = failFast(breaker);
  assert.match(error.message, /failed 3 calls in a row/);
  assert.match(error.message, /allowed at 2026-01-01T00:00:23\.000Z \(in 10 s\)/);
  advance(9_999);
  failFast(breaker);
  advance(1);
  breaker.check("GET /second-trial");
  breaker.recordSuccess();
  assert.equal(breaker.state(), "closed");
});

test("a call that was already in flight and succeeds while the breaker is open closes it", () => {
  const { breaker } = setup(2);
  breaker.recordFailure();
  breaker.recordFailure();
  assert.equal(breaker.state(), "open");
  breaker.recordSuccess();
  assert.equal(breaker.state(), "closed");
  breaker.check("GET /x");
});
