/**
 * `npm run demo`: the GitOps example (examples/gitops/actions.yaml) applied to the built-in
 * CXone emulator. No account and no credentials: the emulator issues its own.
 *
 * With the Pulumi CLI (on PATH, or built by `npm run cli:build`) it runs `pulumi preview` and
 * `pulumi up` for real, on a local file backend in a temporary directory. Without one, its first
 * line says so and how to build one, and it drives the same program through the tests' model of
 * the engine (Pulumi's own dynamic-provider host, in the engine's order).
 *
 * `npm run demo -- --audit-json` prints each audit record whole instead of its one-line summary.
 */
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, startEmulator, type Emulator } from "../provider/emulator/emulator";
import type { AuditRecord } from "../provider/resource/audit";
import type { DataAction } from "../provider/shared/types";
import { locateCli, type Cli } from "../harness/cli";
import { REPO_ROOT } from "../harness/host";
import { Stack } from "../harness/stack";

const GITOPS = path.join(REPO_ROOT, "examples", "gitops");
const PROGRAM = path.join(GITOPS, "index.ts");
const PARALLEL = 10; // operations at once, like `pulumi up --parallel 10`
// Signs the demo's webhook deliveries; the emulator's receiver verifies them. Never printed.
const WEBHOOK_SECRET = "demo-only-webhook-secret";

/**
 * The real CLI: the example copied as a user copies it into a throwaway project (the
 * repository's node_modules holds this package, linked by `npm run build`, so nothing is installed),
 * a local file backend and PULUMI_HOME, all in a temp dir. Commands that run the program go
 * through tools/pulumi/client-runtime.cjs, as in the engine tests.
 */
/** Runs a command to its end with the terminal's stdio; the event loop (the emulator) keeps serving. */
function exec(bin: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { ...options, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(bin)} ${args.join(" ")} exited with ${code}`))));
  });
}

async function runWithCli(emulator: Emulator, cli: Cli): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), "cxone-demo-"));
  try {
    const project = path.join(work, "project");
    cpSync(GITOPS, project, { recursive: true, filter: (source) => !source.includes(`${path.sep}node_modules`) });
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(project, "node_modules"), "dir");
    mkdirSync(path.join(work, "state"));
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("CXONE_") && !key.startsWith("PULUMI_")));
    const env = {
      ...inherited,
      // The dynamic-provider plugin ships in @pulumi/pulumi's root and runs this `node`.
      PATH: [path.dirname(process.execPath), path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi"), process.env.PATH ?? ""].join(path.delimiter),
      PULUMI_HOME: path.join(work, "home"),
      PULUMI_BACKEND_URL: `file://${path.join(work, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "demo-only-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
    // Never a synchronous child: the emulator answers from this process's event loop.
    const pulumi = (...args: string[]) => exec(cli.bin, [...args, "--non-interactive"], { cwd: project, env });
    const launcher = path.join(REPO_ROOT, "tools", "pulumi", "client-runtime.cjs");
    const run = (...args: string[]) => exec(process.execPath, [launcher, cli.bin, ...args, "--non-interactive"], { cwd: project, env });
    await pulumi("stack", "init", "dev");
    await pulumi(
      "config", "set-all",
      "--plaintext", `cxone:baseUrl=${emulator.url}`,
      "--plaintext", `cxone:clientId=${EMULATOR_CLIENT_ID}`,
      "--secret", `cxone:clientSecret=${EMULATOR_CLIENT_SECRET}`,
      "--secret", `cxone:webhookSecret=${WEBHOOK_SECRET}`,
      "--plaintext", `webhookUrl=${emulator.webhookUrl}`,
    );
    await run("preview", "--diff");
    await run("up", "--yes", "--skip-preview", "--parallel", String(PARALLEL));
    const signed = emulator.deliveries.filter((d) => d.signatureValid === true).length;
    console.log(`Webhook receiver: ${emulator.deliveries.length} deliveries, ${signed} with a valid signature`);
    await pulumi("stack", "output", "applied", "--json");
    emulator.reset();
    await run("preview", "--expect-no-changes");
    console.log(`Second preview: no changes, ${emulator.requests.length} HTTP requests.`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * No CLI: the same program through the same stack harness the tests use (harness/stack.ts):
 * the program runs under pulumi.runtime.setMocks and each registration goes to Pulumi's own
 * dynamic-provider host in the engine's order, with state kept between commands.
 */
/** What the resource writes to CXone's dateProcessing.computedValue for these inputs or outputs. */
function written(values: Record<string, unknown>): unknown {
  return values.valueFormat === "utc" ? values.computedValueUtc : values.computedValue;
}

/** One line per apply: its outcome, its requests, whether and why the PUT was skipped, the webhook. */
function summary(audit: AuditRecord, alreadyLive: boolean): string {
  const put = audit.putSkipped
    ? "PUT skipped: CXone already held this configuration"
    : alreadyLive
      ? "PUT sent: the values were already live, it wrote only the ownership record"
      : "PUT sent";
  const hook = audit.webhook.attempts === 0
    ? "no webhook"
    : `webhook ${audit.webhook.delivered ? "delivered" : "NOT delivered"} (status ${audit.webhook.status}, ${audit.webhook.attempts} attempt(s))`;
  return [
    audit.status,
    `${audit.httpRequests} API request(s), ${audit.retries} retried`,
    put,
    hook,
    `accuracy ${audit.accuracyValid ? "checked" : "NOT valid"}`,
    `tzdata ${audit.tzdbVersion}`,
    `request ${audit.requestId}`,
  ].join("; ");
}

async function runWithHost(emulator: Emulator, auditJson: boolean): Promise<void> {
  console.log("The program runs under pulumi.runtime.setMocks; its resources go through Pulumi's own");
  console.log("dynamic-provider host over gRPC (check, diff, create, ...), in the order `pulumi up` uses.\n");

  // What `pulumi config set webhookUrl ...` and `pulumi config set --secret cxone:webhookSecret ...` do.
  const stack = await Stack.start(emulator, {
    config: { webhookUrl: emulator.webhookUrl },
    providerConfig: { "cxone:webhookSecret": WEBHOOK_SECRET },
  });
  try {
    const liveBefore = new Map([...emulator.store.values()].map((a: DataAction) => [a.name, a]));
    console.log("Preview (pulumi preview):");
    const preview = await stack.preview(PROGRAM);
    // Only what a real preview knows: the plan and the values computed from the inputs. What CXone
    // holds is read by the apply, so it is shown there.
    for (const step of preview.steps) {
      const inputs = step.inputs ?? {};
      console.log(`  ${step.op === "create" ? "+" : "~"} ${step.name}  ${step.op}  ${inputs.actionName}`);
      console.log(`      to be written:      ${written(inputs)}${inputs.valueFormat === "utc" ? "  (valueFormat utc: the UTC form)" : ""}`);
    }

    emulator.reset();
    console.log("\nApply (pulumi up):");
    const up = await stack.up(PROGRAM);
    for (const step of up.steps) {
      const state = stack.resource(step.name);
      const audit = state.outputs.audit as AuditRecord;
      const before = liveBefore.get(String(state.outputs.actionName))?.configuration.dateProcessing?.computedValue;
      console.log(`  ${step.op} ${state.name} (${state.id}): ${summary(audit, before === written(state.outputs))}`);
      console.log(`      was in CXone:       ${before ?? "(no dateProcessing)"}`);
      if (auditJson) console.log(JSON.stringify(audit, null, 2).replace(/^/gm, "    "));
    }
    if (!auditJson) console.log("  (npm run demo -- --audit-json prints each audit record whole)");
    const api = emulator.requests.filter((r) => r.route !== "webhook");
    console.log(`\n  CXone API requests: ${api.length} for ${up.steps.length} resources (${api.map((r) => r.route).join(", ")})`);
    const signed = emulator.deliveries.filter((d) => d.signatureValid === true).length;
    console.log(`  Webhook receiver: ${emulator.deliveries.length} deliveries, ${signed} with a valid signature`);
    // The program's typed outputs, resolved as `pulumi stack output` shows them.
    console.log(`\nStack outputs (pulumi stack output): ${Object.keys(up.outputs).join(", ")}`);
    for (const step of up.steps) console.log(`  ${step.name}: written to CXone ${written(stack.resource(step.name).outputs)}`);

    emulator.reset();
    const again = await stack.up(PROGRAM);
    const same = again.steps.filter((s) => s.op === "same").length;
    console.log(`\nSecond up: ${same} of ${again.steps.length} unchanged, ${emulator.requests.length} HTTP requests.`);
    console.log("\nDone. This demo ran without the Pulumi CLI; install it to run `pulumi preview` / `pulumi up` for real.");
  } finally {
    await stack.close();
  }
}

async function main(): Promise<void> {
  const cli = locateCli();
  // The first line says which engine runs, so a model run is never mistaken for the real one.
  console.log(
    cli !== undefined
      ? `Engine: the Pulumi CLI ${cli.version} (${cli.source}: ${cli.bin})`
      : "Engine: a MODEL of Pulumi's engine, running WITHOUT the CLI: no `pulumi` on PATH and none built. " +
          "`npm run cli:build` builds Pulumi's CLI from the Go module proxy (Go 1.26+); then run the demo again.",
  );
  const emulator = await startEmulator({ webhookSecret: WEBHOOK_SECRET });
  console.log(`CXone emulator listening on ${emulator.url}\n`);
  try {
    if (cli !== undefined) {
      await runWithCli(emulator, cli);
    } else {
      await runWithHost(emulator, process.argv.includes("--audit-json"));
    }
  } finally {
    await emulator.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
