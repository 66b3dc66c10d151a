/**
 * `npm run bench:engine`: N = 200 resources through the real `pulumi` CLI against the throttled
 * emulator (R = 50 requests/s, burst R and R/5), one command each as a pipeline runs them:
 * `up` (first apply), `refresh`, `preview` (no request), `up` of the edited program (every
 * resource updates). Each command starts its own provider host, so the limiter starts cold:
 * this is also the limiter's cold-start figure. Beside each timed phase, the same phase through
 * the harness's model of the engine (runPerCommand, a host per command, `--parallel` alike).
 *
 * Printed per phase: wall time, the throttle floor (the least time the bucket allows for the
 * requests it accepted), their ratio, the 429 share, and the time per resource. A third column,
 * without a throttle, is the engine's own time per resource (CLI, host, program) beside the
 * harness's. Figures, not assertions: BENCHMARKS.md records runs of it.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, startEmulator, type RecordedRequest } from "../provider/emulator/emulator";
import { EngineProject, findCli, type Installation } from "../harness/cli";
import { compiledPackage, runProgram } from "../harness/program";
import { benchMain, RESOURCES_PROGRAM, withInstalledPackage } from "./bench-cli";
import { declarationArgs, declareResources, resourceName, seedActions } from "../harness/fixtures";
import { runPerCommand, type PhaseResult } from "../harness/deployment";
import { chargedRequests, logFigures, throttleFloorMs } from "./bench-log";

const N = Number(process.env.BENCH_ENGINE_N ?? 200);
const RATE = 50; // requests per second the emulator's bucket refills
const BURSTS = [RATE, RATE / 5];
// The CLI's default --parallel is 4 x CPUs; the harness gets the same.
const PARALLEL = 4 * (require("node:os") as typeof import("node:os")).availableParallelism();


interface Timed {
  wallMs: number;
  records: RecordedRequest[];
}

function declare(project: EngineProject, edited: boolean): void {
  const resources = Array.from({ length: N }, (_, i) => ({ name: resourceName(i), args: declarationArgs(i, edited) }));
  writeFileSync(path.join(project.dir, "resources.json"), JSON.stringify(resources));
}

function row(label: string, t: Timed, burst: number | undefined): string {
  const f = logFigures(t.records);
  const floorMs = burst === undefined ? 0 : throttleFloorMs(t.records, burst, RATE);
  const ratio = floorMs > 0 ? `${(t.wallMs / floorMs).toFixed(2)}x` : "-";
  const share = f.total === 0 ? "-" : `${((100 * f.throttled) / f.total).toFixed(1)}%`;
  return `| ${label} | ${(t.wallMs / 1000).toFixed(2)} s | ${(floorMs / 1000).toFixed(2)} s | ${ratio} | ${share} | ${chargedRequests(t.records)} | ${(t.wallMs / N).toFixed(1)} ms |`;
}

async function throughCli(burst: number | undefined, installation: Installation): Promise<Record<string, Timed>> {
  const throttle = burst === undefined ? undefined : { ratePerSecond: RATE, burst };
  const emulator = await startEmulator({ seed: seedActions(N), throttle });
  const project = new EngineProject(findCli(), installation, { program: RESOURCES_PROGRAM });
  try {
    declare(project, false);
    await project.init({ "cxone:baseUrl": emulator.url, "cxone:clientId": EMULATOR_CLIENT_ID }, { "cxone:clientSecret": EMULATOR_CLIENT_SECRET });
    const phases: Record<string, Timed> = {};
    const timed = async (label: string, args: string[]) => {
      // The bucket full again before each timed phase, as bench-deployment waits for it.
      if (throttle !== undefined) await delay((throttle.burst / RATE) * 1000 + 200);
      const from = emulator.requests.length;
      const started = performance.now();
      await project.run(args);
      phases[label] = { wallMs: performance.now() - started, records: emulator.requests.slice(from) };
    };
    await timed("up (first apply)", ["up", "--yes", "--skip-preview"]);
    await timed("refresh", ["refresh", "--yes", "--skip-preview"]);
    await timed("preview", ["preview"]);
    declare(project, true);
    await timed("up (every resource updates)", ["up", "--yes", "--skip-preview"]);
    return phases;
  } finally {
    project.remove();
    await emulator.close();
  }
}

// runPerCommand always throttles; a bucket this large never empties, so it is no throttle.
const UNTHROTTLED = 1_000_000;

async function throughHarness(burst: number, rate = RATE): Promise<Record<string, Timed>> {
  const pkg = compiledPackage();
  const registrations = await runProgram(() => declareResources(pkg, N));
  const edited = await runProgram(() => declareResources(pkg, N, true));
  const result = await runPerCommand({ registrations, edited, seed: seedActions(N), throttle: { ratePerSecond: rate, burst }, parallel: PARALLEL });
  const timed = (p: PhaseResult): Timed => ({ wallMs: p.wallMs, records: p.records });
  return { "up (first apply)": timed(result.firstApply), refresh: timed(result.refresh), "up (every resource updates)": timed(result.update) };
}

async function main(): Promise<void> {
  const cli = findCli();
  console.log(`# bench:engine: N = ${N}, R = ${RATE}/s, pulumi ${cli.version} (${cli.source}), harness --parallel ${PARALLEL}, node ${process.version}`);
  await withInstalledPackage(async (installation) => {
    const header = "| phase | wall | throttle floor | wall / floor | 429 share | requests accepted | per resource |\n|---|---|---|---|---|---|---|";
    for (const burst of BURSTS) {
      const cliPhases = await throughCli(burst, installation);
      const harness = await throughHarness(burst);
      console.log(`\n## burst ${burst} (R = ${RATE}/s)\n\n${header}`);
      for (const [label, t] of Object.entries(cliPhases)) {
        console.log(row(`CLI: ${label}`, t, burst));
        if (harness[label] !== undefined) console.log(row(`harness: ${label}`, harness[label], burst));
      }
    }
    const open = await throughCli(undefined, installation);
    const openHarness = await throughHarness(UNTHROTTLED, UNTHROTTLED);
    console.log(`\n## no throttle: the engine's own time per resource beside the harness's\n\n${header}`);
    for (const [label, t] of Object.entries(open)) {
      console.log(row(`CLI: ${label}`, t, undefined));
      if (openHarness[label] !== undefined) console.log(row(`harness: ${label}`, openHarness[label], undefined));
    }
  });
}

benchMain(main);
