/** What one call's budget is charged (cxone-api.md's retries, DEFAULTS.callBudgetMs). Pure. */
import { formatMs } from "./retry";

/**
 * Shared by the attempts of one call, including the repeat after a 401, so one budget covers
 * both. The budget measures the server: time on the wire and in the waits it asked for. Time
 * queued for a limiter permit behind the deployment's other calls is kept apart (queuedMs): a
 * resource must not fail because others were ahead of it.
 */
export interface CallState {
  attempts: number;
  startedAt: number;
  queuedMs: number;
}

/** The time a call queued, when it is worth saying: it was not charged to the budget. */
export function queued(state: CallState): string {
  return state.queuedMs < 1_000 ? "" : ` (after ${formatMs(state.queuedMs)} queued behind this deployment's other calls, not counted)`;
}

/** What the call budget is charged: everything since the call started but its time queued. */
export function spentMs(state: CallState, now: number): number {
  return now - state.startedAt - state.queuedMs;
}
