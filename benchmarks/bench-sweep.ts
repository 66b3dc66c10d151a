/**
 * The throttle sweep of `npm run bench`: for each server burst from R/10 to R, a deployment of
 * N and of 4N on fresh hosts (first apply, refresh, update timed against the throttle's floor),
 * N again with a host per command as the CLI runs them, and the original design's client at N;
 * then two and three provider hosts against one tenant
 * (issue 11's case: 50 resources each, rate 20/s, burst 10), with as many original-design
 * clients beside them. Pure rendering apart from the runs themselves.
 */
import { startEmulator, type RecordedRequest } from "../provider/emulator/emulator";
import type { DataAction } from "../provider/shared/types";
import type { Registration } from "../harness/program";
import { runBaseline, type BaselineItem, type BaselineResult } from "./bench-baseline";
import { runDeployment, runPerCommand, type DeploymentResult, type PerCommandResult, type PhaseResult } from "../harness/deployment";
import { chargedRequests, logFigures, throttleFloorMs, timeline } from "./bench-log";
import { neighbourTimeline, runNeighbours, type NeighbourResult } from "../harness/neighbours";

export const SWEEP_TARGETS = {
  timeRatio: 1.15, // each phase's wall time / the throttle's floor, one host
  throttledShare: 0.05, // 429 answers / all requests of a phase, one host
  neighbourTimeRatio: 1.3, // the hosts' combined work / its floor
  neighbourThrottledShare: 0.1,
};
export const SWEEP_SHARES = [0.1, 0.2, 0.5, 1]; // server burst as a share of R
export const NEIGHBOURS = { hostCounts: [2, 3], perHost: 50, throttle: { ratePerSecond: 20, burst: 10 } };

export type Throttle = { ratePerSecond: number; burst: number };
export type BaselineRun = BaselineResult & { records: RecordedRequest[]; tokenRequests: number };

export interface SweepEntry {
  throttle: Throttle;
  main: DeploymentResult; // N
  large: DeploymentResult; // 4N
  perCommand: PerCommandResult; // N, a fresh host per timed phase, as the CLI runs them
  baseline: BaselineRun; // N
}

/** The original design's client on a fresh emulator seeded like the deployment. */
export async function baselineOn(seed: DataAction[], throttle: Throttle, items: BaselineItem[], parallel: number): Promise<BaselineRun> {
  const emulator = await startEmulator({ seed, throttle });
  try {
    const result = await runBaseline(emulator.url, emulator.tokenUrl, items, parallel);
    return { ...result, records: [...emulator.requests], tokenRequests: emulator.requests.filter((r) => r.route === "token" && r.status === 200).length };
  } finally {
    await emulator.close();
  }
}

export interface SweepInput {
  rate: number;
  parallel: number;
  resources: number; // N
  factor: number; // 4
  registrations: readonly Registration[]; // factor x N, resource i manages action i
  edited: readonly Registration[]; // the same, every input edited
  seed: (count: number) => DataAction[];
  baselineItems: BaselineItem[]; // N
  progress: (line: string) => void;
}

export function sweepBursts(rate: number, extra: number): number[] {
  return [...new Set([...SWEEP_SHARES.map((s) => Math.max(1, Math.round(rate * s))), extra])].sort((a, b) => a - b);
}

export async function runSweep(input: SweepInput, bursts: number[]): Promise<SweepEntry[]> {
  const { resources: N, factor } = input;
  const entries: SweepEntry[] = [];
  for (const burst of bursts) {
    const throttle = { ratePerSecond: input.rate, burst };
    input.progress(`burst ${burst}: deployment of N=${N} on one host`);
    const main = await runDeployment({ registrations: input.registrations.slice(0, N), edited: input.edited.slice(0, N), seed: input.seed(N), throttle, parallel: input.parallel });
    input.progress(`burst ${burst}: N=${N} again, a fresh host per command`);
    const perCommand = await runPerCommand({ registrations: input.registrations.slice(0, N), edited: input.edited.slice(0, N), seed: input.seed(N), throttle, parallel: input.parallel });
    input.progress(`burst ${burst}: the original design's client, N=${N}`);
    const baseline = await baselineOn(input.seed(N), throttle, input.baselineItems, input.parallel);
    input.progress(`burst ${burst}: deployment of ${factor}N=${factor * N} on a fresh host`);
    const large = await runDeployment({ registrations: input.registrations, edited: input.edited, seed: input.seed(factor * N), throttle, parallel: input.parallel });
    entries.push({ throttle, main, large, perCommand, baseline });
  }
  return entries;
}

const fixed = (n: number, digits = 2) => n.toFixed(digits);
const pct = (n: number) => `${(100 * n).toFixed(1)}%`;

interface Timed {
  records: RecordedRequest[];
  wallMs: number;
  startedAtMs: number;
  failed: number;
}

function figures(p: Timed, throttle: Throttle): { ratio: number; share: number; floorMs: number } {
  const f = logFigures(p.records);
  const floorMs = throttleFloorMs(p.records, throttle.burst, throttle.ratePerSecond);
  return { ratio: floorMs === 0 ? Number.NaN : p.wallMs / floorMs, share: f.total === 0 ? 0 : f.throttled / f.total, floorMs };
}

function verdict(ok: boolean): string {
  return ok ? "PASS" : "MISS";
}

/**
 * "1.04 (0.5% 429) PASS": wall time over the floor, and the share of requests answered 429;
 * without the verdict for a figure measured beside the targets.
 */
function phaseCell(p: Timed, throttle: Throttle, judged = true): string {
  const { ratio, share, floorMs } = figures(p, throttle);
  // Everything fitted in the burst: no floor to judge against.
  if (floorMs === 0) return `- (floor 0: all within the burst; ${pct(share)} 429)`;
  const failed = p.failed > 0 ? `, ${p.failed} failed` : "";
  const ok = ratio <= SWEEP_TARGETS.timeRatio && share <= SWEEP_TARGETS.throttledShare && p.failed === 0;
  return `${fixed(ratio)} (${pct(share)} 429${failed})${judged ? ` ${verdict(ok)}` : ""}`;
}

type Phase = "first apply" | "refresh" | "update";
const PHASES: Array<[Phase, (d: PerCommandResult) => PhaseResult]> = [
  ["first apply", (d) => d.firstApply],
  ["refresh", (d) => d.refresh],
  ["update", (d) => d.update],
];

function markdown(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => `| ${r.map((t, c) => t.padEnd(widths[c])).join(" | ")} |`;
  return [line(rows[0]), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.slice(1).map(line)].join("\n");
}

/** The sweep table, and the lines behind it. Returns the MISS count with the text. */
export function sweepReport(entries: SweepEntry[], N: number, factor: number): { text: string[]; passed: number; missed: string[] } {
  const rows = [
    ["server burst", "phase", `this provider, N=${N}`, `this provider, ${factor}N=${factor * N} (fresh host)`, `original design, N=${N}`, `a host per command, N=${N} (not judged)`],
  ];
  const details: string[] = [];
  for (const e of entries) {
    const label = `${e.throttle.burst} (R/${fixed(e.throttle.ratePerSecond / e.throttle.burst, 1).replace(/\.0$/, "")})`;
    for (const [phase, pick] of PHASES) {
      rows.push([
        label,
        phase,
        phaseCell(pick(e.main), e.throttle),
        phaseCell(pick(e.large), e.throttle),
        phase === "first apply" ? phaseCell(e.baseline, e.throttle) : "-",
        phaseCell(pick(e.perCommand), e.throttle, false),
      ]);
      const logs = [[`N=${N}`, pick(e.main)], [`${factor}N=${factor * N}`, pick(e.large)], ...(phase === "first apply" ? [[`original design, N=${N}`, e.baseline] as const] : []), [`N=${N}, its own host`, pick(e.perCommand)]] as const;
      for (const [who, p] of logs) {
        const { floorMs } = figures(p, e.throttle);
        details.push(
          `  burst ${e.throttle.burst}, ${phase}, ${who}: ${fixed(p.wallMs / 1000)} s / floor ${fixed(floorMs / 1000)} s (${chargedRequests(p.records)} accepted, ` +
            `${logFigures(p.records).throttled} 429); accepted/429 per second: ${timeline(p.records, p.startedAtMs)}`,
        );
      }
    }
  }
  const cells = rows.slice(1).flatMap((r) => r.slice(2).map((c, i) => ({ c, where: `${r[0]} ${r[1]} (${rows[0][i + 2]})` })));
  return {
    text: [markdown(rows), "", `Request log per phase (throttle: token bucket refilled at ${entries[0]?.throttle.ratePerSecond}/s; a 429 takes no token):`, ...details],
    passed: cells.filter((x) => x.c.endsWith("PASS")).length,
    missed: cells.filter((x) => x.c.endsWith("MISS")).map((x) => `${x.where}: ${x.c}`),
  };
}

export interface NeighbourEntry {
  hosts: number;
  provider: NeighbourResult;
  baseline: { wallMs: number; startedAtMs: number; failed: number; records: RecordedRequest[] };
}

export async function runNeighbourScenarios(registrations: readonly Registration[], seed: (n: number) => DataAction[], baselineItems: (i: number) => BaselineItem, parallel: number, progress: (line: string) => void): Promise<NeighbourEntry[]> {
  const { perHost, throttle } = NEIGHBOURS;
  const entries: NeighbourEntry[] = [];
  for (const hosts of NEIGHBOURS.hostCounts) {
    const groups = Array.from({ length: hosts }, (_, h) => registrations.slice(h * perHost, (h + 1) * perHost));
    progress(`neighbours: ${hosts} provider hosts x ${perHost} resources against one tenant`);
    const provider = await runNeighbours({ groups, seed: seed(hosts * perHost), throttle, parallel });
    progress(`neighbours: ${hosts} original-design clients x ${perHost} resources against one tenant`);
    const emulator = await startEmulator({ seed: seed(hosts * perHost), throttle });
    try {
      const startedAtMs = Date.now();
      const started = performance.now();
      const runs = await Promise.all(
        Array.from({ length: hosts }, (_, h) =>
          runBaseline(emulator.url, emulator.tokenUrl, Array.from({ length: perHost }, (_, i) => baselineItems(h * perHost + i)), parallel),
        ),
      );
      entries.push({ hosts, provider, baseline: { wallMs: performance.now() - started, startedAtMs, failed: runs.reduce((n, r) => n + r.failed, 0), records: [...emulator.requests] } });
    } finally {
      await emulator.close();
    }
  }
  return entries;
}

/** The best second of the host that finished last, from when the others had finished. */
function lastHostAlone(r: NeighbourResult): { host: number; requests: number; bestSecond: number } {
  const ends = r.hosts.map((h) => h.finishedAtMs);
  const host = ends.indexOf(Math.max(...ends));
  const othersDone = Math.max(...ends.filter((_, h) => h !== host));
  const perSecond = new Map<number, number>();
  const alone = r.records.filter((x) => r.hostOf(x) === host && x.status !== 429 && x.status !== 0 && x.startedAt >= othersDone);
  for (const x of alone) perSecond.set(Math.floor((x.startedAt - othersDone) / 1000), (perSecond.get(Math.floor((x.startedAt - othersDone) / 1000)) ?? 0) + 1);
  return { host, requests: alone.length, bestSecond: Math.max(0, ...perSecond.values()) };
}

export function neighbourReport(entries: NeighbourEntry[]): { text: string[]; passed: number; missed: string[] } {
  const { throttle, perHost } = NEIGHBOURS;
  const rows = [["hosts x resources", "figure", "target", "this provider", "original design"]];
  const details: string[] = [];
  const missed: string[] = [];
  let passed = 0;
  const judge = (text: string, ok: boolean, where: string) => {
    if (ok) passed++;
    else missed.push(`${where}: ${text}`);
    return `${text} ${verdict(ok)}`;
  };
  for (const e of entries) {
    const label = `${e.hosts} x ${perHost}`;
    const p = { records: e.provider.records, wallMs: e.provider.wallMs, startedAtMs: e.provider.startedAtMs, failed: e.provider.hosts.reduce((n, h) => n + h.failed, 0) };
    const sides = [p, e.baseline].map((t) => ({ t, f: figures(t, throttle) }));
    rows.push([
      label,
      "combined work: wall time / floor",
      `<= ${SWEEP_TARGETS.neighbourTimeRatio}`,
      ...sides.map(({ t, f }, i) => judge(`${fixed(t.wallMs / 1000)} s / ${fixed(f.floorMs / 1000)} s = ${fixed(f.ratio)}`, f.ratio <= SWEEP_TARGETS.neighbourTimeRatio, `${label} ${i === 0 ? "provider" : "original"} time`)),
    ]);
    rows.push([
      label,
      "429 answers / requests",
      `<= ${100 * SWEEP_TARGETS.neighbourThrottledShare}%`,
      ...sides.map(({ t, f }, i) => judge(`${logFigures(t.records).throttled} (${pct(f.share)})`, f.share <= SWEEP_TARGETS.neighbourThrottledShare, `${label} ${i === 0 ? "provider" : "original"} 429s`)),
    ]);
    rows.push([label, "failed resources", "0", ...sides.map(({ t }, i) => judge(String(t.failed), t.failed === 0, `${label} ${i === 0 ? "provider" : "original"} failed`))]);
    const alone = lastHostAlone(e.provider);
    const stalled = alone.requests >= throttle.ratePerSecond && alone.bestSecond < throttle.ratePerSecond / 2;
    rows.push([
      label,
      "last host, once alone: best second",
      `>= R/2 = ${throttle.ratePerSecond / 2}`,
      judge(`${alone.bestSecond} of its last ${alone.requests} (host ${alone.host + 1})`, !stalled, `${label} provider stall`),
      "-",
    ]);
    details.push(
      `  ${label}, this provider: finished at ${e.provider.hosts.map((h) => fixed((h.finishedAtMs - e.provider.startedAtMs) / 1000)).join(", ")} s; ` +
        `accepted per second and host: ${neighbourTimeline(e.provider)}`,
      `  ${label}, original design: accepted/429 per second (all clients): ${timeline(e.baseline.records, e.baseline.startedAtMs)}`,
    );
  }
  return {
    text: [
      `Neighbours: separate host processes against one emulator tenant (throttle ${throttle.ratePerSecond}/s, burst ${throttle.burst}), ${perHost} resources each, first apply:`,
      "",
      markdown(rows),
      "",
      ...details,
    ],
    passed,
    missed,
  };
}
