/**
 * Removing credentials and tokens from text before it reaches an error message or a log line:
 * a server's echo (an error body, a network failure's message) and every log value. Pure.
 */

export const REDACTED = "[redacted]";

// A secret shorter than this could be an everyday word ("app", "demo"), so it is replaced only
// where it stands alone; a longer one is replaced wherever it occurs, even inside other text.
const ALONE_BELOW = 12; // characters

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The ways a server may echo `secret`: as is, percent-encoded (either case of hex digits),
 * form-encoded (`+` for a space, `%7E` for `~`), and JSON-escaped inside a string.
 */
export function spellings(secret: string): string[] {
  const percent = encodeURIComponent(secret);
  const form = new URLSearchParams({ s: secret }).toString().slice("s=".length);
  const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  const json = JSON.stringify(secret).slice(1, -1);
  return [...new Set([secret, percent, lowerHex(percent), form, lowerHex(form), json])];
}

/**
 * `text` with every spelling of every secret replaced by "[redacted]". A short secret counts
 * only where no letter or digit touches it, so redacting the client id "app" leaves "application"
 * alone; longer spellings go first, so a secret inside another is never half replaced.
 */
export function redact(text: string, secrets: readonly string[]): string {
  return redactor(secrets)(text);
}

/**
 * `redact` with the secrets compiled once, for many texts (the values of one log line).
 * `aloneBelow`: secrets shorter than this many characters count only where they stand alone.
 */
export function redactor(secrets: readonly string[], aloneBelow = ALONE_BELOW): (text: string) => string {
  const variants = secrets
    .filter((s) => s.length > 0)
    .flatMap((s) => spellings(s).map((spelling) => ({ spelling, alone: s.length < aloneBelow })));
  if (variants.length === 0) return (text) => text;
  variants.sort((a, b) => b.spelling.length - a.spelling.length);
  const pattern = new RegExp(
    variants.map(({ spelling, alone }) => (alone ? `(?<![A-Za-z0-9])${escapeRegExp(spelling)}(?![A-Za-z0-9])` : escapeRegExp(spelling))).join("|"),
    "g",
  );
  return (text) => text.replace(pattern, REDACTED);
}
