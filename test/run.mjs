/**
 * `npm test`'s runner: every *.test.ts under test/, at any depth, in a stable order, through
 * node's test runner with tsx; the loopback guard loaded first; a deadline per test and one for
 * the whole suite, so a host that stops answering fails the run instead of hanging CI.
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// The TEST_RUN_* variables (and TEST_RUN_IDLE_MS, read by test/watchdog.mjs) exist for
// test/harness/deadlines.test.ts, which runs this runner on folders of tests that hang, with
// deadlines of seconds.
const TESTS = path.resolve(ROOT, process.env.TEST_RUN_DIR ?? "test");
const PER_TEST_MS = Number(process.env.TEST_RUN_PER_TEST_MS ?? 10 * 60_000); // ms, the longest one test may run (the engine suite's longest is ~3 min)
const SUITE_MS = Number(process.env.TEST_RUN_SUITE_MS ?? 45 * 60_000); // ms, the whole suite on one Node (about 6 min on a 2-core machine)

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === "node_modules" ? [] : testFiles(full);
      return entry.name.endsWith(".test.ts") ? [path.relative(ROOT, full)] : [];
    });
}

const files = testFiles(TESTS);
// Two reporters: spec for people (Node 24+'s default; Node 20 and 22 chose TAP off a terminal),
// and test/watchdog.mjs, which ends the run when a file hangs after a timed-out test (Node 24+
// wait forever on what the test left open). Not --test-force-exit: it drops results of files
// that end normally.
const reporters = ["--test-reporter=spec", "--test-reporter-destination=stdout", "--test-reporter=./test/watchdog.mjs", "--test-reporter-destination=stderr"];
const args = ["--require", "./harness/loopback-only.cjs", "--import", "tsx", "--test", "--test-concurrency=2", ...reporters, `--test-timeout=${PER_TEST_MS}`, ...process.argv.slice(2), ...files];
// Its own process group, so the deadline stops the hosts and CLIs the tests started too.
const child = spawn(process.execPath, args, { cwd: ROOT, stdio: "inherit", detached: true });
const stop = (signal) => {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
};
const deadline = setTimeout(() => {
  const limit = SUITE_MS % 60_000 === 0 ? `${SUITE_MS / 60_000} minutes` : `${SUITE_MS / 1000} s`;
  console.error(`npm test: the suite ran past ${limit}; stopping it (and everything it started) as a failure`);
  stop("SIGKILL");
  process.exitCode = 1;
}, SUITE_MS);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => stop(signal));
child.on("exit", (code) => {
  clearTimeout(deadline);
  // Whatever a file that timed out left running (a provider host its test started) goes too.
  stop("SIGKILL");
  process.exit(process.exitCode ?? code ?? 1);
});
