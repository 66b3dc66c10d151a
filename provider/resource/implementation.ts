/**
 * The dynamic provider's hooks. Pulumi's dynamic-provider host loads this module through the
 * tiny serialized provider in resource.ts (`require("pulumi-cxone-date-action/provider")`).
 * One host process serves every CxoneDateAction of a deployment, up to `--parallel` at once,
 * so the HTTP client (token cache, limiter, breaker) is shared per tenant in client.ts.
 */
import { accuracyValid, type AuditRecord } from "./audit";
import { mergeOwned, ownedEquals, type CxoneClient } from "../cxone/client";
import { systemClock, systemSleep } from "../shared/clock";
import { tzdbVersion } from "../dates/timezone";
import { DEFAULTS } from "../shared/defaults";
import { AbsenceUnconfirmedError, InputError, NoSuchNameError, PartialApplyError, UnconfirmedWriteError, isApiNotFound } from "../shared/errors";
import { INPUT_NAMES, checkInputs, normalizeDesired, validateInputs, type CheckFailure, type DesiredInputs } from "./schema";
import type { DataAction, DateProcessing, Tally } from "../shared/types";
import { deliverWebhook, deliveryId, type WebhookResult } from "./webhook";
import { requestId, traced } from "./hook-log";
import { claim, claimable, declare } from "./claims";
import { differences, holdsRecord, ownerOf, recordOf, tokenOf, withRecord, type OwnershipRecord } from "./ownership";
import { randomUUID } from "node:crypto";
import { codePoints, lookalikeProblem } from "../shared/lookalike";
import { client, settings, tenantOf } from "./context";
import { deleteAction } from "./delete";
import { asAction, ownedOf, storedOwned, type OwnedState } from "./owned";

export { configure } from "./context";

type Props = Record<string, unknown>;

/** Only the keys that are inputs; state also holds outputs that the schema would reject. */
function pickInputs(props: Props): Props {
  const picked: Props = {};
  for (const name of INPUT_NAMES) {
    if (props[name] !== undefined) picked[name] = props[name];
  }
  return picked;
}

function failureText(failures: CheckFailure[]): string {
  return failures.map((f) => `${f.property}: ${f.reason}`).join("; ");
}

/** Validated inputs; create and update throw where check would have reported failures. */
function desiredFrom(news: Props) {
  const result = validateInputs(pickInputs(news));
  if (result.ok !== true) {
    throw new InputError(`Invalid CxoneDateAction inputs: ${failureText(result.failures)}`);
  }
  return { value: result.value, computed: result.computed, owned: normalizeDesired(result.value, result.computed) };
}

/** The dynamic provider's `check`: validates every input, never throws, never calls CXone. */
export async function check(_olds: Props, news: Props) {
  const checked = checkInputs(news);
  if (checked.failures.length === 0) declare(news.__owner, tenantOf(news), given(news.actionId), news.actionName);
  // Not a failure (a tenant may really name an action so), but what a reader cannot see is shown:
  // the provider's stderr is the one channel a dynamic provider has into the preview's output.
  const name = news.actionName;
  const problem = typeof name === "string" ? lookalikeProblem(name) : undefined;
  if (problem !== undefined) console.error(`warning: actionName "${name}" ${problem}; it is ${codePoints(name as string)}. Check that it is the name CXone shows.`);
  return checked;
}

/** The inputs that are not CXone configuration but still change what an apply does. */
function extras(value: DesiredInputs) {
  return JSON.stringify([value.webhookUrl, value.webhookRequired, value.deleteBehavior, Object.entries(value.triggers).sort()]);
}

/** null is unset, as in check: YAML writes `actionId:` with no value as null. */
function given(value: unknown): unknown {
  return value === null ? undefined : value;
}

/**
 * The contract's rule (resource-spec.md): a new actionName or a pinned id other than the action
 * managed now replaces. Pinning the managed action's own id (newly, or unchanged) names the same
 * action, and null is unset. A replace can so land on the action it leaves (a pinned id, or a
 * rename in the console and in code): the claim the new resource's apply records keeps the old
 * one's delete from undoing it.
 */
function replacedBy(id: string, olds: Props, news: Props): string[] {
  const storedId = typeof olds.actionId === "string" ? olds.actionId : id;
  const pinned = given(news.actionId);
  const replaces: string[] = [];
  if (news.actionName !== olds.actionName) replaces.push("actionName");
  if (pinned !== undefined && pinned !== storedId) replaces.push("actionId");
  // Another tenant holds other actions: the same id there is another action.
  if (tenantOf(news) !== tenantOf(olds)) replaces.push("tenant");
  return replaces;
}

/**
 * The last apply did not finish: its write was unconfirmed (a PARTIAL audit that attempted no
 * delivery), or a required webhook was not delivered. `applied` alone cannot tell: a refresh
 * (the pipelines refresh before every up) fills it in from CXone, and the apply would then
 * never be finished, its audit PARTIAL and its webhook unsent for good.
 */
function unfinished(audit: AuditRecord | undefined, value: DesiredInputs): boolean {
  if (audit?.status !== "PARTIAL") return false;
  return audit.webhook?.attempts === 0 || (value.webhookRequired && value.webhookUrl !== null);
}

/** The dynamic provider's `diff`: what changes, what replaces, from the inputs and recorded outputs. */
export async function diff(id: string, olds: Props, news: Props) {
  const replaces = replacedBy(id, olds, news);
  const next = validateInputs(pickInputs(news));
  const previous = validateInputs(pickInputs(olds));
  const applied = storedOwned(olds.applied);
  if (next.ok !== true || previous.ok !== true || applied === undefined) {
    // Unknown (preview) or unreadable: report a change rather than hide one.
    return { changes: true, replaces, deleteBeforeReplace: false };
  }
  const owned = normalizeDesired(next.value, next.computed);
  const changes =
    replaces.length > 0 ||
    !ownedEquals(asAction("", applied), owned) ||
    extras(next.value) !== extras(previous.value) ||
    unfinished(olds.audit as AuditRecord | undefined, next.value);
  return { changes, replaces, deleteBeforeReplace: false };
}

interface Applied {
  action: DataAction;
  putSkipped: boolean;
  original: OwnedState;
}

/** What one apply learned before it ended, so a failed write can still be recorded. */
interface Seen {
  requestId: string; // the audit's requestId, fixed when the apply starts
  token: string; // this resource's ownership token (ownership.ts): from state, or minted by its create
  owner?: string; // the label of who manages the action (the resource's __owner), when the program set it
  tenant: string | null; // the tenant holding the action (null: the stack's own)
  original?: OwnedState;
  lastApplied?: OwnedState; // what this resource wrote last (an update's state), to see what changed since
  overwrote?: string[];
}

/** Read-modify-write of one action; `current` is the entity the list already returned. */
async function applyTo(api: CxoneClient, id: string, owned: OwnedState & { dateProcessing: DateProcessing }, tally: Tally, seen: Seen, current?: DataAction): Promise<Applied> {
  claimable(seen.tenant, id, seen.owner, current?.name);
  // Claimed before the write: from here on no delete in this deployment may undo it.
  claim(seen.tenant, id, seen.requestId);
  const result = await api.modify(
    id,
    (live) => {
      claimable(seen.tenant, id, seen.owner, live.name);
      const record = recordOf(live);
      // What was live before this apply, captured from the first read only: a 409 round reads
      // our competitor's write, which is not what `restore` should put back. The action's own
      // record, when it has one, knows the configuration from before any managed write: the
      // original survives a create whose result never reached state, and a takeover.
      seen.original ??= record?.original ?? ownedOf(live);
      seen.overwrote ??= overwritten(live, record, seen);
      const next = { token: seen.token, owner: seen.owner ?? `resource ${seen.token}`, actionId: live.id, original: seen.original };
      if (ownedEquals(live, owned) && holdsRecord(live, next)) return null;
      return withRecord(mergeOwned(live, owned), next);
    },
    tally,
    current,
  );
  return { action: result.action, putSkipped: result.putSkipped, original: seen.original ?? ownedOf(result.action) };
}

/**
 * What changed on the action since this resource last wrote it, warned about and audited: the
 * apply still writes what is declared, but a fight with a console user or another stack is
 * visible on every run instead of silent.
 */
function overwritten(live: DataAction, record: OwnershipRecord | undefined, seen: Seen): string[] {
  const fields = seen.lastApplied === undefined ? [] : differences(live, seen.lastApplied, seen.token);
  // A create that finds another owner's record takes the action over. Its own label is no
  // takeover: that is this resource's create again, after one whose result never reached state.
  if (seen.lastApplied === undefined && record !== undefined && record.token !== seen.token && record.owner !== seen.owner) {
    fields.push(`managedBy (was "${record.owner}")`);
  }
  if (fields.length > 0) {
    console.error(`warning: ${live.id}: overwriting ${fields.join(", ")}, changed since ${seen.owner ?? "this resource"} last wrote it (a console edit, or another stack managing this action).`);
  }
  return fields;
}

async function notify(webhookUrl: string | null, id: string, payload: unknown): Promise<WebhookResult> {
  if (webhookUrl === null) return { delivered: false, status: null, attempts: 0, error: null };
  return deliverWebhook({
    url: webhookUrl,
    id,
    payload,
    secret: settings().webhookSecret ?? undefined,
    attempts: DEFAULTS.webhookAttempts,
    timeoutMs: DEFAULTS.webhookTimeoutMs,
    backoffBaseMs: DEFAULTS.webhookBackoffBaseMs,
    clock: systemClock,
    sleep: systemSleep,
    random: Math.random,
  });
}

type Desired = ReturnType<typeof desiredFrom>;

/**
 * The audit record's fields known before the webhook runs. `stored`: the computedValue CXone
 * holds after the apply (the PUT's answer, or the action read back), undefined when unconfirmed:
 * accuracyValid judges what the server stored, not what this provider meant to write.
 */
function auditBase(operation: "create" | "update", desired: Desired, actionId: string, seen: Seen, tally: Tally, putSkipped: boolean, startedAt: number, stored: unknown) {
  const written = desired.owned.dateProcessing.computedValue;
  return {
    requestId: seen.requestId,
    operation,
    appliedAt: new Date(systemClock.now()).toISOString(),
    actionId,
    inputTimestamp: desired.value.sourceTimestamp,
    outputTimestamp: written,
    latencyMs: systemClock.now() - startedAt,
    httpRequests: tally.httpRequests,
    retries: tally.retries,
    putSkipped,
    accuracyValid: stored === written && accuracyValid(desired.value, desired.computed, stored),
    tzdbVersion: tzdbVersion(),
    overwrote: seen.overwrote ?? [],
  };
}

/** The outputs recorded in state; `applied` null means what CXone holds is not known. */
function outputsOf(news: Props, desired: Desired, actionId: string, applied: OwnedState | null, original: OwnedState | null, audit: AuditRecord, token: string): Props {
  const { __provider: _provider, ...inputs } = news;
  // The ownership token (ownership.ts) is kept even when the write is unconfirmed: it may be on the action.
  return { ...inputs, actionId, ...desired.computed, applied, original, audit, __ownerToken: token };
}

/**
 * A partial failure's outputs as the engine records them: the host adds `__provider` to the
 * outputs of a success, but records an error's properties exactly as given. Without it the
 * next `pulumi refresh` or `pulumi destroy` cannot find the provider code for this resource.
 */
function partial(message: string, actionId: string, news: Props, outs: Props): PartialApplyError {
  return new PartialApplyError(message, actionId, { ...outs, __provider: news.__provider });
}

/**
 * A write whose outcome is unknown still goes into state, as a partial failure with `applied`
 * unknown: nothing CXone may hold is left unrecorded, and the next `pulumi up` reads the action
 * and finishes (diff always reports a change while `applied` is unknown).
 */
function unconfirmed(error: UnconfirmedWriteError, operation: "create" | "update", news: Props, desired: Desired, actionId: string, seen: Seen, tally: Tally, startedAt: number): PartialApplyError {
  const audit: AuditRecord = {
    ...auditBase(operation, desired, actionId, seen, tally, false, startedAt, undefined),
    webhook: { delivered: false, status: null, attempts: 0, error: "not sent: the write is unconfirmed" },
    status: "PARTIAL",
  };
  return partial(
    `${error.message} It is recorded as unconfirmed; run \`pulumi up\` again to read the action and finish the apply.`,
    actionId,
    news,
    outputsOf(news, desired, actionId, null, seen.original ?? null, audit, seen.token),
  );
}

/** applyTo for one operation; every other error passes through unchanged. */
function applier(api: CxoneClient, operation: "create" | "update", news: Props, desired: Desired, tally: Tally, seen: Seen, startedAt: number) {
  return (id: string, current?: DataAction) =>
    applyTo(api, id, desired.owned, tally, seen, current).catch((error: unknown) => {
      throw error instanceof UnconfirmedWriteError ? unconfirmed(error, operation, news, desired, id, seen, tally, startedAt) : error;
    });
}

/** Shared tail of create and update: webhook, audit record, outputs, partial failure. */
async function finish(operation: "create" | "update", news: Props, desired: Desired, applied: Applied, seen: Seen, tally: Tally, startedAt: number) {
  const actionId = applied.action.id;
  const base = auditBase(operation, desired, actionId, seen, tally, applied.putSkipped, startedAt, applied.action.configuration.dateProcessing?.computedValue);
  const id = deliveryId(seen.token, actionId, ownedOf(applied.action));
  const webhook = await notify(desired.value.webhookUrl, id, { type: "cxone.dateaction.applied", actionId, audit: base });
  const failedDelivery = desired.value.webhookUrl !== null && !webhook.delivered;
  const audit: AuditRecord = {
    ...base,
    latencyMs: systemClock.now() - startedAt,
    webhook,
    status: failedDelivery ? "PARTIAL" : "SUCCESS",
  };
  const outs = outputsOf(news, desired, actionId, ownedOf(applied.action), applied.original, audit, seen.token);
  if (failedDelivery && desired.value.webhookRequired) {
    throw partial(
      `Applied ${desired.value.actionName} (${actionId}) but the required webhook was not delivered after ` +
        `${webhook.attempts} attempt(s): ${webhook.error ?? `status ${webhook.status}`}. ` +
        "The configuration is recorded; fix the receiver and run `pulumi up` again to retry the delivery.",
      actionId,
      news,
      outs,
    );
  }
  return outs;
}

async function createHook(news: Props) {
  const startedAt = systemClock.now();
  const desired = desiredFrom(news);
  const api = client(desired.value.tenant);
  const tally: Tally = { httpRequests: 0, retries: 0 };
  // Adopting by name is this resource's import: nothing is ever created in CXone.
  const listed = desired.value.actionId === null ? await api.findByName(desired.value.actionName, tally) : undefined;
  const id = desired.value.actionId ?? (listed as DataAction).id;
  const seen: Seen = { requestId: requestId(), token: randomUUID(), owner: ownerOf(news), tenant: desired.value.tenant };
  const applied = await applier(api, "create", news, desired, tally, seen, startedAt)(id, listed);
  const outs = await finish("create", news, desired, applied, seen, tally, startedAt);
  return { id: applied.action.id, outs };
}

async function updateHook(id: string, olds: Props, news: Props) {
  const startedAt = systemClock.now();
  const desired = desiredFrom(news);
  const api = client(desired.value.tenant);
  const tally: Tally = { httpRequests: 0, retries: 0 };
  // The action id of record is the output: an action re-resolved after a 404 keeps the resource's id.
  const storedId = typeof olds.actionId === "string" ? olds.actionId : id;
  // `restore` puts back what was live before the FIRST apply, kept in state since then.
  const seen: Seen = {
    requestId: requestId(),
    // State written before tokens existed has none: its next apply mints one.
    token: tokenOf(olds) ?? randomUUID(),
    owner: ownerOf(news),
    tenant: desired.value.tenant,
    original: storedOwned(olds.original),
    lastApplied: storedOwned(olds.applied),
  };
  const apply = applier(api, "update", news, desired, tally, seen, startedAt);
  let applied: Applied;
  try {
    applied = await apply(storedId);
  } catch (error) {
    // Only the API's own not-found: a gateway's 404 must not cost the action its `original`.
    if (!isApiNotFound(error) || desired.value.actionId !== null) throw error;
    // Deleted out of band: resolve the name once more; what we saved for `restore` was another action's.
    const listed = await api.findByName(desired.value.actionName, tally);
    seen.original = undefined;
    seen.lastApplied = undefined;
    applied = await apply(listed.id, listed);
  }
  return { outs: await finish("update", news, desired, applied, seen, tally, startedAt) };
}

/**
 * Whether an action CXone said is gone (its JSON not-found) is gone: a second look by id must
 * say so too, and no action may hold the resource's name (an action re-created under another
 * id, or a console rename round trip). Anything else keeps the resource, and its `original`.
 */
async function confirmGone(api: CxoneClient, storedId: string, name: unknown, tally: Tally): Promise<void> {
  const keep = (why: string) =>
    new AbsenceUnconfirmedError(
      `CXone answered that Data Action ${storedId} does not exist, but ${why}, so the resource stays in the stack with what ` +
        "`restore` needs. Check the action in CXone; run `pulumi refresh` again once it is settled.",
    );
  try {
    const again = await api.get(storedId, tally);
    throw keep(`a second look found it (enabled: ${again.enabled})`);
  } catch (error) {
    if (!isApiNotFound(error)) throw error;
  }
  if (typeof name !== "string") return;
  try {
    const named = await api.findByName(name, tally);
    throw keep(`an action named "${name}" exists as ${named.id}`);
  } catch (error) {
    if (!(error instanceof NoSuchNameError)) throw error;
  }
}

async function readHook(id: string, props: Props) {
  const storedId = typeof props.actionId === "string" ? props.actionId : id;
  const tally: Tally = { httpRequests: 0, retries: 0 };
  const api = client(tenantOf(props));
  let live: DataAction;
  try {
    live = await api.get(storedId, tally);
  } catch (error) {
    // Only the API's own not-found, confirmed, drops the resource: an empty id tells the engine
    // it is gone. A gateway's 404 page, or any other failure, is an error that keeps it.
    if (!isApiNotFound(error)) throw error;
    await confirmGone(api, storedId, props.actionName, tally);
    return { id: "", props: {} };
  }
  const { __provider: _provider, ...outputs } = props;
  return { id, props: { ...outputs, actionId: live.id, applied: ownedOf(live) } };
}

// The hooks that touch CXone: one request id per call, in their log lines and in what they throw.
/** The dynamic provider's `create`: finds the action, writes the configuration, notifies the webhook. */
export const create = traced("create", createHook, (news) => ({ action: news.actionName }));
/** The dynamic provider's `update`: writes the changed configuration to the same action. */
export const update = traced("update", updateHook, (id, _olds, news) => ({ id, action: news.actionName }));
/** The dynamic provider's `read` (refresh): reads what CXone holds now. */
export const read = traced("read", readHook, (id, props) => ({ id, action: props.actionName }));
/** The dynamic provider's `delete`: retains, restores or disables the action, per `deleteBehavior`. */
const deleteTraced = traced("delete", deleteAction, (id, props) => ({ id, action: props.actionName }));
export { deleteTraced as delete };
