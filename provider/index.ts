import { checkInputs, type CheckFailure } from "./schema";

export { CxoneDateAction } from "./resource";
export type { CxoneDateActionArgs, CxoneDateActionAudit } from "./resource";
export { computeDateManipulation } from "./datetime";
export type { DateSpec, DateResult, Operation, Disambiguation } from "./datetime";
export type { CheckFailure } from "./schema";

/**
 * Every problem `pulumi preview` would report for these inputs, as `{property, reason}`;
 * empty when they are valid. For tools that validate declarations before running Pulumi.
 */
export function validateActionInputs(inputs: Record<string, unknown>): CheckFailure[] {
  return checkInputs(inputs).failures;
}
