/**
 * `CxoneDateActionSet`: declaration files as Pulumi resources. One child CxoneDateAction per
 * entry, parented to the set and named by the entry, so reordering a file changes nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import { CxoneDateAction } from "../resource/resource";
import { loadDeclarations } from "./load";

export interface CxoneDateActionSetArgs {
  /** Declaration files, or directories whose *.yaml and *.yml files are read; all of them form
   *  one set (entry names unique across them). Relative paths are read from the program's
   *  directory (where Pulumi runs it). */
  files: string | string[];
  /** Notified for every entry without a webhookUrl of its own, over the files' `defaults`.
   *  Default: the stack config value `webhookUrl` (`pulumi config set --secret webhookUrl ...`). */
  webhookUrl?: string;
  /** Put before each entry name to form its resource name, for two sets in one stack that use
   *  the same entry names. Changing it replaces every resource of the set. */
  namePrefix?: string;
}

/** Per entry: the action it resolved to, the value written to CXone, and the last apply's audit. */
export interface CxoneDateActionSetApplied {
  actionId: string;
  computedValue: string;
  computedValueUtc: string;
  audit: CxoneDateAction["audit"] extends pulumi.Output<infer T> ? T : never;
}

export class CxoneDateActionSet extends pulumi.ComponentResource {
  // `declare`: an ES2022 class field would be initialised after super() and could overwrite
  // what the SDK sets on the instance; these are assigned once, in the constructor.
  /** The set's resources by entry name. */
  declare readonly actions: Readonly<Record<string, CxoneDateAction>>;
  declare readonly applied: pulumi.Output<Record<string, CxoneDateActionSetApplied>>;

  constructor(name: string, args: CxoneDateActionSetArgs, opts?: pulumi.ComponentResourceOptions) {
    // Loaded before anything is registered: a bad file fails the program with every problem
    // located, and no resource of the set is touched.
    const stackUrl = args.webhookUrl === undefined ? new pulumi.Config().get("webhookUrl") : undefined;
    const webhookUrl = args.webhookUrl ?? stackUrl;
    const declarations = loadDeclarations(typeof args.files === "string" ? [args.files] : args.files, {
      webhookUrl,
      webhookUrlOrigin: stackUrl === undefined ? "CxoneDateActionSet webhookUrl" : "stack config webhookUrl",
    });
    super("cxone:index:CxoneDateActionSet", name, {}, opts);
    const actions: Record<string, CxoneDateAction> = {};
    for (const d of declarations) {
      const inputs = { ...d.args };
      // A webhook URL's path and query often carry a token: the stack's URL stays encrypted in state.
      if (webhookUrl !== undefined && inputs.webhookUrl === webhookUrl) inputs.webhookUrl = pulumi.secret(webhookUrl);
      actions[d.name] = new CxoneDateAction(`${args.namePrefix ?? ""}${d.name}`, inputs, {
        parent: this,
        // The same resource as a top-level CxoneDateAction of that name (the earlier example
        // declared them so): moving it into the set is not a replace.
        aliases: [{ parent: pulumi.rootStackResource }],
      });
    }
    this.actions = actions;
    this.applied = pulumi
      .all(
        Object.entries(actions).map(([entry, r]) =>
          pulumi.all([r.actionId, r.computedValue, r.computedValueUtc, r.audit]).apply(([actionId, computedValue, computedValueUtc, audit]) => [entry, { actionId, computedValue, computedValueUtc, audit }] as const),
        ),
      )
      .apply((pairs) => Object.fromEntries(pairs));
    this.registerOutputs({ applied: this.applied });
  }
}
