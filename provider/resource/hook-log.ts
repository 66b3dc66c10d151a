/**
 * What ties one hook call together: a request id (the audit record's `requestId` and the
 * webhook's `webhook-id`) on every log line the call writes and in every error it throws, and
 * the webhook's attempt lines, which name the receiver's host only (its path and query are
 * the receiver's secret).
 */
import { randomUUID } from "node:crypto";
import { systemClock } from "../shared/clock";
import { currentRequestId, log, logEnabled, withRequestId, type LogFields } from "../shared/log";
import type { WebhookResult } from "./webhook";

/** The request id of the hook call in progress (a fresh one outside any). */
export function requestId(): string {
  return currentRequestId() ?? randomUUID();
}

/**
 * A copy of the error with ` (request id …)` appended to its message: its class, `code` and a
 * partial failure's `id`/`properties` (which Pulumi's host reads) as they were. A copy, because
 * one error object can reach several hook calls (a token fetch they all awaited): each call's
 * error names its own request id only.
 */
export function withRequestIdInMessage(error: unknown, id: string): Error {
  const suffix = ` (request id ${id})`;
  if (!(error instanceof Error)) return new Error(`${String(error)}${suffix}`);
  if (error.message.endsWith(suffix)) return error;
  const before = error.message;
  const { stack: _stack, ...own } = Object.getOwnPropertyDescriptors(error);
  const tagged = Object.create(Object.getPrototypeOf(error), own) as Error;
  tagged.message = `${before}${suffix}`;
  // A data property: newer V8 keeps `stack` as an accessor over the original error's internal
  // state, which a copy does not have.
  if (typeof error.stack === "string") {
    Object.defineProperty(tagged, "stack", { value: error.stack.replace(before, tagged.message), writable: true, configurable: true, enumerable: false });
  }
  // The host shows a partial failure's `reasons` too.
  const reasons = (error as { reasons?: unknown }).reasons;
  if (Array.isArray(reasons)) (tagged as { reasons?: unknown }).reasons = reasons.map((reason) => (reason === before ? tagged.message : reason));
  return tagged;
}

/** Only the plain values: props come from state and may hold anything there. */
function plain(fields: Record<string, unknown>): LogFields {
  const kept: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") kept[key] = value;
  }
  return kept;
}

/**
 * `fn` as a hook: one request id per call, a line when it starts (debug) and ends (info), and
 * the id in the message of anything it throws. `describe` names the resource in those lines.
 */
export function traced<A extends unknown[], R>(hook: string, fn: (...args: A) => Promise<R>, describe: (...args: A) => Record<string, unknown>): (...args: A) => Promise<R> {
  return (...args: A) => {
    const id = randomUUID();
    return withRequestId(id, async () => {
      const startedAt = systemClock.now();
      const about = logEnabled("info") ? plain(describe(...args)) : {};
      log("debug", "hook", { hook, phase: "start", ...about });
      try {
        const result = await fn(...args);
        log("info", "hook", { hook, phase: "end", outcome: "ok", ms: systemClock.now() - startedAt, ...about });
        return result;
      } catch (error) {
        const tagged = withRequestIdInMessage(error, id);
        const code = (tagged as { code?: unknown }).code;
        log("info", "hook", {
          hook,
          phase: "end",
          outcome: "error",
          code: typeof code === "string" ? code : tagged.name,
          ms: systemClock.now() - startedAt,
          ...about,
          error: tagged.message,
        });
        throw tagged;
      }
    });
  };
}

/**
 * The logger of one webhook attempt: `final` logs the delivery's outcome on the attempt that
 * ended it (and returns it), `retry` the wait before the next attempt.
 */
export function webhookAttemptLog(target: URL, attempt: number, answer: { status: number | null; failure: string | null }, ms: number) {
  // The URL's path and query are the receiver's secret: lines name the host, as the result's
  // error text does (webhook.ts), so nothing here can quote them.
  const fields = { host: target.host, attempt, status: answer.status ?? undefined, error: answer.failure ?? undefined, ms: Math.round(ms) };
  return {
    final(result: WebhookResult): WebhookResult {
      log(result.delivered ? "debug" : "info", "webhook", { ...fields, decision: result.delivered ? "delivered" : "give-up", reason: result.error ?? undefined });
      return result;
    },
    retry(delayMs: number, fromRetryAfter: boolean): void {
      log("info", "webhook", { ...fields, decision: "retry", delay_ms: Math.round(delayMs), reason: fromRetryAfter ? "Retry-After" : "backoff" });
    },
  };
}
