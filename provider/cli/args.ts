/**
 * What the two commands share about their command lines: the package version, and a parseArgs
 * error turned into one that names the flag or command the user most likely meant.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { closestName } from "../resource/messages";

/** The installed package's version, from its package.json (found above this file, built or not). */
export function packageVersion(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
    if (pkg.name === "pulumi-cxone-date-action" && typeof pkg.version === "string") return pkg.version;
  }
  return "unknown";
}

/**
 * parseArgs' message with a suggestion: "Unknown option '--formt'" gains "; did you mean
 * --format?", an unexpected word gains the closest command. `flags` are the long flag names,
 * `commands` the words that may stand first.
 */
export function withSuggestion(message: string, flags: readonly string[], commands: readonly string[] = []): string {
  const option = /Unknown option '(--?[^'=]+)/.exec(message)?.[1];
  if (option !== undefined) {
    // parseArgs goes on about positional arguments that start with "-": not what was meant here.
    const meant = closestName(option.replace(/^-+/, ""), flags);
    return meant === undefined ? message : `unknown option ${option}; did you mean --${meant}?`;
  }
  const word = /Unexpected argument '([^']+)'/.exec(message)?.[1];
  if (word !== undefined && commands.length > 0) {
    const meant = closestName(word, commands);
    return meant === undefined ? message : `unknown command ${JSON.stringify(word)}; did you mean \`cxone-date ${meant}\`?`;
  }
  return message;
}
