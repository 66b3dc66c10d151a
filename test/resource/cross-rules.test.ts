/**
 * The schema's rules between inputs, each checked on both sides of its boundary (a negative and
 * a positive offset, zero in each spelling, just inside and just past a limit), so a rule that
 * looks at one sign only, or at the wrong input, fails here.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { validateInputs } from "../../provider/resource/schema";

const BASE = { actionName: "A", sourceTimestamp: "2024-02-29T15:30:00.000Z", targetTimezone: "UTC" };
const MAX_MINUTES = 9999 * 366 * 24 * 60;

/** inputs -> the property that must fail (and a fragment of its reason), or null when valid. */
const ROWS: [string, Record<string, unknown>, string | null, string?][] = [
  // CONVERT adds nothing: any non-zero offset contradicts it, whatever its sign.
  ["CONVERT, offsetMinutes 0", { operation: "CONVERT", offsetMinutes: 0 }, null],
  ["CONVERT, offsetMinutes -0", { operation: "CONVERT", offsetMinutes: -0 }, null],
  ["CONVERT, offsetMinutes 1", { operation: "CONVERT", offsetMinutes: 1 }, "offsetMinutes"],
  ["CONVERT, offsetMinutes -1", { operation: "CONVERT", offsetMinutes: -1 }, "offsetMinutes"],
  ["CONVERT, offset PT0S", { operation: "CONVERT", offset: "PT0S" }, null],
  ["CONVERT, offset -PT0S", { operation: "CONVERT", offset: "-PT0S" }, null],
  ["CONVERT, offset PT1S", { operation: "CONVERT", offset: "PT1S" }, "offset"],
  ["CONVERT, offset -PT1S", { operation: "CONVERT", offset: "-PT1S" }, "offset"],
  ["CONVERT, offset P1D", { operation: "CONVERT", offset: "P1D" }, "offset"],
  ["CONVERT, offset -P1D", { operation: "CONVERT", offset: "-P1D" }, "offset"],
  // An offset operation needs an offset; a negative or zero one is still one.
  ["ADD_OFFSET without an offset", { operation: "ADD_OFFSET" }, "offset"],
  ["SUBTRACT_OFFSET without an offset", { operation: "SUBTRACT_OFFSET" }, "offset"],
  ["ADD_OFFSET, offsetMinutes -90", { operation: "ADD_OFFSET", offsetMinutes: -90 }, null],
  ["ADD_OFFSET, offsetMinutes 0", { operation: "ADD_OFFSET", offsetMinutes: 0 }, null],
  ["SUBTRACT_OFFSET, offset -PT1H", { operation: "SUBTRACT_OFFSET", offset: "-PT1H" }, null],
  ["SUBTRACT_OFFSET, offset null", { operation: "SUBTRACT_OFFSET", offset: null }, "offset"],
  // Both spellings at once, with either sign.
  ["offset and offsetMinutes", { operation: "ADD_OFFSET", offset: "PT1H", offsetMinutes: 60 }, "offset"],
  ["offset and negative offsetMinutes", { operation: "ADD_OFFSET", offset: "-PT1H", offsetMinutes: -60 }, "offset"],
  ["offset and offsetMinutes null", { operation: "ADD_OFFSET", offset: "PT1H", offsetMinutes: null }, null],
  // The offset limit holds on both sides of zero.
  ["offsetMinutes at +limit", { operation: "ADD_OFFSET", offsetMinutes: MAX_MINUTES, sourceTimestamp: "0001-01-01T00:00:00Z" }, "offsetMinutes", "outside years 0001-9999"],
  ["offsetMinutes at -limit", { operation: "ADD_OFFSET", offsetMinutes: -MAX_MINUTES, sourceTimestamp: "9999-12-31T00:00:00Z" }, "offsetMinutes", "outside years 0001-9999"],
  ["offsetMinutes past +limit", { operation: "ADD_OFFSET", offsetMinutes: MAX_MINUTES + 1 }, "offsetMinutes", "beyond"],
  ["offsetMinutes past -limit", { operation: "ADD_OFFSET", offsetMinutes: -MAX_MINUTES - 1 }, "offsetMinutes", "beyond"],
  ["a result before year 0001", { operation: "SUBTRACT_OFFSET", offset: "P2024Y3M", sourceTimestamp: "2024-02-29T15:30:00Z" }, "offset", "outside years 0001-9999"],
  ["a result after year 9999", { operation: "ADD_OFFSET", offset: "P7976Y", sourceTimestamp: "2024-02-29T15:30:00Z" }, "offset", "outside years 0001-9999"],
  // webhookRequired needs a webhookUrl, and only then.
  ["webhookRequired without webhookUrl", { operation: "CONVERT", webhookRequired: true }, "webhookRequired"],
  ["webhookRequired with webhookUrl null", { operation: "CONVERT", webhookRequired: true, webhookUrl: null }, "webhookRequired"],
  ["webhookRequired with webhookUrl", { operation: "CONVERT", webhookRequired: true, webhookUrl: "https://hooks.example.com/x" }, null],
  ["webhookRequired false without webhookUrl", { operation: "CONVERT", webhookRequired: false }, null],
  // An offset with seconds is refused only where it would be written.
  ["historic offset, valueFormat offset", { operation: "CONVERT", sourceTimestamp: "1880-06-01T12:00:00Z", targetTimezone: "America/New_York" }, "targetTimezone"],
  ["historic offset, valueFormat utc", { operation: "CONVERT", sourceTimestamp: "1880-06-01T12:00:00Z", targetTimezone: "America/New_York", valueFormat: "utc" }, null],
];

test("cross-input rules hold on both sides of zero and of each limit", () => {
  for (const [name, inputs, property, fragment] of ROWS) {
    const result = validateInputs({ ...BASE, ...inputs });
    if (property === null) {
      assert.equal(result.ok, true, `${name}: valid, got ${JSON.stringify(result)}`);
    } else {
      assert.equal(result.ok, false, `${name}: refused`);
      const hit = result.ok === false && result.failures.some((f) => f.property === property && f.reason.includes(fragment ?? ""));
      assert.ok(hit, `${name}: on ${property}${fragment ? ` (${fragment})` : ""}, got ${JSON.stringify(result)}`);
    }
  }
});
