/**
 * What the benches through the real `pulumi` CLI share: the program (the resources listed in
 * the project's resources.json), the packed tarball installed once for every project of a run,
 * and how a bench's main ends.
 */
import { installPackage, type Installation } from "../harness/cli";
import { lockedVersion, npm, packPackage } from "../harness/pack";

export const RESOURCES_PROGRAM = `
const fs = require("node:fs");
const { CxoneDateAction } = require("pulumi-cxone-date-action");
for (const { name, args } of JSON.parse(fs.readFileSync(__dirname + "/resources.json", "utf8"))) new CxoneDateAction(name, args);
`;

/** Packs the checkout and installs it with the locked SDK, for `use`; removes both after. */
export async function withInstalledPackage(use: (installation: Installation) => Promise<void>): Promise<void> {
  const packed = packPackage();
  const installation = installPackage(packed.tarball, lockedVersion("@pulumi/pulumi"), npm);
  try {
    await use(installation);
  } finally {
    installation.remove();
    packed.remove();
  }
}

/** Runs a bench's main: a failure prints its stack and sets exit code 1. */
export function benchMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  });
}
