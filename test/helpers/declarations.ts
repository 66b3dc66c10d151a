/** What loadDeclarations refuses, as the lines a user reads. */
import assert from "node:assert/strict";
import * as path from "node:path";
import { DeclarationError } from "../../provider/gitops";

/**
 * The problems' lines (without the error's heading), one per problem, or a failure when the
 * declarations load. With `dir`, file paths under it are shown relative to it.
 */
export function problemsOf(load: () => unknown, dir?: string): string[] {
  try {
    load();
  } catch (error) {
    assert.ok(error instanceof DeclarationError, `a DeclarationError, got ${(error as Error)?.stack ?? String(error)}`);
    assert.equal(error.code, "CXONE_DECLARATIONS_INVALID");
    const lines = error.message.split("\n").slice(1).map((line) => line.trim());
    assert.equal(lines.length, error.problems.length, "one line per problem");
    return dir === undefined ? lines : lines.map((line) => line.split(`${dir}${path.sep}`).join(""));
  }
  assert.fail("expected the declarations to be refused");
}
