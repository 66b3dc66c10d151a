/**
 * The provider's diagnostic log: one logfmt line per event, written to stderr (Pulumi's engine
 * reads a dynamic provider's stderr into its own log). Off unless CXONE_LOG or cxone:logLevel
 * asks for it.
 *
 * - `info`: each hook's outcome, every failed HTTP attempt with its retry decision, token
 *   fetches, webhook attempts that failed;
 * - `debug`: all of that plus every HTTP attempt and every webhook attempt.
 *
 * Every line carries the request id of the hook call it belongs to (the audit record's
 * `requestId`), kept in an AsyncLocalStorage so one host applying many resources at once
 * attributes each line to its own apply without passing ids through the client.
 *
 * Nothing secret reaches a line: callers pass paths and hosts, never URLs with queries or
 * headers, and the formatter strips a path's query and blanks every registered secret
 * (client secret, webhook secret, issued tokens, a webhook URL's path and query).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { redactor } from "./redact";

export type LogLevel = "off" | "info" | "debug";
export const LOG_LEVELS: readonly LogLevel[] = ["off", "info", "debug"];
const RANK: Record<LogLevel, number> = { off: 0, info: 1, debug: 2 };

export type LogValue = string | number | boolean | null | undefined;
export type LogFields = Record<string, LogValue>;

export interface LogRecord {
  time: number; // ms since the epoch
  level: "info" | "debug";
  requestId: string | undefined;
  event: string;
  fields: LogFields;
}

// Strings that must never appear in a line. Bounded: the oldest go first (tokens older than a
// few renewals are no longer sent anywhere).
const MAX_SECRETS = 32;
// A value of only these characters is written bare; anything else is quoted and escaped, so a
// value can never start a new line or a new key.
const BARE = /^[A-Za-z0-9_.:/@%+,\-[\]]+$/;

/** The level `text` names (case-insensitive), "off" for empty or unset, undefined for anything else. */
export function parseLogLevel(text: string | undefined): LogLevel | undefined {
  if (text === undefined || text.trim() === "") return "off";
  const level = text.trim().toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : undefined;
}

function quote(value: string): string {
  return BARE.test(value) ? value : JSON.stringify(value);
}

/**
 * One log line (pure). `path` fields lose their query and fragment; every value has `secrets`
 * blanked out; values that are not plain words are JSON-quoted; undefined fields are left out.
 */
export function formatLine(record: LogRecord, secrets: readonly string[] = []): string {
  // The client's redaction (every spelling a secret may take, longest first), but a short secret
  // goes even from inside a word: a mangled word in a diagnostic line costs nothing.
  const redact = redactor(secrets, 0);
  const parts = ["cxone", `time=${new Date(record.time).toISOString()}`, `level=${record.level}`];
  if (record.requestId !== undefined) parts.push(`req=${quote(redact(record.requestId))}`);
  parts.push(`event=${quote(record.event)}`);
  for (const [key, value] of Object.entries(record.fields)) {
    if (value === undefined) continue;
    let text = String(value);
    // A query string may carry a name filter today and a token tomorrow: paths are logged without one.
    if (key === "path") text = text.replace(/[?#].*$/s, "");
    parts.push(`${key}=${quote(redact(text))}`);
  }
  return parts.join(" ");
}

// ---------------------------------------------------------------------------------------------
// Process-wide state: one host process serves one stack, so one level and one sink.

type Sink = (line: string) => void;
const stderrSink: Sink = (line) => {
  process.stderr.write(`${line}\n`);
};

let level: LogLevel | undefined; // undefined: not configured yet, the environment decides
let sink: Sink = stderrSink;
let now: () => number = Date.now;
const secrets: string[] = [];
const context = new AsyncLocalStorage<{ requestId: string }>();

/** The level in force: what configure set, else CXONE_LOG (an unreadable value is off here; configure reports it). */
export function logLevel(): LogLevel {
  return level ?? parseLogLevel(process.env.CXONE_LOG) ?? "off";
}

export function setLogLevel(next: LogLevel | undefined): void {
  level = next;
}

/** Replaces where lines go (tests capture them); undefined restores stderr. */
export function setLogSink(next: Sink | undefined, clock?: () => number): void {
  sink = next ?? stderrSink;
  now = clock ?? Date.now;
}

/** Registers a string that must never appear in a log line. */
export function addLogSecret(secret: string | null | undefined): void {
  if (secret === null || secret === undefined || secret === "" || secrets.includes(secret)) return;
  secrets.push(secret);
  if (secrets.length > MAX_SECRETS) secrets.shift();
}

export function logEnabled(at: "info" | "debug"): boolean {
  return RANK[logLevel()] >= RANK[at];
}

/** Runs `fn` with `requestId` attached to every line it (and everything it awaits) logs. */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return context.run({ requestId }, fn);
}

/** The request id of the hook call this code runs in, if any. */
export function currentRequestId(): string | undefined {
  return context.getStore()?.requestId;
}

export function log(at: "info" | "debug", event: string, fields: LogFields = {}): void {
  if (!logEnabled(at)) return;
  const line = formatLine({ time: now(), level: at, requestId: currentRequestId(), event, fields }, secrets);
  try {
    sink(line);
  } catch {
    // A log that cannot be written (a closed stderr) must not fail the apply it describes.
  }
}
