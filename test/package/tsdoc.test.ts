/**
 * What an editor shows on hover: every symbol a user can import from the package's entry points
 * (the built .d.ts files the tarball ships), and every property of its exported interfaces and
 * classes, carries a doc comment. Read with the TypeScript checker, as the editor's language
 * service reads them.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { REPO_ROOT } from "../../harness/host";

const pkg = require(path.join(REPO_ROOT, "package.json")) as { exports: Record<string, string | { types: string }> };
const ENTRY_TYPES = Object.values(pkg.exports)
  .filter((target): target is { types: string } => typeof target === "object")
  .map((target) => path.join(REPO_ROOT, target.types));

function undocumented(): string[] {
  const program = ts.createProgram(ENTRY_TYPES, { strict: true, noEmit: true, skipLibCheck: true, moduleResolution: ts.ModuleResolutionKind.Node10 });
  const checker = program.getTypeChecker();
  const missing = new Set<string>();
  const documented = (symbol: ts.Symbol) => ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() !== "";
  for (const entry of ENTRY_TYPES) {
    const source = program.getSourceFile(entry);
    assert.ok(source, entry);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    assert.ok(moduleSymbol, `${entry} is a module`);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const where = `${path.relative(REPO_ROOT, entry)}: ${exported.getName()}`;
      if (!documented(symbol)) missing.add(where);
      // Members declared by our own interfaces and classes (not those inherited from Pulumi's).
      for (const declaration of symbol.getDeclarations() ?? []) {
        if (!ts.isInterfaceDeclaration(declaration) && !ts.isClassDeclaration(declaration)) continue;
        for (const member of declaration.members) {
          if (ts.isConstructorDeclaration(member) || member.name === undefined) continue;
          if (ts.getCombinedModifierFlags(member as ts.Declaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
          const memberSymbol = checker.getSymbolAtLocation(member.name);
          if (memberSymbol !== undefined && !documented(memberSymbol)) missing.add(`${where}.${member.name.getText()}`);
        }
      }
    }
  }
  return [...missing].sort();
}

test("every exported symbol, and every property of an exported interface or class, has a doc comment", () => {
  assert.ok(ENTRY_TYPES.length >= 4, "the entry points with types");
  assert.deepEqual(undocumented(), []);
});
