import { checkInputs } from "./resource/schema";
import type { CheckFailure } from "./resource/inputs";

export { CxoneDateAction } from "./resource/resource";
export type { CxoneDateActionArgs, CxoneDateActionAudit } from "./resource/resource";
export { computeDateManipulation } from "./dates/datetime";
export type { DateSpec, DateResult, Operation, Disambiguation } from "./dates/datetime";
export type { CheckFailure } from "./resource/inputs";

/**
 * Every problem `pulumi preview` would report for these inputs, as `{property, reason}`;
 * empty when they are valid. For tools that validate declarations before running Pulumi.
 */
export function validateActionInputs(inputs: Record<string, unknown>): CheckFailure[] {
  return checkInputs(inputs).failures;
}

export { CxoneDateActionSet, DeclarationError, FORMAT_VERSION, formatProblem, loadDeclarations } from "./gitops";
export type { CxoneDateActionSetApplied, CxoneDateActionSetArgs, Declaration, DeclarationProblem, LoadOptions } from "./gitops";
