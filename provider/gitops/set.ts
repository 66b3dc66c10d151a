/**
 * `CxoneDateActionSet`: declaration files as Pulumi resources. One child CxoneDateAction per
 * entry, parented to the set and named by the entry, so reordering a file changes nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import { CxoneDateAction } from "../resource/resource";
import { loadDeclarations } from "./load";

/** Arguments of a `CxoneDateActionSet`. */
export interface CxoneDateActionSetArgs {
  /** Declaration files, or directories whose *.yaml and *.yml files are read (recursively); all
   *  of them form one set (entry names unique across them). Relative paths are read from the
   *  program's directory (where Pulumi runs it).
   *  @example "actions.yaml" */
  files: string | string[];
  /** Notified for every entry without a webhookUrl of its own, over the files' `defaults`; it
   *  reaches each resource as a secret. A plain string is checked when the files load; a secret
   *  or other Output (`config.requireSecret("webhookUrl")`) is checked by each resource's `check`
   *  at preview, once its value is known.
   *  @defaultValue the stack config value `webhookUrl` (`pulumi config set --secret webhookUrl ...`), if set */
  webhookUrl?: pulumi.Input<string>;
  /** Put before each entry name to form its resource name, for two sets in one stack that use
   *  the same entry names. Changing it replaces every resource of the set.
   *  @defaultValue "" */
  namePrefix?: string;
}

/** Per entry: the action it resolved to, the value written to CXone, and the last apply's audit. */
export interface CxoneDateActionSetApplied {
  /** The Data Action's id. */
  actionId: string;
  /** The result in the entry's `targetTimezone`, with its offset. */
  computedValue: string;
  /** The same instant in UTC. */
  computedValueUtc: string;
  /** The last apply's audit record. */
  audit: CxoneDateAction["audit"] extends pulumi.Output<infer T> ? T : never;
}

// Stands in for a webhook URL whose value is not known while the files load (an Output): the
// loader checks every other rule with it, and each resource's `check` checks the real URL.
const LATER_URL = "https://webhook-url-checked-at-preview.invalid/";

/**
 * Declaration files as Pulumi resources: one `CxoneDateAction` per entry, named by the entry and
 * parented to the set, so reordering a file changes nothing. The files are loaded before anything
 * is registered: a bad file fails the program with every problem located.
 */
export class CxoneDateActionSet extends pulumi.ComponentResource {
  // `declare`: an ES2022 class field would be initialised after super() and could overwrite
  // what the SDK sets on the instance; these are assigned once, in the constructor.
  /** The set's resources by entry name. */
  declare readonly actions: Readonly<Record<string, CxoneDateAction>>;
  /** Per entry name: the action it resolved to, the value written and the last apply's audit. */
  declare readonly applied: pulumi.Output<Record<string, CxoneDateActionSetApplied>>;

  constructor(name: string, args: CxoneDateActionSetArgs, opts?: pulumi.ComponentResourceOptions) {
    // Loaded before anything is registered: a bad file fails the program with every problem
    // located, and no resource of the set is touched.
    const stackUrl = args.webhookUrl === undefined ? new pulumi.Config().get("webhookUrl") : undefined;
    const webhookUrl = args.webhookUrl ?? stackUrl;
    const later = webhookUrl !== undefined && typeof webhookUrl !== "string";
    const declarations = loadDeclarations(typeof args.files === "string" ? [args.files] : args.files, {
      webhookUrl: later ? LATER_URL : webhookUrl,
      webhookUrlOrigin: stackUrl === undefined ? "CxoneDateActionSet webhookUrl" : "stack config webhookUrl",
    });
    super("cxone:index:CxoneDateActionSet", name, {}, opts);
    const actions: Record<string, CxoneDateAction> = {};
    for (const d of declarations) {
      const inputs = { ...d.args };
      // A webhook URL's path and query often carry a token: the stack's URL stays encrypted in state.
      if (webhookUrl !== undefined && inputs.webhookUrl === (later ? LATER_URL : webhookUrl)) inputs.webhookUrl = pulumi.secret(webhookUrl);
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
