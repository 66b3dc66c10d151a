/**
 * Which apply of this deployment last wrote each action. Pulumi starts one dynamic-provider
 * host per deployment, so this process-wide map is "what a resource of this stack applied in
 * this `pulumi up`". A delete that would undo another resource's write (the old half of a
 * create-before-delete replace, or a resource renamed without an alias, which the engine
 * deletes after the new resource was created) leaves the action alone. The key is the audit's
 * requestId, so a resource's own apply never stops its own delete.
 */
import { OwnershipConflictError } from "../shared/errors";

const lastApply = new Map<string, string>();

// An action is an id in a tenant: the same id in two tenants is two actions.
const target = (tenant: string | null, actionId: string) => JSON.stringify([tenant, actionId]);

export function claim(tenant: string | null, actionId: string, requestId: string): void {
  lastApply.set(target(tenant, actionId), requestId);
}

/** Whether an apply other than `ownRequestId` wrote the action in this deployment. */
export function claimedByAnother(tenant: string | null, actionId: string, ownRequestId: unknown): boolean {
  const last = lastApply.get(target(tenant, actionId));
  return last !== undefined && last !== ownRequestId;
}

/**
 * What each resource of this deployment declared it manages, by owner (`__owner`), as `check`
 * saw it: an id pinned, or a name. Every resource the program declares is checked, whether it
 * is new or unchanged, so a second owner is seen before either writes. A resource that is only
 * being deleted (the old name of a rename) is never checked, so it is no owner here.
 */
const declared = new Map<string, { tenant: string | null; actionId?: string; actionName?: string }>();

export function declare(owner: unknown, tenant: string | null, actionId: unknown, actionName: unknown): void {
  if (typeof owner !== "string") return;
  declared.set(owner, {
    tenant,
    actionId: typeof actionId === "string" ? actionId : undefined,
    actionName: typeof actionName === "string" ? actionName : undefined,
  });
}

/** Fails when another resource of this deployment declares the action `id` (named `name`) in the same tenant. */
export function claimable(tenant: string | null, id: string, owner: string | undefined, name: string | undefined): void {
  if (owner === undefined) return;
  for (const [other, target] of declared) {
    if (other === owner || target.tenant !== tenant) continue;
    if (target.actionId === id || (target.actionId === undefined && name !== undefined && target.actionName === name)) {
      throw new OwnershipConflictError(
        `${owner} and ${other} both manage the Data Action ${id}${name === undefined ? "" : ` ("${name}")`}; an action has one owner, ` +
          "or each apply would undo the other's. Remove one of them from the program, or point it at another action. Nothing was written.",
      );
    }
  }
}
