/** The emulator's public shapes; emulator.ts re-exports them. */
import type { DataAction } from "../shared/types";
import type { FaultRoute, FaultSpec, ThrottleSpec } from "./faults";

/** An OAuth client the emulator's token endpoint accepts. */
export interface EmulatorClient {
  /** The client secret it must present. */
  secret: string;
  /** "dataactions:read", "dataactions:write". */
  scopes: string[];
}

/** How to start an emulator (`startEmulator`); every option has a default. */
export interface EmulatorOptions {
  /** Default 0 (ephemeral); host is always 127.0.0.1. */
  port?: number;
  /** Entities, or a path to a JSON file holding an array of them; default: defaultSeed() */
  seed?: DataAction[] | string;
  /** Default { "emulator-client": { secret: "emulator-secret", scopes: [read, write] } }. */
  clients?: Record<string, EmulatorClient>;
  /** Default DEFAULTS.emulatorTokenTtlS, sent as expires_in. */
  tokenTtlSeconds?: number;
  /** Where the Data Action collection is served (a tenant whose API lives elsewhere); default the contract's /api/v2/dataactions. */
  actionsPath?: string;
  /** Faults injected into matching requests, in order; default none. */
  faults?: FaultSpec[];
  /** Seeds probability faults; default 1. */
  randomSeed?: number;
  /** Token bucket over the API routes (token route included, webhook receiver excluded) */
  throttle?: ThrottleSpec;
  /** The receiver verifies webhook-signature with it when set, using the standardwebhooks package. */
  webhookSecret?: string;
  /** Receiver answers this status (default DEFAULTS.emulatorWebhookStatus) */
  webhookStatus?: number;
  /** Request log lines (never a secret or token) */
  log?: (line: string) => void;
  /** Ms since the epoch; drives token expiry, the throttle's refill and Retry-After dates. */
  now?: () => number;
}

/** One request the emulator received, as `Emulator.requests` records it. */
export interface RecordedRequest {
  /** Its place in arrival order, from 1. */
  seq: number;
  /** The HTTP method. */
  method: string;
  /** The route it matched, as faults name routes. */
  route: FaultRoute | "other";
  /** The path without the query. */
  path: string;
  /** The query's parameters. */
  query: Record<string, string>;
  /** 0 while the response is pending, or when the request never got one. */
  status: number;
  /** API routes: the token presented (when known); token route: the token issued. */
  tokenSeq?: number;
  /** The request body, parsed as JSON or form when it was one. */
  body?: unknown;
  /** When it arrived (the emulator's clock, ms since the epoch). */
  startedAt: number;
  /** When its response ended (the emulator's clock, ms since the epoch). */
  endedAt: number;
  /** "throttle", or the FaultSpec kind that hit this request. */
  fault?: string;
}

/** One delivery the emulator's webhook receiver got. */
export interface WebhookDelivery {
  /** The `webhook-id` header. */
  id: string;
  /** The `webhook-timestamp` header. */
  timestamp: string;
  /** Null: no webhookSecret configured. */
  signatureValid: boolean | null;
  /** Why standardwebhooks refused it ("No matching signature found", "Message timestamp too old") */
  signatureProblem?: string;
  /** The JSON body. */
  body: unknown;
  /** The status the receiver answered. */
  status: number;
  /** An earlier delivery carried the same webhook-id. */
  duplicate: boolean;
}

/** A running emulator: its URLs, what it recorded, and controls for tests and demos. */
export interface Emulator {
  /** Http://127.0.0.1:PORT. */
  url: string;
  /** Url + DEFAULTS.tokenPath. */
  tokenUrl: string;
  /** Url + "/webhooks/receiver". */
  webhookUrl: string;
  /** Every request, in arrival order. */
  requests: RecordedRequest[];
  /** Every webhook delivery the receiver got, in arrival order. */
  deliveries: WebhookDelivery[];
  /** Live, mutable (tests edit it to simulate out-of-band changes) */
  store: Map<string, DataAction>;
  /** Every issued token becomes invalid (401) */
  revokeTokens(): void;
  /** Replaces the faults and restarts their counters and random sequence. */
  setFaults(faults: FaultSpec[]): void;
  /** A new, full bucket; undefined removes the throttle. */
  setThrottle(t: ThrottleSpec | undefined): void;
  /** The status the receiver answers from now on (undefined: the default) */
  setWebhookStatus(status: number | undefined): void;
  /** How many tokens the token endpoint has issued. */
  tokensIssued(): number;
  /** The token texts, revoked ones included, so tests can prove none leaked. */
  issuedTokens(): string[];
  /** Clear requests and deliveries. */
  reset(): void;
  /** Closes the server and every open socket, idle keep-alive ones included. */
  close(): Promise<void>;
}

