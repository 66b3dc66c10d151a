/**
 * The engine suite's user program: one index.js that declares the CxoneDateActions listed in
 * resources.json, so a test edits the program the way a user edits code (rename, alias, new
 * inputs) by rewriting that file. Every typed output of each resource is exported, so a class
 * field that shadows an Output shows as a missing stack output.
 */
import { after, before } from "node:test";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { startEmulator } from "../helpers/emulator";
import { EngineProject, findCli, installPackage, type Cli, type Installation } from "../../harness/cli";
import { lockedVersion, npm, packPackage, type Packed } from "../../harness/pack";
import type { Emulator, EmulatorOptions } from "../../provider/emulator/emulator";
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET } from "../../provider/emulator/emulator";
import { VALID_INPUTS } from "../../harness/fixtures";

/** A reference to another resource's output: an input unknown until that resource is created. */
export interface OutputRef {
  $ref: string; // "<resource name>.<output>"
}

/** An input read from stack config with `config.requireSecret`, as a user keeps a secret URL. */
export interface SecretConfig {
  $secretConfig: string;
}

export interface Declared {
  name: string;
  args: Record<string, unknown | OutputRef | SecretConfig>;
  opts?: { aliases?: string[]; deleteBeforeReplace?: boolean; retainOnDelete?: boolean; get?: string };
}

/** Every output the resource class declares, per the README. */
export const TYPED_OUTPUTS = [
  "actionName",
  "actionId",
  "sourceTimestamp",
  "targetTimezone",
  "operation",
  "computedValue",
  "computedValueUtc",
  "computedEpochMs",
  "audit",
  "applied",
  "original",
] as const;

export const PROGRAM = `
const fs = require("node:fs");
const path = require("node:path");
const pulumi = require("@pulumi/pulumi");
const { CxoneDateAction } = require("pulumi-cxone-date-action");

const config = new pulumi.Config();
const declared = JSON.parse(fs.readFileSync(path.join(__dirname, "resources.json"), "utf8"));
const made = {};
function input(value) {
  if (value === null || typeof value !== "object") return value;
  if ("$ref" in value) {
    const [name, output] = value.$ref.split(".");
    return made[name][output];
  }
  if ("$secretConfig" in value) return config.requireSecret(value.$secretConfig);
  return value;
}
for (const { name, args, opts } of declared) {
  const inputs = Object.fromEntries(Object.entries(args).map(([key, value]) => [key, input(value)]));
  if (opts?.get !== undefined) {
    made[name] = CxoneDateAction.get(name, opts.get);
    continue;
  }
  const options = opts === undefined ? undefined : { ...opts, aliases: opts.aliases?.map((alias) => ({ name: alias })) };
  made[name] = new CxoneDateAction(name, inputs, options);
}
const OUTPUTS = ${JSON.stringify(TYPED_OUTPUTS)};
module.exports = Object.fromEntries(
  Object.entries(made).map(([name, resource]) => [name, Object.fromEntries(OUTPUTS.map((o) => [o, resource[o]]))]),
);
`;

export const BASE_ARGS = {
  ...VALID_INPUTS,
  offsetMinutes: 90,
};

export class UserProject extends EngineProject {
  declare(resources: Declared[]): void {
    writeFileSync(path.join(this.dir, "resources.json"), JSON.stringify(resources, null, 2));
  }
}

export interface Suite {
  cli: Cli;
  installation: Installation;
  packed: Packed;
}

/**
 * The suite's shared parts, set up once per test file: the CLI (built if needed: it fails,
 * never skips, where none can be had), the tarball packed and installed with the locked SDK.
 */
export function engineSuite(): Suite {
  const suite = {} as Suite;
  before(() => {
    suite.cli = findCli();
    console.log(`# engine: pulumi ${suite.cli.version} (${suite.cli.source}: ${suite.cli.bin})`);
    suite.packed = packPackage();
    suite.installation = installPackage(suite.packed.tarball, lockedVersion("@pulumi/pulumi"), npm);
  });
  after(() => {
    suite.installation?.remove();
    suite.packed?.remove();
  });
  return suite;
}

/** A user's project on its own file backend with the emulator's credentials in stack config. */
export async function userProject(
  t: { after(fn: () => unknown): void },
  suite: Suite,
  resources: Declared[],
  options: { emulator?: EmulatorOptions; config?: Record<string, string>; secrets?: Record<string, string>; env?: NodeJS.ProcessEnv } = {},
): Promise<{ project: UserProject; emulator: Emulator }> {
  const emulator = await startEmulator(t, options.emulator);
  const project = new UserProject(suite.cli, suite.installation, { program: PROGRAM, env: options.env });
  t.after(() => project.remove());
  project.declare(resources);
  await project.init(
    { "cxone:baseUrl": emulator.url, "cxone:clientId": EMULATOR_CLIENT_ID, ...options.config },
    { "cxone:clientSecret": EMULATOR_CLIENT_SECRET, ...options.secrets },
  );
  return { project, emulator };
}
