/**
 * The loopback guard holds: in the test process, and in a provider host the tests start, any
 * address off loopback fails at once with the guard's error, and loopback still works.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { promises as dns } from "node:dns";
import * as net from "node:net";
import { test } from "node:test";
import { startEmulator } from "../helpers/emulator";
import { LOOPBACK_ONLY } from "../../harness/host";

test("the test process cannot connect or look up off loopback; loopback works", async (t) => {
  await assert.rejects(fetch("https://hooks.example.com/x"), (e: Error) => /loopback-only test guard: a connection to hooks\.example\.com/.test(String((e as { cause?: Error }).cause?.message ?? e.message)));
  await assert.rejects(dns.lookup("example.com"), /loopback-only test guard: the name example\.com is not on loopback/);
  await assert.rejects(
    new Promise((resolve, reject) => net.connect({ host: "192.0.2.1", port: 9 }).on("connect", resolve).on("error", reject)),
    /loopback-only test guard: a connection to 192\.0\.2\.1/,
  );
  const emulator = await startEmulator(t);
  assert.equal((await fetch(`${emulator.url}/api/v2/oauth2/token`, { method: "POST" })).status, 400, "loopback is reachable");
});

test("a child node started with the tests' NODE_OPTIONS is guarded too", () => {
  const child = spawnSync(process.execPath, ["-e", 'fetch("http://example.com/").then(() => process.exit(0), (e) => { console.log(String(e.cause?.message ?? e.message)); process.exit(3); })'], {
    env: { PATH: process.env.PATH, NODE_OPTIONS: LOOPBACK_ONLY },
    encoding: "utf8",
    timeout: 20_000,
  });
  assert.equal(child.status, 3, child.stderr);
  assert.match(child.stdout, /loopback-only test guard: a connection to example\.com/);
});
