/**
 * The docs say what the code does: every repository path they cite exists, every contract the
 * code's comments cite is in docs/, and the zone table of docs/dates.md is what `check` does.
 * (The TypeScript samples are compiled against the installed tarball in install.test.ts; the
 * README's links are resolved in the tarball in tarball.test.ts.)
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { canonicalZone } from "../../provider/dates/zones";
import { REPO_ROOT } from "../../harness/host";

const PAGES = ["README.md", "BENCHMARKS.md", ...readdirSync(path.join(REPO_ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), "utf8");

function sources(dir: string): string[] {
  return readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(`${dir}/${e.name}`) : e.name.endsWith(".ts") ? [`${dir}/${e.name}`] : [],
  );
}

test("every repository path the docs cite in code font exists", () => {
  const missing: string[] = [];
  let cited = 0;
  for (const page of PAGES) {
    for (const match of read(page).matchAll(/`((?:provider|test|scripts|examples|tools|docs|\.ci)\/[\w./-]*[\w/])`/g)) {
      // A glob or a placeholder names no one file.
      if (/[*<]/.test(match[1])) continue;
      cited += 1;
      if (!existsSync(path.join(REPO_ROOT, match[1]))) missing.push(`${page}: ${match[1]}`);
    }
  }
  assert.ok(cited >= 20, `paths cited: ${cited}`);
  assert.deepEqual(missing, []);
});

test("every Markdown file the code's comments cite is in the repository's docs/", () => {
  const cited = new Set<string>();
  for (const file of sources("provider")) for (const m of read(file).matchAll(/\b([\w-]+\.md)\b/g)) cited.add(m[1]);
  assert.ok(cited.has("cxone-api.md"), [...cited].join(", "));
  const missing = [...cited].filter((name) => !existsSync(path.join(REPO_ROOT, "docs", name)) && !existsSync(path.join(REPO_ROOT, name)));
  assert.deepEqual(missing, []);
});

test("docs/dates.md's zone table is what check does: each name written is refused, with the spelling the table gives", () => {
  const text = read("docs/dates.md");
  const table = text.slice(text.indexOf("| written | refused with |"), text.indexOf("\n\n", text.indexOf("| written | refused with |")));
  const rows = table.split("\n").slice(2);
  assert.ok(rows.length >= 5, table);
  let checked = 0;
  for (const row of rows) {
    const [, written, refusedWith] = row.split("|").map((cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
    const zones = refusedWith.filter((name) => /^[A-Z][\w+-]*(\/[\w+-]+)*$/.test(name));
    for (const name of written) {
      const canonical = canonicalZone(name);
      assert.notEqual(canonical, name, `${name} is refused`);
      // A row whose fix is a zone name: the canonical spelling is one of them; otherwise there is none.
      if (zones.length > 0 && !/GMT-5/.test(zones.join())) assert.ok(canonical !== undefined && zones.includes(canonical), `${name}: ${canonical} in ${zones.join(", ")}`);
      else assert.equal(canonical, undefined, name);
      checked += 1;
    }
  }
  assert.ok(checked >= 10, `names checked: ${checked}`);
});

test("the API reference in docs/api is what TypeDoc generates from the TSDoc now, and TypeDoc finds nothing undocumented", () => {
  const out = mkdtempSync(path.join(tmpdir(), "cxone-api-docs-"));
  try {
    // treatWarningsAsErrors and validation.notDocumented (typedoc.json): an exported symbol without
    // a doc comment fails the generation, so it fails here.
    const typedoc = spawnSync(process.execPath, [path.join(REPO_ROOT, "node_modules", "typedoc", "bin", "typedoc"), "--out", out], { cwd: REPO_ROOT, encoding: "utf8" });
    assert.equal(typedoc.status, 0, `typedoc failed:\n${typedoc.stdout}${typedoc.stderr}`);
    const tree = (root: string): Record<string, string> => {
      const files: Record<string, string> = {};
      const walk = (dir: string) => {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          const full = path.join(dir, entry.name);
          if (entry.isDirectory()) walk(full);
          else files[path.relative(root, full)] = readFileSync(full, "utf8");
        }
      };
      walk(root);
      return files;
    };
    const generated = tree(out);
    assert.ok(Object.keys(generated).length >= 10, "pages generated");
    assert.deepEqual(tree(path.join(REPO_ROOT, "docs", "api")), generated, "docs/api is stale: run npm run docs:api and commit it");
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
