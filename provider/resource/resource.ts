import * as pulumi from "@pulumi/pulumi";
import type { AuditRecord } from "./audit";
import type { OwnedState } from "./owned";

/** The operations a `CxoneDateAction` applies to the source timestamp. */
export type CxoneDateOperation = "ADD_OFFSET" | "SUBTRACT_OFFSET" | "CONVERT";
/** How a wall-clock time in a DST gap or overlap becomes an instant (Temporal's meanings). */
export type CxoneDisambiguation = "compatible" | "earlier" | "later" | "reject";
/** What `pulumi destroy` does to the Data Action. */
export type CxoneDeleteBehavior = "retain" | "restore" | "disable";

/**
 * Inputs of a `CxoneDateAction`. `check` validates every one at `pulumi preview` and names the
 * input and the fix when one is wrong. Secrets (`pulumi.secret(...)`) are accepted wherever a
 * value may carry one, and the output with the same name stays encrypted in state.
 */
export interface CxoneDateActionArgs {
  /**
   * The exact, case-sensitive name of the existing Data Action to manage (nothing is created in
   * CXone). Without `actionId` the action is found by this name across the paginated list.
   * At most 256 characters, no control characters, no surrounding spaces.
   * @example "Production_Date_Processor"
   */
  actionName: pulumi.Input<string>;
  /**
   * Pins the action by its id and skips the name lookup. One path segment: no `/`, `%`, `?`,
   * `#`, not `.` or `..`. Changing it (or `actionName` to another action) replaces the resource.
   * @defaultValue none: the action is found by `actionName`
   * @example "da-000123"
   */
  actionId?: pulumi.Input<string>;
  /**
   * The timestamp to manipulate, ISO 8601 with `Z`, a numeric offset, or none (then read as a
   * wall-clock time in `sourceTimezone`); 0 to 9 fractional digits (digits past milliseconds are
   * truncated); years 0001 to 9999.
   * @example "2024-02-29T15:30:00.000Z"
   */
  sourceTimestamp: pulumi.Input<string>;
  /**
   * The IANA time zone of a `sourceTimestamp` without an offset, spelled as in the IANA database
   * (`Europe/Kyiv`, not `Europe/Kiev` or `europe/kyiv`).
   * @defaultValue "UTC"
   * @example "Europe/London"
   */
  sourceTimezone?: pulumi.Input<string>;
  /**
   * The IANA time zone the result is expressed in (and calendar arithmetic happens in), spelled
   * as in the IANA database.
   * @example "America/New_York"
   */
  targetTimezone: pulumi.Input<string>;
  /**
   * `ADD_OFFSET` adds `offset` (or `offsetMinutes`), `SUBTRACT_OFFSET` subtracts it, `CONVERT`
   * only expresses the instant in `targetTimezone` (an offset, if given, must be zero).
   */
  operation: pulumi.Input<CxoneDateOperation>;
  /**
   * The offset as a whole number of minutes, between -5,258,880,000 and 5,258,880,000 (9999
   * years); the same as `offset: "PT{n}M"`. Not together with `offset`.
   * @defaultValue none
   * @example 120
   */
  offsetMinutes?: pulumi.Input<number>;
  /**
   * The offset as an ISO 8601 duration, one optional sign for all units. Calendar units (years,
   * months, weeks, days) move the wall clock in `targetTimezone`, clamping at a month's end;
   * hours, minutes and seconds (up to 9 fractional digits) add elapsed time. Not together with
   * `offsetMinutes`.
   * @defaultValue none
   * @example "P1Y2M3W4DT5H6M7.5S"
   */
  offset?: pulumi.Input<string>;
  /**
   * How a wall-clock time that does not exist (spring-forward gap) or exists twice (fall-back
   * overlap) becomes an instant: `compatible` moves a gap time forward by the gap and takes the
   * earlier of two instants; `earlier`/`later` pick one; `reject` fails `check`.
   * @defaultValue "compatible"
   */
  disambiguation?: pulumi.Input<CxoneDisambiguation>;
  /**
   * Fractional-second digits kept in the result: 0, 1, 2 or 3 (truncated, never rounded).
   * @defaultValue 3
   */
  precision?: pulumi.Input<0 | 1 | 2 | 3>;
  /**
   * Which form CXone's `dateProcessing.computedValue` receives: `offset` (the result in
   * `targetTimezone` with its offset) or `utc` (the same instant with `Z`).
   * @defaultValue "offset"
   */
  valueFormat?: pulumi.Input<"offset" | "utc">;
  /**
   * The field name written into `dateProcessing.sourceField`.
   * @defaultValue "input_datetime"
   */
  sourceField?: pulumi.Input<string>;
  /**
   * The field name written into `dateProcessing.targetField`.
   * @defaultValue "processed_datetime"
   */
  targetField?: pulumi.Input<string>;
  /**
   * Written into `dateProcessing.dstAdjustment`.
   * @defaultValue true
   */
  dstAdjustment?: pulumi.Input<boolean>;
  /**
   * The Data Action's `enabled` flag.
   * @defaultValue true
   */
  enabled?: pulumi.Input<boolean>;
  /**
   * Notified (Standard Webhooks, signed with `cxone:webhookSecret` when set) after each apply:
   * `https://`, or `http://` only to a receiver on this machine. No credentials before the host;
   * a token in the path or query stays out of errors and the audit. Pass it as
   * `pulumi.secret(...)` to keep the `webhookUrl` output encrypted.
   * @defaultValue none: no webhook
   * @example pulumi.secret("https://scheduler.example.com/hooks/cxone?token=...")
   */
  webhookUrl?: pulumi.Input<string>;
  /**
   * When true, a delivery that fails after its retries fails the apply (the PUT stays recorded,
   * and the next `pulumi up` finishes it). Needs `webhookUrl`.
   * @defaultValue false
   */
  webhookRequired?: pulumi.Input<boolean>;
  /**
   * What `pulumi destroy` does: `retain` leaves the action as it is, `restore` puts back the
   * configuration that was live before the first apply, `disable` sets `enabled: false`. Neither
   * undoes a change someone made in CXone since the last apply.
   * @defaultValue "retain"
   */
  deleteBehavior?: pulumi.Input<CxoneDeleteBehavior>;
  /**
   * Free-form strings; any change forces an update (a re-apply and a webhook) with nothing else
   * changed.
   * @defaultValue {}
   * @example { configVersion: "7" }
   */
  triggers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * The CXone tenant that holds the action: the name of an entry of the stack config
   * `cxone:tenants` (its baseUrl or region, tokenUrl, clientId, clientSecret, apiPath, scopes).
   * Only the name is stored in state; the credentials stay in stack config, encrypted. Changing
   * it replaces the resource (another tenant holds other actions).
   * @defaultValue none: the stack's own `cxone:*` settings (or `CXONE_*` environment variables)
   * @example "eu"
   */
  tenant?: pulumi.Input<string>;
}

/** The audit record kept in stack state after every create and update (type only: no runtime import). */
export type CxoneDateActionAudit = AuditRecord;

/** The part of a Data Action this resource owns: its `dateProcessing` keys and `enabled`. */
export type CxoneOwnedState = OwnedState;

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

// Marks instances across copies of this package (a program may load two), as Pulumi's own
// isInstance methods do with a type token.
const BRAND = Symbol.for("pulumi-cxone-date-action:CxoneDateAction");

/**
 * The date/time configuration of one existing CXone Data Action, declared in code.
 * Creating it adopts the action named `actionName`; nothing is created in CXone.
 */
export class CxoneDateAction extends pulumi.dynamic.Resource {
  // `declare`, not a field: with target ES2022 a class field is defined after super() returns
  // and would overwrite the Output the SDK constructor just set with undefined.
  // Every input comes back as an output, as given (undefined when not set).
  /** The Data Action's name, as given. */
  declare public readonly actionName: pulumi.Output<string>;
  /** The Data Action's id: the one given, or the one the name lookup found. Also the resource's id. */
  declare public readonly actionId: pulumi.Output<string>;
  /** The source timestamp, as given. */
  declare public readonly sourceTimestamp: pulumi.Output<string>;
  /** The zone of a source timestamp without offset, as given (undefined: `UTC`). */
  declare public readonly sourceTimezone: pulumi.Output<string | undefined>;
  /** The zone the result is expressed in, as given. */
  declare public readonly targetTimezone: pulumi.Output<string>;
  /** `ADD_OFFSET`, `SUBTRACT_OFFSET` or `CONVERT`, as given. */
  declare public readonly operation: pulumi.Output<CxoneDateOperation>;
  /** The offset in minutes, as given (undefined when `offset` or nothing is set). */
  declare public readonly offsetMinutes: pulumi.Output<number | undefined>;
  /** The offset as an ISO 8601 duration, as given. */
  declare public readonly offset: pulumi.Output<string | undefined>;
  /** The DST gap/overlap rule, as given (undefined: `compatible`). */
  declare public readonly disambiguation: pulumi.Output<CxoneDisambiguation | undefined>;
  /** Fractional-second digits kept, as given (undefined: 3). */
  declare public readonly precision: pulumi.Output<0 | 1 | 2 | 3 | undefined>;
  /** The form written to CXone, as given (undefined: `offset`). */
  declare public readonly valueFormat: pulumi.Output<"offset" | "utc" | undefined>;
  /** The `dateProcessing.sourceField` written, as given (undefined: `input_datetime`). */
  declare public readonly sourceField: pulumi.Output<string | undefined>;
  /** The `dateProcessing.targetField` written, as given (undefined: `processed_datetime`). */
  declare public readonly targetField: pulumi.Output<string | undefined>;
  /** The `dateProcessing.dstAdjustment` written, as given (undefined: true). */
  declare public readonly dstAdjustment: pulumi.Output<boolean | undefined>;
  /** The action's `enabled` flag, as given (undefined: true). */
  declare public readonly enabled: pulumi.Output<boolean | undefined>;
  /** The webhook URL, as given; encrypted in state when given as a secret. */
  declare public readonly webhookUrl: pulumi.Output<string | undefined>;
  /** Whether a failed delivery fails the apply, as given (undefined: false). */
  declare public readonly webhookRequired: pulumi.Output<boolean | undefined>;
  /** What `pulumi destroy` does, as given (undefined: `retain`). */
  declare public readonly deleteBehavior: pulumi.Output<CxoneDeleteBehavior | undefined>;
  /** The triggers, as given. */
  declare public readonly triggers: pulumi.Output<Record<string, string> | undefined>;
  /** The tenant's name, as given (undefined: the stack's own settings). */
  declare public readonly tenant: pulumi.Output<string | undefined>;
  /**
   * The result in `targetTimezone` with its numeric offset and exactly `precision` fractional
   * digits.
   * @example "2024-02-29T12:30:00.000-05:00"
   */
  declare public readonly computedValue: pulumi.Output<string>;
  /**
   * The same instant in UTC, with `precision` fractional digits.
   * @example "2024-02-29T17:30:00.000Z"
   */
  declare public readonly computedValueUtc: pulumi.Output<string>;
  /** The same instant as integer milliseconds since the Unix epoch. */
  declare public readonly computedEpochMs: pulumi.Output<number>;
  /** The last apply: request id, timing, HTTP requests and retries, the webhook's delivery, status. */
  declare public readonly audit: pulumi.Output<CxoneDateActionAudit>;
  /**
   * The `dateProcessing` keys and `enabled` last applied, or read by the last refresh; null when
   * the last write was not confirmed (the next `pulumi up` reads the action and finishes it).
   */
  declare public readonly applied: pulumi.Output<CxoneOwnedState | null>;
  /** The `dateProcessing` keys and `enabled` live before the first apply: what `restore` puts back. */
  declare public readonly original: pulumi.Output<CxoneOwnedState>;

  /**
   * Whether `obj` is a CxoneDateAction, also one made by another copy of this package.
   * @example if (CxoneDateAction.isInstance(resource)) resource.computedValue.apply(console.log);
   */
  public static isInstance(obj: unknown): obj is CxoneDateAction {
    return typeof obj === "object" && obj !== null && (obj as Record<symbol, unknown>)[BRAND] === true;
  }

  /**
   * Reads an existing Data Action by its id into this stack, without managing it: nothing is
   * written, and destroying this stack leaves the action alone. `actionId` and `applied` (the
   * `dateProcessing` keys and `enabled` CXone holds) are set; the inputs are not known.
   * @example const shared = CxoneDateAction.get("shared", "da-000123"); export const live = shared.applied;
   */
  public static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): CxoneDateAction {
    return new CxoneDateAction(name, {} as CxoneDateActionArgs, { ...opts, id });
  }

  /**
   * Declares the configuration of the action `args.actionName` (or `args.actionId`). `pulumi up`
   * writes it, `pulumi destroy` applies `deleteBehavior`.
   */
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
        applied: undefined,
        original: undefined,
      },
      opts,
      "cxone",
      "CxoneDateAction",
    );
    Object.defineProperty(this, BRAND, { value: true });
  }
}
