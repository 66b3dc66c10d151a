/**
 * Figures read from the emulator's request log (pure): requests by route, 429 answers, the
 * throttle's floor, and a per-second timeline that shows how a client met the throttle.
 */
import type { RecordedRequest } from "../provider/emulator/emulator";

const THROTTLED_ROUTES = new Set(["token", "list", "get", "put"]); // the emulator's throttle covers these

export interface RouteCounts {
  token: number;
  list: number;
  get: number;
  put: number;
  other: number; // webhook and unknown routes
}

export interface LogFigures {
  total: number; // every request, 429 answers included
  accepted: RouteCounts; // requests answered with anything but 429, by route
  throttled: number; // 429 answers
  throttledByRoute: RouteCounts;
  unanswered: number; // no status recorded (the client went away)
}

const emptyCounts = (): RouteCounts => ({ token: 0, list: 0, get: 0, put: 0, other: 0 });

export function logFigures(records: readonly RecordedRequest[]): LogFigures {
  const accepted = emptyCounts();
  const throttledByRoute = emptyCounts();
  let throttled = 0;
  let unanswered = 0;
  for (const r of records) {
    const route = r.route === "token" || r.route === "list" || r.route === "get" || r.route === "put" ? r.route : "other";
    if (r.status === 0) unanswered++;
    else if (r.status === 429) {
      throttled++;
      throttledByRoute[route]++;
    } else accepted[route]++;
  }
  return { total: records.length, accepted, throttled, throttledByRoute, unanswered };
}

/** API requests (list, get, put) the server accepted: what one resource costs, tokens apart. */
export function acceptedApiRequests(f: LogFigures): number {
  return f.accepted.list + f.accepted.get + f.accepted.put;
}

/**
 * The least time a token bucket of `burst` tokens refilled at `ratePerS` needs to accept
 * these requests when it starts full: the burst goes at once, every further request waits
 * for its token. 429 answers take no token, so only accepted requests count.
 */
export function throttleFloorMs(records: readonly RecordedRequest[], burst: number, ratePerS: number): number {
  return (Math.max(0, chargedRequests(records) - burst) * 1000) / ratePerS;
}

/** Requests that took a token from the throttle's bucket: answered, on a throttled route, not 429. */
export function chargedRequests(records: readonly RecordedRequest[]): number {
  return records.filter((r) => THROTTLED_ROUTES.has(r.route) && r.status !== 429 && r.status !== 0).length;
}

export interface Silence {
  count: number; // gaps longer than thresholdMs between one request's arrival and the next
  totalMs: number;
  longestMs: number;
}

/** Stretches in which the client sent nothing at all: the pauses a Retry-After imposed. */
export function silences(records: readonly RecordedRequest[], thresholdMs = 250): Silence {
  const starts = records.map((r) => r.startedAt).sort((a, b) => a - b);
  const result: Silence = { count: 0, totalMs: 0, longestMs: 0 };
  for (let i = 1; i < starts.length; i++) {
    const gap = starts[i] - starts[i - 1];
    if (gap <= thresholdMs) continue;
    result.count++;
    result.totalMs += gap;
    result.longestMs = Math.max(result.longestMs, gap);
  }
  return result;
}

/**
 * One entry per second from `fromMs`: requests accepted that second, and "/k" when k were
 * answered 429, e.g. "61/9 48 50/2". The throttle accepts R per second once its burst is spent.
 */
export function timeline(records: readonly RecordedRequest[], fromMs: number): string {
  const bins: { ok: number; throttled: number }[] = [];
  for (const r of records) {
    if (!THROTTLED_ROUTES.has(r.route)) continue;
    const i = Math.max(0, Math.floor((r.startedAt - fromMs) / 1000));
    while (bins.length <= i) bins.push({ ok: 0, throttled: 0 });
    if (r.status === 429) bins[i].throttled++;
    else bins[i].ok++;
  }
  return bins.map((b) => (b.throttled > 0 ? `${b.ok}/${b.throttled}` : `${b.ok}`)).join(" ");
}

/** Milliseconds from `fromMs` to the first 429, or null when there was none. */
export function firstThrottleMs(records: readonly RecordedRequest[], fromMs: number): number | null {
  const first = records.find((r) => r.status === 429);
  return first === undefined ? null : first.startedAt - fromMs;
}
