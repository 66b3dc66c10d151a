/**
 * The built `cxone-date` bin, run as a user's `npx cxone-date ...` runs it: a child process with
 * only PATH (no credentials) and whatever environment a test adds.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { REPO_ROOT } from "../../harness/host";

export const BIN = path.join(REPO_ROOT, (require(path.join(REPO_ROOT, "package.json")) as { bin: Record<string, string> }).bin["cxone-date"]);

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `cxone-date lint ARGS`; `preload` runs before the bin (node --require). */
export function lint(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; preload?: string } = {}): Promise<Run> {
  const node = options.preload === undefined ? [BIN] : ["--require", options.preload, BIN];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...node, "lint", ...args], { cwd: options.cwd ?? REPO_ROOT, env: { PATH: process.env.PATH, ...options.env }, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== "number") return reject(error);
      resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
    });
  });
}

