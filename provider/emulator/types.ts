/** The emulator's public shapes; emulator.ts re-exports them. */
import type { DataAction } from "../shared/types";
import type { FaultRoute, FaultSpec, ThrottleSpec } from "./faults";

export interface EmulatorClient {
  secret: string;
  scopes: string[]; // "dataactions:read", "dataactions:write"
}

export interface EmulatorOptions {
  port?: number; // default 0 (ephemeral); host is always 127.0.0.1
  seed?: DataAction[] | string; // entities, or a path to a JSON file holding an array of them; default: defaultSeed()
  clients?: Record<string, EmulatorClient>; // default { "emulator-client": { secret: "emulator-secret", scopes: [read, write] } }
  tokenTtlSeconds?: number; // default DEFAULTS.emulatorTokenTtlS, sent as expires_in
  faults?: FaultSpec[];
  randomSeed?: number; // seeds probability faults; default 1
  throttle?: ThrottleSpec; // token bucket over the API routes (token route included, webhook receiver excluded)
  webhookSecret?: string; // the receiver verifies webhook-signature with it when set, using the standardwebhooks package
  webhookStatus?: number; // receiver answers this status (default DEFAULTS.emulatorWebhookStatus)
  log?: (line: string) => void; // request log lines (never a secret or token)
  now?: () => number; // ms since the epoch; drives token expiry, the throttle's refill and Retry-After dates
}

export interface RecordedRequest {
  seq: number;
  method: string;
  route: FaultRoute | "other";
  path: string;
  query: Record<string, string>;
  status: number; // 0 while the response is pending, or when the request never got one
  tokenSeq?: number; // API routes: the token presented (when known); token route: the token issued
  body?: unknown;
  startedAt: number;
  endedAt: number;
  fault?: string; // "throttle", or the FaultSpec kind that hit this request
}

export interface WebhookDelivery {
  id: string;
  timestamp: string;
  signatureValid: boolean | null; // null: no webhookSecret configured
  signatureProblem?: string; // why standardwebhooks refused it ("No matching signature found", "Message timestamp too old")
  body: unknown;
  status: number;
  duplicate: boolean; // an earlier delivery carried the same webhook-id
}

export interface Emulator {
  url: string; // http://127.0.0.1:PORT
  tokenUrl: string; // url + DEFAULTS.tokenPath
  webhookUrl: string; // url + "/webhooks/receiver"
  requests: RecordedRequest[]; // every request, in arrival order
  deliveries: WebhookDelivery[];
  store: Map<string, DataAction>; // live, mutable (tests edit it to simulate out-of-band changes)
  revokeTokens(): void; // every issued token becomes invalid (401)
  setFaults(faults: FaultSpec[]): void; // replaces the faults and restarts their counters and random sequence
  setThrottle(t: ThrottleSpec | undefined): void; // a new, full bucket; undefined removes the throttle
  setWebhookStatus(status: number | undefined): void; // the status the receiver answers from now on (undefined: the default)
  tokensIssued(): number;
  issuedTokens(): string[]; // the token texts, revoked ones included, so tests can prove none leaked
  reset(): void; // clear requests and deliveries
  close(): Promise<void>; // closes the server and every open socket, idle keep-alive ones included
}

