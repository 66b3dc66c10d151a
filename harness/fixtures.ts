/**
 * The inputs tests start from: the one valid input set (the original design's example), and what
 * `npm run bench` deploys: generated Data Actions for the emulator's store, and the
 * CxoneDateAction declarations a program registers for them. Resource i manages action i.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DataAction, DateProcessing } from "../provider/shared/types";
import type { compiledPackage } from "./program";

type Package = ReturnType<typeof compiledPackage>;

/** The original design's example: valid, every optional input left out; it writes
 *  2024-02-29T12:30:00.000-05:00 to the emulator's Production_Date_Processor. */
export const VALID_INPUTS = {
  actionName: "Production_Date_Processor",
  sourceTimestamp: "2024-02-29T15:30:00.000Z",
  targetTimezone: "America/New_York",
  operation: "ADD_OFFSET",
  offsetMinutes: 120,
} as const;

// Several zones, so the declarations are not all alike; none is needed for the figures.
const ZONES = ["America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Sydney", "UTC", "America/Sao_Paulo"];
const SOURCE_TIMESTAMP = "2024-02-29T15:30:00.000Z";

// Six digits: no name is a substring of another, so the emulator's loose name filter
// (case-insensitive substring) answers each lookup with one entity on one page.
const pad = (i: number) => String(i + 1).padStart(6, "0");

export const actionName = (i: number) => `Bench_Action_${pad(i)}`;
export const resourceName = (i: number) => `bench-${pad(i)}`;

/** Action i: live since before the stack, with keys other teams own next to dateProcessing. */
export function seedActions(count: number): DataAction[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `da-b${pad(i)}`,
    name: actionName(i),
    type: "DATE_PROCESSOR",
    enabled: true,
    version: (i % 7) + 1,
    configuration: {
      // A value no declaration asks for, so every first apply has to PUT.
      dateProcessing: {
        sourceField: "input_datetime",
        targetField: "processed_datetime",
        computedValue: "2024-01-01T00:00:00.000Z",
        timezone: "UTC",
        dstAdjustment: true,
        precision: 3,
      },
      routing: { queue: `queue-${i % 12}`, retry: { max: 3, backoff: "PT5S" }, tags: ["bench", `shard-${i % 4}`] },
      owner: "contact-center-platform",
    },
  }));
}

/**
 * The declaration of resource i: a distinct offset each (i + 1 minutes), so values differ. The
 * edited program (`edited`) moves every offset by a day, so each resource updates.
 */
export function declarationArgs(i: number, edited = false) {
  return {
    actionName: actionName(i),
    sourceTimestamp: SOURCE_TIMESTAMP,
    targetTimezone: ZONES[i % ZONES.length],
    operation: "ADD_OFFSET" as const,
    offsetMinutes: i + 1 + (edited ? 24 * 60 : 0),
    deleteBehavior: "restore" as const,
  };
}

/** The program: `count` resources, declared through the compiled package as a user's program does. */
export function declareResources(pkg: Package, count: number, edited = false): pulumi.CustomResource[] {
  return Array.from({ length: count }, (_, i) => new pkg.CxoneDateAction(resourceName(i), declarationArgs(i, edited)));
}

/** Resource 0 as a user with a scheduler would declare it: notified at `webhookUrl` after each apply. */
export function declareWithWebhook(pkg: Package, webhookUrl: string): pulumi.CustomResource[] {
  return [new pkg.CxoneDateAction(resourceName(0), { ...declarationArgs(0), webhookUrl })];
}

/**
 * The dateProcessing resource i asks for, computed with the package's own function; the
 * original design's client (bench-baseline.ts) writes exactly this.
 */
export function desiredDateProcessing(pkg: Package, i: number): DateProcessing {
  const args = declarationArgs(i);
  const { computedValue } = pkg.computeDateManipulation(args);
  return {
    sourceField: "input_datetime",
    targetField: "processed_datetime",
    computedValue,
    timezone: args.targetTimezone,
    dstAdjustment: true,
    precision: 3,
  };
}
