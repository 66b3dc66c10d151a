/**
 * The client's log lines against the emulator on a manual clock: one line per attempt with its
 * outcome and decision, network failures by code, the limiter wait kept apart from the
 * attempt's own duration.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { limiterWait, logAttempt, timedAttempt } from "../../provider/cxone/http-log";
import { SEED } from "../../provider/emulator/emulator";
import { clientWithEmulator, tally } from "../helpers/client";
import { manualClock } from "../helpers/emulator";
import { captureLog } from "../helpers/log";

const lines = captureLog();

/** [method, attempt, status or error, decision, reason] of each attempt line. */
function attempts() {
  return lines
    .filter((l) => l.includes(" event=http "))
    .map((l) => {
      const get = (key: string) => new RegExp(`\\b${key}=("(?:[^"\\\\]|\\\\.)*"|\\S+)`).exec(l)?.[1]?.replace(/^"|"$/g, "");
      return [get("method"), get("attempt"), get("status") ?? get("error"), get("decision"), get("reason")];
    });
}

test("a dropped connection: the attempt names the error code, the retry its backoff; the next attempt succeeds", async (t) => {
  const { client } = await clientWithEmulator(t, { emulator: { faults: [{ route: "get", kind: "drop", count: 1 }] }, random: () => 0.5 });
  await client.get(SEED.targetId, tally());
  const [token, dropped, ok] = attempts();
  assert.deepEqual(token, ["POST", "1", "200", "final", undefined]);
  assert.equal(dropped[0], "GET");
  assert.equal(dropped[1], "1");
  assert.match(String(dropped[2]), /^[A-Z_]+$/, "a code such as UND_ERR_SOCKET, not a message");
  assert.deepEqual(dropped.slice(3), ["retry", "backoff up to 250 ms"]);
  assert.deepEqual(ok, ["GET", "2", "200", "final", undefined]);
});

test("the last attempt says why it gave up", async (t) => {
  const { client } = await clientWithEmulator(t, {
    emulator: { faults: [{ route: "get", kind: "5xx", status: 503 }] },
    settings: { maxAttempts: 2 },
  });
  await assert.rejects(client.get(SEED.targetId, tally()));
  assert.deepEqual(attempts().slice(1), [
    ["GET", "1", "503", "retry", "backoff up to 250 ms"],
    ["GET", "2", "503", "give-up", "all 2 attempts used"],
  ]);
});

test("a 401 is final for its attempt; the renewed token's fetch and the repeat follow", async (t) => {
  const { emu, client } = await clientWithEmulator(t);
  await client.get(SEED.targetId, tally());
  emu.revokeTokens();
  lines.length = 0;
  await client.get(SEED.targetId, tally());
  assert.deepEqual(attempts(), [
    ["GET", "1", "401", "final", undefined],
    ["POST", "1", "200", "final", undefined],
    ["GET", "2", "200", "final", undefined],
  ]);
  assert.equal(lines.filter((l) => l.includes(" event=token ")).length, 1);
});

test("the limiter's wait is reported apart from the attempt's own duration", async () => {
  const clock = manualClock();
  const { result, timing } = await timedAttempt(async () => {
    const permit = await limiterWait(
      (async () => {
        clock.advance(300); // queued behind the limiter
        return "permit";
      })(),
      clock,
    );
    clock.advance(20); // the exchange itself
    return { kind: "answer" as const, status: 200, permit };
  }, clock);
  assert.equal(result.permit, "permit");
  logAttempt("PUT", "/api/v2/dataactions/da-1", 1, timing, result);
  assert.match(lines[0], / ms=20 limiter_ms=300 attempt=1 decision=final$/);
});
