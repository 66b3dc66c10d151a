/**
 * The webhook's attempt lines against the emulator's receiver: one per attempt, the receiver's
 * host only, the retry decision, and never the URL's path or query, not even inside the
 * delivery's own error text.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { deliverWebhook } from "../../provider/resource/webhook";
import { withRequestId } from "../../provider/shared/log";
import { startEmulator } from "../helpers/emulator";
import { captureLog } from "../helpers/log";

const lines = captureLog();

test("a receiver that keeps answering 502: each attempt logged by host, the retries with their waits, then the give-up", async (t) => {
  const emulator = await startEmulator(t, { webhookStatus: 502 });
  const token = `query-token-${process.pid}`;
  let now = Date.UTC(2026, 0, 1);
  const result = await withRequestId("req-webhook", () =>
    deliverWebhook({
      url: `${emulator.webhookUrl}?token=${token}`,
      id: "req-webhook",
      payload: { type: "cxone.dateaction.applied" },
      attempts: 3,
      timeoutMs: 2_000,
      backoffBaseMs: 1_000,
      clock: { now: () => now },
      sleep: async (ms) => {
        now += ms;
      },
      random: () => 0.5,
    }),
  );
  assert.equal(result.delivered, false);
  assert.equal(lines.length, 3, lines.join("\n"));
  const host = new URL(emulator.url).host;
  const expected = [
    `req=req-webhook event=webhook host=${host} attempt=1 status=502 ms=0 decision=retry delay_ms=500 reason=backoff`,
    `req=req-webhook event=webhook host=${host} attempt=2 status=502 ms=0 decision=retry delay_ms=1000 reason=backoff`,
    `req=req-webhook event=webhook host=${host} attempt=3 status=502 ms=0 decision=give-up reason="POST to the webhook receiver at ${host} answered 502 on attempt 3 of 3; gave up"`,
  ];
  assert.deepEqual(
    lines.map((l) => l.slice(l.indexOf("req="))),
    expected,
  );
  for (const line of lines) {
    assert.equal(line.includes("/webhooks/receiver"), false, line);
    assert.equal(line.includes(token), false, line);
  }
});
