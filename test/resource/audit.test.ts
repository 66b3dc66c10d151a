import assert from "node:assert/strict";
import * as http from "node:http";
import { describe, test, type TestContext } from "node:test";
import type { DataAction } from "../../provider/shared/types";
import { up } from "../../harness/engine";
import { startFleet } from "../../harness/fleet";
import { accuracyValid, truncateMs } from "../../provider/resource/audit";
import { validateInputs } from "../../provider/resource/schema";

function valid(inputs: Record<string, unknown>) {
  const result = validateInputs({ actionName: "A", targetTimezone: "UTC", operation: "CONVERT", ...inputs });
  assert.equal(result.ok, true, JSON.stringify(result));
  if (result.ok !== true) throw new Error("unreachable");
  return result;
}

test("truncateMs cuts digits the way the ISO string is cut, before 1970 too", () => {
  const table: [number, number, number][] = [
    [1999, 3, 1999],
    [1999, 2, 1990],
    [1999, 1, 1900],
    [1999, 0, 1000],
    [-1, 0, -1000], // 1969-12-31T23:59:59.999Z shows second :59 at precision 0
    [-1, 2, -10],
    [-1000, 0, -1000],
  ];
  for (const [ms, precision, expected] of table) assert.equal(truncateMs(ms, precision), expected, `${ms} at ${precision}`);
});

test("accuracyValid: the written value re-parses to the computed instant, exact offsets add up", () => {
  const cases: { name: string; inputs: Record<string, unknown>; tamper?: (v: string) => string; expected: boolean }[] = [
    {
      name: "the original design example",
      inputs: { sourceTimestamp: "2024-02-29T15:30:00.000Z", targetTimezone: "America/New_York", operation: "ADD_OFFSET", offsetMinutes: 120 },
      expected: true,
    },
    {
      name: "subtracting an ISO duration with milliseconds",
      inputs: { sourceTimestamp: "2024-02-29T15:30:00.250Z", targetTimezone: "Asia/Kolkata", operation: "SUBTRACT_OFFSET", offset: "PT1H0.5S" },
      expected: true,
    },
    {
      name: "precision 0 truncates source + offset",
      inputs: { sourceTimestamp: "2024-02-29T15:30:00.999Z", operation: "ADD_OFFSET", offsetMinutes: 1, precision: 0 },
      expected: true,
    },
    {
      name: "a calendar offset: only the re-parse applies",
      inputs: { sourceTimestamp: "2024-01-31T09:00:00+11:00", targetTimezone: "Australia/Sydney", operation: "ADD_OFFSET", offset: "P1M" },
      expected: true,
    },
    {
      // check refuses writing such an offset to CXone (valueFormat utc writes the UTC form),
      // but the re-parse itself must still understand it.
      name: "a historic offset with seconds",
      inputs: { sourceTimestamp: "1880-06-01T12:00:00Z", targetTimezone: "America/New_York", operation: "CONVERT", valueFormat: "utc" },
      expected: true,
    },
    {
      name: "a written value one minute off",
      inputs: { sourceTimestamp: "2024-02-29T15:30:00.000Z", targetTimezone: "America/New_York", operation: "ADD_OFFSET", offsetMinutes: 120 },
      tamper: (v) => v.replace("12:30", "12:31"),
      expected: false,
    },
  ];
  for (const c of cases) {
    const { value, computed } = valid(c.inputs);
    const written = c.tamper ? c.tamper(computed.computedValue) : computed.computedValue;
    assert.equal(accuracyValid(value, computed, written), c.expected, c.name);
  }
});

test("accuracyValid: an exact offset that does not add up is caught", () => {
  const { value, computed } = valid({ sourceTimestamp: "2024-02-29T15:30:00.000Z", operation: "ADD_OFFSET", offsetMinutes: 120 });
  const wrong = { ...computed, computedEpochMs: computed.computedEpochMs + 60_000 };
  const written = new Date(wrong.computedEpochMs).toISOString();
  assert.equal(accuracyValid(value, wrong, written), false);
});

test("accuracyValid reads the source with the resource's disambiguation", () => {
  // Each wall-clock source time is ambiguous (overlap) or missing (gap) in New York; only the
  // instant the resource's disambiguation picks adds up to the computed value.
  const cases: Record<string, unknown>[] = [
    { sourceTimestamp: "2024-11-03T01:30:00", disambiguation: "later", operation: "ADD_OFFSET", offsetMinutes: 60 },
    { sourceTimestamp: "2024-11-03T01:30:00", disambiguation: "earlier", operation: "ADD_OFFSET", offsetMinutes: 60 },
    { sourceTimestamp: "2024-03-10T02:30:00", disambiguation: "earlier", operation: "SUBTRACT_OFFSET", offset: "PT30M" },
    { sourceTimestamp: "2024-03-10T02:30:00", disambiguation: "later", operation: "CONVERT" },
  ];
  for (const inputs of cases) {
    const { value, computed } = valid({ ...inputs, sourceTimezone: "America/New_York", targetTimezone: "UTC" });
    assert.equal(accuracyValid(value, computed, computed.computedValue), true, JSON.stringify(inputs));
  }
});

describe("accuracyValid judges what CXone stored, through the host", () => {
  /** A loopback proxy to the emulator that, when `rewrite` is on, answers every PUT with a computedValue an hour later than the one stored. */
  async function proxy(t: TestContext, target: string, rewrite: { on: boolean }) {
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", async () => {
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !["host", "content-length", "connection"].includes(k))) as Record<string, string>;
        const answer = await fetch(`${target}${req.url}`, { method: req.method, headers, body: req.method === "GET" ? undefined : body });
        let text = await answer.text();
        if (rewrite.on && req.method === "PUT" && answer.status === 200) {
          const action = JSON.parse(text) as DataAction;
          action.configuration.dateProcessing!.computedValue = "2024-02-29T13:30:00.000-05:00";
          text = JSON.stringify(action);
        }
        res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" }).end(text);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  test("true when the PUT's answer holds the value written; false when the server stored another", async (t) => {
    // A real program's inputs (with __provider), a host and an emulator; the host then talks to
    // the emulator through the proxy.
    const fleet = await startFleet("accuracy");
    t.after(() => fleet.close());
    const rewrite = { on: false };
    const url = await proxy(t, fleet.emulator.url, rewrite);
    await fleet.host.configure({ "cxone:baseUrl": url, "cxone:clientId": fleet.clientId, "cxone:clientSecret": fleet.clientSecret });
    const host = fleet.host;
    const news = { ...fleet.base, offsetMinutes: 60 };
    const first = await up(host, "prod", news);
    assert.equal((first.state.outputs.audit as { accuracyValid: boolean }).accuracyValid, true);
    rewrite.on = true;
    const second = await up(host, "prod", { ...news, offsetMinutes: 120 }, first.state);
    const audit = second.state.outputs.audit as { accuracyValid: boolean; outputTimestamp: string };
    assert.equal(audit.outputTimestamp, "2024-02-29T12:30:00.000-05:00", "what was written");
    assert.equal(audit.accuracyValid, false, "the server answered 13:30: not what was written");
  });
});
