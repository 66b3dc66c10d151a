/**
 * Runs a Pulumi program under `pulumi.runtime.setMocks` and captures what it registers,
 * `__provider` included: the engine-side inputs the real host then receives.
 * The program uses the compiled package, exactly as a user's program does.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { REPO_ROOT } from "./host";

export interface Registration {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** Inputs the program marked secret (their values in `inputs` are plain). */
  secrets: string[];
}

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** The dynamic-provider host answers Configure with acceptSecrets false, so the engine sends
 *  it secret inputs as plain values: the same is done here before the host sees them. */
function reveal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reveal);
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, unknown>;
  if (record[SIG_KEY] === SECRET_SIG) return reveal(record.value);
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, reveal(v)]));
}

/** The compiled package, loaded the way a user's program loads it. */
export function compiledPackage(): typeof import("../provider/index") {
  return require(path.join(REPO_ROOT, "dist", "provider", "index.js"));
}

/** Runs `program`, which returns the resources it declared, and returns their registrations. */
export async function runProgram(program: () => pulumi.CustomResource[]): Promise<Registration[]> {
  const registrations: Registration[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        // Components (a CxoneDateActionSet) are the program's own grouping: the engine never
        // sends them to a provider, so they are not registrations the host receives.
        if (args.custom) {
          const secrets = Object.keys(args.inputs).filter((key) => (args.inputs[key] as Record<string, unknown> | null)?.[SIG_KEY] === SECRET_SIG);
          registrations.push({ type: args.type, name: args.name, inputs: reveal(args.inputs) as Record<string, unknown>, secrets });
        }
        return { id: `${args.name}-mock-id`, state: args.inputs };
      },
      call: () => ({}),
    },
    "cxone-demo",
    "dev",
    false,
  );
  const resources = program();
  await Promise.all(resources.map((r) => new Promise((resolve) => r.urn.apply(resolve))));
  // A program ends when its RPCs drain (a component's registerOutputs among them), as under
  // the engine; otherwise they would reach the next program's mocks.
  await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
  return registrations;
}
