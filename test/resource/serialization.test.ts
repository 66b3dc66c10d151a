/**
 * The `__provider` text Pulumi's own serializer writes into every resource's state.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../../harness/host";
import { runProgram } from "../../harness/program";

const SECRET = `serialization-secret-${process.pid}`;

async function serializedBy(entry: string): Promise<string> {
  const { CxoneDateAction } = require(entry) as typeof import("../../provider/index");
  const [registration] = await runProgram(() => [
    new CxoneDateAction("serialized", {
      actionName: "Production_Date_Processor",
      sourceTimestamp: "2024-02-29T15:30:00.000Z",
      targetTimezone: "America/New_York",
      operation: "CONVERT",
    }),
  ]);
  return registration.inputs.__provider as string;
}

test("the serialized provider is small, secret-free, requires only this package, and is stable across builds", async (t) => {
  // Credentials in the environment of the program must not be captured into the text.
  process.env.CXONE_CLIENT_SECRET = SECRET;
  const second = path.join(REPO_ROOT, ".build-check", `${process.pid}`);
  t.after(() => rmSync(second, { recursive: true, force: true }));
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json", "--outDir", second], { cwd: REPO_ROOT });

  const text = await serializedBy(path.join(REPO_ROOT, "dist", "provider", "index.js"));
  const again = await serializedBy(path.join(second, "provider", "index.js"));

  assert.equal(typeof text, "string");
  assert.ok(Buffer.byteLength(text) <= 4096, `__provider is ${Buffer.byteLength(text)} bytes; the budget is 4 KB`);
  assert.equal(text.includes(SECRET), false);
  const required = new Set([...text.matchAll(/require\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]));
  assert.deepEqual([...required], ["pulumi-cxone-date-action/provider"]);
  assert.equal(again, text, "two builds serialize to the same text");
  for (const hook of ["configure", "check", "diff", "create", "read", "update", "delete"]) {
    assert.match(text, new RegExp(`\\.${hook}\\(`), `the ${hook} hook is serialized`);
  }
});
