/**
 * Typed errors. Each has a `name`, a stable `code` callers can switch on, and a message
 * that says what failed, where, and what to do. None of them ever carries a credential.
 */

export interface ErrorDetails {
  method?: string;
  path?: string;
  status?: number;
  cause?: unknown;
}

export class CxoneError extends Error {
  readonly code: string;
  readonly method?: string;
  readonly path?: string;
  readonly status?: number;

  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
  }
}

/** Missing or unusable provider configuration (credentials, URLs). */
export class ConfigError extends CxoneError {
  constructor(message: string) {
    super("CXONE_CONFIG", message);
  }
}

/** The token endpoint refused the client, or a call stayed 401 after one new token. */
export class AuthenticationError extends CxoneError {
  constructor(message: string, details: ErrorDetails) {
    super("CXONE_UNAUTHENTICATED", message, details);
  }
}

/** 403: the client lacks a scope. */
export class PermissionError extends CxoneError {
  constructor(message: string, details: ErrorDetails) {
    super("CXONE_FORBIDDEN", message, details);
  }
}

/**
 * An answer about another action than the one asked for (`GET /dataactions/da-1` answering
 * `id: "da-999"`): a proxy's cache, a routing fault or a hostile server. Nothing is written.
 */
export class IdentityError extends CxoneError {
  constructor(message: string, details: ErrorDetails) {
    super("CXONE_IDENTITY", message, details);
  }
}

/** 404 on a Data Action, or no action of that name. */
export class NotFoundError extends CxoneError {
  /**
   * The API itself said the action does not exist: its JSON error shape (cxone-api.md). A 404
   * page from a gateway or proxy, or a name no list holds, is not that.
   */
  readonly apiNotFound: boolean;
  constructor(message: string, details: ErrorDetails = {}, apiNotFound = false) {
    super("CXONE_NOT_FOUND", message, details);
    this.apiNotFound = apiNotFound;
  }
}

/** Two resources of one deployment manage the same action. */
export class OwnershipConflictError extends CxoneError {
  constructor(message: string) {
    super("CXONE_OWNER_CONFLICT", message);
  }
}

/** The API itself said the action does not exist (see NotFoundError.apiNotFound). */
export function isApiNotFound(error: unknown): boolean {
  return error instanceof NotFoundError && error.apiNotFound;
}

/** Every page of the list was read and no action has the exact name. */
export class NoSuchNameError extends NotFoundError {}

/**
 * CXone said an action is gone, but a second look disagreed (it answered, or an action of the
 * same name exists): the resource is kept, with what `restore` needs.
 */
export class AbsenceUnconfirmedError extends CxoneError {
  constructor(message: string) {
    super("CXONE_ABSENCE_UNCONFIRMED", message);
  }
}

/** Several actions share the exact name. */
export class AmbiguousNameError extends CxoneError {
  readonly ids: string[];
  constructor(message: string, ids: string[]) {
    super("CXONE_AMBIGUOUS_NAME", message);
    this.ids = ids;
  }
}

/** 409 persisted past the bounded read-merge-PUT rounds. */
export class ConflictError extends CxoneError {
  constructor(message: string, details: ErrorDetails) {
    super("CXONE_CONFLICT", message, details);
  }
}

/** 400: the server rejected the body. */
export class ValidationError extends CxoneError {
  constructor(message: string, details: ErrorDetails) {
    super("CXONE_BAD_REQUEST", message, details);
  }
}

/** Retries or the time budget ran out on a transient failure (429, 5xx, network). */
export class TransientError extends CxoneError {
  constructor(message: string, details: ErrorDetails) {
    super("CXONE_UNAVAILABLE", message, details);
  }
}

/** A PUT got no answer and the read-back failed too: CXone may or may not hold the write. */
export class UnconfirmedWriteError extends CxoneError {
  constructor(message: string, details: ErrorDetails) {
    super("CXONE_UNCONFIRMED", message, details);
  }
}

/** An answer's body outgrew DEFAULTS.maxResponseBytes: no CXone answer is that large, so it is not retried. */
export class ResponseTooLargeError extends CxoneError {
  constructor(message: string, details: ErrorDetails) {
    super("CXONE_RESPONSE_TOO_LARGE", message, details);
  }
}

/** The tenant's circuit breaker is open: calls fail fast until the trial call. */
export class CircuitOpenError extends CxoneError {
  constructor(message: string) {
    super("CXONE_CIRCUIT_OPEN", message);
  }
}

/** Any other unexpected HTTP answer. */
export class HttpError extends CxoneError {
  constructor(message: string, details: ErrorDetails) {
    super("CXONE_HTTP", message, details);
  }
}

/** Input that the date engine cannot turn into a value; `property` names the input. */
export class DateInputError extends CxoneError {
  readonly property: string;
  constructor(property: string, message: string) {
    super("CXONE_DATE_INPUT", message);
    this.property = property;
  }
}

/** Inputs that fail validation when create/update run (check normally reports these first). */
export class InputError extends CxoneError {
  constructor(message: string) {
    super("CXONE_INPUT", message);
  }
}

/**
 * The PUT succeeded but a required webhook was not delivered. Pulumi's dynamic-provider host
 * treats an error with `id` and `properties` as a partial failure: the outputs are recorded,
 * so state matches what CXone holds, and the next `pulumi up` retries the delivery.
 */
export class PartialApplyError extends CxoneError {
  readonly id: string;
  readonly properties: Record<string, unknown>;
  readonly reasons: string[];
  constructor(message: string, id: string, properties: Record<string, unknown>) {
    super("CXONE_PARTIAL", message);
    this.id = id;
    this.properties = properties;
    this.reasons = [message];
  }
}
