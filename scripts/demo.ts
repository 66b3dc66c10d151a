/**
 * `npm run demo`: the GitOps example (examples/gitops/actions.yaml) applied to the built-in
 * CXone emulator. No account and no credentials: the emulator issues its own.
 *
 * With the Pulumi CLI on PATH it runs `pulumi preview` and `pulumi up` for real, on a local
 * file backend in a temporary directory. Without it, it drives the same program through
 * Pulumi's own dynamic-provider host, exactly as the tests do, and says so.
 *
 * `npm run demo -- --audit-json` prints each audit record whole instead of its one-line summary.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, startEmulator, type Emulator } from "../provider/emulator/emulator";
import type { AuditRecord } from "../provider/resource/audit";
import type { DataAction } from "../provider/shared/types";
import { REPO_ROOT } from "../test/helpers/host";
import { Stack } from "../test/helpers/stack";

const GITOPS = path.join(REPO_ROOT, "examples", "gitops");
const PROGRAM = path.join(GITOPS, "index.ts");
const PARALLEL = 10; // operations at once, like `pulumi up --parallel 10`
// Signs the demo's webhook deliveries; the emulator's receiver verifies them. Never printed.
const WEBHOOK_SECRET = "demo-only-webhook-secret";

function pulumiOnPath(): boolean {
  return spawnSync("pulumi", ["version"], { stdio: "ignore" }).status === 0;
}

/** The real CLI: a throwaway project directory and a local file backend, both in a temp dir. */
function runWithCli(emulator: Emulator): void {
  const work = mkdtempSync(path.join(tmpdir(), "cxone-demo-"));
  try {
    // The example is a project of its own (Pulumi.yaml, package.json, tsconfig.json), copied as
    // a user copies it; the repository's node_modules holds this package (linked by `prepare`)
    // and its dependencies, so nothing is installed.
    const project = path.join(work, "project");
    cpSync(GITOPS, project, { recursive: true });
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(project, "node_modules"), "dir");
    const env = {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${path.join(work, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "demo-only-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
    };
    const pulumi = (...args: string[]) => execFileSync("pulumi", args, { cwd: project, env, stdio: "inherit" });
    mkdirSync(path.join(work, "state"));
    pulumi("stack", "init", "dev", "--non-interactive");
    pulumi("config", "set", "cxone:baseUrl", emulator.url);
    pulumi("config", "set", "cxone:clientId", EMULATOR_CLIENT_ID);
    pulumi("config", "set", "--secret", "cxone:clientSecret", EMULATOR_CLIENT_SECRET);
    pulumi("config", "set", "--secret", "cxone:webhookSecret", WEBHOOK_SECRET);
    pulumi("config", "set", "webhookUrl", emulator.webhookUrl);
    pulumi("preview", "--non-interactive", "--diff");
    pulumi("up", "--yes", "--non-interactive", "--parallel", String(PARALLEL));
    const signed = emulator.deliveries.filter((d) => d.signatureValid === true).length;
    console.log(`Webhook receiver: ${emulator.deliveries.length} deliveries, ${signed} with a valid signature`);
    pulumi("stack", "output", "applied", "--json");
    pulumi("preview", "--non-interactive", "--expect-no-changes");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * No CLI: the same program through the same stack harness the tests use (test/helpers/stack.ts):
 * the program runs under pulumi.runtime.setMocks and each registration goes to Pulumi's own
 * dynamic-provider host in the engine's order, with state kept between commands.
 */
/** What the resource writes to CXone's dateProcessing.computedValue for these inputs or outputs. */
function written(values: Record<string, unknown>): unknown {
  return values.valueFormat === "utc" ? values.computedValueUtc : values.computedValue;
}

/** One line per apply: its outcome, its requests, whether and why the PUT was skipped, the webhook. */
function summary(audit: AuditRecord): string {
  const put = audit.putSkipped ? "PUT skipped: CXone already held this configuration" : "PUT sent";
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
  console.log("The Pulumi CLI is not on PATH: running WITHOUT the CLI.");
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
    for (const step of preview.steps) {
      const inputs = step.inputs ?? {};
      const live = liveBefore.get(String(inputs.actionName))?.configuration.dateProcessing?.computedValue ?? "(no dateProcessing yet)";
      console.log(`  ${step.op === "create" ? "+" : "~"} ${step.name}  ${step.op}  ${inputs.actionName}`);
      console.log(`      live in CXone now:  ${live}`);
      console.log(`      to be written:      ${written(inputs)}${inputs.valueFormat === "utc" ? "  (valueFormat utc: the UTC form)" : ""}`);
    }

    emulator.reset();
    console.log("\nApply (pulumi up):");
    const up = await stack.up(PROGRAM);
    for (const step of up.steps) {
      const state = stack.resource(step.name);
      const audit = state.outputs.audit as AuditRecord;
      console.log(`  ${step.op} ${state.name} (${state.id}): ${summary(audit)}`);
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
  const emulator = await startEmulator({ webhookSecret: WEBHOOK_SECRET });
  console.log(`CXone emulator listening on ${emulator.url}\n`);
  try {
    if (pulumiOnPath()) {
      runWithCli(emulator);
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
