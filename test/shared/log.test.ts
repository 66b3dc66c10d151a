/**
 * The log's pure parts (line format, level names), its level and request-id plumbing with a
 * captured sink, and the request id a hook's error carries.
 */
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { resolveLogLevel, resolveSettings, type ConfigSource } from "../../provider/cxone/config";
import { traced, withRequestIdInMessage } from "../../provider/resource/hook-log";
import { ConfigError, NotFoundError, PartialApplyError } from "../../provider/shared/errors";
import { addLogSecret, formatLine, log, parseLogLevel, setLogLevel, setLogSink, withRequestId, type LogRecord } from "../../provider/shared/log";

const T0 = Date.UTC(2026, 11, 2, 1, 2, 3, 456);
const PREFIX = "cxone time=2026-12-02T01:02:03.456Z";

function record(overrides: Partial<LogRecord>): LogRecord {
  return { time: T0, level: "debug", requestId: undefined, event: "http", fields: {}, ...overrides };
}

describe("formatLine", () => {
  const cases: { name: string; record: Partial<LogRecord>; secrets?: string[]; line: string }[] = [
    {
      name: "fixed prefix, then fields in the order given; plain values bare",
      record: { fields: { method: "PUT", path: "/api/v2/dataactions/da-1", status: 429, ms: 12, attempt: 1 } },
      line: `${PREFIX} level=debug event=http method=PUT path=/api/v2/dataactions/da-1 status=429 ms=12 attempt=1`,
    },
    {
      name: "the request id follows the level",
      record: { level: "info", requestId: "0c84f75a-7af9-4f90-861f-68b474f487c8", event: "hook", fields: { hook: "create" } },
      line: `${PREFIX} level=info req=0c84f75a-7af9-4f90-861f-68b474f487c8 event=hook hook=create`,
    },
    {
      name: "undefined fields are left out; null, booleans and zero are written",
      record: { fields: { a: undefined, b: null, c: true, d: 0 } },
      line: `${PREFIX} level=debug event=http b=null c=true d=0`,
    },
    {
      name: "values with spaces, quotes or '=' are JSON-quoted; the empty string too",
      record: { fields: { reason: 'Retry-After 1 s', msg: 'say "hi"', kv: "a=b", empty: "" } },
      line: `${PREFIX} level=debug event=http reason="Retry-After 1 s" msg="say \\"hi\\"" kv="a=b" empty=""`,
    },
    {
      name: "a newline or control character cannot start a new line",
      record: { fields: { error: "line one\nevent=forged\r\u0007" } },
      line: `${PREFIX} level=debug event=http error="line one\\nevent=forged\\r\\u0007"`,
    },
    {
      name: "a path loses its query and fragment",
      record: { fields: { path: "/api/v2/dataactions?pageSize=100&page=2&filter=name%3DX#frag" } },
      line: `${PREFIX} level=debug event=http path=/api/v2/dataactions`,
    },
    {
      name: "a path without a query stays whole; other fields keep theirs",
      record: { fields: { path: "/api/v2/dataactions/da%2F1", note: "x?y" } },
      line: `${PREFIX} level=debug event=http path=/api/v2/dataactions/da%2F1 note="x?y"`,
    },
    {
      name: "registered secrets are blanked in every value, wherever they occur",
      record: { fields: { error: "token tok-123 refused for s3cr3t", reason: "s3cr3ts3cr3t" } },
      secrets: ["s3cr3t", "tok-123"],
      line: `${PREFIX} level=debug event=http error="token [redacted] refused for [redacted]" reason=[redacted][redacted]`,
    },
    {
      name: "a secret as a server echoes it, form-encoded, is blanked too",
      record: { fields: { error: "invalid_client for client_secret=pa%24%24+word" } },
      secrets: ["pa$$ word"],
      line: `${PREFIX} level=debug event=http error="invalid_client for client_secret=[redacted]"`,
    },
    {
      name: "a secret containing another goes whole, whatever the order they were registered in",
      record: { fields: { error: "abc and xyzabcdef" } },
      secrets: ["abc", "xyzabcdef"],
      line: `${PREFIX} level=debug event=http error="[redacted] and [redacted]"`,
    },
    {
      name: "an empty secret changes nothing",
      record: { fields: { ms: 5 } },
      secrets: [""],
      line: `${PREFIX} level=debug event=http ms=5`,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const line = formatLine(record(c.record), c.secrets);
      assert.equal(line, c.line);
      assert.equal(line.includes("\n"), false, "one line");
    });
  }
});

test("parseLogLevel: the three names in any case; empty is off; anything else is unknown", () => {
  const cases: [string | undefined, string | undefined][] = [
    [undefined, "off"],
    ["", "off"],
    ["  ", "off"],
    ["off", "off"],
    ["info", "info"],
    ["DEBUG", "debug"],
    [" Debug ", "debug"],
    ["verbose", undefined],
    ["1", undefined],
    ["true", undefined],
  ];
  for (const [text, level] of cases) assert.equal(parseLogLevel(text), level, JSON.stringify(text));
});

test("resolveLogLevel: stack config wins over CXONE_LOG; a bad value names the setting and the choices", () => {
  const config = (values: Record<string, string>): ConfigSource => ({ get: (key) => values[key] });
  const cases: { config: Record<string, string>; env: Record<string, string>; level: string }[] = [
    { config: {}, env: {}, level: "off" },
    { config: {}, env: { CXONE_LOG: "debug" }, level: "debug" },
    { config: { "cxone:logLevel": "info" }, env: { CXONE_LOG: "debug" }, level: "info" },
    { config: { "cxone:logLevel": "off" }, env: { CXONE_LOG: "debug" }, level: "off" },
    { config: { "cxone:logLevel": "" }, env: { CXONE_LOG: "info" }, level: "info" },
  ];
  for (const c of cases) assert.equal(resolveLogLevel(config(c.config), c.env), c.level, JSON.stringify(c));
  assert.throws(
    () => resolveLogLevel(config({ "cxone:logLevel": "verbose" }), {}),
    (e: unknown) => e instanceof ConfigError && /cxone:logLevel .*"verbose".*off, info, debug/.test(e.message),
  );
  assert.throws(() => resolveLogLevel(undefined, { CXONE_LOG: "trace" }), (e: unknown) => e instanceof ConfigError && /CXONE_LOG/.test(e.message));
});

describe("log", () => {
  const lines: string[] = [];
  const capture = (level: "off" | "info" | "debug") => {
    lines.length = 0;
    setLogLevel(level);
    setLogSink((line) => lines.push(line), () => T0);
  };
  afterEach(() => {
    setLogLevel(undefined);
    setLogSink(undefined);
  });

  test("the level gates: off writes nothing, info only info, debug both", () => {
    for (const [level, expected] of [
      ["off", []],
      ["info", ["i"]],
      ["debug", ["i", "d"]],
    ] as const) {
      capture(level);
      log("info", "e", { n: "i" });
      log("debug", "e", { n: "d" });
      assert.deepEqual(lines.map((l) => /n=(\w)/.exec(l)?.[1]), expected, level);
    }
  });

  test("each concurrent request keeps its own id across awaits; outside any, no id", async () => {
    capture("debug");
    const run = (id: string, waits: number[]) =>
      withRequestId(id, async () => {
        for (const [i, ms] of waits.entries()) {
          await delay(ms);
          log("debug", "step", { i });
        }
      });
    await Promise.all([run("req-a", [5, 1, 8]), run("req-b", [1, 9, 1])]);
    log("debug", "outside");
    const ids = lines.map((l) => /req=(\S+)/.exec(l)?.[1]);
    assert.equal(ids.filter((id) => id === "req-a").length, 3);
    assert.equal(ids.filter((id) => id === "req-b").length, 3);
    assert.equal(ids.at(-1), undefined, lines.at(-1));
  });

  test("a registered secret never reaches the sink", () => {
    capture("info");
    const secret = `secret-${process.pid}`;
    addLogSecret(secret);
    log("info", "note", { error: `refused ${secret}` });
    assert.equal(lines.length, 1);
    assert.equal(lines[0].includes(secret), false, lines[0]);
  });

  test("the secrets resolveSettings reads are blanked from then on", () => {
    capture("info");
    const clientSecret = `client-secret-${process.pid}`;
    const webhookSecret = `webhook-secret-${process.pid}`;
    resolveSettings({ get: (key) => (key === "cxone:clientSecret" ? clientSecret : undefined) }, { CXONE_WEBHOOK_SECRET: webhookSecret });
    log("info", "note", { a: `x${clientSecret}y`, b: webhookSecret });
    assert.equal(lines[0].includes(clientSecret) || lines[0].includes(webhookSecret), false, lines[0]);
    assert.match(lines[0], /a=x\[redacted\]y b=\[redacted\]$/);
  });

  test("a sink that throws does not throw into the caller", () => {
    setLogLevel("debug");
    setLogSink(() => {
      throw new Error("EPIPE");
    });
    assert.doesNotThrow(() => log("debug", "e"));
  });
});

describe("request id in errors", () => {
  test("appended to a copy: class, code and a partial failure's id, properties and reasons survive; the error itself is untouched", () => {
    const partial = new PartialApplyError("Applied but the webhook failed.", "da-1", { audit: { requestId: "r-1" } });
    const tagged = withRequestIdInMessage(partial, "r-1");
    assert.ok(tagged instanceof PartialApplyError);
    assert.equal(tagged.message, "Applied but the webhook failed. (request id r-1)");
    assert.deepEqual([tagged.code, tagged.id, tagged.properties, tagged.reasons], ["CXONE_PARTIAL", "da-1", { audit: { requestId: "r-1" } }, [tagged.message]]);
    assert.equal(partial.message, "Applied but the webhook failed.", "the original keeps its message");
    // One error shared by several calls (a failed token fetch they all awaited): each gets its own id only.
    const shared = new NotFoundError("CXone failed.");
    const [a, b] = [withRequestIdInMessage(shared, "r-a"), withRequestIdInMessage(shared, "r-b")];
    assert.deepEqual([a.message, b.message], ["CXone failed. (request id r-a)", "CXone failed. (request id r-b)"]);
    assert.match(String(tagged.stack), /^PartialApplyError: Applied but the webhook failed\. \(request id r-1\)/);
    assert.equal(withRequestIdInMessage(tagged, "r-1").message, tagged.message, "not appended twice");
    const thrown = withRequestIdInMessage("a string", "r-2");
    assert.ok(thrown instanceof Error);
    assert.equal(thrown.message, "a string (request id r-2)");
  });

  test("traced: what the hook throws names the id its log lines carry; each call gets its own", async () => {
    const lines: string[] = [];
    setLogLevel("info");
    setLogSink((line) => lines.push(line));
    try {
      const hook = traced("read", async (id: string) => {
        throw new NotFoundError(`Data Action ${id} was not found.`, { method: "GET", path: `/api/v2/dataactions/${id}`, status: 404 });
      }, (id) => ({ id }));
      const errors = await Promise.all(["da-1", "da-2"].map((id) => hook(id).catch((e: unknown) => e as NotFoundError)));
      const ids = errors.map((e) => /\(request id ([0-9a-f-]{36})\)$/.exec(e.message)?.[1]);
      assert.ok(ids.every((id) => id !== undefined), errors.map((e) => e.message).join("; "));
      assert.notEqual(ids[0], ids[1]);
      assert.ok(errors.every((e) => e instanceof NotFoundError && e.status === 404));
      for (const [i, id] of ids.entries()) {
        const line = lines.find((l) => l.includes(`id=da-${i + 1}`));
        assert.match(String(line), new RegExp(`req=${id} event=hook hook=read phase=end outcome=error code=CXONE_NOT_FOUND`));
      }
    } finally {
      setLogLevel(undefined);
      setLogSink(undefined);
    }
  });
});
