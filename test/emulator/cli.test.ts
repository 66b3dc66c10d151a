/**
 * The emulator's command line as a user meets it: the URL on the first line of its output, and
 * no way to leave it running by accident: Ctrl-C, SIGTERM, SIGHUP and its parent's death all stop it.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, test, type TestContext } from "node:test";
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET } from "../../provider/emulator/emulator";

const ROOT = join(__dirname, "..", "..");
const CLI = ["--import", "tsx", "provider/emulator/cli.ts", "--port", "0", "--quiet"];

/** The first line a process prints, and the emulator URL at its end. */
async function firstUrl(child: ChildProcess): Promise<string> {
  const [first] = (await once(createInterface({ input: child.stdout! }), "line")) as [string];
  const url = /(http:\/\/127\.0\.0\.1:\d+)$/.exec(first)?.[1];
  assert.ok(url, `first line names the URL: ${first}`);
  return url;
}

async function tokenStatus(url: string): Promise<number> {
  const res = await fetch(`${url}/api/v2/oauth2/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: EMULATOR_CLIENT_ID, client_secret: EMULATOR_CLIENT_SECRET }),
  });
  return res.status;
}

/** Resolves once nothing accepts connections at `url` any more (bounded by the test's timeout). */
async function refused(url: string): Promise<void> {
  for (;;) {
    try {
      await tokenStatus(url);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function kill(t: TestContext, pid: number | undefined): void {
  t.after(() => {
    try {
      if (pid !== undefined) process.kill(pid, "SIGKILL");
    } catch {
      // Already gone: what the test wanted.
    }
  });
}

describe("npm run emulator", () => {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    test(`prints its URL first, serves, and ${signal} stops it cleanly`, { timeout: 20_000 }, async (t) => {
      const child = spawn(process.execPath, CLI, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      kill(t, child.pid);
      const url = await firstUrl(child);
      assert.equal(await tokenStatus(url), 200);
      child.kill(signal);
      const [code] = await once(child, "exit");
      assert.equal(code, 0, `${signal} ends the process with status 0`);
      await refused(url);
    });
  }

  test("stops by itself when the process that started it dies without a signal", { timeout: 20_000 }, async (t) => {
    // The parent starts the emulator, relays its output, and is then killed with SIGKILL: the
    // emulator is re-parented and gets no signal at all.
    const relay = `const c=require("node:child_process").spawn(process.execPath, ${JSON.stringify(CLI)}, {stdio:["ignore","inherit","inherit"]});`
      + `console.error("child " + c.pid);`;
    const parent = spawn(process.execPath, ["-e", relay], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    kill(t, parent.pid);
    const [line] = (await once(createInterface({ input: parent.stderr! }), "line")) as [string];
    const emulatorPid = Number(/child (\d+)/.exec(line)?.[1]);
    kill(t, emulatorPid);
    const url = await firstUrl(parent);
    assert.equal(await tokenStatus(url), 200);
    parent.kill("SIGKILL");
    await refused(url);
  });
});

describe("cxone-emulator, the installed bin", () => {
  const BIN = join(ROOT, (require(join(ROOT, "package.json")) as { bin: Record<string, string> }).bin["cxone-emulator"]);

  test("is the emulator: its first line of output is the URL", { timeout: 20_000 }, async (t) => {
    const child = spawn(process.execPath, [BIN, "--port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    kill(t, child.pid);
    assert.equal(await tokenStatus(await firstUrl(child)), 200);
    child.kill("SIGTERM");
    assert.deepEqual(await once(child, "exit"), [0, null]);
  });

  test("a reader that stops reading (| head -1) does not crash it: it keeps serving, no stack trace", { timeout: 20_000 }, async (t) => {
    // Request logs on (no --quiet): each request writes to the closed pipe.
    const child = spawn(process.execPath, [BIN, "--port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    kill(t, child.pid);
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const url = await firstUrl(child);
    child.stdout!.destroy(); // as `head -1` exits after the first line
    for (let i = 0; i < 3; i++) assert.equal(await tokenStatus(url), 200, `request ${i + 1} after the reader left`);
    assert.equal(child.exitCode, null, "still running");
    child.kill("SIGTERM");
    assert.deepEqual(await once(child, "exit"), [0, null]);
    assert.doesNotMatch(stderr, /EPIPE|\n\s+at /, stderr);
  });
});
