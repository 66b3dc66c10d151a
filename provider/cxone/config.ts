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
} as const;

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
      throw new ConfigError(`${name} has ${part} (the part from "${mark}"); the API paths are appended to ${name}, so set it to the origin and path alone, like ${url.origin}${url.pathname === "/" ? "" : url.pathname}`);
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

/** Resolves settings; URLs are validated here, credentials only when a call needs them. */
export function resolveSettings(config: ConfigSource | undefined, env: NodeJS.ProcessEnv = process.env): ProviderSettings {
  const region = lookup(config, env, KEYS.region) ?? DEFAULTS.region;
  const explicitBase = lookup(config, env, KEYS.baseUrl);
  const baseUrl = explicitBase
    ? checkedUrl(explicitBase, "cxone:baseUrl")
    : checkedUrl(`https://api-${region}.niceincontact.com`, "cxone:region");
  const explicitToken = lookup(config, env, KEYS.tokenUrl);
  // Every secret the provider resolves is known to the log's redaction, wherever its text goes later.
  [lookup(config, env, KEYS.clientSecret), lookup(config, env, KEYS.webhookSecret)].forEach(addLogSecret);
  return {
    baseUrl,
    tokenUrl: explicitToken ? checkedUrl(explicitToken, "cxone:tokenUrl") : `${baseUrl}${DEFAULTS.tokenPath}`,
    clientId: lookup(config, env, KEYS.clientId),
    clientSecret: lookup(config, env, KEYS.clientSecret),
    webhookSecret: lookup(config, env, KEYS.webhookSecret),
  };
}

/** The credentials, or an error that says exactly how to provide them. */
export function requireCredentials(settings: ProviderSettings): { clientId: string; clientSecret: string } {
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
