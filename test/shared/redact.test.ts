/**
 * Redaction against every encoding a server may echo a secret in: one table row per encoding,
 * each the text a server could send back, and what must be left of it.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { redact, redactor, REDACTED } from "../../provider/shared/redact";

const secret = 'p@ss w/rd+~!(x)-"&<Z' + "Z".repeat(8);
const id = "app-client";
const b64 = (s: string) => Buffer.from(s).toString("base64");
const every = (s: string, f: (byte: number) => string) => [...Buffer.from(s)].map(f).join("");
const hex2 = (b: number) => b.toString(16).padStart(2, "0");

describe("redact: one row per encoding a server may echo", () => {
  // [encoding, the echoed form of the secret]
  const table: Array<[string, string]> = [
    ["as sent", secret],
    ["percent-encoded", encodeURIComponent(secret)],
    ["percent-encoded, lower-case hex", encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())],
    ["form-encoded", new URLSearchParams({ s: secret }).toString().slice(2)],
    ["fully percent-encoded (every byte)", every(secret, (b) => `%${hex2(b).toUpperCase()}`)],
    ["double percent-encoded", encodeURIComponent(encodeURIComponent(secret))],
    ["double percent-encoded, every byte", every(secret, (b) => `%25${hex2(b)}`)],
    ["JSON-escaped", JSON.stringify(secret).slice(1, -1)],
    ["JSON \\u escapes for every character", every(secret, (b) => `\\u00${hex2(b)}`)],
    ["base64", b64(secret)],
    ["base64 without padding", b64(secret).replace(/=+$/, "")],
    ["base64url", Buffer.from(secret).toString("base64url")],
    ["base64, one byte into a longer stream", b64(`x${secret}yz`)],
    ["base64, two bytes into a longer stream", b64(`xy${secret}z`)],
    ["hex", Buffer.from(secret).toString("hex")],
    ["HEX", Buffer.from(secret).toString("hex").toUpperCase()],
    ["HTML decimal entities", [...secret].map((c) => `&#${c.charCodeAt(0)};`).join("")],
    ["HTML hex entities", [...secret].map((c) => `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`).join("")],
    ["HTML-escaped (named entities for & < \" )", secret.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;")],
    ["split by a line break", `${secret.slice(0, 9)}\n${secret.slice(9)}`],
    ["split by CRLF and indentation", `${secret.slice(0, 5)}\r\n    ${secret.slice(5)}`],
  ];
  for (const [encoding, echoed] of table) {
    test(encoding, () => {
      const out = redact(`the server said: ${echoed} (end)`, [secret]);
      assert.ok(!out.includes(echoed), out);
      assert.match(out, /^the server said: .*\[redacted\].* \(end\)$/s);
    });
  }

  test("the Basic form of id:secret, raw and with each part form-encoded first (RFC 6749 2.3.1)", () => {
    const form = (s: string) => new URLSearchParams({ s }).toString().slice(2);
    for (const basic of [b64(`${id}:${secret}`), b64(`${form(id)}:${form(secret)}`)]) {
      const out = redact(`Authorization: Basic ${basic} was refused`, [secret, id]);
      assert.equal(out, `Authorization: Basic ${REDACTED} was refused`);
    }
  });
});

describe("redact: what must stay", () => {
  // [text, secrets, expected]
  const table: Array<[string, string[], string]> = [
    ["the app was not found; application app", ["app"], "the [redacted] was not found; application [redacted]"],
    ["an id, a valid idea", ["id"], "an [redacted], a valid idea"],
    ["client_id=app&client_secret=x", ["app"], "client_id=[redacted]&client_secret=x"],
    ["the Demo and demo", ["demo"], "the Demo and [redacted]"],
    ["tokenABCDEFGHIJKLMNOPQRSTUV inside", ["ABCDEFGHIJKLMNOPQRSTUV"], "token[redacted] inside"],
    ["nothing to hide", [""], "nothing to hide"],
    // "app" in base64 is YXBw: a short secret's encodings count only alone, like the secret.
    ["YXBwbGljYXRpb24= stays, YXBw goes", ["app"], "YXBwbGljYXRpb24= stays, [redacted] goes"],
    ["line\nbreaks elsewhere stay", ["ABCDEFGHIJKLMNOPQRSTUV"], "line\nbreaks elsewhere stay"],
  ];
  for (const [text, secrets, expected] of table) {
    test(`redact(${JSON.stringify(text)}, ${JSON.stringify(secrets)})`, () => assert.equal(redact(text, secrets), expected));
  }

  test("a short secret's aligned base64 fragments are not matched inside other words, even when aloneBelow is 0", () => {
    assert.equal(redactor(["app"], 0)("cHA and XBw and wcA"), "cHA and XBw and wcA");
  });
});
