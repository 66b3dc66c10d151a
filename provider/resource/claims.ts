/**
 * Which apply of this deployment last wrote each action. Pulumi starts one dynamic-provider
 * host per deployment, so this process-wide map is "what a resource of this stack applied in
 * this `pulumi up`". A delete that would undo another resource's write (the old half of a
 * create-before-delete replace, or a resource renamed without an alias, which the engine
 * deletes after the new resource was created) leaves the action alone. The key is the audit's
 * requestId, so a resource's own apply never stops its own delete.
 */
const lastApply = new Map<string, string>();

export function claim(actionId: string, requestId: string): void {
  lastApply.set(actionId, requestId);
}

/** Whether an apply other than `ownRequestId` wrote the action in this deployment. */
export function claimedByAnother(actionId: string, ownRequestId: unknown): boolean {
  const last = lastApply.get(actionId);
  return last !== undefined && last !== ownRequestId;
}
