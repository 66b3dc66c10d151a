/**
 * Removing credentials and tokens from text before it reaches an error message or a log line:
 * a server's echo (an error body, a network failure's message) and every log value. Pure.
 *
 * A server may echo a secret in any encoding it met on the way, and the preview job posts error
 * messages as pull-request comments, so each secret is looked for character by character in every
 * escaped form (percent, double percent, HTML entities, JSON escapes, a line break between any two
 * characters) and as a whole in the binary encodings (base64 with its three alignments, the Basic
 * form of `id:secret`, hex).
 */

export const REDACTED = "[redacted]";

// A secret shorter than this could be an everyday word ("app", "demo"), so it is replaced only
// where it stands alone; a longer one is replaced wherever it occurs, even inside other text.
const ALONE_BELOW = 12; // characters

// Fewer base64 or hex characters than this carry too few bits of the secret to be worth a match.
const MIN_ENCODED = 4; // characters

// Names HTML and XML give the characters a secret may hold; any other character is escaped by number.
const NAMED_ENTITIES: Record<string, string> = { "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" };

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Every hex digit of a byte either case: `%2f` and `%2F` are the same byte. */
function hexByte(byte: number): string {
  const hex = byte.toString(16).padStart(2, "0");
  return [...hex].map((d) => (/[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d)).join("");
}

/** One character of a secret in every escaped spelling a server may write it in. */
function characterPattern(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const bytes = [...Buffer.from(char, "utf8")];
  const forms = [
    escapeRegExp(char),
    bytes.map((b) => `%${hexByte(b)}`).join(""), // percent-encoded
    bytes.map((b) => `%25${hexByte(b)}`).join(""), // percent-encoded twice
    `&#0*${code};`, // HTML decimal entity
    `&#[xX]0*${code.toString(16).replace(/[a-f]/g, (d) => `[${d}${d.toUpperCase()}]`)};`, // HTML hex entity
    code <= 0xffff ? `\\\\[uU]0*${code.toString(16).padStart(4, "0").replace(/[a-f]/g, (d) => `[${d}${d.toUpperCase()}]`)}` : undefined, // JSON \uXXXX
  ];
  if (char === " ") forms.push("\\+"); // form-encoded space
  if (NAMED_ENTITIES[char] !== undefined) forms.push(`&${NAMED_ENTITIES[char]};`);
  if (char === '"' || char === "\\" || char === "/") forms.push(`\\\\${escapeRegExp(char)}`); // JSON-escaped
  return `(?:${forms.filter((f) => f !== undefined).join("|")})`;
}

// A line break, and the indentation of the next line, between any two characters: a server that
// wraps its message (or folds a header) splits the secret without changing a character of it.
const LINE_BREAK = "(?:(?:\\r\\n|\\r|\\n)[ \\t]*)?";

/** A secret in every per-character escaping at once, so a partly encoded echo is found too. */
function escapedPattern(secret: string): string {
  return [...secret].map(characterPattern).join(LINE_BREAK);
}

/** The base64 characters fixed by `bytes` alone when they start `offset` bytes into a stream. */
function base64Aligned(bytes: Buffer, offset: number, alphabet: "base64" | "base64url"): string {
  const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString(alphabet).replace(/=+$/, "");
  // Each base64 character holds 6 bits: keep only those made of the secret's bits alone.
  const first = Math.ceil((offset * 8) / 6);
  const last = Math.floor(((offset + bytes.length) * 8) / 6);
  return encoded.slice(first, last);
}

/**
 * The binary encodings of a secret, whole strings matched as they are: base64 and base64url (with
 * padding, and at each of the three byte alignments inside a longer stream) and hex in either case.
 */
function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const forms = [bytes.toString("base64"), bytes.toString("base64url"), bytes.toString("hex"), bytes.toString("hex").toUpperCase()];
  for (const offset of [0, 1, 2]) forms.push(base64Aligned(bytes, offset, "base64"), base64Aligned(bytes, offset, "base64url"));
  return forms;
}

/**
 * HTTP Basic credentials for a pair of secrets (a client id and secret), as RFC 6749 2.3.1 sends
 * them (each form-encoded first) and as most servers take them (raw).
 */
function basicForms(id: string, secret: string): string[] {
  const form = (s: string) => new URLSearchParams({ s }).toString().slice("s=".length);
  return [`${id}:${secret}`, `${form(id)}:${form(secret)}`].flatMap((pair) => encodings(pair));
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
  const given = [...new Set(secrets.filter((s) => s.length > 0))];
  if (given.length === 0) return (text) => text;
  const whole = given.flatMap((s) => encodings(s));
  // Both orders: which of two strings is the id is not known here, and a pair costs little.
  for (const a of given) for (const b of given) if (a !== b) whole.push(...basicForms(a, b));
  const guard = (pattern: string, length: number, below: number) => (length < below ? `(?<![A-Za-z0-9])${pattern}(?![A-Za-z0-9])` : pattern);
  const patterns = [
    // Binary encodings first, longest first: a Basic form holds the secret's own base64 run. A
    // short one reads like any other few letters, so it counts only alone, whatever `aloneBelow`
    // says, and one of under MIN_ENCODED characters (an aligned fragment of a short secret) not at all.
    ...[...new Set(whole)]
      .filter((form) => form.length >= MIN_ENCODED)
      .sort((a, b) => b.length - a.length)
      .map((form) => guard(escapeRegExp(form), form.length, ALONE_BELOW)),
    ...given.sort((a, b) => b.length - a.length).map((s) => guard(escapedPattern(s), s.length, aloneBelow)),
  ];
  const pattern = new RegExp(patterns.join("|"), "g");
  return (text) => text.replace(pattern, REDACTED);
}
