/**
 * Every tunable default of the provider, in one place. Each value carries its unit.
 * Code takes these through its options so tests can shrink them instead of waiting.
 */
export const DEFAULTS = {
  region: "us", // CXone region suffix of https://api-{region}.niceincontact.com
  tokenPath: "/api/v2/oauth2/token", // path appended to the base URL when no token URL is configured
  tokenScope: "dataactions:write dataactions:read", // OAuth scopes requested (cxone:scopes)
  actionsPath: "/api/v2/dataactions", // path of the Data Action collection under the base URL (cxone:apiPath)
  tokenExpiresInS: 3600, // seconds, when the token response has no expires_in
  tokenRefreshMarginMs: 60_000, // ms before expiry at which a cached token is renewed
  pageSize: 100, // entities per list page; the server clamps at 100
  maxPages: 1_000, // pages read at most by one name lookup (100,000 actions)
  requestTimeoutMs: 15_000, // ms for one HTTP attempt, headers and body
  connectTimeoutMs: 5_000, // ms to open a TCP connection
  maxResponseBytes: 4 * 1024 * 1024, // bytes (4 MiB) of one response body from the API or the token endpoint; a list page of 100 actions is about 60 KiB
  maxAttempts: 6, // attempts per HTTP call, the first included
  callBudgetMs: 90_000, // ms one HTTP call may spend across all its attempts and waits
  backoffBaseMs: 250, // ms, first full-jitter backoff ceiling
  backoffCapMs: 15_000, // ms, largest full-jitter backoff ceiling
  retryAfterMaxMs: 60_000, // ms, longest Retry-After honoured; longer means give up
  conflictRetries: 5, // extra read-merge-PUT rounds after a 409
  maxConcurrency: 16, // HTTP requests in flight per tenant
  rateFloorPerS: 1, // requests/s below which the adaptive limiter never goes
  rateInitialPerS: 10, // requests/s the limiter paces at when a tenant's first request goes out (slow start)
  rateInitialBurst: 2, // requests the limiter sends at once before its first 429 teaches it the server's burst
  rateSlowStartDoublingMs: 200, // ms of busy time per doubling of the rate, until the first 429
  rateDecrease: 0.9, // multiplier: the rate after a 429, of the rate the server was seen to take
  rateCubicPerS3: 1, // per s^3: after a 429 the rate regains, then probes past, that rate as 1 + c (t - K)^3 of it
  rateCubicMinPerS3: 0.00390625, // per s^3 (1/256): the least c, reached by halving it after each probe that found nothing more; a steady server then costs a 429 every 5-6 s
  rateWindowMs: 1_000, // ms, the shortest span the limiter measures the server's rate over
  rateIdleMs: 500, // ms with nothing queued or in flight after which the server's bucket counts as refilled: new work
  rateIdleHoldMs: 8_000, // ms of busy time new work is paced at the rate last measured before probing past it
  throttlePauseMs: 500, // ms every caller of a tenant holds after a 429 that names no Retry-After
  breakerThreshold: 8, // consecutive failed calls that open a tenant's breaker
  breakerCooldownMs: 15_000, // ms an open breaker fails fast before a trial call
  webhookAttempts: 4, // webhook POST attempts, the first included
  webhookTimeoutMs: 5_000, // ms for one webhook attempt
  webhookBackoffBaseMs: 200, // ms, first webhook backoff ceiling
  webhookDrainBytes: 64 * 1024, // bytes (64 KiB) of a webhook answer's body read and discarded; past it the socket is closed (the status is the answer)
  keepAliveTimeoutMs: 10_000, // ms an idle keep-alive socket stays open
  identifierMaxChars: 256, // characters of an actionName or actionId at most
  ownedValueMaxChars: 1_024, // characters of one owned dateProcessing string kept in state; a longer one is not CXone's
  emulatorTokenTtlS: 3600, // seconds a token issued by the emulator stays valid (sent as expires_in)
  emulatorListPageSize: 25, // entities per list page the emulator serves when the request names no pageSize
  emulatorMaxPageSize: 100, // largest pageSize the emulator serves; larger requests are clamped to it
  emulatorRetryAfterS: 1, // seconds an injected 429 announces in Retry-After when the fault names none
  emulatorSlowDelayMs: 1_000, // ms an injected "slow" fault holds the response headers when the fault names none
  emulatorParentPollMs: 500, // ms between checks that the process which started the emulator CLI still lives
  emulatorHugeBodyBytes: 64 * 1024 * 1024, // bytes (64 MiB) a "huge" fault declares in content-length and sends
  emulatorWebhookStatus: 204, // HTTP status the emulator's webhook receiver answers by default
} as const;

export type Defaults = typeof DEFAULTS;
