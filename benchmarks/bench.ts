/**
 * `npm run bench`: figures, not a test. HTTP requests per resource in each Pulumi phase, the
 * first apply's wall time against a throttle's floor, stack state per resource, the provider
 * host's peak memory at N and 4N resources, computeDateManipulation throughput, and the
 * original design's client side by side. Prints one table with targets and PASS/MISS, then
 * the request-log details behind it. Exits 0 when a target is missed (it is a measurement);
 * a run that cannot complete exits 1.
 *
 *   npm run bench -- --resources 200 --parallel 10 --rate 50
 *
 * Loopback only: the emulator listens on 127.0.0.1 and the host is driven over gRPC there.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "../harness/host";
import { compiledPackage, runProgram } from "../harness/program";
import { measureCompute, type ComputeFigures } from "./bench-compute";
import { liveHostPids, stateBytesOfOne, type DeploymentResult, type PhaseResult } from "../harness/deployment";
import { declarationArgs, declareResources, declareWithWebhook, desiredDateProcessing, resourceName, seedActions } from "../harness/fixtures";
import { acceptedApiRequests, chargedRequests, firstThrottleMs, logFigures, silences, throttleFloorMs, timeline } from "./bench-log";
import { NONE, cell, misses, renderTable, type Cell, type Row } from "./bench-table";
import { NEIGHBOURS, neighbourReport, runNeighbourScenarios, runSweep, sweepBursts, sweepReport, type BaselineRun } from "./bench-sweep";

const TARGETS = {
  firstApplyRequestsPerResource: 2, // list + PUT (the list answer saves the GET)
  tokenRequests: 1, // for the whole run
  refreshRequestsPerResource: 1,
  timeRatio: 1.15, // first apply wall time / the throttle's floor
  throttledShare: 0.1, // 429 answers per resource
  stateBytes: 6 * 1024, // JSON of inputs + outputs per resource
  computeCallsPerS: 10_000, // computeDateManipulation calls per CPU-second: a deployment computes a few thousand values
};
const LARGE_FACTOR = 4; // the second deployment has 4N resources, on a fresh host
const WATCHDOG_MIN_MS = 30 * 60_000; // the whole run at least; at the defaults it takes about 13 minutes
// Accepted requests of the whole run per resource, for each of the four bursts: first applies
// (2 each), refreshes (1) and updates (2) at N twice (one host, a host per command) and at 4N,
// and the original design's 2 each at N.
const REQUESTS_PER_N = 4 * (2 * 5 + 2 + LARGE_FACTOR * 5);

interface Args {
  resources: number;
  parallel: number;
  rate: number;
  burst: number;
}

function readArgs(): Args {
  const usage = "usage: npm run bench -- [--resources N (200)] [--parallel P (10)] [--rate R requests/s (50)] [--burst B (R)]";
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      options: {
        resources: { type: "string", default: "200" },
        parallel: { type: "string", default: "10" },
        rate: { type: "string", default: "50" },
        burst: { type: "string" },
      },
      strict: true,
    }).values;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${usage}`);
  }
  const integer = (name: string) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number of at least 1, got "${values[name]}"\n${usage}`);
    return n;
  };
  const rate = Number(values.rate);
  if (!(Number.isFinite(rate) && rate > 0)) throw new Error(`--rate must be a number above 0, got "${values.rate}"\n${usage}`);
  // The emulator's default burst is one second's worth of the rate.
  const burst = values.burst === undefined ? Math.max(1, Math.floor(rate)) : integer("burst");
  return { resources: integer("resources"), parallel: integer("parallel"), rate, burst };
}

type Throttle = { ratePerSecond: number; burst: number };

/**
 * A short hash of the compiled provider the hosts load, so a set of figures names the code it
 * measured (the tree has no commit to name while it changes).
 */
function distFingerprint(): string {
  const dir = path.join(REPO_ROOT, "dist", "provider");
  const hash = createHash("sha256");
  // Every compiled file, in the folders too (provider/cxone/limiter.js is one of them).
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".js")).sort();
  for (const file of files) hash.update(file).update(readFileSync(path.join(dir, file)));
  return hash.digest("hex").slice(0, 12);
}

const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);
const fixed = (n: number, digits = 2) => n.toFixed(digits);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (k: number | null) => (k === null ? "n/a" : `${(k / 1024).toFixed(1)} MiB`);
const count = (n: number) => Math.round(n).toLocaleString("en-US");

/** The program's registrations of `count` resources, in resource order (mocks settle in any order). */
async function declared(pkg: ReturnType<typeof compiledPackage>, count: number, edited: boolean) {
  const registered = (await runProgram(() => declareResources(pkg, count, edited))).filter((r) => r.type.endsWith("CxoneDateAction"));
  const byName = new Map(registered.map((r) => [r.name, r]));
  return Array.from({ length: count }, (_, i) => {
    const r = byName.get(resourceName(i));
    if (r === undefined) throw new Error(`the program did not register ${resourceName(i)}`);
    return r;
  });
}

/** Requests per resource in a phase that should make none: every request counts, 429s included. */
function noRequests(p: PhaseResult): Cell {
  const perResource = p.resources === 0 ? 0 : p.records.length / p.resources;
  return cell(`${fixed(perResource)} (${p.records.length} requests)`, p.records.length === 0);
}

/** Accepted API requests per resource, with the 429 answers on top shown apart. */
function perResource(records: PhaseResult["records"], resources: number, target: number): Cell {
  if (resources === 0) return cell("no resources");
  const f = logFigures(records);
  const accepted = acceptedApiRequests(f) / resources;
  const throttled = (f.throttled - f.throttledByRoute.token) / resources;
  const extra = throttled > 0 ? ` (+${fixed(throttled)} 429)` : "";
  return cell(`${fixed(accepted)}${extra}`, accepted <= target + 1e-9);
}

function throttledCell(records: PhaseResult["records"], resources: number): Cell {
  const n = logFigures(records).throttled;
  return cell(`${n} (${fixed((100 * n) / resources, 1)}% of resources)`, n <= TARGETS.throttledShare * resources);
}

/** Wall time over the throttle's floor; no verdict when every request fitted in the burst. */
function ratio(records: PhaseResult["records"], wallMs: number, throttle: Throttle): Cell {
  const floorMs = throttleFloorMs(records, throttle.burst, throttle.ratePerSecond);
  if (floorMs === 0) return cell(`${seconds(wallMs)}; floor 0 (all within the burst)`);
  const r = wallMs / floorMs;
  return cell(`${seconds(wallMs)} / ${seconds(floorMs)} = ${fixed(r)}`, r <= TARGETS.timeRatio);
}

function failedCell(failed: number): Cell {
  return cell(String(failed), failed === 0);
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

function stateCell(d: DeploymentResult): Cell {
  if (d.stateBytes.length === 0) return cell("no state");
  const max = Math.max(...d.stateBytes);
  return cell(`${Math.round(mean(d.stateBytes))} B mean, ${max} B max`, max <= TARGETS.stateBytes);
}

function memoryCell(d: DeploymentResult): Cell {
  return cell(`${mib(d.hostPeakKiB)} (idle host ${mib(d.hostIdleKiB)})`);
}

function tokenCell(n: number): Cell {
  return cell(String(n), n <= TARGETS.tokenRequests);
}

interface Run {
  args: Args;
  throttle: Throttle;
  compute: ComputeFigures;
  providerBytes: number;
  webhookStateBytes: number; // resource 0 declared with a webhookUrl, applied alone
  main: DeploymentResult;
  large: DeploymentResult;
  baseline: BaselineRun;
}

function rows(run: Run): Row[] {
  const { args, throttle, main, large, baseline } = run;
  const N = args.resources;
  const growth =
    main.hostPeakKiB === null || large.hostPeakKiB === null
      ? cell("n/a")
      : cell(
          `${fixed((large.hostPeakKiB - main.hostPeakKiB) / ((LARGE_FACTOR - 1) * N))} KiB per extra resource; ` +
            `x${fixed(large.hostPeakKiB / main.hostPeakKiB)} for x${LARGE_FACTOR} resources`,
        );
  return [
    { figure: "preview, new stack (check): requests/resource", target: "0", main: noRequests(main.previewNew), large: noRequests(large.previewNew), baseline: NONE },
    {
      figure: "first apply: accepted API requests/resource",
      target: `<= ${TARGETS.firstApplyRequestsPerResource}`,
      main: perResource(main.firstApply.records, N, TARGETS.firstApplyRequestsPerResource),
      large: perResource(large.firstApply.records, LARGE_FACTOR * N, TARGETS.firstApplyRequestsPerResource),
      baseline: perResource(baseline.records, N, TARGETS.firstApplyRequestsPerResource),
    },
    { figure: "token requests (200), whole run", target: `${TARGETS.tokenRequests}`, main: tokenCell(main.tokenRequests), large: tokenCell(large.tokenRequests), baseline: tokenCell(baseline.tokenRequests) },
    {
      figure: "first apply: 429 answers",
      target: `<= ${100 * TARGETS.throttledShare}% of resources`,
      main: throttledCell(main.firstApply.records, N),
      large: throttledCell(large.firstApply.records, LARGE_FACTOR * N),
      baseline: throttledCell(baseline.records, N),
    },
    { figure: "first apply: failed resources", target: "0", main: failedCell(main.firstApply.failed), large: failedCell(large.firstApply.failed), baseline: failedCell(baseline.failed) },
    {
      figure: "first apply: wall time / throttle floor",
      target: `<= ${TARGETS.timeRatio}`,
      main: ratio(main.firstApply.records, main.firstApply.wallMs, throttle),
      large: ratio(large.firstApply.records, large.firstApply.wallMs, throttle),
      baseline: ratio(baseline.records, baseline.wallMs, throttle),
    },
    { figure: "apply, no change: requests/resource", target: "0", main: noRequests(main.noChange), large: noRequests(large.noChange), baseline: NONE },
    {
      figure: "refresh: accepted API requests/resource",
      target: `<= ${TARGETS.refreshRequestsPerResource}`,
      main: perResource(main.refresh.records, main.refresh.resources, TARGETS.refreshRequestsPerResource),
      large: perResource(large.refresh.records, large.refresh.resources, TARGETS.refreshRequestsPerResource),
      baseline: NONE,
    },
    { figure: "preview after refresh (check+diff): requests/resource", target: "0", main: noRequests(main.previewAfter), large: noRequests(large.previewAfter), baseline: NONE },
    {
      figure: "update (edited program): accepted API requests/resource",
      target: `<= ${TARGETS.firstApplyRequestsPerResource}`,
      main: perResource(main.update.records, main.update.resources, TARGETS.firstApplyRequestsPerResource),
      large: perResource(large.update.records, large.update.resources, TARGETS.firstApplyRequestsPerResource),
      baseline: NONE,
    },
    {
      figure: "state bytes/resource (inputs+outputs, __provider incl.)",
      target: `<= ${TARGETS.stateBytes} B (6 KiB)`,
      main: stateCell(main),
      large: stateCell(large),
      baseline: NONE,
    },
    {
      figure: "state bytes, resource 1 plus a webhookUrl",
      target: `<= ${TARGETS.stateBytes} B (6 KiB)`,
      main: cell(`${run.webhookStateBytes} B`, run.webhookStateBytes <= TARGETS.stateBytes),
      large: NONE,
      baseline: NONE,
    },
    { figure: "__provider bytes (in inputs and in outputs)", target: "-", main: cell(`${run.providerBytes} B`), large: cell(`${run.providerBytes} B`), baseline: NONE },
    { figure: "provider host peak memory (VmHWM)", target: "-", main: memoryCell(main), large: memoryCell(large), baseline: NONE },
    { figure: "host memory growth, 4N vs N", target: "-", main: NONE, large: growth, baseline: NONE },
    {
      figure: "computeDateManipulation calls per CPU-second",
      target: `>= ${TARGETS.computeCallsPerS.toLocaleString("en-US")}`,
      main: cell(
        `${count(run.compute.callsPerCpuS)} (wall: ${count(run.compute.callsPerWallS)}/s, ${Math.round(100 * run.compute.cpuShare)}% of a core)`,
        run.compute.callsPerCpuS >= TARGETS.computeCallsPerS,
      ),
      large: NONE,
      baseline: NONE,
    },
  ];
}

function steps(p: PhaseResult): string {
  const kinds = Object.entries(p.steps).map(([k, n]) => `${n} ${k}`);
  return kinds.length > 0 ? kinds.join(", ") : "-";
}

/** What the request log says about one first apply: the floor's inputs, 429s, pauses, per second. */
function details(label: string, records: PhaseResult["records"], startedAtMs: number, wallMs: number, run: Run, errors: string[]): string[] {
  const f = logFigures(records);
  const quiet = silences(records);
  const first = firstThrottleMs(records, startedAtMs);
  const charged = chargedRequests(records);
  const lines = [
    `${label}: ${seconds(wallMs)} wall; ${f.total} requests (${charged} accepted: token ${f.accepted.token}, list ${f.accepted.list}, ` +
      `get ${f.accepted.get}, put ${f.accepted.put}; ${f.throttled} answered 429: list ${f.throttledByRoute.list}, get ${f.throttledByRoute.get}, ` +
      `put ${f.throttledByRoute.put}, token ${f.throttledByRoute.token})`,
    `  floor = (${charged} accepted - ${run.throttle.burst} burst) / ${run.throttle.ratePerSecond} per s = ${seconds(throttleFloorMs(records, run.throttle.burst, run.throttle.ratePerSecond))}; ` +
      `first 429 at ${first === null ? "never" : seconds(first)}; ${quiet.count} silences > 250 ms totalling ${seconds(quiet.totalMs)} (longest ${seconds(quiet.longestMs)})`,
    `  accepted/429 per second: ${timeline(records, startedAtMs)}`,
  ];
  for (const e of errors) lines.push(`  error: ${e}`);
  return lines;
}

function report(run: Run): void {
  const { args, main, large, baseline } = run;
  const N = args.resources;
  const headers: [string, string, string, string, string] = [
    "figure",
    "target",
    `this provider, N=${N}`,
    `this provider, 4N=${LARGE_FACTOR * N} (fresh host)`,
    `original design, N=${N}`,
  ];
  const table = rows(run);
  console.log(renderTable(table, headers));
  console.log("");
  console.log(`Request log, first apply (throttle: token bucket of ${run.throttle.burst}, refilled at ${run.throttle.ratePerSecond}/s; a 429 takes no token):`);
  for (const line of [
    ...details(`  this provider, N=${N}`, main.firstApply.records, main.firstApply.startedAtMs, main.firstApply.wallMs, run, main.firstApply.errors),
    ...details(`  this provider, 4N=${LARGE_FACTOR * N}`, large.firstApply.records, large.firstApply.startedAtMs, large.firstApply.wallMs, run, large.firstApply.errors),
    ...details(`  original design, N=${N}`, baseline.records, baseline.startedAtMs, baseline.wallMs, run, baseline.errors),
  ]) {
    console.log(line);
  }
  console.log("");
  console.log("Phases (engine steps; wall time):");
  for (const [label, d] of [[`N=${N}`, main], [`4N=${LARGE_FACTOR * N}`, large]] as const) {
    const phases: [string, PhaseResult][] = [
      ["preview new", d.previewNew],
      ["first apply", d.firstApply],
      ["no-change apply", d.noChange],
      ["refresh", d.refresh],
      ["preview after refresh", d.previewAfter],
      ["update", d.update],
    ];
    console.log(`  ${label}:`);
    for (const [name, p] of phases) {
      const cpu = p.hostCpuMs === null || p.resources === 0 ? "" : `, host CPU ${fixed(p.hostCpuMs / p.resources, 1)} ms/resource`;
      console.log(`    ${name}: ${steps(p)}; ${seconds(p.wallMs)} wall${cpu}${p.failed > 0 ? `; ${p.failed} failed` : ""}`);
    }
    if (d.stateProviderBytes.length > 0) {
      const share = mean(d.stateProviderBytes) / mean(d.stateBytes);
      console.log(`    state: ${Math.round(mean(d.stateBytes))} B mean per resource, of which __provider (JSON-escaped, in inputs and outputs) ${Math.round(mean(d.stateProviderBytes))} B = ${Math.round(100 * share)}%`);
    }
    const refreshLog = logFigures(d.refresh.records);
    if (refreshLog.throttled > 0) console.log(`    refresh met ${refreshLog.throttled} 429 answers`);
    for (const e of [...d.noChange.errors, ...d.refresh.errors, ...d.previewAfter.errors]) console.log(`    error: ${e}`);
  }
  console.log(
    `computeDateManipulation: ${run.compute.specs} specs in rotation; rounds (calls per CPU-s / per wall-s): ` +
      `${run.compute.rounds.map((r) => `${count(r.perCpuS)}/${count(r.perWallS)}`).join(", ")}; medians reported`,
  );
  const missed = misses(table, [headers[2], headers[3], headers[4]]);
  const passed = table.reduce((n, r) => n + [r.main, r.large, r.baseline].filter((c) => c.verdict === "PASS").length, 0);
  console.log("");
  console.log(`Targets: ${passed} PASS, ${missed.length} MISS`);
  for (const m of missed) console.log(`  MISS: ${m}`);
}

/**
 * Ends the run, and the hosts it started (by pid), if it takes ten times the throttle's floor
 * for all of its requests (at least WATCHDOG_MIN_MS): every loop is bounded, but a stuck
 * host or socket must not keep a bench running.
 */
function startWatchdog(args: Args): void {
  const limitMs = Math.max(WATCHDOG_MIN_MS, (10 * REQUESTS_PER_N * args.resources * 1000) / args.rate);
  setTimeout(() => {
    console.error(`bench: still running after ${Math.round(limitMs / 60_000)} minutes; stopping the provider hosts it started`);
    for (const pid of liveHostPids) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // Already gone.
      }
    }
    process.exit(1);
  }, limitMs).unref();
}

async function main(): Promise<void> {
  const args = readArgs();
  startWatchdog(args);
  const N = args.resources;
  // Passed to the emulator explicitly, so the floor is computed with the very burst it applies.
  // The main table is of this burst; the sweep covers R/10 to R besides.
  const throttle = { ratePerSecond: args.rate, burst: args.burst };
  const cpus = os.cpus();
  console.log(`Machine: ${cpus[0]?.model ?? "unknown CPU"}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}`);
  const build = distFingerprint();
  console.log(`Node ${process.version}; load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}; dist/provider build ${build}`);
  console.log(
    `Run: N=${N} resources, parallel=${args.parallel}, throttle ${args.rate} requests/s with burst ${throttle.burst}; ` +
      "the first apply is measured once, with the throttle on, for both its request counts and its time.",
  );
  console.log("");

  const pkg = compiledPackage();
  // First, while nothing else runs in this process, so the figure is one core's.
  progress("computeDateManipulation throughput (about 3 s)");
  const compute = measureCompute(pkg.computeDateManipulation);

  progress(`running the program under setMocks: ${LARGE_FACTOR * N} CxoneDateAction registrations, then the edited program`);
  const registrations = await declared(pkg, LARGE_FACTOR * N, false);
  const edited = await declared(pkg, LARGE_FACTOR * N, true);
  const providerBytes = Buffer.byteLength(String(registrations[0].inputs.__provider));
  const baselineItem = (i: number) => ({ actionName: declarationArgs(i).actionName, dateProcessing: desiredDateProcessing(pkg, i) });

  // The sweep: every burst from R/10 to R (and --burst), N and 4N, the original design at N.
  const bursts = sweepBursts(args.rate, args.burst);
  const sweep = await runSweep(
    {
      rate: args.rate,
      parallel: args.parallel,
      resources: N,
      factor: LARGE_FACTOR,
      registrations,
      edited,
      seed: seedActions,
      baselineItems: Array.from({ length: N }, (_, i) => baselineItem(i)),
      progress,
    },
    bursts,
  );
  const chosen = sweep.find((e) => e.throttle.burst === args.burst) ?? sweep[sweep.length - 1];
  const { main: mainRun, large, baseline } = chosen;

  const neighbourCount = Math.max(...NEIGHBOURS.hostCounts) * NEIGHBOURS.perHost;
  const neighbours = await runNeighbourScenarios(await declared(pkg, neighbourCount, false), seedActions, baselineItem, args.parallel, progress);

  progress("state of one resource declared with a webhookUrl");
  const webhookStateBytes = await stateBytesOfOne(seedActions(1), async (webhookUrl) => {
    const [registration] = await runProgram(() => declareWithWebhook(pkg, webhookUrl));
    return registration;
  });

  report({ args, throttle, compute, providerBytes, webhookStateBytes, main: mainRun, large, baseline });
  for (const [title, part] of [
    [`Throttle sweep: rate ${args.rate}/s, server burst from R/10 to R; each phase's wall time / its floor (share of requests answered 429); targets <= 1.15 and <= 5%, no failure:`, sweepReport(sweep, N, LARGE_FACTOR)],
    ["", neighbourReport(neighbours)],
  ] as const) {
    console.log("");
    if (title !== "") console.log(title);
    if (title !== "") console.log("");
    for (const line of part.text) console.log(line);
    console.log("");
    console.log(`Targets: ${part.passed} PASS, ${part.missed.length} MISS`);
    for (const m of part.missed) console.log(`  MISS: ${m}`);
  }
  console.log(`Load average at end: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  // Each host loads dist/ when it starts; a rebuild meanwhile means the figures mix two builds.
  const after = distFingerprint();
  if (after !== build) console.log(`WARNING: dist/provider changed during the run (${build} -> ${after}); run again for figures of one build.`);
}

main().catch((error) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
