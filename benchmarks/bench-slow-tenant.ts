/**
 * `npm run bench:slow-tenant`: a slow, faulty tenant through the real `pulumi` CLI. For N = 100,
 * 500 and 2,000 resources (BENCH_SLOW_NS overrides), one `pulumi up` with every resource at once
 * (`--parallel N`) against the emulator throttled at R = 50 requests/s (burst R) with 5% of API
 * requests answered 503 or dropped, then a second `pulumi up --refresh` that must find nothing to
 * do. Printed per N: resources that failed (the goal is 0), wall time over the throttle floor,
 * requests per resource, and when half of the resources had their configuration written
 * (their last accepted PUT) against when the last one did. Figures, not assertions.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, startEmulator, type RecordedRequest } from "../provider/emulator/emulator";
import { EngineProject, findCli, type Installation } from "../harness/cli";
import { benchMain, RESOURCES_PROGRAM, withInstalledPackage } from "./bench-cli";
import { declarationArgs, resourceName, seedActions } from "../harness/fixtures";
import { chargedRequests, logFigures, throttleFloorMs } from "./bench-log";

const NS = (process.env.BENCH_SLOW_NS ?? "100 500 2000").split(/\s+/).filter(Boolean).map(Number);
const RATE = 50; // requests per second the emulator accepts
const FAULT_SHARE = 0.05; // of API requests: half answered 503, half dropped mid-answer


/** When each action's configuration was written: its last PUT the server accepted. */
function writtenAt(records: readonly RecordedRequest[]): number[] {
  const last = new Map<string, number>();
  for (const r of records) if (r.route === "put" && r.status === 200) last.set(r.path, r.endedAt);
  return [...last.values()].sort((a, b) => a - b);
}

async function run(n: number, installation: Installation): Promise<string> {
  const emulator = await startEmulator({
    seed: seedActions(n),
    throttle: { ratePerSecond: RATE, burst: RATE },
    faults: (["list", "get", "put"] as const).flatMap((route) => [
      { route, kind: "5xx" as const, status: 503 as const, probability: FAULT_SHARE / 2 },
      { route, kind: "drop" as const, probability: FAULT_SHARE / 2 },
    ]),
  });
  const project = new EngineProject(findCli(), installation, { program: RESOURCES_PROGRAM });
  try {
    const resources = Array.from({ length: n }, (_, i) => ({ name: resourceName(i), args: declarationArgs(i) }));
    writeFileSync(path.join(project.dir, "resources.json"), JSON.stringify(resources));
    await project.init({ "cxone:baseUrl": emulator.url, "cxone:clientId": EMULATOR_CLIENT_ID }, { "cxone:clientSecret": EMULATOR_CLIENT_SECRET });
    const started = Date.now();
    // The engine's own time grows with the stack (bench:engine): minutes at N = 2,000.
    const up = await project.run(["up", "--yes", "--skip-preview", "--parallel", String(n)], { allowFailure: true, timeoutMs: 30 * 60_000 });
    const wallMs = Date.now() - started;
    const records = emulator.requests.slice();
    const failed = (up.output.match(/\*\*creating failed\*\*/g) ?? []).length;
    const f = logFigures(records);
    const floorMs = throttleFloorMs(records, RATE, RATE);
    const written = writtenAt(records);
    const half = written[Math.floor(written.length / 2)] - started;
    const lastWrite = written[written.length - 1] - started;
    emulator.setFaults([]);
    emulator.reset();
    const again = await project.run(["up", "--refresh", "--yes", "--skip-preview", "--parallel", String(n)], { allowFailure: true, timeoutMs: 30 * 60_000 });
    const converged = again.code === 0 && (again.output.match(/~ \d+ updated|\+ \d+ created/g) ?? []).length === 0;
    return (
      `| ${n} | ${failed} (exit ${up.code}) | ${(wallMs / 1000).toFixed(1)} s | ${(floorMs / 1000).toFixed(1)} s | ${(wallMs / floorMs).toFixed(2)}x | ` +
      `${(chargedRequests(records) / n).toFixed(2)} accepted, ${(f.total / n).toFixed(2)} sent | ${((100 * f.throttled) / f.total).toFixed(1)}% | ` +
      `${(half / 1000).toFixed(1)} s / ${(lastWrite / 1000).toFixed(1)} s | ${converged ? "nothing to do" : `exit ${again.code}, changes left`} |`
    );
  } finally {
    project.remove();
    await emulator.close();
  }
}

async function main(): Promise<void> {
  const cli = findCli();
  console.log(`# bench:slow-tenant: R = ${RATE}/s (burst ${RATE}), ${FAULT_SHARE * 100}% of API requests faulted, pulumi ${cli.version}, node ${process.version}\n`);
  console.log("| N | failed resources | wall | throttle floor | wall / floor | requests per resource | 429 share | half written / last written | `up --refresh` after |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  await withInstalledPackage(async (installation) => {
    for (const n of NS) console.log(await run(n, installation));
  });
}

benchMain(main);
