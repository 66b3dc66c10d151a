/**
 * "The original design's approach", for side-by-side figures: per resource a name lookup
 * (one list page) and a PUT, each attempt retried up to three times on 429 after the
 * Retry-After the server sent, `parallel` resources at once, and no limiter shared between
 * them. One token is fetched first and cached for the whole run (the fair version: the
 * original asked for one per resource). Anything else than 200 fails the resource.
 */
import { setTimeout as delay } from "node:timers/promises";
import { Agent, request } from "undici";
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET } from "../provider/emulator/emulator";
import type { DataAction, DateProcessing } from "../provider/shared/types";
import { settleInPool } from "../harness/deployment";

const RETRIES_ON_429 = 3; // the original design's count
const RETRY_AFTER_ABSENT_MS = 1_000; // its wait when a 429 names no Retry-After
const RETRY_AFTER_MAX_MS = 60_000; // bounds the bench: a longer wait fails the resource
const ATTEMPT_TIMEOUT_MS = 15_000; // one attempt, headers and body
const ERRORS_KEPT = 3;

export interface BaselineItem {
  actionName: string;
  dateProcessing: DateProcessing;
}

export interface BaselineResult {
  wallMs: number;
  startedAtMs: number;
  failed: number;
  errors: string[];
}

interface Answer {
  status: number;
  text: string;
}

class Baseline {
  private readonly agent = new Agent({ keepAliveTimeout: 10_000 });
  private token = "";

  constructor(private readonly baseUrl: string, private readonly tokenUrl: string) {}

  /** One request, repeated after each 429 as the server asks, at most RETRIES_ON_429 times. */
  private async send(method: "GET" | "PUT" | "POST", url: string, headers: Record<string, string>, body?: string): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      const res = await request(url, { method, headers, body, dispatcher: this.agent, signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
      const answer = { status: res.statusCode, text: await res.body.text() };
      if (answer.status !== 429 || attempt >= RETRIES_ON_429) return answer;
      const header = res.headers["retry-after"];
      const value = Array.isArray(header) ? header[0] : header;
      const waitMs = retryAfterMs(value) ?? RETRY_AFTER_ABSENT_MS;
      if (waitMs > RETRY_AFTER_MAX_MS) return answer;
      await delay(waitMs);
    }
  }

  async fetchToken(): Promise<void> {
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: EMULATOR_CLIENT_ID,
      client_secret: EMULATOR_CLIENT_SECRET,
      scope: "dataactions:write dataactions:read",
    }).toString();
    const answer = await this.send("POST", this.tokenUrl, { "content-type": "application/x-www-form-urlencoded" }, form);
    if (answer.status !== 200) throw new Error(`baseline: POST token answered ${answer.status}`);
    this.token = (JSON.parse(answer.text) as { access_token: string }).access_token;
  }

  async apply(item: BaselineItem): Promise<void> {
    const auth = { authorization: `Bearer ${this.token}`, accept: "application/json" };
    const query = new URLSearchParams({ pageSize: "100", page: "1", filter: `name=${item.actionName}` });
    const listPath = `/api/v2/dataactions?${query}`;
    const listed = await this.send("GET", `${this.baseUrl}${listPath}`, auth);
    if (listed.status !== 200) throw new Error(`GET ${listPath} answered ${listed.status}`);
    const action = (JSON.parse(listed.text) as { entities: DataAction[] }).entities.find((a) => a.name === item.actionName);
    if (action === undefined) throw new Error(`GET ${listPath}: no action named ${item.actionName}`);
    const putPath = `/api/v2/dataactions/${encodeURIComponent(action.id)}`;
    const body = JSON.stringify({ ...action, enabled: true, configuration: { ...action.configuration, dateProcessing: item.dateProcessing } });
    const put = await this.send("PUT", `${this.baseUrl}${putPath}`, { ...auth, "content-type": "application/json" }, body);
    if (put.status !== 200) throw new Error(`PUT ${putPath} answered ${put.status}`);
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** Retry-After in ms: delay-seconds or an HTTP-date; undefined when absent or unreadable. */
function retryAfterMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export async function runBaseline(baseUrl: string, tokenUrl: string, items: readonly BaselineItem[], parallel: number): Promise<BaselineResult> {
  const client = new Baseline(baseUrl, tokenUrl);
  const startedAtMs = Date.now();
  const started = performance.now();
  try {
    await client.fetchToken();
    const settled = await settleInPool(items, parallel, (item) => client.apply(item));
    const failures = settled.flatMap((s) => (s.ok ? [] : [s.error instanceof Error ? s.error.message : String(s.error)]));
    return { wallMs: performance.now() - started, startedAtMs, failed: failures.length, errors: failures.slice(0, ERRORS_KEPT) };
  } finally {
    await client.close();
  }
}
