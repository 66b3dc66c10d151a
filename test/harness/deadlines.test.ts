/**
 * `npm test` fails instead of hanging: a provider host that stops answering fails its call with
 * the method named (harness/host.ts), and the runner (test/run.mjs) ends a test that hangs, ends
 * a suite past its deadline, and takes the processes they started with it. The runner is run here
 * on a folder of tests written to hang, with deadlines of seconds instead of minutes.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { HostError, makeProgramDir, ProviderHost, REPO_ROOT } from "../../harness/host";
import { rejection } from "../helpers/assert";
import { tempDir, writeFile } from "../helpers/files";
import { VALID_INPUTS } from "../../harness/fixtures";
import { stillRunning } from "../../harness/processes";

test("a provider host that stops answering fails the call, naming it, instead of hanging", async (t) => {
  const program = makeProgramDir();
  t.after(() => program.remove());
  const host = await ProviderHost.start({ cwd: program.dir, callTimeoutMs: 2_000 });
  t.after(() => host.close());
  await host.configure({}); // it answers while it runs
  process.kill(host.pid(), "SIGSTOP");
  // Resumed before close() (which waits for the SIGTERM it sends to end the process).
  const error = await rejection(host.check("stopped", {}, { ...VALID_INPUTS }), HostError).finally(() => process.kill(host.pid(), "SIGCONT"));
  assert.equal(error.grpcCode, 4, "DEADLINE_EXCEEDED");
  assert.equal(error.message, "the provider host did not answer check within 2000 ms");
});

/** A test that starts a process of its own (its pid written to `pidFile`), then waits forever on a socket that never answers. */
const HANGING = (pidFile: string) => `
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as net from "node:net";
import { test } from "node:test";
test("waits on a server that never answers", async () => {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  writeFileSync(${JSON.stringify(pidFile)}, String(child.pid));
  const server = net.createServer(() => {}).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const socket = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
  await new Promise((resolve) => socket.once("data", resolve));
});
`;

/** Runs test/run.mjs on `dir` with the given deadlines; resolves with its exit code and output. */
function runner(dir: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    // Without NODE_TEST_CONTEXT, which would make the inner node --test skip its files as a
    // recursive run of this one.
    const { NODE_TEST_CONTEXT: _inner, ...outer } = process.env;
    const child = spawn(process.execPath, [path.join(REPO_ROOT, "test", "run.mjs")], {
      cwd: REPO_ROOT,
      env: { ...outer, TEST_RUN_DIR: dir, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

const CASES: { name: string; env: Record<string, string>; says: RegExp }[] = [
  {
    name: "a test past its own deadline fails the run",
    env: { TEST_RUN_PER_TEST_MS: "2000" },
    says: /test timed out after 2000ms/,
  },
  {
    name: "a suite past its deadline is stopped as a failure",
    env: { TEST_RUN_SUITE_MS: "5000" },
    says: /the suite ran past 5 s; stopping it \(and everything it started\) as a failure/,
  },
];

for (const c of CASES) {
  test(`runner: ${c.name}, and what the test started is stopped with it`, async (t) => {
    const dir = tempDir(t, "cxone-runner-");
    const pidFile = path.join(dir, "started.pid");
    writeFile(dir, path.join("deep", "er", "hangs.test.ts"), HANGING(pidFile));
    const { code, output } = await runner(dir, c.env);
    assert.notEqual(code, 0, output);
    assert.match(output, c.says);
    const started = Number(readFileSync(pidFile, "utf8"));
    assert.deepEqual(await stillRunning([started]), [], `process ${started}, started by the hanging test, still runs`);
  });
}
