/**
 * `npm run bench:hostile`: a measurement, not a test. How much memory Pulumi's real
 * dynamic-provider host (a separate process, driven over gRPC) gains above its idle size while
 * the server sends bodies that never end or are far too large, on every route: the list, the
 * PUT, the token endpoint and the webhook receiver. Prints one row per scenario with the host's
 * resident memory (sampled from /proc every few ms) and the ~100 MiB target. Linux only.
 *
 *   npm run bench:hostile -- --resources 48 --parallel 24 [--only list]
 *
 * Loopback only: the emulator listens on 127.0.0.1 in this process; the host is a child.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { FaultSpec } from "../provider/emulator/emulator";
import { DEFAULTS } from "../provider/shared/defaults";
import { applyOne, startFleet, type Fleet, type Outcome } from "../harness/fleet";
import { inPool } from "../harness/engine";

const TARGET_MIB = 100; // issue 8: the host stays within ~100 MiB of its idle size
const SAMPLE_MS = 5; // ms between /proc reads of the host's resident size
const MiB = 1024 * 1024;

interface Scenario {
  name: string;
  faults: FaultSpec[];
  revokeFirst?: boolean; // so every call needs a new token (the token route's faults apply)
  webhook?: boolean; // the resources declare webhookUrl
}

const SCENARIOS: Scenario[] = [
  { name: "list: endless chunked body", faults: [{ route: "list", kind: "endless" }] },
  { name: `list: huge body (${DEFAULTS.emulatorHugeBodyBytes / MiB} MiB)`, faults: [{ route: "list", kind: "huge" }] },
  { name: "PUT: huge answer (write lands)", faults: [{ route: "put", kind: "huge" }] },
  { name: "GET read-back: endless too", faults: [{ route: "put", kind: "huge" }, { route: "get", kind: "endless" }] },
  { name: "token: endless body", faults: [{ route: "token", kind: "endless" }], revokeFirst: true },
  { name: "webhook: endless body", faults: [{ route: "webhook", kind: "endless" }], webhook: true },
];

function residentKiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status: this measurement needs Linux`);
  return Number(match[1]);
}

/** The highest VmRSS seen while `run` runs. */
async function peakWhile<T>(pid: number, run: () => Promise<T>): Promise<{ result: T; peakKiB: number }> {
  let peakKiB = residentKiB(pid, "VmRSS");
  const timer = setInterval(() => {
    peakKiB = Math.max(peakKiB, residentKiB(pid, "VmRSS"));
  }, SAMPLE_MS);
  try {
    const result = await run();
    return { result, peakKiB: Math.max(peakKiB, residentKiB(pid, "VmRSS")) };
  } finally {
    clearInterval(timer);
  }
}

function declarations(fleet: Fleet, label: string, round: number, count: number, webhook: boolean) {
  // The default seed's Action_0001...Action_0230: one loose match each, so one list page.
  return Array.from({ length: count }, (_, i) => ({
    name: `${label}-${i}`,
    news: {
      ...fleet.base,
      actionName: `Action_${String((i % 230) + 1).padStart(4, "0")}`,
      offsetMinutes: 1 + round * count + i, // a value no earlier round wrote, so every apply PUTs
      ...(webhook ? { webhookUrl: fleet.emulator.webhookUrl } : {}),
    },
  }));
}

function outcomeSummary(outcomes: Outcome[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) {
    const key = o.kind === "ok" ? (o.state.outputs as { audit?: { webhook?: { status?: number } } }).audit?.webhook?.status === 200 ? "ok (webhook 200)" : "ok"
      : o.kind === "partial" ? "partial"
      : /CXONE_RESPONSE_TOO_LARGE|larger than \d+ MiB/.test(o.error.message) ? "failed: too large" : `failed: ${o.error.message.slice(0, 60)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, v]) => `${v} ${k}`).join(", ");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { resources: { type: "string", default: "48" }, parallel: { type: "string", default: "24" }, only: { type: "string" } },
  });
  const resources = Number(values.resources);
  const parallel = Number(values.parallel);
  const fleet = await startFleet("hostile");
  try {
    const pid = fleet.host.pid();
    // Warm up: modules loaded, the shared client, its agent and a token in place.
    const warm = await inPool(declarations(fleet, "warm", 0, 16, true), parallel, (d) => applyOne(fleet.host, d.name, d.news));
    if (warm.some((o) => o.kind !== "ok")) throw new Error(`warm-up failed: ${outcomeSummary(warm)}`);
    const idleKiB = residentKiB(pid, "VmRSS");
    const rows: string[][] = [];
    for (const [index, scenario] of SCENARIOS.entries()) {
      // --only: the scenarios whose name contains this text
      if (values.only !== undefined && !scenario.name.includes(values.only)) continue;
      fleet.emulator.setFaults(scenario.faults);
      if (scenario.revokeFirst) fleet.emulator.revokeTokens();
      const decls = declarations(fleet, `s${index}`, index + 1, resources, scenario.webhook === true);
      const started = Date.now();
      const { result, peakKiB } = await peakWhile(pid, () => inPool(decls, parallel, (d) => applyOne(fleet.host, d.name, d.news)));
      const seconds = (Date.now() - started) / 1000;
      fleet.emulator.setFaults([]);
      const deltaMiB = (peakKiB - idleKiB) / 1024;
      rows.push([
        scenario.name,
        outcomeSummary(result),
        `${(peakKiB / 1024).toFixed(1)}`,
        `${deltaMiB.toFixed(1)}`,
        deltaMiB <= TARGET_MIB ? "PASS" : "MISS",
        seconds.toFixed(1),
      ]);
    }
    const hwmKiB = residentKiB(pid, "VmHWM");
    const header = ["scenario", `outcome of ${resources} applies, ${parallel} at once`, "peak RSS MiB", "over idle MiB", `<= ${TARGET_MIB} MiB`, "s"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(" | ");
    console.log(`provider host pid ${pid}: idle RSS ${(idleKiB / 1024).toFixed(1)} MiB after a warm-up of 16 applies`);
    console.log(`body cap ${DEFAULTS.maxResponseBytes / MiB} MiB per answer (maxResponseBytes), webhook drain ${DEFAULTS.webhookDrainBytes / 1024} KiB, ${DEFAULTS.maxConcurrency} requests in flight per tenant`);
    console.log(line(header));
    console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
    for (const row of rows) console.log(line(row));
    console.log(`host VmHWM over the whole run: ${(hwmKiB / 1024).toFixed(1)} MiB (${((hwmKiB - idleKiB) / 1024).toFixed(1)} MiB over idle)`);
  } finally {
    await fleet.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
