/**
 * The layout is the architecture (docs/architecture.md): each folder of provider/ imports only
 * the folders below it, dates/ imports nothing outside the package but luxon and tzdata (the IANA zone data), and no file is
 * too long to read in one sitting. Around the package, tests, benchmarks and the demo share the
 * harness and never each other. A new import that points the wrong way fails here.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../../harness/host";

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

// Which top-level folders each top-level folder may import by a relative path.
const TOP_ALLOWED: Record<string, readonly string[]> = {
  provider: [],
  harness: ["provider"],
  test: ["harness", "provider"],
  benchmarks: ["harness", "provider"],
  scripts: ["harness", "provider"],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:from|import\(|require\()\s*["']([^"']+)["']/g)].map((m) => m[1]);
}

const folderOf = (file: string) => path.relative(PROVIDER, file).split(path.sep).slice(0, -1)[0] ?? ".";

test("every folder of provider/ imports only the folders below it, and dates/ only luxon and tzdata", () => {
  const wrong: string[] = [];
  for (const file of sources(PROVIDER)) {
    const from = folderOf(file);
    assert.ok(from in ALLOWED, `${from}/ is a folder docs/architecture.md describes`);
    for (const specifier of importsOf(file)) {
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

test("the harness imports only the package; tests, benchmarks and the demo import the harness, never each other", () => {
  const wrong: string[] = [];
  let seen = 0;
  for (const [from, allowed] of Object.entries(TOP_ALLOWED)) {
    for (const file of sources(path.join(REPO_ROOT, from))) {
      for (const specifier of importsOf(file).filter((s) => s.startsWith("."))) {
        seen += 1;
        const to = path.relative(REPO_ROOT, path.resolve(path.dirname(file), specifier)).split(path.sep)[0];
        if (to !== from && !allowed.includes(to)) wrong.push(`${path.relative(REPO_ROOT, file)} -> ${to}/`);
      }
    }
  }
  // Relative imports are how these folders reach each other; a regex that stopped matching them
  // would pass on nothing.
  assert.ok(seen > 100, `found ${seen} relative imports`);
  assert.deepEqual(wrong, []);
});

test(`no file of provider/ is over ${MAX_LINES} lines`, () => {
  const long = sources(PROVIDER)
    .map((file) => ({ file: path.relative(REPO_ROOT, file), lines: readFileSync(file, "utf8").split("\n").length }))
    .filter((f) => f.lines > MAX_LINES);
  assert.deepEqual(long, []);
});
