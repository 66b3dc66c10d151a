/** `pulumi-cxone-date-action/gitops`: declaration files, their loader and the Set built from them. */
export { loadDeclarations } from "./load";
export type { Declaration, LoadOptions } from "./load";
export { DeclarationError, formatProblem } from "./source";
export type { DeclarationProblem } from "./source";
export { CxoneDateActionSet } from "./set";
export type { CxoneDateActionSetArgs, CxoneDateActionSetApplied } from "./set";
export { FORMAT_VERSION } from "./version";
