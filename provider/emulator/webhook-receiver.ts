/**
 * The emulator's Standard Webhooks receiver (an external scheduler's endpoint, not CXone).
 *
 * Signatures are verified by the official `standardwebhooks` package, never by the provider's
 * own signing code: a check that shared code with what it checks would pass whatever that code
 * got wrong. The package is a devDependency, and this file ships with the package's
 * `./emulator` export, so it is loaded lazily: only an emulator started with a webhookSecret
 * (tests, the demo, `npm run emulator -- --webhook-secret`) requires it, and without it that
 * start fails saying what to install. An emulator without a secret never loads it.
 */
import type * as http from "node:http";
import { ConfigError } from "../shared/errors";
import { DEFAULTS } from "../shared/defaults";
import { headerValue, message, parseJson, type Reply } from "./routes";
import type { RecordedRequest, WebhookDelivery } from "./types";

/** A signature verdict: valid, or the library's reason for refusing it. */
export type Verify = (raw: Buffer, headers: Record<string, string>) => { valid: true } | { valid: false; problem: string };

/**
 * A verifier for `secret` built on standardwebhooks. A `whsec_` secret is the base64 key the
 * Standard Webhooks spec defines; any other string is the key's UTF-8 bytes (format "raw").
 * The library checks `webhook-timestamp` against the system clock (5 minutes either way), as a
 * real receiver does: deliveries must carry a fresh timestamp on every attempt.
 */
export async function loadVerifier(secret: string): Promise<Verify> {
  let library: typeof import("standardwebhooks");
  try {
    library = await import("standardwebhooks");
  } catch {
    throw new ConfigError(
      "the emulator's webhook receiver verifies signatures with the standardwebhooks package, which is not installed; " +
        "run `npm install --save-dev standardwebhooks`, or start the emulator without webhookSecret (--webhook-secret)",
    );
  }
  const webhook = secret.startsWith("whsec_")
    ? new library.Webhook(secret)
    : new library.Webhook(Buffer.from(secret, "utf8"), { format: "raw" });
  return (raw, headers) => {
    try {
      webhook.verify(raw, headers, { jsonParse: false });
      return { valid: true };
    } catch (error) {
      return { valid: false, problem: error instanceof Error ? error.message : String(error) };
    }
  };
}

/** The receiver's answer to one delivery; the delivery is appended to `deliveries`. */
export function receiveWebhook(
  req: http.IncomingMessage,
  raw: Buffer,
  record: RecordedRequest,
  deliveries: WebhookDelivery[],
  verify: Verify | undefined,
  answerStatus: number = DEFAULTS.emulatorWebhookStatus,
): Reply {
  const id = headerValue(req, "webhook-id");
  const timestamp = headerValue(req, "webhook-timestamp");
  const signature = headerValue(req, "webhook-signature");
  const { body, parsed } = parseJson(raw);
  record.body = body;
  const verdict =
    verify === undefined || !id || !timestamp
      ? undefined
      : verify(raw, { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature ?? "" });
  const signatureValid = verify === undefined ? null : verdict?.valid === true;
  // A receiver that checks signatures refuses a bad one; a missing header or body is the sender's bug.
  const [status, refusal]: [number, string?] =
    !id || !timestamp ? [400, "webhook-id and webhook-timestamp headers are required"]
    : verdict?.valid === false ? [401, `webhook-signature refused: ${verdict.problem}`]
    : !parsed ? [400, "the body is not valid JSON"]
    : [answerStatus];
  const duplicate = id !== undefined && deliveries.some((d) => d.id === id);
  const delivery: WebhookDelivery = { id: id ?? "", timestamp: timestamp ?? "", signatureValid, body, status, duplicate };
  if (verdict?.valid === false) delivery.signatureProblem = verdict.problem;
  deliveries.push(delivery);
  if (refusal !== undefined) return message(status, refusal);
  // 204 and 205 must not carry a body.
  return status === 204 || status === 205 ? { status } : message(status, `webhook ${id} received`);
}
