/**
 * Wording shared by the input rules: how a user's value is shown and which name they meant.
 * They never throw, whatever the value: check must not.
 */
import { editDistance } from "../shared/distance";

const MAX_SHOWN = 60; // characters of a user's string quoted in a message

/** A control character: C0, DEL, C1, or a Unicode line or paragraph separator. Any of them can
 *  end or forge the line it is printed on (a CI log reads "::" at a line's start as a command). */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/** JSON text with the control characters JSON.stringify leaves raw (DEL, C1, the separators)
 *  escaped as well: the same value to a parser, nothing a log viewer acts on. */
export function escapeRawControls(json: string): string {
  return json.replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A user's string in quotes, cut short, no character of it able to break the line it is printed on. */
export function quote(text: string): string {
  return escapeRawControls(JSON.stringify(text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}...` : text));
}

/** What a wrong value is, for "got ...". Strings are quoted and cut short. */
export function got(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return `the string ${quote(value)}`;
    case "number":
    case "boolean":
    case "bigint":
      return `the ${typeof value} ${String(value)}`;
    case "object":
      return "an object";
    default:
      return `a ${typeof value}`;
  }
}

/** `"a"`, `"a" or "b"`, `"a", "b" or "c"`. */
export function orList(items: readonly (string | number)[]): string {
  const shown = items.map((item) => (typeof item === "string" ? JSON.stringify(item) : String(item)));
  return shown.length <= 1 ? shown.join("") : `${shown.slice(0, -1).join(", ")} or ${shown[shown.length - 1]}`;
}

/** The name in `names` the user most likely meant: same letters in another case, the only
 *  name the text starts, or a near spelling. */
export function closestName(typed: string, names: readonly string[]): string | undefined {
  const lower = typed.toLowerCase();
  const sameCase = names.find((name) => name.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  const started = names.filter((name) => lower.length >= 3 && name.toLowerCase().startsWith(lower));
  if (started.length === 1) return started[0];
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(typed.length / 4)) + 1;
  for (const name of names) {
    const distance = editDistance(lower, name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/** A quoted number the user probably meant as a number. */
export function unquoteHint(value: unknown): string {
  return typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))
    ? `; write ${value.trim()} without quotes`
    : "";
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : "a non-Error value was thrown";
}
