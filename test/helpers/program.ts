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
}

/** The compiled package, loaded the way a user's program loads it. */
export function compiledPackage(): typeof import("../../provider/index") {
  return require(path.join(REPO_ROOT, "dist", "provider", "index.js"));
}

/** Runs `program`, which returns the resources it declared, and returns their registrations. */
export async function runProgram(program: () => pulumi.CustomResource[]): Promise<Registration[]> {
  const registrations: Registration[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registrations.push({ type: args.type, name: args.name, inputs: args.inputs });
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
  return registrations;
}
