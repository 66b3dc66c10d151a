/**
 * The real Pulumi CLI as the test boundary. `findCli()` finds it the way `npm run demo` does:
 * `pulumi` on PATH, else the build tools/pulumi/build.sh caches (building it when Go is there).
 * `EngineProject` is a user's project: a folder that installs the packed tarball and its own
 * @pulumi/pulumi, a file backend, its own PULUMI_HOME and passphrase, and every command run with
 * `--non-interactive`. Commands that run the program go through tools/pulumi/client-runtime.cjs
 * (the CLI's `--client` language runtime; see tools/pulumi/build.sh for why).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { LOOPBACK_ONLY, REPO_ROOT, withoutCxone } from "./host";
import { killTree } from "./processes";

type Props = Record<string, unknown>;

export interface Cli {
  /** Absolute path of the `pulumi` binary. */
  bin: string;
  /** What `pulumi version` printed, e.g. v3.276.0. */
  version: string;
  /** Where it came from. */
  source: "PATH" | "build cache";
}

export const HOW_TO_GET_ONE =
  "The engine tests run the real Pulumi CLI. Put `pulumi` on PATH, or install Go 1.26+ and run " +
  "`npm run cli:build` (it builds Pulumi's CLI from the Go module proxy into a cache outside the clone).";

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir !== "" && existsSync(candidate)) return candidate;
  }
  return undefined;
}

let found: Cli | undefined;

function cli(bin: string, source: Cli["source"]): Cli {
  const version = execFileSync(bin, ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } }).trim();
  return { bin, version, source };
}

function buildScript(args: string[]) {
  return spawnSync("bash", [path.join(REPO_ROOT, "tools", "pulumi", "build.sh"), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** `pulumi` on PATH, else the one tools/pulumi/build.sh built earlier; undefined if neither (builds nothing). */
export function locateCli(): Cli | undefined {
  const bin = onPath("pulumi");
  if (bin !== undefined) return cli(bin, "PATH");
  const built = buildScript(["--locate"]);
  return built.status === 0 ? cli(path.join(built.stdout.trim(), "pulumi"), "build cache") : undefined;
}

/** The CLI the engine tests use: located, else built (Go needed); throws how to get one where neither works. */
export function findCli(): Cli {
  found ??= locateCli();
  if (found !== undefined) return found;
  const build = buildScript([]);
  if (build.status !== 0) throw new Error(`${HOW_TO_GET_ONE}\n${build.stderr.trim()}`);
  found = cli(path.join(build.stdout.trim().split("\n").pop() as string, "pulumi"), "build cache");
  return found;
}

export interface CommandOptions {
  env?: NodeJS.ProcessEnv;
  allowFailure?: boolean;
  onOutput?: (text: string) => void;
  /** ms before the command and everything it started are killed (default 240 s). */
  timeoutMs?: number;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr as a user reads them in a terminal. */
  output: string;
}

/** What a user's project needs from npm: installed once per test file, shared by its projects. */
export interface Installation {
  /** The folder whose node_modules holds the tarball's package and @pulumi/pulumi. */
  dir: string;
  remove(): void;
}

/** Installs the packed tarball and @pulumi/pulumi `sdk` the way the README says, into a fresh folder. */
export function installPackage(tarball: string, sdk: string, npm: (cwd: string, args: string[]) => string): Installation {
  const dir = mkdtempSync(path.join(tmpdir(), "cxone-engine-install-"));
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "cxone-engine-program", private: true, main: "index.js" }, null, 2));
  npm(dir, ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball, `@pulumi/pulumi@${sdk}`]);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ProjectOptions {
  /** The program's index.js source; without it the project is `adopt`'s folder, as it is. */
  program?: string;
  /** A folder that is a whole project already (Pulumi.yaml, program, node_modules): used in place. */
  adopt?: string;
  /** Environment for every command, beside the Pulumi variables (no CXONE_* from this process). */
  env?: NodeJS.ProcessEnv;
  /** Project name (Pulumi.yaml). */
  name?: string;
}

/**
 * One user's project and stack on a file backend. Its node_modules is the shared installation
 * (a link: the host resolves the package from the project's folder, through it, as npm would).
 */
export class EngineProject {
  readonly dir: string;
  readonly home: string;
  readonly backend: string;
  private readonly root: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly adopted: boolean;

  constructor(
    readonly cli: Cli,
    installation: Installation,
    options: ProjectOptions,
  ) {
    this.adopted = options.adopt !== undefined;
    this.root = mkdtempSync(path.join(tmpdir(), "cxone-engine-"));
    this.dir = options.adopt ?? path.join(this.root, "project");
    this.home = path.join(this.root, "pulumi-home");
    this.backend = path.join(this.root, "backend");
    for (const dir of [this.dir, this.home, this.backend]) mkdirSync(dir, { recursive: true });
    if (options.adopt === undefined) {
      symlinkSync(path.join(installation.dir, "node_modules"), path.join(this.dir, "node_modules"), "dir");
      cpSync(path.join(installation.dir, "package.json"), path.join(this.dir, "package.json"));
      writeFileSync(path.join(this.dir, "Pulumi.yaml"), `name: ${options.name ?? "cxone-engine"}\nruntime: nodejs\n`);
      if (options.program !== undefined) this.writeProgram(options.program);
    }
    const inherited = Object.fromEntries(Object.entries(withoutCxone(process.env)).filter(([key]) => !key.startsWith("PULUMI_")));
    const sdkDir = path.join(installation.dir, "node_modules", "@pulumi", "pulumi");
    this.env = {
      ...inherited,
      // The dynamic-provider plugin (pulumi-resource-pulumi-nodejs) ships in the SDK's root, and
      // it runs `node` from PATH: the test's Node goes first, so the host runs on it.
      PATH: [path.dirname(process.execPath), sdkDir, process.env.PATH ?? ""].join(path.delimiter),
      PULUMI_HOME: this.home,
      PULUMI_BACKEND_URL: `file://${this.backend}`,
      PULUMI_CONFIG_PASSPHRASE: "engine-test-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      NO_COLOR: "1",
      // Every node the CLI starts (the program's runtime, the provider host) reaches only loopback.
      NODE_OPTIONS: LOOPBACK_ONLY,
      ...options.env,
    };
  }

  writeProgram(source: string): void {
    writeFileSync(path.join(this.dir, "index.js"), source);
  }

  /** A command that does not run the program (stack, config, state). */
  pulumi(args: string[], options: CommandOptions = {}): Promise<CommandResult> {
    return this.spawn(this.cli.bin, [...args, "--non-interactive"], options);
  }

  /** preview, up, refresh or destroy: the program is served to the CLI through `--client`. */
  run(args: string[], options: CommandOptions = {}): Promise<CommandResult> {
    const launcher = path.join(REPO_ROOT, "tools", "pulumi", "client-runtime.cjs");
    return this.spawn(process.execPath, [launcher, this.cli.bin, ...args, "--non-interactive"], options);
  }

  /**
   * Starts a command and returns it running, for tests that interrupt it. `killAll` ends it and
   * every process it started (the provider host too, which pulumi starts in a process group of
   * its own), as a runner that dies takes its children with it, and returns the pids it killed.
   */
  start(args: string[], env: NodeJS.ProcessEnv = {}) {
    const launcher = path.join(REPO_ROOT, "tools", "pulumi", "client-runtime.cjs");
    const child = spawn(process.execPath, [launcher, this.cli.bin, ...args, "--non-interactive"], {
      cwd: this.dir,
      env: { ...this.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const killAll = () => killTree(child.pid as number);
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<CommandResult>((resolve) => child.on("exit", (code) => resolve({ code: code ?? 1, stdout: output, stderr: "", output })));
    return { child, output: () => output, exited, killAll };
  }

  /** `pulumi stack init` and the config, plain and secret, in one `config set-all`. */
  async init(config: Record<string, string>, secrets: Record<string, string> = {}, stack = "dev"): Promise<void> {
    await this.pulumi(["stack", "init", stack]);
    const args = ["config", "set-all"];
    for (const [key, value] of Object.entries(config)) args.push("--plaintext", `${key}=${value}`);
    for (const [key, value] of Object.entries(secrets)) args.push("--secret", `${key}=${value}`);
    if (args.length > 2) await this.pulumi(args);
  }

  /** `pulumi stack output --json --show-secrets`. */
  async outputs(): Promise<Props> {
    return JSON.parse((await this.pulumi(["stack", "output", "--json", "--show-secrets"])).stdout) as Props;
  }

  /** `pulumi stack export`: the deployment as the backend stores it. */
  async exported(): Promise<{ text: string; resources: { urn: string; type: string; id?: string; inputs?: Props; outputs?: Props }[] }> {
    const text = (await this.pulumi(["stack", "export"])).stdout;
    const parsed = JSON.parse(text) as { deployment: { resources?: { urn: string; type: string; id?: string; inputs?: Props; outputs?: Props }[] } };
    return { text, resources: parsed.deployment.resources ?? [] };
  }

  /** The CxoneDateAction resources in state, by name. */
  async actions(): Promise<Map<string, { id?: string; inputs: Props; outputs: Props }>> {
    const { resources } = await this.exported();
    const found = new Map<string, { id?: string; inputs: Props; outputs: Props }>();
    for (const r of resources) {
      if (!r.type.endsWith("CxoneDateAction")) continue;
      found.set(r.urn.split("::").pop() as string, { id: r.id, inputs: r.inputs ?? {}, outputs: r.outputs ?? {} });
    }
    return found;
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
    if (this.adopted) rmSync(this.dir, { recursive: true, force: true });
  }

  private spawn(bin: string, args: string[], options: CommandOptions): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(bin, args, { cwd: this.dir, env: { ...this.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        output += chunk.toString();
        options.onOutput?.(chunk.toString());
      });
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        output += chunk.toString();
      });
      // Bounded: a CLI that hangs fails its test instead of hanging the suite.
      // The whole tree: pulumi, the program and the provider host it started.
      const timer = setTimeout(() => killTree(child.pid as number), options.timeoutMs ?? 240_000);
      child.on("error", reject);
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        const result = { code: code ?? (signal === "SIGKILL" ? 137 : 1), stdout, stderr, output };
        if (result.code !== 0 && options.allowFailure !== true) {
          reject(new Error(`pulumi ${args.filter((a) => !a.startsWith("/")).join(" ")} exited with ${result.code}:\n${output}`));
        } else {
          resolve(result);
        }
      });
    });
  }
}

/** The engine's provider calls, as `PULUMI_DEBUG_GRPC=<file>` records them (one JSON object a line). */
export function grpcLog(file: string): { method: string; request: Props; response?: Props; errors?: string[] }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
}
