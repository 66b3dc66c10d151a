/**
 * `npm run fuzz:declarations`: a measurement, not a test. Feeds the declaration loader and the
 * lint output mutated YAML for a fixed time and reports how many documents it judged, how fast,
 * the slowest one, and every crash: anything but a DeclarationError or a valid set, and any
 * lint line that could start a workflow command. Each input is mutated from a corpus of real
 * and hostile files by byte-level and YAML-token edits; the seed is printed, so a run repeats.
 *
 *   npm run fuzz:declarations -- [--minutes 10] [--seed 42] [--out fuzz-crashes]
 *
 * A crash's input is written to --out (default: a temp directory) and named in the report, as is
 * the slowest document.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { DeclarationError, loadDeclarations } from "../provider/gitops";
import { lint } from "../provider/cli/lint";
import { LIMITS } from "../provider/gitops/format";
import { mulberry32 } from "../provider/emulator/faults";

const { values } = parseArgs({ options: { minutes: { type: "string", default: "10" }, seed: { type: "string" }, out: { type: "string" } } });
const minutes = Number(values.minutes);
const seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);
const out = values.out ?? mkdtempSync(path.join(tmpdir(), "fuzz-crashes-"));

// The emulator's seeded generator: a seed names a run.
const random = mulberry32(seed);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const int = (n: number) => Math.floor(random() * n);

const ENTRY = `    actionName: Production_Date_Processor
    sourceTimestamp: "2024-02-29T15:30:00.000Z"
    targetTimezone: America/New_York
    operation: ADD_OFFSET
    offsetMinutes: 120`;
const CORPUS: Buffer[] = [
  readFileSync(path.join(__dirname, "..", "examples", "gitops", "actions.yaml")),
  Buffer.from(`version: 1\nactions:\n  prod:\n${ENTRY}\n`),
  Buffer.from(`version: 1\ndefaults: &d\n  targetTimezone: UTC\n  operation: CONVERT\nactions:\n  - name: a\n    actionName: A\n    sourceTimestamp: "2024-02-29T15:30:00Z"\n  - name: b\n    actionName: B\n    sourceTimestamp: "2024-03-10T02:30:00"\n    sourceTimezone: America/New_York\n    disambiguation: reject\n`),
  Buffer.from(`%YAML 1.2\n---\nversion: 1\nactions: {x: {actionName: "a\\u0085b", sourceTimestamp: "2024-02-29T15:30:00Z", targetTimezone: Etc/GMT+5, operation: SUBTRACT_OFFSET, offset: "-P1Y2M3W4DT5H6M7.5S", triggers: {a: "1"}}}\n`),
  Buffer.from(`version: 1\nl0: &l0 [x, x]\nl1: &l1 [*l0, *l0]\nactions:\n  p: &p\n${ENTRY}\n  q: *p\n`),
];
// Pieces of YAML and of hostile bytes spliced in at random places.
const TOKENS = [
  "&a ", "*a", "*p", "!!binary ", "!x ", "!!str ", "%YAML 1.1\n---\n", "%TAG !e! tag:e,1:\n---\n", "---\n", "...\n", "[", "]", "{", "}", ", ", ": ", "- ", "? ",
  "\n", "\r\n", "\t", "  ", "#", "'", '"', "\\", "|\n", ">-\n", "<<: *a\n", "__proto__: 1\n", "__x: ", "null", "~", "1:30", "off", "0x1F", "1e400", "-.inf",
  "\u0000", "\u0085", "\u2028", "\u202e", "\ufeff", "::error::", "##[add-mask]", "%0A", "America/New_Yrok", "Europe/Kiev", "P1D", "PT", "2024-02-30T00:00:00Z",
].map((t) => Buffer.from(t));
const BYTES = [0x00, 0x0a, 0x0d, 0x22, 0x26, 0x2a, 0x3a, 0x5b, 0x7b, 0x80, 0xc3, 0xe2, 0xf0, 0xff];

function mutate(input: Buffer): Buffer {
  let data = input;
  for (let edits = 1 + int(6); edits > 0; edits--) {
    const at = int(data.length + 1);
    switch (int(6)) {
      case 0: // splice a token
        data = Buffer.concat([data.subarray(0, at), pick(TOKENS), data.subarray(at)]);
        break;
      case 1: // a byte, often one that is not UTF-8 alone
        data = Buffer.concat([data.subarray(0, at), Buffer.from([pick(BYTES)]), data.subarray(at)]);
        break;
      case 2: // delete a run
        data = Buffer.concat([data.subarray(0, at), data.subarray(Math.min(data.length, at + 1 + int(16)))]);
        break;
      case 3: {
        // repeat a region, up to the file limit (deep nesting, many aliases, long lines)
        const length = 1 + int(64);
        const region = data.subarray(at, at + length);
        const times = 1 + int(200);
        data = Buffer.concat([data.subarray(0, at), ...Array(times).fill(region), data.subarray(at)]).subarray(0, LIMITS.fileBytes);
        break;
      }
      case 4: // flip a bit
        if (data.length > 0) {
          data = Buffer.from(data);
          data[int(data.length)] ^= 1 << int(8);
        }
        break;
      default: // cross over with another corpus file
        data = Buffer.concat([data.subarray(0, at), pick(CORPUS).subarray(int(200))]);
    }
  }
  return data;
}

interface Crash {
  file: string;
  error: string;
}

/** One document through the loader (from a file, so the UTF-8 and size paths run) and through lint's three formats. */
function judge(file: string): { valid: boolean; forged: string[] } {
  let valid = false;
  try {
    loadDeclarations(file);
    valid = true;
  } catch (error) {
    if (!(error instanceof DeclarationError)) throw error;
  }
  const forged: string[] = [];
  for (const format of ["text", "github", "json"]) {
    let printed = "";
    const code = lint(["--format", format, file], (t) => (printed += t), (t) => (printed += t));
    if (code !== 0 && code !== 1) throw new Error(`lint --format ${format} exited ${code}`);
    for (const line of printed.split(/\r\n|\r|\n/)) {
      if (/^\s*(?:::|##\[)/.test(line) && !/^::error file=[^\r\n:,]*,(?:line=\d+,col=\d+,)?title=cxone-date lint::/.test(line)) forged.push(line);
    }
  }
  return { valid, forged };
}

const work = mkdtempSync(path.join(tmpdir(), "fuzz-decl-"));
const input = path.join(work, "input.yaml");
const crashes: Crash[] = [];
let runs = 0;
let valid = 0;
let slowest = { ms: 0, bytes: 0 };
const started = performance.now();
const deadline = started + minutes * 60_000;
console.log(`fuzz: seed ${seed}, ${minutes} min, corpus ${CORPUS.length} files, crashes to ${out}`);
while (performance.now() < deadline) {
  const data = mutate(pick(CORPUS));
  writeFileSync(input, data);
  const t0 = performance.now();
  try {
    const result = judge(input);
    if (result.valid) valid += 1;
    if (result.forged.length > 0) throw new Error(`lint printed a line the runner reads as a command: ${JSON.stringify(result.forged[0])}`);
  } catch (error) {
    mkdirSync(out, { recursive: true });
    const saved = path.join(out, `crash-${crashes.length + 1}.yaml`);
    writeFileSync(saved, data);
    crashes.push({ file: saved, error: (error as Error)?.stack?.split("\n").slice(0, 3).join(" | ") ?? String(error) });
  }
  const ms = performance.now() - t0;
  if (ms > slowest.ms) {
    slowest = { ms, bytes: data.length };
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, "slowest.yaml"), data);
  }
  runs += 1;
}
const seconds = (performance.now() - started) / 1000;
console.log(`documents judged      ${runs} (${valid} valid, ${runs - valid} refused with located problems)`);
console.log(`rate                  ${(runs / seconds).toFixed(0)} documents/s (loader + lint in 3 formats each)`);
console.log(`slowest document      ${slowest.ms.toFixed(1)} ms (${slowest.bytes} bytes), kept as ${path.join(out, "slowest.yaml")}`);
console.log(`crashes               ${crashes.length}`);
for (const crash of crashes.slice(0, 20)) console.log(`  ${crash.file}: ${crash.error}`);
process.exitCode = crashes.length > 0 ? 1 : 0;
