/**
 * examples/gitops/pipelines: every workflow passes a GitHub workflow validator (SchemaStore's
 * schema, via @action-validator/core), uses only inputs Pulumi's action has, and does what
 * docs/gitops.md says: lint and preview on PRs, up on main, a refresh preview that fails on drift.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { validateWorkflow } from "@action-validator/core";
import { parse } from "yaml";
import { REPO_ROOT } from "../../harness/host";

const DIR = path.join(REPO_ROOT, "examples", "gitops", "pipelines");

/** pulumi/actions v6 inputs, from its action.yml at v6.6.1 (8582a9e8cc630786854029b4e09281acd6794b58). */
const PULUMI_ACTION_INPUTS = new Set(
  "command stack-name pulumi-version pulumi-version-file work-dir comment-on-pr comment-on-pr-number comment-on-summary github-token cloud-url secrets-provider parallel message config-map expect-no-changes diff replace exclude exclude-dependents target target-dependents policyPacks policyPackConfigs refresh upsert remove edit-pr-comment color exclude-protected plan suppress-outputs suppress-progress always-include-summary continue-on-error log-verbosity log-flow debug".split(" "),
);
const PULUMI_COMMANDS = new Set(["up", "update", "refresh", "destroy", "preview", "output"]);

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  jobs: Record<string, { needs?: string; permissions?: Record<string, string>; steps: Step[] }>;
}

const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const workflow = (name: string) => parse(readFileSync(path.join(DIR, name), "utf8")) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((job) => job.steps);
const pulumiSteps = (w: Workflow) => steps(w).filter((s) => s.uses?.startsWith("pulumi/actions@"));

describe("pipelines", () => {
  test("every workflow is valid for GitHub Actions, and the validator does refuse a broken one", () => {
    assert.deepEqual(files, ["deploy.yml", "drift.yml", "pull-request.yml"]);
    for (const file of files) {
      const state = validateWorkflow(readFileSync(path.join(DIR, file), "utf8"));
      assert.deepEqual(state.errors, [], `${file}: ${JSON.stringify(state.errors)}`);
    }
    const broken = readFileSync(path.join(DIR, "deploy.yml"), "utf8").replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest");
    assert.notDeepEqual(validateWorkflow(broken).errors, []);
  });

  test("every job that sets up Node names one the package supports (engines in package.json)", () => {
    const engines = (JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
    const minimum = Number(/^>=(\d+)$/.exec(engines)?.[1]);
    assert.ok(minimum >= 22, `engines.node is ${engines}`);
    const versions = files.flatMap((file) => steps(workflow(file)).filter((s) => s.uses?.startsWith("actions/setup-node@")).map((s) => ({ file, version: Number(s.with?.["node-version"]) })));
    assert.equal(versions.length, 4, "each of the four jobs sets up Node");
    for (const { file, version } of versions) assert.ok(version >= minimum, `${file} runs Node ${version}; the package needs ${engines}`);
  });

  test("Pulumi's action gets only inputs it has, a command, a stack and the project directory", () => {
    // Counted first: a workflow without its Pulumi step would pass every check below.
    assert.deepEqual(
      files.map((file) => [file, pulumiSteps(workflow(file)).length]),
      files.map((file) => [file, 1]),
    );
    for (const file of files) {
      for (const step of pulumiSteps(workflow(file))) {
        assert.match(step.uses!, /^pulumi\/actions@v6$/, file);
        for (const key of Object.keys(step.with ?? {})) assert.ok(PULUMI_ACTION_INPUTS.has(key), `${file}: pulumi/actions has no input ${key}`);
        assert.ok(PULUMI_COMMANDS.has(String(step.with?.command)), `${file}: command ${step.with?.command}`);
        assert.equal(step.with?.["stack-name"], "${{ env.PULUMI_STACK }}", file);
        assert.equal(step.with?.["work-dir"], "${{ env.PROJECT_DIR }}", file);
        assert.equal(step.env?.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}", file);
        // Credentials come from repository secrets, never from the workflow text.
        assert.equal(step.env?.CXONE_CLIENT_SECRET, "${{ secrets.CXONE_CLIENT_SECRET }}", file);
      }
    }
  });

  test("pull requests: lint with annotations, then a refreshed preview posted as a PR comment", () => {
    const w = workflow("pull-request.yml");
    assert.ok("pull_request" in w.on);
    assert.ok(w.jobs.lint.steps.some((s) => s.run === "npx cxone-date lint --format github actions.yaml"));
    assert.equal(w.jobs.lint.steps.some((s) => JSON.stringify(s).includes("secrets.")), false, "lint needs no secret");
    assert.equal(w.jobs.preview.needs, "lint");
    assert.equal(w.jobs.preview.permissions?.["pull-requests"], "write", "the comment needs it");
    const [preview] = pulumiSteps(w);
    assert.deepEqual([preview.with?.command, preview.with?.["comment-on-pr"], preview.with?.refresh], ["preview", true, true]);
  });

  test("merge to main: lint, then pulumi up, one deployment at a time", () => {
    const w = workflow("deploy.yml");
    assert.deepEqual((w.on.push as { branches: string[] }).branches, ["main"]);
    assert.deepEqual(w.concurrency, { group: "pulumi-prod", "cancel-in-progress": false });
    const all = steps(w);
    const lintAt = all.findIndex((s) => s.run?.startsWith("npx cxone-date lint"));
    const upAt = all.findIndex((s) => s.with?.command === "up");
    assert.ok(lintAt >= 0 && upAt > lintAt, "lint runs before up");
  });

  test("drift: scheduled preview --refresh --expect-no-changes, sharing the deploy's lock", () => {
    const w = workflow("drift.yml");
    assert.ok(Array.isArray(w.on.schedule) && (w.on.schedule as { cron: string }[])[0].cron.split(" ").length === 5);
    const [check] = pulumiSteps(w);
    assert.deepEqual([check.with?.command, check.with?.refresh, check.with?.["expect-no-changes"]], ["preview", true, true]);
    assert.equal(w.concurrency?.group, workflow("deploy.yml").concurrency?.group, "never checks mid-deploy");
    assert.ok(steps(w).some((s) => s.if === "failure()"), "explains a failure");
  });
});
