/**
 * `npm run demo`, the README's first command, as a newcomer runs it on a machine without the
 * Pulumi CLI: what it prints must stay true (which value is live, which is written, why a PUT
 * was skipped, one line per audit) and hold nothing secret.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";

const ROOT = join(__dirname, "..", "..");
const run = promisify(execFile);

/** The demo from source, with a PATH that has node but no `pulumi`. */
async function demo(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/demo.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, PATH: "/nonexistent" },
    timeout: 120_000,
  });
  return stdout;
}

describe("npm run demo, without the Pulumi CLI", () => {
  test("the preview shows only what a preview knows; the apply shows what CXone held and why a PUT wrote little", { timeout: 150_000 }, async () => {
    const out = await demo();
    // The first line names the engine, and says how to get the real one.
    assert.match(out.split("\n")[0], /^Engine: a MODEL of Pulumi's engine, running WITHOUT the CLI: .*`npm run cli:build` builds Pulumi's CLI/);
    // A real preview reads nothing from CXone: the plan and the computed value only.
    const preview = out.slice(out.indexOf("Preview (pulumi preview):"), out.indexOf("Apply (pulumi up):"));
    assert.match(preview, /production-date-processor {2}create {2}Production_Date_Processor\n {6}to be written: {6}2024-02-29T12:30:00\.000-05:00\n/);
    assert.doesNotMatch(preview, /live|in CXone/);
    // The seed already holds production's value: the apply says what CXone held and what its PUT wrote.
    assert.match(out, /create production-date-processor \(da-000123\): SUCCESS; 2 API request\(s\), 0 retried; PUT sent: the values were already live, it wrote only the ownership record; webhook delivered.*\n {6}was in CXone: {7}2024-02-29T12:30:00\.000-05:00\n/);
    // valueFormat utc: what CXone receives is the UTC form, and the demo says so.
    assert.match(out, /to be written: {6}2024-02-28T22:00:00\.000Z {2}\(valueFormat utc: the UTC form\)/);
    assert.match(out, /sydney-month-end: written to CXone 2024-02-28T22:00:00\.000Z/);
    assert.match(out, /create sydney-month-end \(da-100042\): SUCCESS; 2 API request\(s\), 0 retried; PUT sent; .*request [0-9a-f-]{36}$/m);
    assert.match(out, /Webhook receiver: 3 deliveries, 3 with a valid signature/);
    assert.match(out, /Second up: 3 of 3 unchanged, 0 HTTP requests\./);
    assert.doesNotMatch(out, /"requestId"/, "the audit is summarised, not dumped");
    assert.doesNotMatch(out, /demo-only-webhook-secret/);
  });

  test("--audit-json prints each audit record whole", { timeout: 150_000 }, async () => {
    const out = await demo("--audit-json");
    assert.equal(out.match(/"requestId": "[0-9a-f-]{36}"/g)?.length, 3);
    assert.equal(out.match(/"overwrote": \[\]/g)?.length, 3, "nothing was overwritten");
  });
});
