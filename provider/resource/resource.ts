import * as pulumi from "@pulumi/pulumi";
import type { AuditRecord } from "./audit";

/** Inputs of a `CxoneDateAction`; see the README for the meaning of each. */
export interface CxoneDateActionArgs {
  actionName: pulumi.Input<string>;
  actionId?: pulumi.Input<string>;
  sourceTimestamp: pulumi.Input<string>;
  sourceTimezone?: pulumi.Input<string>;
  targetTimezone: pulumi.Input<string>;
  operation: pulumi.Input<"ADD_OFFSET" | "SUBTRACT_OFFSET" | "CONVERT">;
  offsetMinutes?: pulumi.Input<number>;
  offset?: pulumi.Input<string>;
  disambiguation?: pulumi.Input<"compatible" | "earlier" | "later" | "reject">;
  precision?: pulumi.Input<number>;
  valueFormat?: pulumi.Input<"offset" | "utc">;
  sourceField?: pulumi.Input<string>;
  targetField?: pulumi.Input<string>;
  dstAdjustment?: pulumi.Input<boolean>;
  enabled?: pulumi.Input<boolean>;
  webhookUrl?: pulumi.Input<string>;
  webhookRequired?: pulumi.Input<boolean>;
  deleteBehavior?: pulumi.Input<"retain" | "restore" | "disable">;
  triggers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The audit record kept in stack state after every create and update (type only: no runtime import). */
export type CxoneDateActionAudit = AuditRecord;

/**
 * The provider object Pulumi serializes into every resource's state as `__provider` and
 * runs in its dynamic-provider host. Each method only `require()`s the compiled
 * implementation by package name, so the serialized text is small, holds no captured
 * objects (zod schemas, undici agents, luxon zones do not serialize) and stays the same
 * from build to build. The host resolves the package from the program's node_modules.
 */
// The text is stored twice per resource (inputs and outputs), JSON-escaped: one-letter
// parameters and single quotes (no escaping) keep it small.
const serializedProvider: pulumi.dynamic.ResourceProvider = {
  configure: (r) => require('pulumi-cxone-date-action/provider').configure(r),
  check: (o, n) => require('pulumi-cxone-date-action/provider').check(o, n),
  diff: (i, o, n) => require('pulumi-cxone-date-action/provider').diff(i, o, n),
  create: (n) => require('pulumi-cxone-date-action/provider').create(n),
  read: (i, p) => require('pulumi-cxone-date-action/provider').read(i, p),
  update: (i, o, n) => require('pulumi-cxone-date-action/provider').update(i, o, n),
  delete: (i, p) => require('pulumi-cxone-date-action/provider').delete(i, p),
};

/**
 * The date/time configuration of one existing CXone Data Action, declared in code.
 * Creating it adopts the action named `actionName`; nothing is created in CXone.
 */
export class CxoneDateAction extends pulumi.dynamic.Resource {
  // `declare`, not a field: with target ES2022 a class field is defined after super() returns
  // and would overwrite the Output the SDK constructor just set with undefined.
  declare public readonly actionName: pulumi.Output<string>;
  declare public readonly actionId: pulumi.Output<string>;
  declare public readonly sourceTimestamp: pulumi.Output<string>;
  declare public readonly targetTimezone: pulumi.Output<string>;
  declare public readonly operation: pulumi.Output<string>;
  declare public readonly computedValue: pulumi.Output<string>;
  declare public readonly computedValueUtc: pulumi.Output<string>;
  declare public readonly computedEpochMs: pulumi.Output<number>;
  declare public readonly audit: pulumi.Output<CxoneDateActionAudit>;

  constructor(name: string, args: CxoneDateActionArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      serializedProvider,
      name,
      {
        ...args,
        // Who manages the action, written into its ownership record (ownership.ts): a renamed
        // or replaced resource is another owner, in any later deployment.
        __owner: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
        // Outputs the provider computes: undefined registers them as outputs to fill in.
        actionId: args.actionId,
        computedValue: undefined,
        computedValueUtc: undefined,
        computedEpochMs: undefined,
        audit: undefined,
      },
      opts,
      "cxone",
      "CxoneDateAction",
    );
  }
}
