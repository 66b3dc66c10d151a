/**
 * From the paths a user names to the declaration files read, and their text. The files come from
 * pull requests, often from forks, so nothing here trusts them: a symbolic link is followed only
 * to a place inside the directory given, a dangling or looping link is a problem at the link, a
 * file that is not regular or not UTF-8 is a problem, and every read and walk is bounded. Every
 * other file is still read. Shared by `cxone-date lint`, `loadDeclarations` and
 * `CxoneDateActionSet`, so all three read the same files in the same order.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from "node:fs";
import * as path from "node:path";
import { LIMITS } from "./format";
import type { DeclarationProblem } from "./source";

const YAML_NAME = /\.ya?ml$/i;

/** Whether `inner` is `root` or inside it; both real paths. */
function within(root: string, inner: string): boolean {
  const relative = path.relative(root, inner);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

/** What a link's target is, or why it cannot be followed. */
function resolveLink(link: string): { real: string } | { reason: string } {
  try {
    return { real: realpathSync(link) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOOP") return { reason: "is a loop of symbolic links; it is not read" };
    if (code === "ENOENT") return { reason: "is a symbolic link to a path that does not exist (a dangling link); remove it or point it at a declaration file" };
    return { reason: `is a symbolic link that cannot be followed (${code ?? "error"})` };
  }
}

/** A file found, with the real path to read it by, or a problem met where a file was looked for. */
export type Found = { file: string; real: string } | { problem: DeclarationProblem };

/**
 * The declaration files under each path and the problems met on the way, in one stable order
 * (each directory's entries by name in code-point order, depth first). A directory is walked
 * recursively for *.yaml and *.yml files.
 */
export function declarationFiles(paths: readonly string[]): Found[] {
  const found: Found[] = [];
  const problem = (file: string, reason: string) => found.push({ problem: { file, path: "", reason } });

  for (const given of paths) {
    let stats;
    try {
      stats = lstatSync(given);
    } catch (error) {
      problem(given, (error as NodeJS.ErrnoException).code === "ENOENT" ? "cannot be read: no such file or directory" : `cannot be read: ${(error as Error).message}`);
      continue;
    }
    let real = path.resolve(given);
    if (stats.isSymbolicLink()) {
      const link = resolveLink(given);
      if ("reason" in link) {
        problem(given, link.reason);
        continue;
      }
      real = link.real;
      stats = statSync(real);
      // A link named on the command line may point at a directory (its root is then the
      // target), but a link to a file must stay beside it: a file outside is not the user's.
      if (!stats.isDirectory() && !within(realpathSync(path.dirname(path.resolve(given))), real)) {
        problem(given, "is a symbolic link to a file outside its own directory; declaration files are read only where they are given");
        continue;
      }
    }
    if (!stats.isDirectory()) {
      found.push({ file: given, real });
      continue;
    }
    // The root links are judged against must be real: a directory reached through a linked
    // parent (a checkout under a linked home) would otherwise have every link inside it refused.
    const under = walk(given, realpathSync(real));
    if (under.length === 0) problem(given, "cannot be read: is a directory without any .yaml or .yml file");
    found.push(...under);
  }
  return found;
}

/** Depth first, links followed only inside `root` (a real path), each real directory once. */
function walk(shown: string, root: string): Found[] {
  const found: Found[] = [];
  let files = 0;
  const problem = (file: string, reason: string) => found.push({ problem: { file, path: "", reason } });
  const seen = new Set<string>([root]);
  const visit = (dir: string, realDir: string, depth: number) => {
    const entries = readdirSync(realDir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const file = path.join(dir, entry.name);
      if (files >= LIMITS.files) {
        problem(shown, `holds more than ${LIMITS.files} declaration files; split it, or name the directories to read`);
        return;
      }
      let real = path.join(realDir, entry.name);
      let isDirectory = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        const link = resolveLink(real);
        if ("reason" in link) {
          problem(file, link.reason);
          continue;
        }
        if (!within(root, link.real)) {
          problem(file, `is a symbolic link to a path outside ${shown}; declaration files are read only inside the directory given, so it is not read`);
          continue;
        }
        real = link.real;
        isDirectory = statSync(real).isDirectory();
      }
      if (isDirectory) {
        if (seen.has(real)) continue; // reached again through a link: read once
        if (depth >= LIMITS.directoryDepth) {
          problem(file, `is more than ${LIMITS.directoryDepth} directories deep; declaration files are not read below that`);
          continue;
        }
        seen.add(real);
        visit(file, real, depth + 1);
      } else if (YAML_NAME.test(entry.name)) {
        files += 1;
        found.push({ file, real });
      }
    }
  };
  visit(shown, root, 0);
  return found;
}

/**
 * The text of one file, or the located reason it cannot be had: not a regular file (a FIFO would
 * block the read), over the size limit, or not UTF-8 (the position of the first bad byte).
 */
export function readDeclaration(file: string, real: string): { file: string; text: string } | { problem: DeclarationProblem } {
  const fail = (reason: string, at: { line?: number; column?: number } = {}) => ({ problem: { file, ...at, path: "", reason } });
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat below refuses it.
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return fail(`cannot be read: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (error as Error).message}`);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return fail("cannot be read: is not a regular file");
    if (stats.size > LIMITS.fileBytes) return fail(`cannot be read: is ${stats.size} bytes, more than the ${LIMITS.fileBytes} bytes a declaration file may have`);
    const buffer = Buffer.alloc(stats.size);
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, read);
      if (n === 0) break; // shrank while being read: check what is there
      read += n;
    }
    const decoded = decodeUtf8(buffer.subarray(0, read));
    return "text" in decoded ? { file, text: decoded.text } : fail(`is not UTF-8: the byte 0x${decoded.byte} here does not begin a valid UTF-8 character; save the file as UTF-8`, decoded);
  } finally {
    closeSync(fd);
  }
}

/** UTF-8 to text, or the line and column (in characters) of the first byte that is not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): { text: string } | { line: number; column: number; byte: string } {
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    // The longest prefix that decodes (a character cut at the end waits, in stream mode): the
    // first bad byte follows it.
    let good = 0;
    let bad = bytes.length;
    while (bad - good > 1) {
      const middle = (good + bad) >>> 1;
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, middle), { stream: true });
        good = middle;
      } catch {
        bad = middle;
      }
    }
    // The characters before it; a sequence cut short is not among them, so the first byte not
    // turned into text starts the sequence that is not UTF-8.
    const before = new TextDecoder("utf-8").decode(bytes.subarray(0, good), { stream: true });
    const lines = before.split("\n");
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0; // dropped by the decoder
    const first = Math.min(bom + Buffer.byteLength(before), bytes.length - 1);
    return { line: lines.length, column: [...lines[lines.length - 1]].length + 1, byte: bytes[first].toString(16).toUpperCase().padStart(2, "0") };
  }
}
