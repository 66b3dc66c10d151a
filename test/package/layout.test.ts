/**
 * The layout is the architecture (docs/architecture.md): each folder of provider/ imports only
 * the folders below it, dates/ imports nothing outside the package but luxon and tzdata (the IANA zone data), and no file is
 * too long to read in one sitting. A new import that points the wrong way fails here.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../helpers/host";

const PROVIDER = path.join(REPO_ROOT, "provider");
const MAX_LINES = 450; // "about 400": a file past this is split by responsibility

// Which folders each folder may import; "." is provider/index.ts, the public surface.
const ALLOWED: Record<string, readonly string[]> = {
  ".": ["cli", "gitops", "resource", "cxone", "dates", "emulator", "shared"],
  cli: ["gitops", "resource", "dates", "shared"],
  gitops: ["resource", "dates", "shared"],
  resource: ["cxone", "dates", "shared"],
  cxone: ["shared"],
  dates: ["shared"],
  emulator: ["shared"],
  shared: [],
};
// Packages each folder may import besides node: builtins (the rest may use any dependency).
const PACKAGES: Record<string, readonly string[]> = { dates: ["luxon", "tzdata"], shared: [], cxone: ["undici"] };

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

const folderOf = (file: string) => path.relative(PROVIDER, file).split(path.sep).slice(0, -1)[0] ?? ".";

test("every folder of provider/ imports only the folders below it, and dates/ only luxon and tzdata", () => {
  const wrong: string[] = [];
  for (const file of sources(PROVIDER)) {
    const from = folderOf(file);
    assert.ok(from in ALLOWED, `${from}/ is a folder docs/architecture.md describes`);
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/(?:from|import\(|require\()\s*["']([^"']+)["']/g)) {
      const specifier = match[1];
      const where = path.relative(REPO_ROOT, file);
      if (specifier.startsWith(".")) {
        const to = folderOf(path.resolve(path.dirname(file), specifier) + ".ts");
        if (to !== from && !ALLOWED[from].includes(to)) wrong.push(`${where} -> ${to}/`);
      } else if (!specifier.startsWith("node:") && from in PACKAGES && !PACKAGES[from].includes(specifier.split("/")[0])) {
        wrong.push(`${where} -> ${specifier}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

test(`no file of provider/ is over ${MAX_LINES} lines`, () => {
  const long = sources(PROVIDER)
    .map((file) => ({ file: path.relative(REPO_ROOT, file), lines: readFileSync(file, "utf8").split("\n").length }))
    .filter((f) => f.lines > MAX_LINES);
  assert.deepEqual(long, []);
});
