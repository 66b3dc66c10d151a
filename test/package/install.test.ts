/**
 * The package installed the way users install it: the packed tarball, `npm install`ed into a
 * fresh TypeScript project beside that project's own @pulumi/pulumi (and @types/node, as
 * `pulumi new typescript` has). The user program (./program/index.ts) is compiled there by tsc
 * against the installed types and run there; Pulumi's dynamic-provider host is spawned from that
 * project's SDK with the project as its working directory, so the serialized provider's
 * `require("pulumi-cxone-date-action/provider")` can only find the installed copy.
 *
 * SDKs: the version package-lock.json pins (in the npm cache after `npm ci`, so the install
 * works offline), plus each version in CXONE_TEST_PULUMI_SDKS (space-separated; .ci/run passes the
 * oldest and the newest the peer range admits).
 */
import assert from "node:assert/strict";
import { fork, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import type * as EmulatorModule from "../../provider/emulator/emulator";
import type { DataAction } from "../../provider/shared/types";
import { destroy, up, type ResourceState } from "../../harness/engine";
import { ProviderHost, REPO_ROOT, RESOURCE_TYPE } from "../../harness/host";
import { freshProject, lockedVersion, npm, npmEnv, packPackage, type Packed } from "../../harness/pack";

type Props = Record<string, unknown>;

const locked = lockedVersion("@pulumi/pulumi");
const sdks = [...new Set([locked, ...(process.env.CXONE_TEST_PULUMI_SDKS ?? "").split(/[\s,]+/).filter(Boolean)])];

// The tsconfig `pulumi new typescript` writes (strict, moduleResolution node), plus skipLibCheck:
// checking every declaration file of the SDK's dependency tree costs ~20 s of CPU per run. The
// program's @ts-expect-error probes fail the compile if our types degrade to `any`.
const TSCONFIG = {
  compilerOptions: {
    strict: true,
    skipLibCheck: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: false,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

let packed: Packed;

before(() => {
  packed = packPackage();
});

after(() => packed?.remove());

interface ProgramResult {
  outputs: Props;
  sdks: string[];
  packageEntry: string;
}

/**
 * Runs the compiled program in `dir` and plays the engine for what it registers: each
 * CxoneDateAction goes through `up` on the real host (with the prior state, if any); anything else
 * (none today) is acknowledged as registered.
 */
function runProgram(dir: string, host: ProviderHost, env: Props, states: Map<string, ResourceState>): Promise<ProgramResult> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(path.join(dir, "bin", "index.js"), [], {
      cwd: dir,
      env: { ...npmEnv(), ...env } as NodeJS.ProcessEnv,
      execPath: process.execPath,
      execArgv: [], // not the test runner's --import tsx: the program is plain compiled JavaScript
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    let result: ProgramResult | undefined;
    child.on("message", async (message: any) => {
      if (message.kind === "register") {
        try {
          if (message.type !== RESOURCE_TYPE) throw new Error(`unexpected registration of ${message.type}`);
          const { state } = await up(host, message.name, message.inputs, states.get(message.name));
          states.set(message.name, state);
          child.send({ seq: message.seq, id: state.id, state: state.outputs });
        } catch (error) {
          child.send({ seq: message.seq, error: String((error as Error).message) });
        }
      } else if (message.kind === "done") {
        result = message;
      } else if (message.kind === "failed") {
        output += message.error;
      }
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 && result ? resolve(result) : reject(new Error(`the program exited with ${code}:\n${output}`))));
  });
}

for (const sdk of sdks) {
  describe(`installed from the tarball beside @pulumi/pulumi ${sdk}${sdk === locked ? " (the locked version)" : ""}`, () => {
    let project: { dir: string; remove(): void };
    let installedRequire: NodeRequire;
    let compiled: { status: number | null; output: string };

    before(() => {
      project = freshProject("cxone-installed-", { "pulumi-cxone-date-action": `file:${packed.tarball}`, "@pulumi/pulumi": sdk }, { "@types/node": lockedVersion("@types/node") });
      const started = process.hrtime.bigint();
      // After npm ci the cache holds our dependencies and the locked SDK: --prefer-offline installs
      // those without the network; any other SDK version comes from the registry.
      npm(project.dir, ["install", "--prefer-offline", "--no-audit", "--no-fund"]);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      console.log(`# npm install --prefer-offline of the tarball and @pulumi/pulumi@${sdk}: ${seconds.toFixed(1)} s`);
      copyFileSync(path.join(__dirname, "program", "index.ts"), path.join(project.dir, "index.ts"));
      writeFileSync(path.join(project.dir, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
      installedRequire = createRequire(path.join(project.dir, "package.json"));
      const tsc = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
      const tscStarted = process.hrtime.bigint();
      const result = spawnSync(process.execPath, [tsc, "-p", project.dir], { encoding: "utf8" });
      compiled = { status: result.status, output: result.stdout + result.stderr };
      console.log(`# tsc of the program against the installed types: ${(Number(process.hrtime.bigint() - tscStarted) / 1e9).toFixed(1)} s`);
    });

    after(() => project?.remove());

    test("the package is a copy, not a link, and the project holds one @pulumi/pulumi", () => {
      const installed = path.join(project.dir, "node_modules", "pulumi-cxone-date-action");
      assert.equal(lstatSync(installed).isSymbolicLink(), false);
      assert.equal(realpathSync(installed), path.join(realpathSync(project.dir), "node_modules", "pulumi-cxone-date-action"));
      const found: string[] = [];
      const walk = (dir: string) => {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          const full = path.join(dir, entry.name);
          if (entry.isSymbolicLink()) assert.ok(!readlinkSync(full).startsWith(REPO_ROOT), `${full} links into the checkout`);
          if (!entry.isDirectory()) continue;
          if (entry.name === "pulumi" && path.basename(dir) === "@pulumi") found.push(path.relative(project.dir, full));
          walk(full);
        }
      };
      walk(path.join(project.dir, "node_modules"));
      assert.deepEqual(found, [path.join("node_modules", "@pulumi", "pulumi")]);
      assert.equal(JSON.parse(readFileSync(path.join(project.dir, found[0], "package.json"), "utf8")).version, sdk);
    });

    test("the program compiles with tsc against the installed types", () => {
      assert.equal(compiled.status, 0, `tsc failed:\n${compiled.output}`);
    });

    test("every TypeScript sample in README.md and docs/ compiles against the installed package", () => {
      const pages = ["README.md", ...readdirSync(path.join(REPO_ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => path.join("docs", f))];
      const samples = pages.flatMap((page) =>
        [...readFileSync(path.join(REPO_ROOT, page), "utf8").matchAll(/^```(?:ts|typescript)\n([\s\S]*?)^```$/gm)].map((m, i) => ({ name: `${page.replace(/\W/g, "_")}_${i + 1}.ts`, text: m[1] })),
      );
      assert.ok(samples.length >= 3, `samples found: ${samples.length}`);
      for (const sample of samples) writeFileSync(path.join(project.dir, sample.name), sample.text);
      // Each sample is its own module, compiled as a user's program is (the template tsconfig).
      const config = { compilerOptions: { ...TSCONFIG.compilerOptions, noEmit: true, noUnusedLocals: false }, files: samples.map((s) => s.name) };
      writeFileSync(path.join(project.dir, "tsconfig.samples.json"), JSON.stringify(config, null, 2));
      const tsc = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
      const result = spawnSync(process.execPath, [tsc, "-p", path.join(project.dir, "tsconfig.samples.json")], { encoding: "utf8" });
      assert.equal(result.status, 0, `a documented sample does not compile:\n${result.stdout}${result.stderr}`);
    });

    // [moduleResolution, module]: Pulumi's template (node10, which ignores `exports`), and the two
    // that read `exports`.
    const resolutions: Array<[string, string]> = [
      ["node", "commonjs"],
      ["node16", "node16"],
      ["bundler", "esnext"],
    ];
    for (const [moduleResolution, module] of resolutions) {
      test(`every entry point type-checks under moduleResolution ${moduleResolution}`, () => {
        // One symbol from each subpath, used so a wrong type fails, not only a missing module.
        writeFileSync(
          path.join(project.dir, "entries.ts"),
          [
            'import { CxoneDateAction, CxoneDateActionSet as RootSet } from "pulumi-cxone-date-action";',
            'import { CxoneDateActionSet, loadDeclarations, type DeclarationProblem } from "pulumi-cxone-date-action/gitops";',
            'import { startEmulator, EMULATOR_CLIENT_ID } from "pulumi-cxone-date-action/emulator";',
            'import { check } from "pulumi-cxone-date-action/provider";',
            "const problems: DeclarationProblem[] = [];",
            "const same: typeof RootSet = CxoneDateActionSet;",
            'const id: string = EMULATOR_CLIENT_ID;',
            "export { CxoneDateAction, loadDeclarations, startEmulator, check, problems, same, id };",
            "",
          ].join("\n"),
        );
        const config = { compilerOptions: { ...TSCONFIG.compilerOptions, moduleResolution, module, noEmit: true }, files: ["entries.ts"] };
        writeFileSync(path.join(project.dir, `tsconfig.${moduleResolution}.json`), JSON.stringify(config, null, 2));
        const tsc = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
        const result = spawnSync(process.execPath, [tsc, "-p", path.join(project.dir, `tsconfig.${moduleResolution}.json`)], { encoding: "utf8" });
        assert.equal(result.status, 0, `tsc (${moduleResolution}) failed:\n${result.stdout}${result.stderr}`);
      });
    }

    test("the program runs through the host: outputs resolve on create and update, destroy restores; one SDK instance", async () => {
      assert.equal(compiled.status, 0, "the program compiled (see the tsc test)");
      const emulatorModule = installedRequire("pulumi-cxone-date-action/emulator") as typeof EmulatorModule;
      const emulator = await emulatorModule.startEmulator();
      const seeded = structuredClone(emulator.store.get("da-000123")) as DataAction;
      const host = await ProviderHost.start({ cwd: project.dir, env: npmEnv() });
      try {
        assert.equal(realpathSync(`/proc/${host.pid()}/cwd`), realpathSync(project.dir), "the host runs in the project");
        // .ci/run puts each Node first on PATH; the host must run on it too, not on the machine's.
        assert.equal(realpathSync(`/proc/${host.pid()}/exe`), realpathSync(process.execPath), "the host runs on the test's Node");
        await host.configure({
          "cxone:baseUrl": emulator.url,
          "cxone:clientId": emulatorModule.EMULATOR_CLIENT_ID,
          "cxone:clientSecret": emulatorModule.EMULATOR_CLIENT_SECRET,
        });
        const states = new Map<string, ResourceState>();

        const created = await runProgram(project.dir, host, { OFFSET_MINUTES: "90" }, states);
        assert.equal(created.outputs.id, "da-000123");
        assert.equal(created.outputs.computedValue, "2024-02-29T12:00:00.000-05:00");
        assert.equal(created.outputs.computedValueUtc, "2024-02-29T17:00:00.000Z");
        assert.equal((created.outputs.audit as Props).operation, "create");
        assert.equal((created.outputs.audit as Props).status, "SUCCESS");
        // Every documented output is on the class and filled in (a class field would leave it undefined).
        assert.equal(created.outputs.operation, "ADD_OFFSET");
        assert.equal(created.outputs.deleteBehavior, "restore");
        assert.equal(created.outputs.sourceTimezone, null, "not given: undefined, as given");
        assert.equal(((created.outputs.applied as Props).dateProcessing as Props).computedValue, "2024-02-29T12:00:00.000-05:00");
        assert.deepEqual(created.outputs.original, { dateProcessing: seeded.configuration.dateProcessing ?? null, enabled: seeded.enabled });
        assert.equal(emulator.store.get("da-000123")!.configuration.dateProcessing?.computedValue, "2024-02-29T12:00:00.000-05:00");
        // One SDK, the project's own; the package the program loaded is the installed copy.
        assert.deepEqual(created.sdks, [path.join(realpathSync(project.dir), "node_modules", "@pulumi", "pulumi", "index.js")]);
        assert.equal(created.packageEntry, path.join(realpathSync(project.dir), "node_modules", "pulumi-cxone-date-action", "dist", "provider", "index.js"));

        const updated = await runProgram(project.dir, host, { OFFSET_MINUTES: "120" }, states);
        assert.equal(updated.outputs.computedValue, "2024-02-29T12:30:00.000-05:00");
        assert.equal((updated.outputs.audit as Props).operation, "update");
        assert.equal(emulator.store.get("da-000123")!.configuration.dateProcessing?.computedValue, "2024-02-29T12:30:00.000-05:00");

        await destroy(host, states.get("prod")!);
        assert.deepEqual(emulator.store.get("da-000123")!.configuration.dateProcessing, seeded.configuration.dateProcessing);
      } finally {
        await host.close();
        await emulator.close();
      }
    });

    test("the cxone-date command works from node_modules/.bin", () => {
      const bin = path.join(project.dir, "node_modules", ".bin", "cxone-date");
      const args = ["--source-timestamp", "2024-02-29T15:30:00.000Z", "--target-timezone", "America/New_York", "--operation", "ADD_OFFSET", "--offset-minutes", "120"];
      const ok = spawnSync(bin, args, { cwd: project.dir, env: npmEnv(), encoding: "utf8" });
      assert.equal(ok.status, 0, ok.stderr);
      assert.deepEqual(JSON.parse(ok.stdout), {
        computedValue: "2024-02-29T12:30:00.000-05:00",
        computedValueUtc: "2024-02-29T17:30:00.000Z",
        computedEpochMs: Date.parse("2024-02-29T17:30:00.000Z"),
      });
      const bad = spawnSync(bin, ["--source-timestamp", "2024-02-29T15:30:00Z", "--target-timezone", "America/New_Yrok", "--operation", "CONVERT"], {
        cwd: project.dir,
        env: npmEnv(),
        encoding: "utf8",
      });
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /^targetTimezone: .*America\/New_York/m);
    });
  });
}
