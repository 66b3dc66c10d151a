import assert from "node:assert/strict";
import { test } from "node:test";
import { requireCredentials, resolveSettings, type ConfigSource } from "../../provider/cxone/config";
import { ConfigError } from "../../provider/shared/errors";

const config = (values: Record<string, string>): ConfigSource => ({ get: (key) => values[key] });

test("stack config wins over the environment; defaults fill the rest", () => {
  const cases: { name: string; config: Record<string, string>; env: Record<string, string>; expect: Partial<ReturnType<typeof resolveSettings>> }[] = [
    {
      name: "nothing set: region us, token URL under the base URL",
      config: {},
      env: {},
      expect: { baseUrl: "https://api-us.niceincontact.com", tokenUrl: "https://api-us.niceincontact.com/api/v2/oauth2/token", clientId: null, clientSecret: null, webhookSecret: null },
    },
    { name: "region from the environment", config: {}, env: { CXONE_REGION: "eu" }, expect: { baseUrl: "https://api-eu.niceincontact.com" } },
    { name: "config region beats the environment", config: { "cxone:region": "au" }, env: { CXONE_REGION: "eu" }, expect: { baseUrl: "https://api-au.niceincontact.com" } },
    {
      name: "baseUrl wins over region; a trailing slash is dropped",
      config: { "cxone:baseUrl": "http://127.0.0.1:8080/", "cxone:region": "eu" },
      env: {},
      expect: { baseUrl: "http://127.0.0.1:8080", tokenUrl: "http://127.0.0.1:8080/api/v2/oauth2/token" },
    },
    { name: "an explicit token URL", config: { "cxone:tokenUrl": "https://auth.example.test/token" }, env: {}, expect: { tokenUrl: "https://auth.example.test/token" } },
    {
      name: "credentials: config first, then the environment, empty counts as unset",
      config: { "cxone:clientId": "from-config", "cxone:clientSecret": "" },
      env: { CXONE_CLIENT_ID: "from-env", CXONE_CLIENT_SECRET: "env-secret", CXONE_WEBHOOK_SECRET: "hook" },
      expect: { clientId: "from-config", clientSecret: "env-secret", webhookSecret: "hook" },
    },
  ];
  for (const c of cases) {
    const settings = resolveSettings(config(c.config), c.env);
    for (const [key, value] of Object.entries(c.expect)) assert.equal(settings[key as keyof typeof settings], value, `${c.name}: ${key}`);
  }
});

test("a host without Configure still reads the environment", () => {
  const throwing: ConfigSource = { get: () => { throw new TypeError("no config map"); } };
  assert.equal(resolveSettings(throwing, { CXONE_CLIENT_ID: "env-id" }).clientId, "env-id");
  assert.equal(resolveSettings(undefined, { CXONE_CLIENT_ID: "env-id" }).clientId, "env-id");
});

test("bad URLs and missing credentials fail with what to set, never with a secret", () => {
  assert.throws(() => resolveSettings(config({ "cxone:baseUrl": "api.example.test" }), {}), (e: unknown) => e instanceof ConfigError && /cxone:baseUrl.*absolute URL/.test(e.message));
  assert.throws(() => resolveSettings(config({ "cxone:baseUrl": "ftp://x.test" }), {}), /http\(s\)/);
  assert.throws(() => resolveSettings(config({ "cxone:tokenUrl": "https://id:pw@auth.test/t" }), {}), /must not carry credentials/);
  const missing = resolveSettings(config({ "cxone:clientSecret": "s3cr3t-value" }), {});
  assert.throws(
    () => requireCredentials(missing),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.code === "CXONE_CONFIG" &&
      e.message.includes("cxone:clientId (or CXONE_CLIENT_ID)") &&
      !e.message.includes("cxone:clientSecret (or") &&
      e.message.includes("pulumi config set --secret cxone:clientSecret") &&
      !e.message.includes("s3cr3t-value"),
  );
  assert.deepEqual(requireCredentials(resolveSettings(config({ "cxone:clientId": "id", "cxone:clientSecret": "secret" }), {})), { clientId: "id", clientSecret: "secret" });
});

test("credentials travel over TLS only: http: is refused unless the host is loopback", () => {
  // [key, URL, accepted]
  const table: Array<[string, string, boolean]> = [
    ["cxone:baseUrl", "http://api-us.niceincontact.com", false],
    ["cxone:baseUrl", "http://10.0.0.5:8080", false],
    ["cxone:baseUrl", "http://128.0.0.1", false],
    ["cxone:baseUrl", "http://localhost.example.com", false],
    ["cxone:baseUrl", "http://[::2]:80", false],
    ["cxone:tokenUrl", "http://auth.example.test/token", false],
    ["cxone:baseUrl", "https://api-us.niceincontact.com", true],
    ["cxone:tokenUrl", "https://auth.example.test/token", true],
    ["cxone:baseUrl", "http://127.0.0.1:8080", true],
    ["cxone:baseUrl", "http://127.45.6.7:8080", true],
    ["cxone:baseUrl", "http://0x7f.1:9", true], // WHATWG spelling of 127.0.0.1
    ["cxone:baseUrl", "http://[::1]:8080", true],
    ["cxone:baseUrl", "http://localhost:8080", true],
    ["cxone:tokenUrl", "http://127.0.0.1:8080/api/v2/oauth2/token", true],
  ];
  for (const [key, url, accepted] of table) {
    const env = { CXONE_CLIENT_ID: "id" };
    if (accepted) {
      assert.doesNotThrow(() => resolveSettings(config({ [key]: url }), env), url);
      continue;
    }
    assert.throws(
      () => resolveSettings(config({ [key]: url }), env),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message.startsWith(`${key} `) &&
        /uses http:, which would send the client secret and access tokens unencrypted/.test(e.message) &&
        e.message.includes("Use https://") &&
        e.message.includes("loopback host (127.0.0.0/8, ::1, localhost)"),
      url,
    );
  }
  // The suggested fix is the same URL over https.
  assert.throws(() => resolveSettings(config({ "cxone:tokenUrl": "http://auth.example.test/oauth/token" }), {}), /set cxone:tokenUrl to https:\/\/auth\.example\.test\/oauth\/token/);
});

test("a baseUrl or tokenUrl with a query, fragment or userinfo is refused, naming the part and never printing it", () => {
  // [key, value, the part named]
  const cases: Array<[string, string, RegExp]> = [
    ["cxone:baseUrl", "https://api.test/?token=tok-SECRET-1", /has a query \(the part starting at "\?"\).*like https:\/\/api\.test$/],
    ["cxone:baseUrl", "https://api.test/base?", /has a query.*like https:\/\/api\.test\/base$/],
    ["cxone:baseUrl", "https://api.test/base#tok-SECRET-1", /has a fragment \(the part starting at "#"\)/],
    ["cxone:tokenUrl", "https://auth.test/token?x=tok-SECRET-1", /cxone:tokenUrl has a query/],
    ["cxone:tokenUrl", "https://auth.test/token#", /cxone:tokenUrl has a fragment/],
    ["cxone:baseUrl", "https://user:tok-SECRET-1@api.test", /cxone:baseUrl must not carry credentials \(the userinfo part before @\)/],
  ];
  for (const [key, value, named] of cases) {
    assert.throws(
      () => resolveSettings(config({ [key]: value }), {}),
      (e: unknown) => e instanceof ConfigError && named.test(e.message) && !e.message.includes("tok-SECRET-1"),
      value,
    );
  }
  // The same through the environment.
  assert.throws(() => resolveSettings(config({}), { CXONE_BASE_URL: "https://api.test/?q=1" }), /cxone:baseUrl has a query/);
});

test("cxone:tenants: a named tenant's settings replace the stack's, with no environment fallback; apiPath and scopes too", () => {
  const tenants = JSON.stringify({ eu: { baseUrl: "https://api-eu.example.test/", clientId: "eu-id", clientSecret: "eu-secret", apiPath: "/v9/actions/", scopes: " a:read  a:write " } });
  const env = { CXONE_CLIENT_ID: "env-id", CXONE_CLIENT_SECRET: "env-secret" };
  const eu = resolveSettings(config({ "cxone:tenants": tenants, "cxone:baseUrl": "https://stack.example.test" }), env, "eu");
  assert.deepEqual(
    { baseUrl: eu.baseUrl, tokenUrl: eu.tokenUrl, clientId: eu.clientId, clientSecret: eu.clientSecret, actionsPath: eu.actionsPath, tokenScope: eu.tokenScope },
    { baseUrl: "https://api-eu.example.test", tokenUrl: "https://api-eu.example.test/api/v2/oauth2/token", clientId: "eu-id", clientSecret: "eu-secret", actionsPath: "/v9/actions", tokenScope: "a:read a:write" },
  );
  // The stack's own settings, and the environment, for no tenant.
  const own = resolveSettings(config({ "cxone:tenants": tenants, "cxone:baseUrl": "https://stack.example.test" }), env);
  assert.deepEqual([own.baseUrl, own.clientId, own.actionsPath, own.tokenScope], ["https://stack.example.test", "env-id", "/api/v2/dataactions", "dataactions:write dataactions:read"]);
  // A named tenant without credentials does not borrow the environment's.
  const bare = resolveSettings(config({ "cxone:tenants": JSON.stringify({ us2: { region: "us2" } }) }), env, "us2");
  assert.equal(bare.baseUrl, "https://api-us2.niceincontact.com");
  assert.throws(() => requireCredentials(bare, "us2"), /Missing CXone credentials for the tenant "us2": set cxone:tenants\.us2\.clientId and cxone:tenants\.us2\.clientSecret/);
});

test("cxone:tenants, cxone:apiPath and cxone:scopes refuse what they cannot use, naming the setting", () => {
  // [config, tenant, the message]
  const cases: Array<[Record<string, string>, string | null, RegExp]> = [
    [{}, "eu", /the tenant "eu" is not in the stack config cxone:tenants; add it with pulumi config set --path cxone:tenants\.eu\.baseUrl <url>/],
    [{ "cxone:tenants": JSON.stringify({ us: {}, ap: {} }) }, "eu", /not in the stack config cxone:tenants \(it has us, ap\)/],
    [{ "cxone:tenants": "not json" }, "eu", /cxone:tenants is not a map of tenants/],
    [{ "cxone:tenants": JSON.stringify({ eu: { baseURL: "x" } }) }, "eu", /cxone:tenants\.eu\.baseURL is not a tenant setting; the settings are region, baseUrl, tokenUrl, clientId, clientSecret, apiPath, scopes/],
    [{ "cxone:tenants": JSON.stringify({ eu: { clientId: 7 } }) }, "eu", /cxone:tenants\.eu\.clientId must be a string/],
    [{ "cxone:tenants": JSON.stringify({ eu: { baseUrl: "https://x.test/?k=tok" } }) }, "eu", /cxone:tenants\.eu\.baseUrl has a query/],
    [{ "cxone:apiPath": "api/v2" }, null, /cxone:apiPath "api\/v2" is not an API path; write one like \/api\/v2\/dataactions/],
    [{ "cxone:apiPath": "/api/../admin" }, null, /cxone:apiPath "\/api\/\.\.\/admin" is not an API path/],
    [{ "cxone:apiPath": "/api?x=1" }, null, /is not an API path/],
    [{ "cxone:scopes": 'a "b"' }, null, /cxone:scopes "a "b"" is not a list of OAuth scopes/],
    [{ "cxone:tenants": JSON.stringify({ eu: { apiPath: "x" } }) }, "eu", /cxone:tenants\.eu\.apiPath "x" is not an API path/],
  ];
  for (const [values, tenant, message] of cases) {
    assert.throws(() => resolveSettings(config(values), {}, tenant), (e: unknown) => e instanceof ConfigError && message.test(e.message), `${JSON.stringify(values)} ${tenant}: ${message}`);
  }
});
