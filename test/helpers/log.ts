import { afterEach, beforeEach } from "node:test";
import { setLogLevel, setLogSink } from "../../provider/shared/log";

/** The diagnostic log's lines, captured at debug level afresh for each test of the calling file. */
export function captureLog(): string[] {
  const lines: string[] = [];
  beforeEach(() => {
    lines.length = 0;
    setLogLevel("debug");
    setLogSink((line) => lines.push(line));
  });
  afterEach(() => {
    setLogLevel(undefined);
    setLogSink(undefined);
  });
  return lines;
}
