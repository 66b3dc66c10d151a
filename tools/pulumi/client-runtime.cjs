#!/usr/bin/env node
/**
 * Runs one `pulumi` command for the Pulumi program in the current directory:
 *
 *   node client-runtime.cjs <path to pulumi> <command> [args...]
 *
 * The real CLI runs the command (engine, step executor, file backend, secrets, the
 * dynamic-provider plugin); the program is served to it through `--client`, by the language
 * runtime that the program's own @pulumi/pulumi serves for automation-API inline programs
 * (`automation/server` LanguageServer). The Node.js language host, pulumi-language-nodejs, is
 * the one piece of Pulumi this replaces: the Go module proxy here refuses it (tools/pulumi/build.sh).
 *
 * The program is loaded as the language host's `cmd/run` loads it: `main` of package.json (or
 * index), TypeScript through the SDK's ts-node when Pulumi.yaml says `typescript: true`, and its
 * exports (or what an exported function returns) become the stack outputs.
 */
"use strict";
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const { createRequire } = require("node:module");
const path = require("node:path");

const [pulumiBin, ...args] = process.argv.slice(2);
if (pulumiBin === undefined || args.length === 0) {
  console.error("usage: node client-runtime.cjs <path to pulumi> <command> [args...]");
  process.exit(2);
}
const dir = process.cwd();
// Every Pulumi module from the program's own SDK: one SDK instance, as under the language host.
const programRequire = createRequire(path.join(dir, "package.json"));
const sdkRequire = createRequire(programRequire.resolve("@pulumi/pulumi/package.json"));
const grpc = sdkRequire("@grpc/grpc-js");
const { LanguageServer } = sdkRequire("./automation/server");
const langrpc = sdkRequire("./proto/language_grpc_pb");
const { grpcChannelOptions } = sdkRequire("./runtime/settings");

function typescriptEnabled() {
  const project = fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8");
  return /^\s+typescript:\s*true\s*$/m.test(project);
}

function registerTypeScript() {
  const tsutils = sdkRequire("./tsutils");
  const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
  const tsconfig = path.join(dir, "tsconfig.json");
  const hasTsconfig = fs.existsSync(tsconfig);
  sdkRequire(tsnodeRequire).register({
    compiler: typescriptRequire,
    project: hasTsconfig ? tsconfig : undefined,
    skipProject: !hasTsconfig,
    compilerOptions: {
      target: "ES2020",
      module: "commonjs",
      moduleResolution: "node",
      sourceMap: "true",
      ...(hasTsconfig ? tsutils.loadTypeScriptCompilerOptions(tsconfig) : {}),
    },
  });
}

let typescriptRegistered = false;

async function program() {
  if (typescriptEnabled() && !typescriptRegistered) {
    registerTypeScript();
    typescriptRegistered = true;
  }
  // `pulumi up` runs the program twice (preview, then update) and the language host starts a
  // fresh `cmd/run` for each: the program's own modules are loaded anew, its dependencies kept.
  const own = fs.realpathSync(dir) + path.sep;
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(own) && !key.includes(`${path.sep}node_modules${path.sep}`)) delete require.cache[key];
  }
  const exported = programRequire(dir);
  return exported instanceof Function ? exported() : exported;
}

async function main() {
  const server = new grpc.Server(grpcChannelOptions);
  const languageServer = new LanguageServer(program);
  server.addService(langrpc.LanguageRuntimeService, languageServer);
  const port = await new Promise((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const child = spawn(pulumiBin, [...args, `--client=127.0.0.1:${port}`], { stdio: "inherit" });
  // Ctrl-C and a runner's SIGTERM reach pulumi as they would from a shell; it decides when to stop.
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  const code = await new Promise((resolve) => child.on("exit", (c, s) => resolve(c ?? (s === "SIGKILL" ? 137 : 130))));
  server.forceShutdown();
  process.exit(code);
}

main().catch((error) => {
  console.error(`client-runtime: ${error instanceof Error ? error.message : error}`);
  process.exit(2);
});
