/**
 * Drives Pulumi's own dynamic-provider host (`@pulumi/pulumi/cmd/dynamic-provider`) over gRPC,
 * as the engine does: Configure, Check, Diff, Create, Update, Read, Delete. The host runs in a
 * program directory where this package is installed the way `npm install <path>` installs it
 * (a link in node_modules), so the serialized provider's `require()` resolves as in a real stack.
 * Used by the tests, `npm run demo` and `npm run bench`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import * as path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..");

/** `env` without the CXONE_* variables of whoever runs the tests (their own tenant's credentials). */
export function withoutCxone(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith("CXONE_")));
}

/** NODE_OPTIONS for every node process the harness starts (for tests, benchmarks, the demo): the loopback guard (loopback-only.cjs). */
export const LOOPBACK_ONLY = `--require ${JSON.stringify(path.join(__dirname, "loopback-only.cjs"))}`;
export const RESOURCE_TYPE = "pulumi-nodejs:dynamic/cxone:CxoneDateAction";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

// The gRPC and protobuf modules must be the very instances Pulumi's generated stubs use.
const pulumiRequire = createRequire(require.resolve("@pulumi/pulumi/package.json"));
const grpc = pulumiRequire("@grpc/grpc-js");
const structproto = pulumiRequire("google-protobuf/google/protobuf/struct_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const statusproto = require("@pulumi/pulumi/proto/status_pb");

type Props = Record<string, unknown>;

export interface CheckFailure {
  property: string;
  reason: string;
}

/** A gRPC failure from the host; `initFailure` holds the outputs of a partial failure. */
export class HostError extends Error {
  constructor(
    message: string,
    readonly grpcCode: number,
    readonly initFailure: { id: string; properties: Props; reasons: string[] } | null,
  ) {
    super(message);
    this.name = "HostError";
  }
}

/** A program directory with this package and @pulumi/pulumi linked into node_modules. */
export function makeProgramDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "cxone-program-"));
  mkdirSync(path.join(dir, "node_modules", "@pulumi"), { recursive: true });
  symlinkSync(REPO_ROOT, path.join(dir, "node_modules", "pulumi-cxone-date-action"), "dir");
  symlinkSync(path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi"), path.join(dir, "node_modules", "@pulumi", "pulumi"), "dir");
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "cxone-program", private: true, dependencies: { "pulumi-cxone-date-action": `file:${REPO_ROOT}` } }, null, 2),
  );
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function struct(value: Props) {
  return structproto.Struct.fromJavaScript(value);
}

function decodeInitFailure(error: { metadata?: { get(key: string): unknown[] } }) {
  const raw = error.metadata?.get("grpc-status-details-bin")?.[0];
  if (!raw) return null;
  const status = statusproto.Status.deserializeBinary(new Uint8Array(raw as Buffer));
  for (const detail of status.getDetailsList()) {
    const failed = detail.unpack(provproto.ErrorResourceInitFailed.deserializeBinary, "pulumirpc.ErrorResourceInitFailed");
    if (failed) {
      return { id: failed.getId(), properties: failed.getProperties()?.toJavaScript() ?? {}, reasons: failed.getReasonsList() };
    }
  }
  return null;
}

export interface HostOptions {
  cwd: string;
  /** Added to this process's environment without its CXONE_* variables: a host gets credentials
   *  only as stack config (configure), and CXONE_LOG or the like only when a test sets them here. */
  env?: NodeJS.ProcessEnv;
  /** Receives every provider call (method, resource name, id) as it is made. */
  record?: HostCall[];
  /** ms one provider call may take before it fails (default CALL_TIMEOUT_MS). */
  callTimeoutMs?: number;
}

// ms: longer than any hook of ours takes against the emulator, even through its faults, and
// shorter than test/run.mjs's per-test deadline, so a host that stops answering fails the call
// with its method named instead of the whole test timing out.
export const CALL_TIMEOUT_MS = 5 * 60_000;

/** One provider call, in the fields the model and the real engine are compared on. */
export interface HostCall {
  method: string;
  name: string;
  id: string;
}

/** One running host process and a gRPC client connected to it. */
export class ProviderHost {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: any,
    private readonly project: string,
    private readonly record: HostCall[] | undefined,
    private readonly callTimeoutMs: number,
  ) {}

  static async start(options: HostOptions): Promise<ProviderHost> {
    const entry = path.join(options.cwd, "node_modules", "@pulumi", "pulumi", "cmd", "dynamic-provider");
    // The engine passes its own address; the host only needs one to start and never dials it here.
    const child = spawn(process.execPath, [entry, "127.0.0.1:1"], {
      cwd: options.cwd,
      env: { ...withoutCxone(process.env), ...options.env, PULUMI_PROJECT: "cxone-demo", PULUMI_STACK: "dev", NODE_OPTIONS: LOOPBACK_ONLY },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let buffered = "";
      const timer = setTimeout(() => reject(new Error("the dynamic-provider host printed no port within 30 s")), 30_000);
      child.once("exit", (code) => reject(new Error(`the dynamic-provider host exited with ${code} before printing its port`)));
      child.stdout!.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const line = buffered.split("\n")[0];
        if (buffered.includes("\n") && /^\d+$/.test(line.trim())) {
          clearTimeout(timer);
          resolve(Number(line.trim()));
        }
      });
    });
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const host = new ProviderHost(child, client, "cxone-demo", options.record, options.callTimeoutMs ?? CALL_TIMEOUT_MS);
    child.stdout!.on("data", (chunk: Buffer) => host.stdout.push(chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => host.stderr.push(chunk.toString()));
    return host;
  }

  urn(name: string): string {
    return `urn:pulumi:dev::${this.project}::${RESOURCE_TYPE}::${name}`;
  }

  private call<T>(method: string, request: any): Promise<T> {
    if (this.record !== undefined && method !== "configure") {
      this.record.push({ method, name: String(request.getUrn()).split("::").pop() as string, id: request.getId?.() ?? "" });
    }
    return new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + this.callTimeoutMs);
      this.client[method](request, new grpc.Metadata(), { deadline }, (error: any, response: T) => {
        if (error?.code === grpc.status.DEADLINE_EXCEEDED) {
          reject(new HostError(`the provider host did not answer ${method} within ${this.callTimeoutMs} ms`, error.code, null));
        } else if (error) {
          reject(new HostError(error.details ?? error.message, error.code, decodeInitFailure(error)));
        } else {
          resolve(response);
        }
      });
    });
  }

  /** Sends the whole stack config, as the engine does; values are plain strings. */
  async configure(config: Record<string, string>): Promise<void> {
    const request = new provproto.ConfigureRequest();
    request.setArgs(struct(config));
    request.setAcceptsecrets(true);
    await this.call("configure", request);
  }

  async check(name: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: CheckFailure[] }> {
    const request = new provproto.CheckRequest();
    request.setUrn(this.urn(name));
    request.setOlds(struct(olds));
    request.setNews(struct(news));
    const response: any = await this.call("check", request);
    return {
      inputs: response.getInputs().toJavaScript(),
      failures: response.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(
    name: string,
    id: string,
    olds: Props,
    news: Props,
  ): Promise<{ changes: "none" | "some" | "unknown"; replaces: string[]; deleteBeforeReplace: boolean }> {
    const request = new provproto.DiffRequest();
    request.setUrn(this.urn(name));
    request.setId(id);
    request.setOlds(struct(olds));
    request.setNews(struct(news));
    const response: any = await this.call("diff", request);
    const kinds = provproto.DiffResponse.DiffChanges;
    const changes = response.getChanges() === kinds.DIFF_SOME ? "some" : response.getChanges() === kinds.DIFF_NONE ? "none" : "unknown";
    return { changes, replaces: response.getReplacesList(), deleteBeforeReplace: response.getDeletebeforereplace() };
  }

  async create(name: string, properties: Props): Promise<{ id: string; props: Props }> {
    const request = new provproto.CreateRequest();
    request.setUrn(this.urn(name));
    request.setProperties(struct(properties));
    const response: any = await this.call("create", request);
    return { id: response.getId(), props: response.getProperties().toJavaScript() };
  }

  async update(name: string, id: string, olds: Props, news: Props): Promise<Props> {
    const request = new provproto.UpdateRequest();
    request.setUrn(this.urn(name));
    request.setId(id);
    request.setOlds(struct(olds));
    request.setNews(struct(news));
    const response: any = await this.call("update", request);
    return response.getProperties().toJavaScript();
  }

  async read(name: string, id: string, props: Props, inputs: Props): Promise<{ id: string; props: Props }> {
    const request = new provproto.ReadRequest();
    request.setUrn(this.urn(name));
    request.setId(id);
    request.setProperties(struct(props));
    request.setInputs(struct(inputs));
    const response: any = await this.call("read", request);
    return { id: response.getId(), props: response.getProperties()?.toJavaScript() ?? {} };
  }

  async delete(name: string, id: string, props: Props): Promise<void> {
    const request = new provproto.DeleteRequest();
    request.setUrn(this.urn(name));
    request.setId(id);
    request.setProperties(struct(props));
    await this.call("delete", request);
  }

  /**
   * Waits until the host's stderr since `from` (an index into `stderr`) matches `pattern`: a
   * line the host wrote before answering can arrive through its pipe after the answer. Fails,
   * quoting what did arrive, when nothing matches within `timeoutMs`.
   */
  async stderrMatching(from: number, pattern: RegExp, timeoutMs = 5_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.stderr.slice(from).join("");
      if (pattern.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`the host's stderr did not match ${pattern} within ${timeoutMs} ms; it holds: ${JSON.stringify(text)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** The provider's log lines (`cxone ...`, provider/shared/log.ts) in the host's stderr since `from` (an index into `stderr`). */
  logLines(from = 0): string[] {
    return this.stderr.slice(from).join("").split("\n").filter((line) => line.startsWith("cxone "));
  }

  /** The host process's pid (for /proc figures such as VmHWM). */
  pid(): number {
    return this.child.pid as number;
  }

  async close(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill("SIGTERM");
      await exited;
    }
  }
}

/**
 * A provider host in a program directory of its own, configured with `config` (the stack config
 * the engine would pass), both removed when `t` ends: the setup a test that needs its own host
 * (its own environment, its own tenant) writes once here instead of by hand.
 */
export async function ownHost(t: { after(fn: () => unknown): void }, config: Record<string, string>, env?: NodeJS.ProcessEnv): Promise<ProviderHost> {
  const program = makeProgramDir();
  t.after(() => program.remove());
  const host = await ProviderHost.start({ cwd: program.dir, env });
  t.after(() => host.close());
  await host.configure(config);
  return host;
}
