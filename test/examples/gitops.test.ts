/**
 * A newcomer's path: copy examples/gitops into an empty directory, `npm install` the package
 * (here its packed tarball), then lint and run the program there with nothing else installed.
 * The program runs under Pulumi's mocks (no Pulumi CLI exists here) and its resources go
 * through the dynamic-provider host of that directory's own node_modules, so the serialized
 * provider loads the installed package exactly as `pulumi up` would make it.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET } from "../../provider/emulator/emulator";
import { startEmulator } from "../helpers/emulator";
import { up } from "../../harness/engine";
import { ProviderHost, REPO_ROOT } from "../../harness/host";

const EXAMPLE = path.join(REPO_ROOT, "examples", "gitops");

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: { ...process.env, ...env }, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== "number") return reject(error);
      resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
    });
  });
}

/** Plays the Pulumi language host: mocks from the project's own @pulumi/pulumi, then index.ts. */
const RUNNER = `
const pulumi = require("@pulumi/pulumi");
const SIG = "4dabf18193072939515e22adb298388d";
const reveal = (v) => v && typeof v === "object" ? (v[SIG] ? reveal(v.value) : Array.isArray(v) ? v.map(reveal) : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]))) : v;
const registrations = [];
pulumi.runtime.setMocks({
  newResource(args) {
    registrations.push({ type: args.type, name: args.name, custom: args.custom, inputs: reveal(args.inputs) });
    return { id: args.name + "-id", state: args.inputs };
  },
  call: () => ({}),
}, "cxone-demo", "dev", false);
pulumi.runtime.setConfig("cxone-demo:webhookUrl", process.env.STACK_WEBHOOK_URL);
const program = require("./index.ts");
Promise.all(program.actions.map((r) => new Promise((resolve) => r.urn.apply(resolve)))).then(() => {
  process.stdout.write(JSON.stringify(registrations));
});
`;

test("copied into an empty directory with the package installed, the example lints, type-checks and applies", { timeout: 600_000 }, async (t) => {
  const work = mkdtempSync(path.join(tmpdir(), "cxone-newcomer-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const project = path.join(work, "project");
  cpSync(EXAMPLE, project, { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`) });

  // What the example declares is all a newcomer installs.
  const manifest = require(path.join(project, "package.json")) as { dependencies: Record<string, string> };
  assert.deepEqual(Object.keys(manifest.dependencies).sort(), ["@pulumi/pulumi", "pulumi-cxone-date-action"]);

  const pack = await run("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", work], REPO_ROOT);
  assert.equal(pack.code, 0, pack.stderr);
  const tarball = path.join(work, readdirSync(work).find((f) => f.endsWith(".tgz"))!);
  // @pulumi/pulumi pinned to the repository's own version, which npm ci has already cached:
  // the test then needs the registry only for what the cache lacks.
  const pulumiVersion = (require(path.join(REPO_ROOT, "package.json")) as { devDependencies: Record<string, string> }).devDependencies["@pulumi/pulumi"];
  const install = await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, `@pulumi/pulumi@${pulumiVersion}`], project);
  assert.equal(install.code, 0, install.stderr);

  // Lint exactly as the pipeline does, and as the example's npm script does.
  const lint = await run("npx", ["cxone-date", "lint", "--format", "github", "actions.yaml"], project);
  assert.equal(lint.code, 0, lint.stdout + lint.stderr);
  assert.match(lint.stdout, /^sydney-month-end +Action_0042 +2024-02-28T22:00:00\.000Z$/m);
  const script = await run("npm", ["run", "--silent", "lint"], project);
  assert.equal(script.code, 0, script.stdout + script.stderr);

  // The type check Pulumi's TypeScript runtime does before it runs the program.
  const tsc = await run("npx", ["tsc", "--noEmit", "-p", "."], project);
  assert.equal(tsc.code, 0, tsc.stdout + tsc.stderr);

  const emulator = await startEmulator(t);
  writeFileSync(path.join(project, "run-under-mocks.js"), RUNNER);
  const program = await run(process.execPath, ["--require", require.resolve("tsx/cjs"), "run-under-mocks.js"], project, { STACK_WEBHOOK_URL: emulator.webhookUrl });
  assert.equal(program.code, 0, program.stderr);
  const registrations = JSON.parse(program.stdout) as { type: string; name: string; custom: boolean; inputs: Record<string, unknown> }[];
  assert.deepEqual(registrations.filter((r) => !r.custom).map((r) => r.type), ["cxone:index:CxoneDateActionSet"]);
  const resources = registrations.filter((r) => r.custom);
  assert.deepEqual(resources.map((r) => r.name).sort(), ["production-date-processor", "staging-date-processor", "sydney-month-end"]);

  const host = await ProviderHost.start({ cwd: project });
  t.after(() => host.close());
  await host.configure({ "cxone:baseUrl": emulator.url, "cxone:clientId": EMULATOR_CLIENT_ID, "cxone:clientSecret": EMULATOR_CLIENT_SECRET });
  for (const r of resources) await up(host, r.name, r.inputs);
  const live = new Map([...emulator.store.values()].map((a) => [a.name, a.configuration.dateProcessing?.computedValue]));
  assert.equal(live.get("Production_Date_Processor"), "2024-02-29T12:30:00.000-05:00");
  assert.equal(live.get("Staging_Date_Processor"), "2024-03-10T07:30:00+00:00");
  assert.equal(live.get("Action_0042"), "2024-02-28T22:00:00.000Z");
  assert.equal(emulator.deliveries.length, 3, "the stack's webhookUrl reached every entry");
});
