#!/usr/bin/env node
/**
 * `npx cxone-emulator [flags]` (`npm run --silent emulator -- [flags]` in the repository): runs
 * the CXone emulator until SIGINT (Ctrl-C), SIGTERM, SIGHUP
 * or the exit of the process that started it, and prints how to point the provider at it.
 * Flag reference: docs/emulator.md.
 */
import { parseArgs } from "node:util";
import { DEFAULTS } from "../shared/defaults";
import { ConfigError } from "../shared/errors";
import {
  EMULATOR_CLIENT_ID,
  EMULATOR_CLIENT_SECRET,
  SCOPE_READ,
  SCOPE_WRITE,
  startEmulator,
  type EmulatorOptions,
} from "./emulator";
import { parseFaultSpec, validateThrottleSpec, type RetryAfterForm } from "./faults";

export const USAGE = `Usage: npm run emulator -- [flags]

  --port <n>                  port on 127.0.0.1 (default 0: any free port)
  --seed <file.json>          JSON array of Data Actions (default: the built-in seed)
  --throttle <rate>           token bucket: requests per second over the API routes
  --burst <n>                 bucket size (default: the rate)
  --throttle-retry-after <f>  seconds | http-date | none (default seconds)
  --fault <spec>              route:kind[:key=value...], repeatable; e.g. put:429:count=3
  --random-seed <n>           seeds probability faults (default 1)
  --token-ttl <s>             token lifetime in seconds (default 3600)
  --webhook-secret <s>        verify webhook-signature with this secret
  --webhook-status <code>     status the webhook receiver answers (default 204)
  --quiet                     do not print a line per request
  -h, --help                  this text
`;

export type CliArgs = { help: true } | { help: false; quiet: boolean; options: EmulatorOptions };

function integer(flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(`--${flag} ${raw}: expected a whole number from ${min} to ${max}`);
  }
  return value;
}

/** Pure: argv (without node and the script) to emulator options. Throws ConfigError on bad input. */
export function parseEmulatorArgs(argv: string[]): CliArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        seed: { type: "string" },
        throttle: { type: "string" },
        burst: { type: "string" },
        "throttle-retry-after": { type: "string" },
        fault: { type: "string", multiple: true },
        "random-seed": { type: "string" },
        "token-ttl": { type: "string" },
        "webhook-secret": { type: "string" },
        "webhook-status": { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (cause) {
    // parseArgs throws a TypeError for an unknown flag or a missing value; its message names the flag.
    throw new ConfigError((cause as Error).message);
  }
  if (values.help) return { help: true };
  if (values.throttle === undefined && (values.burst !== undefined || values["throttle-retry-after"] !== undefined)) {
    throw new ConfigError("--burst and --throttle-retry-after need --throttle <rate>");
  }
  const options: EmulatorOptions = {
    port: values.port === undefined ? 0 : integer("port", values.port, 0, 65535),
    seed: values.seed,
    faults: (values.fault ?? []).map(parseFaultSpec),
    randomSeed: values["random-seed"] === undefined ? undefined : integer("random-seed", values["random-seed"], 0, 2 ** 32 - 1),
    tokenTtlSeconds: values["token-ttl"] === undefined ? undefined : integer("token-ttl", values["token-ttl"], 1),
    webhookSecret: values["webhook-secret"],
    webhookStatus: values["webhook-status"] === undefined ? undefined : integer("webhook-status", values["webhook-status"], 200, 599),
  };
  if (values.throttle !== undefined) {
    options.throttle = validateThrottleSpec({
      ratePerSecond: Number(values.throttle),
      burst: values.burst === undefined ? undefined : integer("burst", values.burst, 1),
      retryAfter: values["throttle-retry-after"] as RetryAfterForm | undefined,
    });
  }
  return { help: false, quiet: values.quiet ?? false, options };
}

async function main(): Promise<void> {
  let args: CliArgs;
  try {
    args = parseEmulatorArgs(process.argv.slice(2));
  } catch (cause) {
    process.stderr.write(`emulator: ${(cause as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  // A reader that stops reading (`cxone-emulator | head -1` takes the URL and exits) closes the
  // pipe: further request logs would raise EPIPE and crash the emulator with a stack trace. The
  // log goes quiet instead and the emulator keeps serving until it is stopped.
  let readerGone = false;
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    readerGone = true;
  });
  const log = args.quiet ? undefined : (line: string) => void (readerGone || process.stdout.write(`${line}\n`));
  const emulator = await startEmulator({ ...args.options, log });
  const { options } = args;
  const lines = [
    // First line: the URL, so scripts can read it with `head -1`.
    `CXone emulator listening on ${emulator.url}`,
    `client id: ${EMULATOR_CLIENT_ID} (scopes ${SCOPE_READ} ${SCOPE_WRITE})`,
    "Point the provider at it:",
    // The emulator's client secret is a published fixture, not a credential; a user-chosen
    // webhook secret is never echoed.
    `  export CXONE_BASE_URL=${emulator.url} CXONE_CLIENT_ID=${EMULATOR_CLIENT_ID} CXONE_CLIENT_SECRET=${EMULATOR_CLIENT_SECRET}`,
    ...(options.webhookSecret === undefined ? [] : ["  export CXONE_WEBHOOK_SECRET=<the value you passed to --webhook-secret>"]),
    `webhook receiver: ${emulator.webhookUrl}`,
    ...(options.faults ?? []).map((f) => `fault: ${JSON.stringify(f)}`),
    ...(options.throttle ? [`throttle: ${JSON.stringify(options.throttle)}`] : []),
    "Ctrl-C stops it.",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(parentWatch);
    void emulator.close().then(() => process.stderr.write(`emulator stopped (${why})\n`));
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGHUP", () => stop("SIGHUP"));
  // Started by a script, a test or `npm run`, we must not outlive whoever started us: when the
  // parent dies without signalling (SIGKILL, a crashed CI step), the kernel re-parents us and no
  // signal ever comes. process.ppid is read once at start-up, so probe the parent itself.
  const parent = process.ppid;
  const parentWatch = setInterval(() => {
    if (!isAlive(parent)) stop(`parent ${parent} exited`);
  }, DEFAULTS.emulatorParentPollMs);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0 only checks that the process exists
    return true;
  } catch (cause) {
    // EPERM: it exists but belongs to someone else; only ESRCH means it is gone.
    return (cause as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

if (require.main === module) {
  main().catch((cause: unknown) => {
    process.stderr.write(`emulator: ${(cause as Error).message}\n`);
    process.exitCode = 1;
  });
}
