/**
 * The package as users get it: `npm pack` of this checkout (dist/ must be built: `npm test`
 * builds it first), and `npm install` of that tarball into a fresh directory. npm runs on the
 * Node that runs the tests (its `bin` first on PATH), as it does for a user.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { REPO_ROOT, withoutCxone } from "./host";

export interface Packed {
  /** Absolute path of the .tgz. */
  tarball: string;
  /** Every path in the tarball, relative to the package root ("dist/provider/index.js"). */
  files: string[];
  /** Reads one file of the tarball (from the unpacked copy). */
  read(file: string): string;
  remove(): void;
}

/**
 * The environment for a nested npm: `npm test` exports where the checkout is (local prefix,
 * package fields, INIT_CWD), which must not steer an install in another directory. The Node
 * that runs the tests goes first on PATH so npm and `#!/usr/bin/env node` scripts use it.
 */
export function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(withoutCxone(process.env))) {
    if (key === "INIT_CWD" || key === "npm_config_local_prefix" || key.startsWith("npm_package_") || key.startsWith("npm_lifecycle_")) continue;
    env[key] = value;
  }
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`;
  return env;
}

/** Runs npm in `cwd`; a failure throws with npm's own output. */
export function npm(cwd: string, args: string[]): string {
  const result = spawnSync("npm", args, { cwd, env: npmEnv(), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 300_000 });
  if (result.status !== 0) {
    throw new Error(`npm ${args.join(" ")} in ${cwd} exited with ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/**
 * Packs the checkout without lifecycle scripts (`prepare` would rebuild dist/ under the other
 * tests' feet) and unpacks the tarball so its files can be read.
 */
export function packPackage(): Packed {
  if (!existsSync(path.join(REPO_ROOT, "dist", "provider", "index.js"))) {
    throw new Error("dist/ is not built: run `npm run build` (npm test does) before the package tests");
  }
  const dir = mkdtempSync(path.join(tmpdir(), "cxone-pack-"));
  const out = npm(REPO_ROOT, ["pack", "--ignore-scripts", "--json", "--pack-destination", dir]);
  const [report] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  const tarball = path.join(dir, path.basename(report.filename));
  execFileSync("tar", ["-xzf", tarball, "-C", dir]); // npm's tarballs hold one folder, package/
  return {
    tarball,
    files: report.files.map((f) => f.path).sort(),
    read: (file) => readFileSync(path.join(dir, "package", file), "utf8"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The version of a package installed in the checkout (the one package-lock.json pins). */
export function lockedVersion(name: string): string {
  return (JSON.parse(readFileSync(path.join(REPO_ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
}

/** A fresh directory holding only `package.json` with these dependencies. */
export function freshProject(prefix: string, dependencies: Record<string, string>, devDependencies: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "cxone-user-program", private: true, dependencies, devDependencies }, null, 2));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
