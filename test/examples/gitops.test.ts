/**
 * The GitOps example's declaration file: valid files load, bad ones fail before anything is
 * registered, naming the file, the entry and the field.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { DeclarationError, loadDeclarations } from "../../examples/gitops/declarations";

function fileWith(t: { after(fn: () => void): void }, text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "cxone-gitops-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "actions.yaml");
  writeFileSync(file, text);
  return file;
}

const GOOD_ENTRY = `
  - name: prod
    actionName: Production_Date_Processor
    sourceTimestamp: "2024-02-29T15:30:00.000Z"
    targetTimezone: America/New_York
    operation: ADD_OFFSET
    offsetMinutes: 120`;

test("the shipped actions.yaml loads, one declaration per entry, inputs as written", () => {
  const declarations = loadDeclarations(path.join(__dirname, "..", "..", "examples", "gitops", "actions.yaml"));
  assert.deepEqual(declarations.map((d) => d.name), ["production-date-processor", "staging-date-processor", "sydney-month-end"]);
  assert.equal(declarations[0].args.offsetMinutes, 120);
  assert.deepEqual(declarations[2].args.triggers, { release: "2024.11" });
});

test("bad files fail naming the file, the entry and the field", (t) => {
  const cases: { name: string; yaml: string; fragments: string[] }[] = [
    {
      name: "a misspelled zone in the second entry",
      yaml: `actions:${GOOD_ENTRY}
  - name: stage
    actionName: Staging_Date_Processor
    sourceTimestamp: "2024-02-29T15:30:00Z"
    targetTimezone: America/New_Yrok
    operation: CONVERT`,
      fragments: ["actions[1] (stage) field targetTimezone", "America/New_York"],
    },
    {
      name: "an entry without a name",
      yaml: `actions:
  - actionName: X
    sourceTimestamp: "2024-02-29T15:30:00Z"
    targetTimezone: UTC
    operation: CONVERT`,
      fragments: ["actions[0] field name", "is required"],
    },
    {
      name: "a duplicate resource name",
      yaml: `actions:${GOOD_ENTRY}${GOOD_ENTRY}`,
      fragments: ["actions[1] (prod)", "used twice"],
    },
    {
      name: "a credential as an input",
      yaml: `actions:${GOOD_ENTRY}
    clientSecret: hunter2`,
      fragments: ["actions[0] (prod) field clientSecret", "pulumi config set --secret cxone:clientSecret"],
    },
    { name: "no actions", yaml: "actions: []", fragments: ["actions", "at least one action"] },
    { name: "not YAML", yaml: "actions: [\n  - name: x", fragments: ["cannot be read as YAML"] },
  ];
  for (const c of cases) {
    const file = fileWith(t, c.yaml);
    assert.throws(
      () => loadDeclarations(file),
      (error: unknown) => {
        assert.ok(error instanceof DeclarationError, c.name);
        assert.ok(error.message.includes(file), `${c.name}: names the file`);
        for (const fragment of c.fragments) assert.ok(error.message.includes(fragment), `${c.name}: ${fragment} in ${error.message}`);
        assert.equal(error.message.includes("hunter2"), false, `${c.name}: never echoes a secret`);
        return true;
      },
    );
  }
});
