/**
 * The client's log lines: one per HTTP attempt (method, path, status or network error code,
 * duration, limiter wait, attempt number, retry decision and reason) and one per token issued.
 * The client calls these in one line each; the wording and the timing live here.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { addLogSecret, log, logEnabled } from "../shared/log";
import type { RetryDecision } from "./retry";
import type { Clock } from "../shared/types";

/** What one attempt measured: when it began, how long the limiter held it, when the answer came. */
export interface AttemptTiming {
  startedAt: number; // ms since the epoch: the attempt was started (limiter wait included)
  sentAt: number; // the request left (the limiter granted it)
  endedAt: number; // the answer or failure came back
}

/** The outcome shapes the client's Attempt has; structural, so this file needs nothing from client.ts. */
type Outcome =
  | { kind: "answer"; status: number }
  | { kind: "too-large"; status: number }
  | { kind: "network"; timedOut: boolean; cause: { name: string; code?: string | undefined } };

// Per attempt, so the limiter wait lands on the attempt that waited, whatever else runs at once.
const currentAttempt = new AsyncLocalStorage<AttemptTiming>();

/** Runs one attempt and times it; `limiterWait` inside it records when the request left. */
export async function timedAttempt<T>(attempt: () => Promise<T>, clock: Clock): Promise<{ result: T; timing: AttemptTiming }> {
  const startedAt = clock.now();
  const timing: AttemptTiming = { startedAt, sentAt: startedAt, endedAt: startedAt };
  const result = await currentAttempt.run(timing, attempt);
  timing.endedAt = clock.now();
  return { result, timing };
}

/** Awaits a limiter permit and notes when it was granted, so the attempt's duration excludes the wait. */
export async function limiterWait<T>(permit: Promise<T>, clock: Clock): Promise<T> {
  const granted = await permit;
  const timing = currentAttempt.getStore();
  if (timing !== undefined) timing.sentAt = clock.now();
  return granted;
}

function decisionFields(decision: RetryDecision | undefined) {
  // No decision: the answer was not transient, so it goes back to the caller as it is.
  if (decision === undefined) return { decision: "final" };
  if (!decision.retry) return { decision: "give-up", reason: decision.reason };
  return { decision: "retry", delay_ms: Math.round(decision.delayMs), reason: decision.reason };
}

/**
 * The line of one HTTP attempt; returns `outcome` so a `return` can log on its way out.
 * Failed attempts (those with a retry decision) are info, the rest debug.
 */
export function logAttempt<O extends Outcome>(method: string, path: string, attempt: number, timing: AttemptTiming, outcome: O, decision?: RetryDecision): O {
  const at = decision === undefined ? "debug" : "info";
  if (!logEnabled(at)) return outcome;
  const waitedMs = timing.sentAt - timing.startedAt;
  log(at, "http", {
    method,
    path,
    status: outcome.kind === "network" ? undefined : outcome.status,
    // The code only, never the message: a network error's message may quote the URL.
    error: outcome.kind === "network" ? (outcome.timedOut ? "timeout" : outcome.cause.code ?? outcome.cause.name) : outcome.kind === "too-large" ? "response-too-large" : undefined,
    ms: Math.round(timing.endedAt - timing.sentAt),
    limiter_ms: waitedMs >= 1 ? Math.round(waitedMs) : undefined,
    attempt,
    ...decisionFields(decision),
  });
  return outcome;
}

/** A token was issued: it becomes a secret of the log, and the fetch is logged (never the token). */
export function logTokenIssued(accessToken: string, expiresInS: number): void {
  addLogSecret(accessToken);
  log("info", "token", { issued: true, expires_in_s: expiresInS });
}
