/**
 * A user's Pulumi program, copied into a fresh project where the packed package and its own
 * @pulumi/pulumi are installed, compiled there by tsc against the installed types, and run
 * there. It runs under `pulumi.runtime.setMocks`; each registration goes to the test process
 * over IPC, which plays the engine (Pulumi's real dynamic-provider host, started in the same
 * project) and answers with the state the host recorded.
 */
import * as pulumi from "@pulumi/pulumi";
import { CxoneDateAction } from "pulumi-cxone-date-action";

/** What the test process (the engine) answers for one registration. */
type Answer = { seq: number; id: string; state: Record<string, unknown> } | { seq: number; error: string };

let seq = 0;
const send = (message: unknown) => new Promise<void>((resolve, reject) => process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())));

function register(args: pulumi.runtime.MockResourceArgs): Promise<pulumi.runtime.MockResourceResult> {
  const mine = ++seq;
  return new Promise((resolve, reject) => {
    const onAnswer = (answer: Answer) => {
      if (answer.seq !== mine) return;
      process.off("message", onAnswer);
      if ("error" in answer) reject(new Error(answer.error));
      else resolve({ id: answer.id, state: answer.state });
    };
    process.on("message", onAnswer);
    void send({ kind: "register", seq: mine, type: args.type, name: args.name, inputs: args.inputs });
  });
}

async function main(): Promise<void> {
  await pulumi.runtime.setMocks({ newResource: register, call: () => ({}) }, "cxone-demo", "dev", false);
  const action = new CxoneDateAction("prod", {
    actionName: "Production_Date_Processor",
    sourceTimestamp: "2024-02-29T15:30:00.000Z",
    targetTimezone: "America/New_York",
    operation: "ADD_OFFSET",
    offsetMinutes: Number(process.env.OFFSET_MINUTES ?? "120"),
    deleteBehavior: "restore",
  });
  // Typed against this project's SDK: a second SDK's Output type would not be assignable, and
  // the probes below stop compiling (unused @ts-expect-error) if our types degrade to `any`.
  const computedValue: pulumi.Output<string> = action.computedValue;
  // @ts-expect-error computedValue is an Output<string>
  const notANumber: pulumi.Output<number> = action.computedValue;
  // @ts-expect-error offsetMinutes takes a number
  const badArgs = () => new CxoneDateAction("typed", { actionName: "a", sourceTimestamp: "2024-01-01T00:00:00Z", targetTimezone: "UTC", operation: "CONVERT", offsetMinutes: "90" });
  // The outputs carry the inputs' own types: the union, not any string.
  const operation: pulumi.Output<"ADD_OFFSET" | "SUBTRACT_OFFSET" | "CONVERT"> = action.operation;
  // @ts-expect-error operation is the union of the three operations
  const notAnOperation: pulumi.Output<"ADD"> = action.operation;
  // @ts-expect-error precision is 0 to 3
  const badPrecision = () => new CxoneDateAction("typed", { actionName: "a", sourceTimestamp: "2024-01-01T00:00:00Z", targetTimezone: "UTC", operation: "CONVERT", precision: 4 });
  void notANumber;
  void badArgs;
  void notAnOperation;
  void badPrecision;
  const outputs = await new Promise<Record<string, unknown>>((resolve) =>
    pulumi
      .all([pulumi.all([action.id, computedValue, action.computedValueUtc, action.audit]), pulumi.all([operation, action.deleteBehavior, action.sourceTimezone, action.applied, action.original])])
      .apply(([[id, value, utc, audit], [op, deleteBehavior, sourceTimezone, applied, original]]) =>
        resolve({ id, computedValue: value, computedValueUtc: utc, audit, operation: op, deleteBehavior, sourceTimezone: sourceTimezone ?? null, applied, original }),
      ),
  );
  // Every @pulumi/pulumi this process loaded: a user's program must hold exactly one.
  const sdks = Object.keys(require.cache).filter((file) => /[\\/]node_modules[\\/]@pulumi[\\/]pulumi[\\/]index\.js$/.test(file));
  await send({ kind: "done", outputs, sdks, packageEntry: require.resolve("pulumi-cxone-date-action") });
}

main().then(
  () => process.exit(0),
  async (error: Error) => {
    await send({ kind: "failed", error: String(error.stack ?? error) }).catch(() => undefined);
    process.exit(1);
  },
);
