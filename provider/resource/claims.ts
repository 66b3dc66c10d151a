/**
 * The actions a create or update of this deployment applied to. Pulumi starts one
 * dynamic-provider host per deployment, so this process-wide set is exactly "what another
 * resource of this stack applied in this `pulumi up`". A delete that would undo such a write
 * (the old half of a create-before-delete replace, or a resource renamed without an alias,
 * both of which the engine deletes after the new resource was created) leaves the action alone.
 */
const claimed = new Set<string>();

export function claim(actionId: string): void {
  claimed.add(actionId);
}

export function claimedInThisDeployment(actionId: string): boolean {
  return claimed.has(actionId);
}
