/**
 * The host's stack config and the CXone client built from it. Stack config arrives once per
 * host through `configure`; it is stored synchronously, because the host may start a create
 * for the same provider text before that promise settles. Tokens are fetched lazily.
 */
import { sharedClient, type CxoneClient } from "../cxone/client";
import { requireCredentials, resolveLogLevel, resolveSettings, type ConfigSource } from "../cxone/config";
import { setLogLevel } from "../shared/log";

let configSource: ConfigSource | undefined;

/** The dynamic provider's `configure`: keeps the stack config the other hooks read their settings from. */
export async function configure(req: { config: ConfigSource }): Promise<void> {
  configSource = req.config;
  setLogLevel(resolveLogLevel(req.config));
}

export function settings() {
  return resolveSettings(configSource);
}

export function client(): CxoneClient {
  const resolved = settings();
  const credentials = requireCredentials(resolved);
  return sharedClient({ baseUrl: resolved.baseUrl, tokenUrl: resolved.tokenUrl, ...credentials });
}
