/**
 * What `npm pack` puts in the published package, checked by rule rather than by an exact list
 * (new modules and data files may join `files`): the legal and user-facing files, every compiled
 * module of provider/ with its types, source maps that resolve to the real source text, entry
 * points that exist, and nothing of the development tree (tests, scripts, CI, examples, sources).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { REPO_ROOT } from "../../harness/host";
import { packPackage, type Packed } from "../../harness/pack";

let packed: Packed;

before(() => {
  packed = packPackage();
});

after(() => packed?.remove());

const manifest = () => JSON.parse(packed.read("package.json")) as Record<string, any>;

/** Every TypeScript module under provider/ in the checkout, relative to the checkout. */
function sourceModules(dir = "provider"): string[] {
  return readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourceModules(relative);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [relative] : [];
  });
}

test("LICENSE (the Apache-2.0 text), README.md and package.json are in the tarball", () => {
  for (const file of ["LICENSE", "README.md", "package.json"]) assert.ok(packed.files.includes(file), `${file} is packed`);
  assert.equal(manifest().license, "Apache-2.0");
  const license = packed.read("LICENSE");
  assert.match(license, /Apache License\s+Version 2\.0, January 2004/);
  assert.match(license, /TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION/);
  assert.match(license, /END OF TERMS AND CONDITIONS/);
});

test("nothing of the development tree: no tests, scripts, CI, tools, TypeScript sources or configs outside the examples", () => {
  // The examples ship as users copy them (a program, its Pulumi.yaml and tsconfig); docs as Markdown.
  const example = (file: string) => /^examples\/(basic|gitops)\//.test(file);
  const forbidden = packed.files.filter(
    (file) =>
      /^(test|tests|scripts|tools|\.ci|node_modules|\.bench|\.scratch)\//.test(file) ||
      (/^examples\//.test(file) && !example(file)) ||
      (/^docs\//.test(file) && !/^docs\/(api\/)?[\w./-]+\.md$/.test(file)) ||
      /(^|\/)node_modules\//.test(file) ||
      /\.(test|spec)\.[cm]?[jt]s(\.map)?$/.test(file) ||
      (/\.[cm]?ts$/.test(file) && !/\.d\.[cm]?ts$/.test(file) && !example(file)) ||
      (/(^|\/)(tsconfig[^/]*\.json|Pulumi\.[^/]*ya?ml)$/.test(file) && !example(file)) ||
      /(^|\/)(package-lock\.json|\.gitignore|\.npmrc)$/.test(file),
  );
  assert.deepEqual(forbidden, []);
});

test("every relative link in the packed README and docs resolves to a packed file or folder", () => {
  const pages = packed.files.filter((file) => file === "README.md" || file === "BENCHMARKS.md" || /^docs\/.+\.md$/.test(file));
  assert.ok(pages.length >= 5, pages.join(", "));
  const broken: string[] = [];
  let links = 0;
  for (const page of pages) {
    // Markdown links whose target is neither a URL nor an anchor of the same page.
    for (const match of packed.read(page).matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1].split("#")[0];
      if (target === "" || /^[a-z]+:/i.test(target) || !/^[\w./-]+$/.test(target)) continue;
      links += 1;
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(page), target)).replace(/\/$/, "");
      if (!packed.files.some((file) => file === resolved || file.startsWith(`${resolved}/`))) broken.push(`${page}: ${match[1]}`);
    }
  }
  assert.ok(links >= 10, `links checked: ${links}`);
  assert.deepEqual(broken, []);
});

test("every module of provider/ is compiled into the tarball, each .js with its .d.ts", () => {
  const expected = sourceModules().map((source) => `dist/${source.replace(/\.ts$/, ".js")}`);
  assert.ok(expected.length > 20, `found the provider's modules (${expected.length})`);
  assert.deepEqual(expected.filter((js) => !packed.files.includes(js)), [], "compiled modules missing from the tarball");
  const js = packed.files.filter((file) => file.endsWith(".js"));
  assert.deepEqual(js.filter((file) => !packed.files.includes(file.replace(/\.js$/, ".d.ts"))), [], ".js files without their .d.ts");
});

test("every source map resolves: the .js names a packed map, which holds the source text it names", () => {
  const js = packed.files.filter((file) => file.endsWith(".js"));
  const problems: string[] = [];
  for (const file of js) {
    const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(packed.read(file))?.[1];
    // tsconfig's sourceMap: every compiled module names its map (a loop over none would prove nothing).
    if (url === undefined) {
      problems.push(`${file}: names no source map`);
      continue;
    }
    const mapFile = path.posix.join(path.posix.dirname(file), url);
    if (!packed.files.includes(mapFile)) {
      problems.push(`${file}: its map ${mapFile} is not packed`);
      continue;
    }
    const map = JSON.parse(packed.read(mapFile)) as { file: string; sources: string[]; sourcesContent?: (string | null)[] };
    if (map.file !== path.posix.basename(file)) problems.push(`${mapFile}: maps ${map.file}, not ${path.posix.basename(file)}`);
    map.sources.forEach((source, i) => {
      // The map holds its sources (tsconfig inlineSources); they must be the checkout's files.
      const original = path.join(REPO_ROOT, path.posix.dirname(mapFile), source);
      let text: string | null = null;
      try {
        text = readFileSync(original, "utf8");
      } catch {
        problems.push(`${mapFile}: source ${source} is not a file of the checkout`);
        return;
      }
      if (map.sourcesContent?.[i] !== text) problems.push(`${mapFile}: holds no copy (or a stale one) of ${source}`);
    });
  }
  assert.ok(js.length > 20);
  assert.deepEqual(problems, []);
});

test("main, types, every export and the bin point at packed files; the bin is a node script", () => {
  const pkg = manifest();
  const targets: string[] = [pkg.main, pkg.types];
  for (const target of Object.values(pkg.exports as Record<string, string | Record<string, string>>)) {
    targets.push(...(typeof target === "string" ? [target] : Object.values(target)));
  }
  const bins = Object.values(pkg.bin as Record<string, string>);
  targets.push(...bins);
  const missing = targets.map((t) => path.posix.normalize(t)).filter((t) => !packed.files.includes(t));
  assert.deepEqual(missing, []);
  for (const bin of bins) assert.match(packed.read(path.posix.normalize(bin)), /^#!\/usr\/bin\/env node\n/);
});

test("the packed manifest has no script npm would run on install (npm 11 asks every installer to approve one)", () => {
  const scripts = (manifest().scripts ?? {}) as Record<string, string>;
  const onInstall = ["preinstall", "install", "postinstall", "prepare", "preprepare", "postprepare"].filter((name) => name in scripts);
  assert.deepEqual(onInstall, []);
});

test("typesVersions gives node10 resolution the same types as each subpath export", () => {
  const pkg = manifest();
  const exported = Object.entries(pkg.exports as Record<string, string | Record<string, string>>).filter(([subpath, target]) => subpath !== "." && typeof target === "object");
  assert.ok(exported.length >= 3, "the subpaths with types");
  const mapped = pkg.typesVersions["*"] as Record<string, string[]>;
  for (const [subpath, target] of exported) {
    const types = path.posix.normalize((target as Record<string, string>).types);
    assert.deepEqual(mapped[subpath.slice(2)], [types], subpath);
  }
  assert.deepEqual(Object.keys(mapped).sort(), exported.map(([subpath]) => subpath.slice(2)).sort());
});

test("the types a program reaches from the package root import only @pulumi/pulumi and dependencies with their own types", () => {
  // A program type-checked with Pulumi's template tsconfig (no skipLibCheck, no esModuleInterop)
  // reads every declaration these reach: zod's need esModuleInterop, and luxon's types are a
  // devDependency a user does not have.
  const allowed = new Set(["@pulumi/pulumi", "undici", "yaml"]);
  const seen = new Set<string>();
  const outside = new Set<string>();
  const queue = [path.posix.normalize(manifest().types as string)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const match of packed.read(file).matchAll(/from ["']([^"']+)["']|import\(["']([^"']+)["']\)/g)) {
      const specifier = match[1] ?? match[2];
      if (!specifier.startsWith(".")) {
        outside.add(`${file} -> ${specifier}`);
        continue;
      }
      const base = path.posix.join(path.posix.dirname(file), specifier);
      queue.push(packed.files.includes(`${base}.d.ts`) ? `${base}.d.ts` : `${base}/index.d.ts`);
    }
  }
  assert.ok(seen.size > 5, `followed the declarations from the root (${seen.size} files)`);
  assert.deepEqual([...outside].filter((edge) => !allowed.has(edge.split(" -> ")[1])), []);
});
