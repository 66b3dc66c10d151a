/**
 * `delete`: what `pulumi destroy` (or the old half of a replace) does to the action, by the
 * `deleteBehavior` stored in state. The stored behaviour and ids are read as stored, never
 * through today's input rules, so state written by an older version, or inputs today's rules
 * refuse, still get the behaviour the user declared; what cannot be honoured fails, saying why.
 */
import { InputError, isApiNotFound } from "../shared/errors";
import type { DataAction, Tally } from "../shared/types";
import { claimedByAnother } from "./claims";
import { client, tenantOf } from "./context";
import { holdsApplied, holdsRestored, nothingToRestore, restored, restorePlan, storedOwned, type OwnedState, type RestorePlan } from "./owned";
import { differences, recordOf, tokenOf, withRecord } from "./ownership";

type Props = Record<string, unknown>;
type Behavior = "retain" | "restore" | "disable";

const BEHAVIORS: readonly Behavior[] = ["retain", "restore", "disable"];

/** Provider messages go to the host's stderr: `pulumi up --logtostderr -v=9` shows them. */
function note(text: string): void {
  console.error(text);
}

function storedBehavior(props: Props, actionId: string): Behavior {
  const stored = props.deleteBehavior;
  // Absent or null is the default, as in check.
  if (stored === undefined || stored === null) return "retain";
  if (BEHAVIORS.includes(stored as Behavior)) return stored as Behavior;
  throw new InputError(
    `Cannot delete ${actionId}: its state holds deleteBehavior ${JSON.stringify(stored)}, which is not "retain", "restore" or "disable", ` +
      "so what to do with the action is not known. Set deleteBehavior in the program and run `pulumi up`, then delete again.",
  );
}

function restoreFrom(props: Props, actionId: string): RestorePlan {
  const original = storedOwned(props.original);
  const applied = storedOwned(props.applied);
  if (original === undefined) {
    throw new InputError(
      `Cannot restore ${actionId}: its state does not record the configuration from before the first apply (state written by an ` +
        'older version). Set deleteBehavior "retain" (keep the action as it is) or "disable" and run `pulumi up`, then delete again; ' +
        "or restore the action by hand and remove the resource with `pulumi state delete`.",
    );
  }
  if (applied === undefined) {
    throw new InputError(
      `Cannot restore ${actionId}: the last apply was not confirmed, so what this resource wrote is not known. ` +
        "Run `pulumi up` to finish that apply (it reads the action), then delete again.",
    );
  }
  return restorePlan(original, applied);
}

/** What this resource last wrote, needed to tell whether the action still holds it. */
function appliedFrom(props: Props, actionId: string, behavior: Behavior): OwnedState {
  const applied = storedOwned(props.applied);
  if (applied === undefined) {
    throw new InputError(
      `Cannot ${behavior} ${actionId}: the last apply was not confirmed, so what this resource wrote is not known and the action ` +
        "might hold another resource's configuration. Run `pulumi up` to finish that apply (it reads the action), then delete again.",
    );
  }
  return applied;
}

export async function deleteAction(id: string, props: Props): Promise<void> {
  const actionId = typeof props.actionId === "string" && props.actionId !== "" ? props.actionId : id;
  const behavior = storedBehavior(props, actionId);
  if (behavior === "retain") return;
  const audit = props.audit as { requestId?: unknown } | null | undefined;
  if (claimedByAnother(tenantOf(props), actionId, audit?.requestId)) {
    // The old half of a replace or of a rename without alias: the new resource applied its
    // configuration to this same action earlier in this deployment, and now owns it.
    note(`${actionId}: deleteBehavior "${behavior}" skipped: another resource of this stack applied to this action in this update and now manages it.`);
    return;
  }
  const plan = behavior === "restore" ? restoreFrom(props, actionId) : undefined;
  // With nothing to put back, the write (if any) only removes this resource's record.
  const nothing = plan !== undefined && nothingToRestore(plan);
  const applied = plan?.applied ?? appliedFrom(props, actionId, behavior);
  const token = tokenOf(props);
  const tally: Tally = { httpRequests: 0, retries: 0 };
  // What the last look at the action found; a read-back after a lost answer updates it.
  let verdict = "write" as "write" | "done" | "drift";
  let differing: string[] = [];
  // Compare before undo: only an action that still holds what this resource last wrote (and
  // whose record, when it has one, names this resource) is disabled or restored. Everything
  // needed is in state and on the action, so this holds across deployments and machines.
  const mutate = (live: DataAction): DataAction | null => {
    differing = differences(live, applied, token);
    const record = recordOf(live);
    const othersNow = token !== undefined && record !== undefined && record.token !== token;
    const ours = record !== undefined && !othersNow;
    if (plan === undefined) {
      verdict = !live.enabled && !othersNow ? "done" : differing.length > 0 ? "drift" : "write";
      return verdict === "write" ? withRecord({ ...live, enabled: false }, null) : null;
    }
    // Done once the keys are back and our record is gone (a read-back after a lost answer).
    if (!othersNow && !ours && holdsRestored(live, plan)) verdict = "done";
    else if (differing.length === 0 && holdsApplied(live, plan)) verdict = "write";
    else verdict = "drift";
    return verdict === "write" ? restored(withRecord(live, null), plan) : null;
  };
  try {
    await client(tenantOf(props)).modify(actionId, mutate, tally);
  } catch (error) {
    // Already gone, in the API's own words: there is nothing left to restore or disable. A
    // gateway's 404 page is not that: the delete fails and the resource stays.
    if (isApiNotFound(error)) return;
    throw error;
  }
  if (verdict === "drift") {
    note(
      `warning: ${actionId}: deleteBehavior '${behavior}' left the action as it is: it no longer holds what this resource last wrote ` +
        `(${differing.join(", ")} differ${differing.length === 1 ? "s" : ""}), so undoing it would undo someone else's change. ` +
        `${behavior === "restore" ? "Restore" : "Disable"} it by hand if that is still wanted.`,
    );
  } else if (nothing) {
    note(`${actionId}: nothing to restore: this resource did not change the action's configuration.`);
  } else {
    note(`${actionId}: ${behavior === "disable" ? "disabled" : "restored the configuration from before the first apply"}.`);
  }
}
