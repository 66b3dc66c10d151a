/**
 * A reporter for `npm test` (test/run.mjs) that prints nothing but one message: it ends the run
 * when a test file goes silent after one of its tests timed out. Node 24 and 26 mark such a test
 * failed and then wait forever on what it left open (a socket, a child process), so the file,
 * and the run, would never end; Node 20 and 22 end the file themselves. Node's --test-force-exit
 * would end it too, but it also drops the results of files that end normally: tests that ran and
 * were never reported (measured on Node 20-26: up to 370 of 800 tests in 8 files).
 *
 * Plain JavaScript: Node loads reporters before tsx's hooks apply.
 */
import * as path from "node:path";

// ms a file with a timed-out test may stay silent (no test of it starting or ending) before the run is ended.
const IDLE_MS = Number(process.env.TEST_RUN_IDLE_MS ?? 60_000);

/** Called when `file` has been silent for IDLE_MS after a timeout: the run fails, not hangs. */
function endRun(file) {
  process.stderr.write(`npm test: ${path.relative(process.cwd(), file)} had a test time out, then ran nothing for ${IDLE_MS / 1000} s; ending the run as a failure\n`);
  process.exitCode = 1;
  // Node's runner ends on SIGTERM, reporting what it has; run.mjs then stops what its files started.
  process.kill(process.pid, "SIGTERM");
}

export default async function* watchdog(source) {
  const timers = new Map(); // by file: those with a test that timed out and that have not ended
  for await (const { type, data } of source) {
    const file = data?.file;
    if (file === undefined) continue;
    // The file's own completion (its name is the file's path, relative from Node 22 on): it ended.
    if (type === "test:complete" && data.nesting === 0 && path.resolve(data.name) === file) {
      clearTimeout(timers.get(file));
      timers.delete(file);
      continue;
    }
    const timedOut = type === "test:fail" && data.details?.error?.failureType === "testTimeoutFailure";
    if (timedOut || timers.has(file)) {
      // Any event of the file is a sign of life: its idle time starts again.
      clearTimeout(timers.get(file));
      timers.set(file, setTimeout(() => endRun(file), IDLE_MS).unref());
    }
  }
  for (const timer of timers.values()) clearTimeout(timer);
}
