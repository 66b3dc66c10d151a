/**
 * What a CXone answer means when it is not a success: the typed error for each status, the
 * server's own words quoted (redacted, bounded), and the error for a body that is not what the
 * API answers. Pure: the client passes its redaction in.
 */
import { ConflictError, HttpError, IdentityError, NotFoundError, PermissionError, ResponseTooLargeError, ValidationError } from "../shared/errors";
import type { DataAction } from "../shared/types";
import { formatBytes, header, type Answer, type Method } from "./http";
import { parseJson } from "./shapes";

type Redact = (text: string) => string;

const ERROR_TEXT_MAX = 300; // characters of a server's error body quoted in a message

/** Turns a non-transient, non-401 answer into the parsed result or a typed error. */
export function checkedAnswer(method: Method, path: string, answer: Answer, subject: string, redact: Redact): Answer {
  const { status } = answer;
  if (status >= 200 && status < 300) return answer;
  const details = { method, path, status };
  const server = serverMessage(answer.text, redact);
  const said = server === "" ? "" : `: ${server}`;
  switch (status) {
    case 400:
      throw new ValidationError(
        `CXone rejected ${method} ${path} (400)${said}. Fix the input that produces this value and run \`pulumi up\` again.`,
        details,
      );
    case 403: {
      const scope = method === "PUT" ? "dataactions:write" : "dataactions:read";
      throw new PermissionError(
        `CXone refused ${method} ${path} (403)${said}. This operation needs the ${scope} scope; ` +
          "grant it to the API client (cxone:clientId) in CXone, then run `pulumi up` again.",
        details,
      );
    }
    case 404: {
      // Only a list request has a query: a 404 there is the collection missing, not one action.
      if (path.includes("?pageSize=")) {
        throw new NotFoundError(`${method} ${path} answered 404${said}: the Data Action API is not at this address. Check cxone:baseUrl / cxone:region and cxone:apiPath.`, details);
      }
      if (!isApiError(answer)) {
        throw new NotFoundError(
          `${method} ${path} answered 404 with a body that is not the CXone API's JSON error (a page from a gateway or proxy?), ` +
            `so it is not taken to mean that ${subject} is gone: nothing was changed. Check cxone:baseUrl and the network path to CXone, then run the command again.`,
          details,
        );
      }
      throw new NotFoundError(
        `${subject} was not found (${method} ${path} answered 404${said}): it was deleted or never existed. ` +
          "Check actionId/actionName, or run `pulumi refresh` to drop it from the stack.",
        details,
        true,
      );
    }
    case 409:
      throw new ConflictError(
        `${method} ${path} answered 409${said}: the version sent is stale because someone else changed ${subject}. Read it again and retry.`,
        details,
      );
    default:
      throw new HttpError(`${method} ${path} answered an unexpected ${status}${said}.`, details);
  }
}

/** An error in the API's own shape (cxone-api.md): JSON, declared so, with a `message` string. */
function isApiError(answer: Answer): boolean {
  const type = header(answer.headers, "content-type") ?? "";
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type.trim())) return false;
  const body = parseJson(answer.text) as Record<string, unknown> | undefined;
  return typeof body === "object" && body !== null && typeof body.message === "string";
}

/** The server's own words from an error body (`message`, `error_description`), redacted and bounded. */
export function serverMessage(text: string, redact: Redact): string {
  const body = parseJson(text) as Record<string, unknown> | undefined;
  const fields = [body?.message, body?.error_description, body?.error].filter((v): v is string => typeof v === "string" && v !== "");
  const raw = fields.length > 0 ? fields[0] : text.trim();
  const redacted = redact(raw);
  return redacted.length > ERROR_TEXT_MAX ? `${redacted.slice(0, ERROR_TEXT_MAX)}...` : redacted;
}

export function unexpectedBody(method: Method, path: string, status: number, expected: string): HttpError {
  return new HttpError(`${method} ${path} answered ${status} with a body that is not ${expected}; is cxone:baseUrl a CXone API?`, {
    method,
    path,
    status,
  });
}

/**
 * A body past the cap. No CXone answer comes near it (a full list page is tens of KiB), so the
 * server is not the API this provider speaks, or is broken; asking again would only fetch
 * another few MiB, so it is not retried.
 */
export function tooLarge(method: Method, path: string, status: number, limitBytes: number, setting: string): ResponseTooLargeError {
  return new ResponseTooLargeError(
    `${method} ${path} answered ${status} with a body larger than ${formatBytes(limitBytes)}, the most this provider reads of one answer; ` +
      `it stopped reading there. No CXone answer is that large: check that ${setting} points at the CXone API, then run \`pulumi up\` again.`,
    { method, path, status },
  );
}

/** The answer is about the action asked for (cxone-api.md), or nothing is done with it. */
export function sameAction(id: string, action: DataAction, method: Method, path: string): DataAction {
  if (action.id === id) return action;
  throw new IdentityError(
    `${method} ${path} answered with the Data Action ${JSON.stringify(action.id)}, not ${JSON.stringify(id)}: the answer is not about this action, ` +
      "so nothing was written. Check that cxone:baseUrl points at the CXone API itself, not a proxy or cache in front of it.",
    { method, path },
  );
}
