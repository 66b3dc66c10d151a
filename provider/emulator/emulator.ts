/**
 * A CXone Data Action API emulator on node:http, serving /work/shared/cxone-api.md:
 * OAuth client credentials, the paged loosely-filtered list, GET/PUT of one action (routes.ts),
 * plus a Standard Webhooks receiver (webhook-receiver.ts). This file is the transport: it
 * records every request (without token or secret text), applies the throttle and the faults of
 * ./faults, and writes the answers, hostile ones included. Loopback only, in memory.
 * It is the package's `pulumi-cxone-date-action/emulator` entry: everything public is exported here.
 */
import * as http from "node:http";
import { DEFAULTS } from "../shared/defaults";
import { ConfigError } from "../shared/errors";
import {
  FaultPlan,
  TokenBucket,
  retryAfterValue,
  validateThrottleSpec,
  type ConcreteRoute,
  type FaultSpec,
  type RetryAfterForm,
  type ThrottleSpec,
} from "./faults";
import { ApiRoutes, SCOPE_READ, SCOPE_WRITE, WEBHOOK_PATH, classify, message, otherRoute, redactFields, type Reply } from "./routes";
import { loadSeed } from "./store";
import type { Emulator, EmulatorClient, EmulatorOptions, RecordedRequest, WebhookDelivery } from "./types";
import { loadVerifier, receiveWebhook, type Verify } from "./webhook-receiver";
import type { DataAction } from "../shared/types";

export type { FaultRoute, FaultSpec, ThrottleSpec } from "./faults";
export type { Emulator, EmulatorClient, EmulatorOptions, RecordedRequest, WebhookDelivery } from "./types";
export { SEED, defaultSeed } from "./store";
export { SCOPE_READ, SCOPE_WRITE } from "./routes";

/** The client id the emulator accepts by default (`cxone:clientId` for a demo stack). */
export const EMULATOR_CLIENT_ID = "emulator-client";
/** The client secret the emulator accepts by default: a fixed, public test value, never a real secret. */
export const EMULATOR_CLIENT_SECRET = "emulator-secret";

const HOST = "127.0.0.1";
const GATEWAY_404_PAGE = "<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1><hr>gateway</body></html>\n";
const HOSTILE_CHUNK = Buffer.alloc(64 * 1024, " "); // JSON whitespace, reused for every chunk of a hostile body

class EmulatorServer implements Emulator {
  url = "";
  tokenUrl = "";
  webhookUrl = "";
  readonly requests: RecordedRequest[] = [];
  readonly deliveries: WebhookDelivery[] = [];
  readonly store: Map<string, DataAction>;
  readonly server: http.Server;

  private readonly api: ApiRoutes;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly now: () => number;
  private readonly actionsPath: string;
  private readonly randomSeed: number;
  private faults: FaultPlan;
  private throttle?: { spec: ThrottleSpec; bucket: TokenBucket };
  private seq = 0;
  private webhookStatus: number | undefined;

  constructor(
    private readonly options: EmulatorOptions,
    seed: DataAction[],
    private readonly verify: Verify | undefined,
  ) {
    this.now = options.now ?? Date.now;
    this.actionsPath = options.actionsPath ?? DEFAULTS.actionsPath;
    this.webhookStatus = options.webhookStatus;
    this.randomSeed = options.randomSeed ?? 1;
    const clients: Record<string, EmulatorClient> = options.clients ?? {
      [EMULATOR_CLIENT_ID]: { secret: EMULATOR_CLIENT_SECRET, scopes: [SCOPE_READ, SCOPE_WRITE] },
    };
    this.store = new Map(seed.map((a) => [a.id, a]));
    this.api = new ApiRoutes(this.store, clients, options.tokenTtlSeconds ?? DEFAULTS.emulatorTokenTtlS, this.now, this.actionsPath);
    this.faults = new FaultPlan(options.faults ?? [], this.randomSeed);
    this.setThrottle(options.throttle);
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  revokeTokens(): void {
    this.api.revokeTokens();
  }

  setFaults(faults: FaultSpec[]): void {
    this.faults = new FaultPlan(faults, this.randomSeed);
  }

  setWebhookStatus(status: number | undefined): void {
    this.webhookStatus = status;
  }

  setThrottle(t: ThrottleSpec | undefined): void {
    this.throttle = t && { spec: validateThrottleSpec(t), bucket: new TokenBucket(t, this.now()) };
  }

  issuedTokens(): string[] {
    return this.api.issuedTokens();
  }

  tokensIssued(): number {
    return this.api.tokensIssued();
  }

  reset(): void {
    // In place, so arrays a test already holds stay the live ones.
    this.requests.length = 0;
    this.deliveries.length = 0;
  }

  close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    return new Promise((resolve, reject) => {
      this.server.close((err) => {
        // A second close() finds the server stopped already; that is success, not failure.
        if (err && (err as NodeJS.ErrnoException).code !== "ERR_SERVER_NOT_RUNNING") reject(err);
        else resolve();
      });
      // server.close() alone waits for idle keep-alive sockets to time out; end them now.
      this.server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", `http://${HOST}`);
    const method = req.method ?? "GET";
    const route = classify(method, url.pathname, this.actionsPath);
    const record: RecordedRequest = {
      seq: ++this.seq,
      method,
      route,
      path: url.pathname,
      query: redactFields(Object.fromEntries(url.searchParams)),
      status: 0,
      startedAt: this.now(),
      endedAt: 0,
    };
    this.requests.push(record);
    let raw: Buffer;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      raw = Buffer.concat(chunks);
    } catch {
      // The client went away before its body arrived; there is no one to answer.
      record.endedAt = this.now();
      return;
    }
    if (route === "other") return this.send(res, record, otherRoute(method, url.pathname, this.actionsPath));
    const throttled = this.throttled(route, record);
    if (throttled) return this.send(res, record, throttled);
    const fault = this.faults.next(route);
    if (fault) record.fault = fault.kind;
    if (fault?.kind === "429") {
      const form = fault.retryAfter ?? "seconds";
      const waitMs = (fault.retryAfterSeconds ?? DEFAULTS.emulatorRetryAfterS) * 1000;
      return this.send(res, record, this.tooMany(form, waitMs, "injected fault"));
    }
    if (fault?.kind === "gateway404") {
      // A proxy or gateway in front of the API: a 404 that is an HTML page, not CXone's JSON error.
      record.status = 404;
      res.writeHead(404, { "content-type": "text/html; charset=utf-8" }).end(GATEWAY_404_PAGE);
      record.endedAt = this.now();
      return this.log(record);
    }
    if (fault?.kind === "5xx") {
      const status = fault.status ?? 503; // 503 Service Unavailable: the most common transient answer
      return this.send(res, record, message(status, `injected ${status} fault; retry later`));
    }
    // Revoke first, then serve: the request's own token is now invalid, so an API call
    // answers 401 and the client must fetch a new token (see docs/emulator.md).
    if (fault?.kind === "revoke") this.revokeTokens();
    const reply =
      route === "webhook"
        ? receiveWebhook(req, raw, record, this.deliveries, this.verify, this.webhookStatus)
        : this.api.serve(route, req, url, raw, record, fault?.kind === "shift" ? fault.shiftBy ?? 1 : 0);
    // The request is served (a PUT is stored) before a hostile answer replaces its body.
    this.send(res, record, reply, fault);
  }

  private throttled(route: ConcreteRoute, record: RecordedRequest): Reply | undefined {
    // The webhook receiver stands for an external scheduler, not CXone: CXone's throttle does not cover it.
    if (!this.throttle || route === "webhook") return undefined;
    const waitMs = this.throttle.bucket.take(this.now());
    if (waitMs === 0) return undefined;
    record.fault = "throttle";
    return this.tooMany(this.throttle.spec.retryAfter ?? "seconds", waitMs, "rate limit exceeded");
  }

  private tooMany(form: RetryAfterForm, waitMs: number, why: string): Reply {
    const retryAfter = retryAfterValue(form, waitMs, this.now());
    return message(429, `too many requests (${why}); retry later`, retryAfter === undefined ? undefined : { "retry-after": retryAfter });
  }

  private send(res: http.ServerResponse, record: RecordedRequest, reply: Reply, fault?: FaultSpec): void {
    let payload: Buffer;
    try {
      payload = Buffer.from(reply.body === undefined ? "" : JSON.stringify(reply.body));
    } catch (cause) {
      // Tests edit `store` freely; an entity JSON cannot encode (a BigInt, a cycle) must
      // answer 500 rather than throw inside the server of the process hosting the tests.
      reply = message(500, `the emulator cannot encode the response: ${(cause as Error).message}`);
      payload = Buffer.from(JSON.stringify(reply.body));
    }
    // The server's clock, as a real server sends it: Retry-After dates are on the same clock.
    const headers: Record<string, string | number> = { date: new Date(this.now()).toUTCString(), ...reply.headers, "content-length": payload.length };
    if (payload.length > 0) headers["content-type"] = "application/json; charset=utf-8";
    record.status = reply.status;
    const finish = () => {
      record.endedAt = this.now();
      this.log(record);
    };
    const write = () => {
      // The client may have given up meanwhile (a slow fault); writing then would raise an error.
      if (!res.destroyed) res.writeHead(reply.status, headers).end(payload);
      finish();
    };
    if (fault?.kind === "slow") {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        write();
      }, fault.delayMs ?? DEFAULTS.emulatorSlowDelayMs);
      this.timers.add(timer);
    } else if (fault?.kind === "huge" || fault?.kind === "endless") {
      this.sendHostile(res, reply.status, fault.kind === "huge" ? fault.bytes ?? DEFAULTS.emulatorHugeBodyBytes : undefined);
      finish();
    } else if (fault?.kind === "drop") {
      // Headers promise the whole body, half of it arrives, then the connection dies.
      // With no body there is nothing to cut short, so the connection dies before the headers.
      const socket = res.socket;
      if (payload.length === 0) socket?.destroy();
      else res.writeHead(reply.status, headers).write(payload.subarray(0, payload.length >> 1), () => socket?.destroy());
      finish();
    } else {
      write();
    }
  }

  /**
   * A body of `bytes` bytes under a content-length that announces them all, or, without `bytes`,
   * a chunked body that never ends. Written as the client reads (backpressure), from one reused
   * buffer, so the emulator's own memory stays flat; it stops when the client hangs up.
   */
  private sendHostile(res: http.ServerResponse, status: number, bytes: number | undefined): void {
    if (res.destroyed) return;
    const headers: Record<string, string | number> = { "content-type": "application/json; charset=utf-8" };
    if (bytes !== undefined) headers["content-length"] = bytes;
    // node:http drops every write to a 204, 205 or 304 and reports success: the body would never
    // leave and the loop below would never yield. Such an answer turns into a 200 with the body.
    res.writeHead(status === 204 || status === 205 || status === 304 ? 200 : status, headers);
    let left = bytes ?? Infinity;
    const pump = () => {
      while (left > 0 && !res.destroyed) {
        const chunk = left >= HOSTILE_CHUNK.length ? HOSTILE_CHUNK : HOSTILE_CHUNK.subarray(0, left);
        left -= chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      if (left === 0 && !res.destroyed) res.end();
    };
    pump();
  }

  private log(record: RecordedRequest): void {
    if (!this.options.log) return;
    const query = new URLSearchParams(record.query).toString();
    const parts = [
      `#${record.seq}`,
      record.method,
      record.path + (query ? `?${query}` : ""),
      `-> ${record.status}`,
      `${record.endedAt - record.startedAt}ms`,
    ];
    if (record.tokenSeq !== undefined) parts.push(`token#${record.tokenSeq}`);
    if (record.fault !== undefined) parts.push(`fault=${record.fault}`);
    this.options.log(parts.join(" "));
  }
}

/**
 * Starts the CXone emulator on 127.0.0.1 (port 0 by default: a free port) and resolves once it
 * listens; `close()` it when done. No account and no network beyond loopback.
 * @example const emulator = await startEmulator(); // emulator.url, emulator.tokenUrl
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const verify = options.webhookSecret === undefined ? undefined : await loadVerifier(options.webhookSecret);
  const emulator = new EmulatorServer(options, await loadSeed(options.seed), verify);
  const { server } = emulator;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new ConfigError("emulator: the server has no TCP address");
  emulator.url = `http://${HOST}:${address.port}`;
  emulator.tokenUrl = emulator.url + DEFAULTS.tokenPath;
  emulator.webhookUrl = emulator.url + WEBHOOK_PATH;
  return emulator;
}
