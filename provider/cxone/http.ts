/**
 * One HTTP exchange with CXone (an API call or the token request): the keep-alive agents shared
 * per tenant, the size-capped body read, and the reduction of a failure to plain data. What the
 * answer means (retry, renew the token, which typed error) is decided in client.ts.
 */
import type { IncomingHttpHeaders } from "node:http";
import { Agent, request } from "undici";

export type Method = "GET" | "PUT" | "POST";

/** A network failure reduced to name, code and a redacted message: undici errors carry sockets and more. */
export class NetworkFailure extends Error {
  readonly code: string | undefined;
  constructor(name: string, code: string | undefined, message: string) {
    super(message);
    this.name = name;
    this.code = code;
  }
}

/**
 * One HTTP attempt: an answer whose body was read completely, a body that outgrew the cap
 * (the status arrived, the body was cut off), or a failure to get an answer at all.
 */
export type Attempt =
  | { kind: "answer"; status: number; headers: IncomingHttpHeaders; text: string }
  | { kind: "too-large"; status: number; limitBytes: number }
  | { kind: "network"; timedOut: boolean; cause: NetworkFailure };
export type Answer = Extract<Attempt, { kind: "answer" }>;

export interface ExchangeLimits {
  timeoutMs: number; // one attempt: connect, headers and body
  maxBodyBytes: number; // the agent's cap, repeated here so the attempt can say what it was
}

// ---------------------------------------------------------------------------------------------
// Keep-alive agents, one per base URL, shared by every client of that tenant.

const agents = new Map<string, { agent: Agent; users: number }>();

export function borrowAgent(baseUrl: string, settings: { connectTimeoutMs: number; keepAliveTimeoutMs: number; maxResponseBytes: number }): Agent {
  let entry = agents.get(baseUrl);
  if (entry === undefined) {
    entry = {
      agent: new Agent({
        connectTimeout: settings.connectTimeoutMs,
        keepAliveTimeout: settings.keepAliveTimeoutMs,
        // undici counts the body bytes as they arrive (after de-chunking) and destroys the socket
        // with UND_ERR_RES_EXCEEDED_MAX_SIZE past this: an endless or huge body costs at most
        // this much per request in flight, never the whole answer.
        maxResponseSize: settings.maxResponseBytes,
        // No socket cap here: each client's limiter caps its requests in flight, and a request
        // queued inside undici would spend its per-attempt timeout waiting for a socket.
      }),
      users: 0,
    };
    agents.set(baseUrl, entry);
  }
  entry.users++;
  return entry.agent;
}

export async function returnAgent(baseUrl: string): Promise<void> {
  const entry = agents.get(baseUrl);
  if (entry === undefined) return;
  entry.users--;
  if (entry.users > 0) return;
  agents.delete(baseUrl);
  await entry.agent.close();
}

// ---------------------------------------------------------------------------------------------

const TOO_LARGE = "UND_ERR_RES_EXCEEDED_MAX_SIZE";

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** One request and its whole body, bounded in time and in size; never throws. */
export async function exchange(
  agent: Agent,
  method: Method,
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
  limits: ExchangeLimits,
  redact: (text: string) => string,
): Promise<Attempt> {
  const { timeoutMs } = limits;
  try {
    const response = await request(url, {
      method,
      headers,
      body,
      dispatcher: agent,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      // headersTimeout/bodyTimeout bound each phase; this bounds the whole attempt.
      signal: AbortSignal.timeout(timeoutMs),
    });
    try {
      // Reading every body, errors included, returns the socket to the keep-alive pool.
      return { kind: "answer", status: response.statusCode, headers: response.headers, text: await response.body.text() };
    } catch (error) {
      response.body.destroy();
      if (codeOf(error) === TOO_LARGE) return { kind: "too-large", status: response.statusCode, limitBytes: limits.maxBodyBytes };
      return networkFailure(error, redact);
    }
  } catch (error) {
    return networkFailure(error, redact);
  }
}

function networkFailure(error: unknown, redact: (text: string) => string): Attempt {
  const e = error as { name?: unknown; code?: unknown; message?: unknown };
  const name = typeof e?.name === "string" ? e.name : "Error";
  const code = codeOf(error);
  const timedOut =
    name === "TimeoutError" || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT" || code === "UND_ERR_CONNECT_TIMEOUT";
  const message = redact(typeof e?.message === "string" ? e.message : String(error));
  return { kind: "network", timedOut, cause: new NetworkFailure(name, code, message) };
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Bytes in words, for messages: "4 MiB", "512 KiB", "100 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
