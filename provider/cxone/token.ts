/**
 * The OAuth access-token cache of one API client: a cached token until shortly before it
 * expires, and one shared in-flight request when many calls need a token at the same time.
 * The HTTP exchange itself is the `fetch` function the client passes in, so this file holds
 * the caching rules and the pure form/response handling of the client-credentials grant.
 */
import type { Clock } from "../shared/types";
import { logTokenIssued } from "./http-log";

/** A token as the endpoint issued it; `expiresInS` is already defaulted. */
export interface IssuedToken {
  accessToken: string;
  expiresInS: number;
}

/** The form body of the client-credentials grant (cxone-api.md, "Authentication"). */
export function tokenRequestBody(clientId: string, clientSecret: string, scope: string): string {
  return new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret, scope }).toString();
}

/**
 * The token from a 200 answer, or null when the body is not a usable token response.
 * `expires_in` absent (or not a positive number) means `defaultExpiresInS`.
 */
export function parseTokenResponse(body: unknown, defaultExpiresInS: number): IssuedToken | null {
  if (typeof body !== "object" || body === null) return null;
  const { access_token: accessToken, expires_in: expiresIn } = body as Record<string, unknown>;
  if (typeof accessToken !== "string" || accessToken === "") return null;
  const expiresInS = typeof expiresIn === "number" && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : defaultExpiresInS;
  return { accessToken, expiresInS };
}

export class TokenCache {
  // #private, so util.inspect or JSON.stringify of the cache (or of a client holding it) never shows a token.
  #current: { token: string; renewAt: number } | null = null;
  #inflight: Promise<string> | null = null;

  constructor(
    private readonly fetch: () => Promise<IssuedToken>,
    private readonly clock: Clock,
    private readonly refreshMarginMs: number,
  ) {}

  /** A token valid for a while yet: the cached one, the one being fetched, or a new one. */
  token(): Promise<string> {
    if (this.#current !== null && this.clock.now() < this.#current.renewAt) return Promise.resolve(this.#current.token);
    // Every caller that arrives while a fetch is running shares it: 20 calls after a
    // revocation cost one token request, not 20.
    this.#inflight ??= this.fetch()
      .then((issued) => {
        logTokenIssued(issued.accessToken, issued.expiresInS);
        const lifetimeMs = issued.expiresInS * 1000;
        // A token shorter-lived than twice the margin would be "due for renewal" at once and
        // refetched on every call; renew such a token at half its lifetime instead.
        const marginMs = Math.min(this.refreshMarginMs, lifetimeMs / 2);
        this.#current = { token: issued.accessToken, renewAt: this.clock.now() + lifetimeMs - marginMs };
        return issued.accessToken;
      })
      .finally(() => {
        this.#inflight = null;
      });
    return this.#inflight;
  }

  /**
   * Drops `token` after the server answered 401 to it, but only if it is still the cached one:
   * a call that was in flight with the old token must not throw away the fresh token that
   * another call already fetched.
   */
  invalidate(token: string): void {
    if (this.#current?.token === token) this.#current = null;
  }
}
