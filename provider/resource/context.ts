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

/** The tenant recorded in a resource's state (its `tenant` input as given), null for the stack's own. */
export function tenantOf(props: Record<string, unknown>): string | null {
  return typeof props.tenant === "string" && props.tenant !== "" ? props.tenant : null;
}

/** The settings of the stack's tenant, or of the named one in `cxone:tenants`. */
export function settings(tenant: string | null = null) {
  return resolveSettings(configSource, process.env, tenant);
}

/** The shared client of a tenant (the resource's `tenant` input; null: the stack's own). */
export function client(tenant: string | null = null): CxoneClient {
  const resolved = settings(tenant);
  const credentials = requireCredentials(resolved, tenant);
  return sharedClient({ baseUrl: resolved.baseUrl, tokenUrl: resolved.tokenUrl, ...credentials }, { settings: { actionsPath: resolved.actionsPath, tokenScope: resolved.tokenScope } });
}
