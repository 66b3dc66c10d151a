import { DEFAULTS } from "../shared/defaults";
import { ConfigError } from "../shared/errors";
import { LOG_LEVELS, addLogSecret, parseLogLevel, type LogLevel } from "../shared/log";

/** What the provider needs to reach a tenant; read from stack config, then the environment. */
export interface ProviderSettings {
  baseUrl: string;
  tokenUrl: string;
  clientId: string | null;
  clientSecret: string | null;
  webhookSecret: string | null;
  /** The Data Action collection's path under baseUrl (cxone:apiPath). */
  actionsPath: string;
  /** The OAuth scopes requested, space-separated (cxone:scopes). */
  tokenScope: string;
}

/** The one method of Pulumi's dynamic `Config` we use; a plain map is enough in tests. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

const KEYS = {
  clientId: ["cxone:clientId", "CXONE_CLIENT_ID"],
  clientSecret: ["cxone:clientSecret", "CXONE_CLIENT_SECRET"],
  region: ["cxone:region", "CXONE_REGION"],
  baseUrl: ["cxone:baseUrl", "CXONE_BASE_URL"],
  tokenUrl: ["cxone:tokenUrl", "CXONE_TOKEN_URL"],
  webhookSecret: ["cxone:webhookSecret", "CXONE_WEBHOOK_SECRET"],
  logLevel: ["cxone:logLevel", "CXONE_LOG"],
  apiPath: ["cxone:apiPath", "CXONE_API_PATH"],
  scopes: ["cxone:scopes", "CXONE_SCOPES"],
} as const;

/** The settings a named tenant may set in `cxone:tenants`, and what each is called in messages. */
const TENANT_KEYS = ["region", "baseUrl", "tokenUrl", "clientId", "clientSecret", "apiPath", "scopes"] as const;

/** A tenant name: what a resource's `tenant` input holds, and a key of `cxone:tenants`. */
export const TENANT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function lookup(config: ConfigSource | undefined, env: NodeJS.ProcessEnv, [configKey, envKey]: readonly [string, string]): string | null {
  let fromConfig: string | undefined;
  try {
    fromConfig = config?.get(configKey);
  } catch {
    // A host that never received Configure has no config map; the environment still applies.
    fromConfig = undefined;
  }
  // Stack config wins over the environment (cxone-api.md, "Configuration"); empty counts as unset.
  const value = fromConfig !== undefined && fromConfig !== "" ? fromConfig : env[envKey];
  return value === undefined || value === "" ? null : value;
}

function checkedUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} "${value}" is not an absolute URL; set it like https://api-us.niceincontact.com`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError(`${name} must be an http(s) URL, got ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new ConfigError(`${name} must not carry credentials (the userinfo part before @); use cxone:clientId and cxone:clientSecret`);
  }
  // The API paths are appended to this URL: after a query or fragment they would land in it, and
  // a query often carries a token. The part is named, never printed.
  for (const [mark, part] of [["?", "a query"], ["#", "a fragment"]] as const) {
    if (value.includes(mark)) {
      throw new ConfigError(`${name} has ${part} (the part starting at "${mark}"); the API paths are appended to ${name}, so set it to the origin and path alone, like ${url.origin}${url.pathname === "/" ? "" : url.pathname}`);
    }
  }
  // The client secret travels to the token URL and bearer tokens to the base URL: without TLS
  // anyone on the path reads them. Plain http stays for loopback, where the emulator listens.
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    throw new ConfigError(
      `${name} ${url.origin} uses http:, which would send the client secret and access tokens unencrypted. ` +
        `Use https:// (set ${name} to https://${url.host}${url.pathname === "/" ? "" : url.pathname}); ` +
        "plain http: is accepted only for a loopback host (127.0.0.0/8, ::1, localhost), such as the emulator.",
    );
  }
  return value.replace(/\/+$/, "");
}

/** 127.0.0.0/8, ::1 or localhost, as URL.hostname spells them (IPv6 in brackets). */
export function isLoopback(hostname: string): boolean {
  if (hostname === "localhost" || hostname === "[::1]") return true;
  const octets = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(hostname);
  // WHATWG URL parsing has already normalised IPv4 forms such as 0x7f.1 or 2130706433 to dotted decimal.
  return octets !== null && octets[1] === "127";
}

/**
 * Resolves settings; URLs are validated here, credentials only when a call needs them. `tenant`
 * names an entry of the stack config `cxone:tenants` (a resource's `tenant` input): its settings
 * replace the stack's own `cxone:*` ones, with no environment fallback (the environment is one
 * tenant's, the stack's default). The webhook secret and log level are the stack's in either case.
 */
export function resolveSettings(config: ConfigSource | undefined, env: NodeJS.ProcessEnv = process.env, tenant: string | null = null): ProviderSettings {
  const named = tenant === null ? undefined : tenantSettings(config, tenant);
  const read = (key: keyof typeof KEYS & (typeof TENANT_KEYS)[number]) => (named === undefined ? lookup(config, env, KEYS[key]) : (named[key] ?? null));
  const where = (key: string) => (named === undefined ? `cxone:${key}` : `cxone:tenants.${tenant}.${key}`);
  const region = read("region") ?? DEFAULTS.region;
  const explicitBase = read("baseUrl");
  const baseUrl = explicitBase ? checkedUrl(explicitBase, where("baseUrl")) : checkedUrl(`https://api-${region}.niceincontact.com`, where("region"));
  const explicitToken = read("tokenUrl");
  // Every secret the provider resolves is known to the log's redaction, wherever its text goes later.
  [read("clientSecret"), lookup(config, env, KEYS.webhookSecret)].forEach(addLogSecret);
  return {
    baseUrl,
    tokenUrl: explicitToken ? checkedUrl(explicitToken, where("tokenUrl")) : `${baseUrl}${DEFAULTS.tokenPath}`,
    clientId: read("clientId"),
    clientSecret: read("clientSecret"),
    webhookSecret: lookup(config, env, KEYS.webhookSecret),
    actionsPath: checkedPath(read("apiPath") ?? DEFAULTS.actionsPath, where("apiPath")),
    tokenScope: checkedScopes(read("scopes") ?? DEFAULTS.tokenScope, where("scopes")),
  };
}

/** One entry of `cxone:tenants` (structured stack config), checked. */
function tenantSettings(config: ConfigSource | undefined, tenant: string): Partial<Record<(typeof TENANT_KEYS)[number], string>> {
  let text: string | undefined;
  try {
    text = config?.get("cxone:tenants");
  } catch {
    text = undefined;
  }
  const how = `pulumi config set --path cxone:tenants.${tenant}.baseUrl <url>, and --secret for cxone:tenants.${tenant}.clientSecret`;
  let tenants: unknown;
  try {
    tenants = text === undefined ? undefined : JSON.parse(text);
  } catch {
    throw new ConfigError(`cxone:tenants is not a map of tenants; set each one with ${how}`);
  }
  const entry = typeof tenants === "object" && tenants !== null && !Array.isArray(tenants) ? (tenants as Record<string, unknown>)[tenant] : undefined;
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    const known = typeof tenants === "object" && tenants !== null ? Object.keys(tenants) : [];
    throw new ConfigError(`the tenant "${tenant}" is not in the stack config cxone:tenants${known.length > 0 ? ` (it has ${known.join(", ")})` : ""}; add it with ${how}`);
  }
  const settings: Partial<Record<(typeof TENANT_KEYS)[number], string>> = {};
  for (const [key, value] of Object.entries(entry)) {
    if (!(TENANT_KEYS as readonly string[]).includes(key)) {
      throw new ConfigError(`cxone:tenants.${tenant}.${key} is not a tenant setting; the settings are ${TENANT_KEYS.join(", ")}`);
    }
    if (typeof value !== "string") throw new ConfigError(`cxone:tenants.${tenant}.${key} must be a string`);
    if (value !== "") settings[key as (typeof TENANT_KEYS)[number]] = value;
  }
  return settings;
}

/** An API path: absolute, no query, fragment, dot segment or percent escape (it is joined as is). */
function checkedPath(value: string, name: string): string {
  const trimmed = value.replace(/\/+$/, "");
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(trimmed) || trimmed.split("/").some((segment) => segment === "." || segment === "..")) {
    throw new ConfigError(`${name} "${value}" is not an API path; write one like ${DEFAULTS.actionsPath} (segments of letters, digits, ".", "_", "~" or "-")`);
  }
  return trimmed;
}

/** OAuth scopes: space-separated tokens of printable ASCII without quotes or backslashes (RFC 6749 3.3). */
function checkedScopes(value: string, name: string): string {
  const scopes = value.trim().split(/\s+/);
  if (scopes.some((scope) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope))) {
    throw new ConfigError(`${name} "${value}" is not a list of OAuth scopes; write them separated by spaces, like "${DEFAULTS.tokenScope}"`);
  }
  return scopes.join(" ");
}

/** The credentials, or an error that says exactly how to provide them. */
export function requireCredentials(settings: ProviderSettings, tenant: string | null = null): { clientId: string; clientSecret: string } {
  if (tenant !== null && (!settings.clientId || !settings.clientSecret)) {
    throw new ConfigError(
      `Missing CXone credentials for the tenant "${tenant}": set cxone:tenants.${tenant}.clientId and cxone:tenants.${tenant}.clientSecret ` +
        `(\`pulumi config set --path cxone:tenants.${tenant}.clientId <id>\` and \`pulumi config set --path --secret cxone:tenants.${tenant}.clientSecret <secret>\`).`,
    );
  }
  const missing = [
    settings.clientId ? null : "cxone:clientId (or CXONE_CLIENT_ID)",
    settings.clientSecret ? null : "cxone:clientSecret (or CXONE_CLIENT_SECRET)",
  ].filter((m): m is string => m !== null);
  if (missing.length > 0) {
    throw new ConfigError(
      `Missing CXone credentials: ${missing.join(" and ")}. ` +
        "Run `pulumi config set cxone:clientId <id>` and `pulumi config set --secret cxone:clientSecret <secret>`, " +
        "or export the environment variables before `pulumi up`.",
    );
  }
  return { clientId: settings.clientId as string, clientSecret: settings.clientSecret as string };
}

/** The diagnostic log level (shared/log.ts), or an error naming the setting and its values. */
export function resolveLogLevel(config: ConfigSource | undefined, env: NodeJS.ProcessEnv = process.env): LogLevel {
  const value = lookup(config, env, KEYS.logLevel) ?? undefined;
  const level = parseLogLevel(value);
  if (level === undefined) {
    throw new ConfigError(
      `cxone:logLevel (or CXONE_LOG) is "${value}"; use one of ${LOG_LEVELS.join(", ")} ` +
        "(`pulumi config set cxone:logLevel debug`, or `export CXONE_LOG=debug`).",
    );
  }
  return level;
}
