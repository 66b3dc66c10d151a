/**
 * Webhook delivery after an apply, in the Standard Webhooks convention (cxone-api.md):
 * the same `webhook-id` on every attempt so receivers can de-duplicate, a fresh
 * `webhook-timestamp` and signature per attempt, and only a 2xx counts as delivered.
 *
 * It never throws: the outcome is a plain-JSON WebhookResult the audit record embeds.
 * Its error text names the target by host only: receivers often carry a token in the path or
 * the query, and only the `webhookUrl` output may hold those (resource-spec.md). Network
 * failures are described from their codes, never from messages that may quote the URL.
 */
import { createHash, createHmac } from "node:crypto";
import { Agent, request, type Dispatcher } from "undici";
import { formatMs, parseRetryAfter } from "../cxone/retry";
import { DEFAULTS } from "../shared/defaults";
import { webhookAttemptLog } from "./hook-log";
import type { Clock, Sleep } from "../shared/types";

export interface WebhookResult {
  delivered: boolean;
  status: number | null; // the last HTTP status, null when no attempt got an answer
  attempts: number;
  error: string | null;
}

/**
 * The webhook-id of one change (cxone-api.md: the same for every retry of it, in one `pulumi up`
 * or a later one, and a new one for a new change): derived from what is delivered, the resource
 * (its ownership token), the action and the configuration applied, never from when it is sent.
 */
export function deliveryId(resourceToken: string, actionId: string, applied: unknown): string {
  return `msg_${createHash("sha256").update(JSON.stringify([resourceToken, actionId, applied])).digest("base64url").slice(0, 27)}`;
}

export interface WebhookOptions {
  url: string;
  id: string; // webhook-id: deliveryId() of the change, stable across retries and runs
  payload: unknown; // sent as JSON
  secret?: string; // signs with webhook-signature when set
  attempts: number; // attempts at most, the first included
  timeoutMs: number; // ms for one attempt: connect, headers and body
  backoffBaseMs: number; // ms, ceiling of the first full-jitter backoff, doubling per attempt
  drainBytes?: number; // bytes of an answer's body read and discarded at most; default DEFAULTS.webhookDrainBytes
  dispatcher?: Dispatcher; // default: an Agent of this delivery's own, closed at the end
  clock: Clock;
  sleep: Sleep;
  random: () => number;
}

/**
 * `v1,<base64 HMAC-SHA256 of "{id}.{timestampS}.{body}">`. A secret in the Standard Webhooks
 * form `whsec_<base64>` signs with the decoded bytes, as the reference libraries do; any
 * other secret signs with its UTF-8 bytes, which is what a receiver that takes a plain
 * shared string (like the emulator's) computes.
 */
export function signWebhook(secret: string, id: string, timestampS: number | string, body: string): string {
  const key = secret.startsWith("whsec_") ? Buffer.from(secret.slice("whsec_".length), "base64") : Buffer.from(secret, "utf8");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestampS}.${body}`).digest("base64")}`;
}

interface AttemptResult {
  status: number | null;
  retryAfter: string | null;
  failure: string | null; // why no answer arrived
}

function codeOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: { code?: unknown }; errors?: Array<{ code?: unknown }> } | null;
  const code = e?.code ?? e?.cause?.code ?? e?.errors?.[0]?.code;
  return typeof code === "string" ? code : undefined;
}

const TIMEOUT_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT"]);

/** A network failure in words, built from its code, never from a message that may quote the URL. */
function describeFailure(error: unknown, timeoutMs: number): string {
  const code = codeOf(error);
  const name = (error as { name?: unknown } | null)?.name;
  if (name === "TimeoutError" || name === "AbortError" || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return `no answer within ${formatMs(timeoutMs)}`;
  }
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused (ECONNREFUSED)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `could not resolve the host (${code})`;
    case "ECONNRESET":
    case "EPIPE":
    case "UND_ERR_SOCKET":
    case "UND_ERR_CLOSED":
      return `the connection closed before the answer was complete (${code})`;
    default:
      return `failed with ${typeof name === "string" ? name : "an error"}${code === undefined ? "" : ` (${code})`}`;
  }
}

async function attemptOnce(
  url: URL,
  headers: Record<string, string>,
  body: string,
  dispatcher: Dispatcher,
  timeoutMs: number,
  drainBytes: number,
): Promise<AttemptResult> {
  try {
    // The signal bounds the whole attempt, connect included; the undici timeouts are the
    // same bound expressed where undici checks it.
    const response = await request(url, {
      method: "POST",
      headers,
      body,
      dispatcher,
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const raw = response.headers["retry-after"];
    const retryAfter = Array.isArray(raw) ? raw[0] ?? null : raw ?? null;
    // The status decides; the body only has to be drained so the socket can be reused. dump()
    // reads at most `limit` bytes, discarding them, and past that closes the socket: an endless
    // or huge body costs neither memory nor time. A receiver that breaks off its body after a
    // status line still gave its answer.
    await response.body.dump({ limit: drainBytes }).catch(() => undefined);
    return { status: response.statusCode, retryAfter, failure: null };
  } catch (error) {
    return { status: null, retryAfter: null, failure: describeFailure(error, timeoutMs) };
  }
}

export async function deliverWebhook(opts: WebhookOptions): Promise<WebhookResult> {
  let target: URL;
  try {
    target = new URL(opts.url);
  } catch {
    return { delivered: false, status: null, attempts: 0, error: "webhookUrl is not a valid URL; set an absolute http(s) URL" };
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    return { delivered: false, status: null, attempts: 0, error: `webhookUrl must be an http(s) URL, not ${target.protocol}` };
  }
  let body: string;
  try {
    body = JSON.stringify(opts.payload);
  } catch {
    return { delivered: false, status: null, attempts: 0, error: "the webhook payload is not serializable as JSON" };
  }
  const where = `POST to the webhook receiver at ${target.host}`;
  const ownAgent = opts.dispatcher === undefined ? new Agent({ connectTimeout: opts.timeoutMs }) : undefined;
  const dispatcher = opts.dispatcher ?? (ownAgent as Agent);
  // The longest the delivery would take if every attempt timed out: a Retry-After that does
  // not fit in what is left of it is not waited for.
  const budgetMs = opts.attempts * opts.timeoutMs;
  const startedAt = opts.clock.now();
  let attempts = 0;
  let status: number | null = null;
  try {
    for (;;) {
      attempts++;
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "webhook-id": opts.id,
        "webhook-timestamp": String(Math.floor(opts.clock.now() / 1000)),
      };
      if (opts.secret !== undefined) {
        headers["webhook-signature"] = signWebhook(opts.secret, opts.id, Number(headers["webhook-timestamp"]), body);
      }
      const sentAt = opts.clock.now();
      const result = await attemptOnce(target, headers, body, dispatcher, opts.timeoutMs, opts.drainBytes ?? DEFAULTS.webhookDrainBytes);
      const logged = webhookAttemptLog(target, attempts, result, opts.clock.now() - sentAt);
      status = result.status;
      if (status !== null && status >= 200 && status < 300) return logged.final({ delivered: true, status, attempts, error: null });
      const what = status === null ? `failed: ${result.failure}` : `answered ${status}`;
      // 5xx and 429 say "not now"; any other answer is the receiver's final word.
      if (status !== null && status !== 429 && status < 500) {
        return logged.final({ delivered: false, status, attempts, error: `${where} ${what}; only a 2xx counts as delivered, and a ${status} is not retried` });
      }
      if (attempts >= opts.attempts) {
        return logged.final({ delivered: false, status, attempts, error: `${where} ${what} on attempt ${attempts} of ${opts.attempts}; gave up` });
      }
      const askedMs = parseRetryAfter(result.retryAfter, opts.clock.now());
      let delayMs: number;
      if (askedMs !== undefined) {
        const leftMs = Math.max(0, budgetMs - (opts.clock.now() - startedAt));
        if (askedMs > leftMs) {
          return logged.final({
            delivered: false,
            status,
            attempts,
            error: `${where} ${what} and asked to wait ${formatMs(askedMs)}, more than the ${formatMs(leftMs)} left of the delivery's ${formatMs(budgetMs)}; gave up`,
          });
        }
        delayMs = askedMs;
      } else {
        // Full jitter, as for API calls: receivers recovering from an outage are not hit in step.
        delayMs = opts.random() * opts.backoffBaseMs * 2 ** (attempts - 1);
      }
      logged.retry(delayMs, askedMs !== undefined);
      await opts.sleep(delayMs);
    }
  } catch {
    // Only an injected clock or sleep can throw here; the delivery must still not.
    return { delivered: false, status, attempts, error: `${where}: the delivery was interrupted after ${attempts} attempt(s)` };
  } finally {
    // Closing only releases idle sockets; a failure to do so changes nothing about the delivery.
    await ownAgent?.close().catch(() => undefined);
  }
}
