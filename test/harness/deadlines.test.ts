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

/** A file of `count` tests that pass at once. */
const PASSING = (count: number) =>
  `import { test } from "node:test";\n${Array.from({ length: count }, (_, i) => `test("passes ${i}", () => {});`).join("\n")}\n`;

/** A test that times out (past a 1 s deadline), then a second with no deadline that waits on a socket forever: silent on every Node. */
const SILENT_AFTER_TIMEOUT = `
import * as net from "node:net";
import { test } from "node:test";
test("too slow", { timeout: 1000 }, () => new Promise((resolve) => setTimeout(resolve, 3000)));
test("then waits forever", { timeout: Infinity }, async () => {
  const server = net.createServer(() => {}).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const socket = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
  await new Promise((resolve) => socket.once("data", resolve));
});
`;

interface RunnerCase {
  name: string;
  files: (dir: string) => Record<string, string>; // path under the folder -> text
  env: Record<string, string>;
  runs?: number; // how many times the runner is run (a race is looked for more than once)
  pass: boolean; // whether the run passes
  says: RegExp[]; // in its output, every run
  never?: RegExp; // never in its output
  startedChild?: boolean; // HANGING's child: it must not outlive the run
}

const CASES: RunnerCase[] = [
  {
    name: "a test past its own deadline fails the run, and what the test started is stopped with it",
    files: (dir) => ({ [path.join("deep", "er", "hangs.test.ts")]: HANGING(path.join(dir, "started.pid")) }),
    // Node 20 and 22 end the file after the timeout; 24 and 26 wait on its socket until the watchdog ends the run.
    env: { TEST_RUN_PER_TEST_MS: "2000", TEST_RUN_IDLE_MS: "2000" },
    pass: false,
    // Node 20 and 22 report the timeout in their summary; 24 and 26 never reach it, the watchdog says it.
    says: [/test timed out after 2000ms|hangs\.test\.ts had a test time out, then ran nothing for 2 s/],
    startedChild: true,
  },
  {
    name: "a suite past its deadline is stopped as a failure, and what the test started is stopped with it",
    files: (dir) => ({ [path.join("deep", "er", "hangs.test.ts")]: HANGING(path.join(dir, "started.pid")) }),
    env: { TEST_RUN_SUITE_MS: "5000" },
    pass: false,
    says: [/the suite ran past 5 s; stopping it \(and everything it started\) as a failure/],
    startedChild: true,
  },
  {
    name: "a file silent after a timed-out test ends the run, on every Node, naming the file",
    files: () => ({ "silent.test.ts": SILENT_AFTER_TIMEOUT, "fine.test.ts": PASSING(1) }),
    // The suite deadline far behind the watchdog's: only the watchdog can end this run with its message.
    env: { TEST_RUN_IDLE_MS: "2000", TEST_RUN_SUITE_MS: "60000" },
    pass: false,
    says: [/silent\.test\.ts had a test time out, then ran nothing for 2 s; ending the run as a failure/, /✔ passes 0/],
  },
  {
    name: "a file that timed out and ended leaves the run alone: a slower file is still reported",
    files: () => ({
      "ended.test.ts": `import { test } from "node:test";\ntest("too slow", { timeout: 500 }, () => new Promise((resolve) => setTimeout(resolve, 1000)));\n`,
      "slower.test.ts": `import { test } from "node:test";\ntest("takes 6 s", { timeout: 30000 }, () => new Promise((resolve) => setTimeout(resolve, 6000)));\n`,
    }),
    env: { TEST_RUN_IDLE_MS: "2000", TEST_RUN_SUITE_MS: "60000" },
    pass: false,
    says: [/✔ takes 6 s/, /test timed out after 500ms/],
    never: /ending the run/,
  },
  {
    // --test-force-exit, once used to end hanging files, reported 430-800 of these 800 in a run.
    name: "every test that ran is reported: 8 files of 100, three runs",
    files: () => Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}.test.ts`, PASSING(100)])),
    env: {},
    runs: 3,
    pass: true,
    says: [/ℹ tests 800\n/, /ℹ pass 800\n/],
  },
];

for (const c of CASES) {
  test(`runner: ${c.name}`, async (t) => {
    const dir = tempDir(t, "cxone-runner-");
    for (const [name, text] of Object.entries(c.files(dir))) writeFile(dir, name, text);
    for (let run = 0; run < (c.runs ?? 1); run++) {
      const { code, output } = await runner(dir, c.env);
      assert.equal(code === 0, c.pass, output);
      for (const pattern of c.says) assert.match(output, pattern);
      if (c.never !== undefined) assert.doesNotMatch(output, c.never);
    }
    if (c.startedChild) {
      const started = Number(readFileSync(path.join(dir, "started.pid"), "utf8"));
      assert.deepEqual(await stillRunning([started]), [], `process ${started}, started by the hanging test, still runs`);
    }
  });
}
