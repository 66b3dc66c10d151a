/**
 * `delete`: what `pulumi destroy` (or the old half of a replace) does to the action, by the
 * `deleteBehavior` stored in state. The stored behaviour and ids are read as stored, never
 * through today's input rules, so state written by an older version, or inputs today's rules
 * refuse, still get the behaviour the user declared; what cannot be honoured fails, saying why.
 */
import { InputError, NotFoundError } from "../shared/errors";
import type { DataAction, Tally } from "../shared/types";
import { claimedByAnother } from "./claims";
import { client } from "./context";
import { holdsApplied, holdsRestored, nothingToRestore, restored, restorePlan, storedOwned, type RestorePlan } from "./owned";

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

export async function deleteAction(id: string, props: Props): Promise<void> {
  const actionId = typeof props.actionId === "string" && props.actionId !== "" ? props.actionId : id;
  const behavior = storedBehavior(props, actionId);
  if (behavior === "retain") return;
  const audit = props.audit as { requestId?: unknown } | null | undefined;
  if (claimedByAnother(actionId, audit?.requestId)) {
    // The old half of a replace or of a rename without alias: the new resource applied its
    // configuration to this same action earlier in this deployment, and now owns it.
    note(`${actionId}: deleteBehavior "${behavior}" skipped: another resource of this stack applied to this action in this update and now manages it.`);
    return;
  }
  const plan = behavior === "restore" ? restoreFrom(props, actionId) : undefined;
  if (plan !== undefined && nothingToRestore(plan)) {
    note(`${actionId}: nothing to restore: this resource did not change the action's configuration.`);
    return;
  }
  const tally: Tally = { httpRequests: 0, retries: 0 };
  // What the last look at the action found; a read-back after a lost answer updates it.
  let verdict = "write" as "write" | "done" | "drift";
  const mutate = (live: DataAction): DataAction | null => {
    if (plan === undefined) {
      verdict = live.enabled ? "write" : "done";
      return live.enabled ? { ...live, enabled: false } : null;
    }
    if (holdsRestored(live, plan)) verdict = "done";
    else if (holdsApplied(live, plan)) verdict = "write";
    else verdict = "drift";
    return verdict === "write" ? restored(live, plan) : null;
  };
  try {
    await client().modify(actionId, mutate, tally);
  } catch (error) {
    // Already gone: there is nothing left to restore or disable.
    if (error instanceof NotFoundError && error.status === 404) return;
    throw error;
  }
  if (verdict === "drift") {
    note(
      `warning: ${actionId}: the live dateProcessing or enabled flag differs from what this resource applied, so deleteBehavior ` +
        "'restore' left the action as it is (retained). Restore it by hand if needed.",
    );
  } else {
    note(`${actionId}: ${behavior === "disable" ? "disabled" : "restored the configuration from before the first apply"}.`);
  }
}
