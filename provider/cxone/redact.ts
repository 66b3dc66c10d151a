/**
 * Removing credentials and tokens from text a server sent back (an error body, a network
 * failure's message) before it reaches an error message or a log line. Pure.
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
  const variants = secrets
    .filter((s) => s.length > 0)
    .flatMap((s) => spellings(s).map((spelling) => ({ spelling, alone: s.length < ALONE_BELOW })));
  if (variants.length === 0) return text;
  variants.sort((a, b) => b.spelling.length - a.spelling.length);
  const pattern = variants
    .map(({ spelling, alone }) => (alone ? `(?<![A-Za-z0-9])${escapeRegExp(spelling)}(?![A-Za-z0-9])` : escapeRegExp(spelling)))
    .join("|");
  return text.replace(new RegExp(pattern, "g"), REDACTED);
}
