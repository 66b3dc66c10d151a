/**
 * The examples and the demo through the real `pulumi` CLI, as their docs say to run them:
 * examples/basic from stack config (README "Examples"), examples/gitops copied out of the
 * repository with the tarball installed (docs/gitops.md), then the commands of the three
 * pipelines in examples/gitops/pipelines, in the order a repository runs them; and `npm run demo`.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SEED } from "../../provider/emulator/emulator";
import type { DataAction } from "../../provider/shared/types";
import { startEmulator } from "../helpers/emulator";
import { EngineProject, type Installation } from "../../harness/cli";
import { REPO_ROOT } from "../../harness/host";
import { npm } from "../../harness/pack";
import { engineSuite } from "./program";

const suite = engineSuite();
const run = promisify(execFile);

/** An example copied out of the repository, adopted as a project where it lands. */
function exampleProject(example: string, installation: Installation | undefined, t: { after(fn: () => unknown): void }): EngineProject {
  const dir = mkdtempSync(path.join(tmpdir(), `cxone-example-${example}-`));
  cpSync(path.join(REPO_ROOT, "examples", example), dir, { recursive: true });
  if (installation !== undefined) symlinkSync(path.join(installation.dir, "node_modules"), path.join(dir, "node_modules"), "dir");
  const project = new EngineProject(suite.cli, { dir, remove: () => undefined }, { adopt: dir });
  t.after(() => project.remove());
  return project;
}

describe("examples/basic, as the README says: stack init, config set, up", () => {
  test("one resource from stack config: up, a clean preview, destroy", async (t) => {
    const emulator = await startEmulator(t);
    // Inside the repository the example resolves the package from the checkout's node_modules.
    const project = exampleProject("basic", { dir: REPO_ROOT, remove: () => undefined }, t);
    await project.init(
      { "cxone:baseUrl": emulator.url, "cxone:clientId": EMULATOR_CLIENT_ID, actionName: SEED.targetName, offsetMinutes: "60" },
      { "cxone:clientSecret": EMULATOR_CLIENT_SECRET },
    );
    await project.run(["up", "--yes"]);
    const outputs = await project.outputs();
    assert.equal(outputs.actionId, SEED.targetId);
    assert.equal(outputs.computedValue, "2024-02-29T11:30:00.000-05:00");
    assert.equal((emulator.store.get(SEED.targetId) as DataAction).configuration.dateProcessing?.computedValue, "2024-02-29T11:30:00.000-05:00");
    await project.run(["preview", "--expect-no-changes"]);
    await project.run(["destroy", "--yes"]);
    assert.equal((emulator.store.get(SEED.targetId) as DataAction).configuration.dateProcessing?.computedValue, "2024-02-29T12:30:00.000-05:00", "restored");
  });
});

describe("examples/gitops copied out of the repository, through its three pipelines", () => {
  test("lint, the pull request's preview, the deploy's up, the drift check: clean, then drift found", async (t) => {
    const emulator = await startEmulator(t);
    // docs/gitops.md's own commands, the tarball's path put in.
    const docs = readFileSync(path.join(REPO_ROOT, "docs", "gitops.md"), "utf8");
    assert.match(docs, /^cp -r examples\/gitops my-cxone && cd my-cxone\nnpm install \/path\/to\/pulumi-cxone-date-action-0\.1\.0\.tgz /m);
    assert.equal(path.basename(suite.packed.tarball), "pulumi-cxone-date-action-0.1.0.tgz");
    const project = exampleProject("gitops", undefined, t);
    npm(project.dir, ["install", "--prefer-offline", "--no-audit", "--no-fund", suite.packed.tarball]);
    await project.init(
      { "cxone:baseUrl": emulator.url, "cxone:clientId": EMULATOR_CLIENT_ID, webhookUrl: emulator.webhookUrl },
      { "cxone:clientSecret": EMULATOR_CLIENT_SECRET },
    );
    const workflows = readdirSync(path.join(REPO_ROOT, "examples", "gitops", "pipelines")).sort();
    assert.deepEqual(workflows, ["deploy.yml", "drift.yml", "pull-request.yml"]);
    const commands = workflows.map((w) => readFileSync(path.join(REPO_ROOT, "examples", "gitops", "pipelines", w), "utf8"));
    for (const text of commands) assert.match(text, /refresh: true/, "every pipeline refreshes first");

    // pull-request.yml: lint, then `preview --refresh --diff`; nothing written.
    const lint = await run(path.join(project.dir, "node_modules", ".bin", "cxone-date"), ["lint", "--format", "github", "actions.yaml"], { cwd: project.dir });
    assert.deepEqual(lint.stdout.trim().split("\n").slice(1).map((line) => line.split(/\s+/)[0]), ["production-date-processor", "staging-date-processor", "sydney-month-end"]);
    const pr = await project.run(["preview", "--refresh", "--diff"]);
    assert.match(pr.output, /\+ 5 to create/);
    assert.equal(emulator.requests.filter((r) => r.route === "put").length, 0);
    // deploy.yml: `up --refresh --diff`.
    await project.run(["up", "--refresh", "--diff", "--yes"]);
    assert.equal(emulator.deliveries.length, 3);
    // drift.yml: `preview --refresh --expect-no-changes --diff`: clean, then a console edit fails it.
    emulator.reset();
    await project.run(["preview", "--refresh", "--expect-no-changes", "--diff"]);
    assert.equal(emulator.requests.filter((r) => r.route === "put").length, 0);
    (emulator.store.get(SEED.targetId) as DataAction).enabled = false;
    const drift = await project.run(["preview", "--refresh", "--expect-no-changes", "--diff"], { allowFailure: true });
    assert.notEqual(drift.code, 0);
    assert.match(drift.output, /~ enabled\s*: true => false/);
  });
});

describe("npm run demo", () => {
  test("runs the real CLI when one is built and says so on its first line", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/demo.ts"], {
      cwd: REPO_ROOT,
      env: { ...process.env, PATH: [path.dirname(suite.cli.bin), process.env.PATH].join(path.delimiter) },
      timeout: 180_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    assert.equal(stdout.split("\n")[0], `Engine: the Pulumi CLI ${suite.cli.version} (PATH: ${suite.cli.bin})`);
    assert.match(stdout, /\+ 5 created/);
    assert.match(stdout, /Webhook receiver: 3 deliveries, 3 with a valid signature/);
    assert.match(stdout, /Second preview: no changes, 0 HTTP requests\./);
    assert.doesNotMatch(stdout, /demo-only-webhook-secret|emulator-secret/);
  });
});
