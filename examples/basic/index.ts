/**
 * One Data Action's date configuration, read from stack config:
 *
 *   pulumi config set cxone:clientId <id>
 *   pulumi config set --secret cxone:clientSecret <secret>
 *   pulumi config set actionName Production_Date_Processor
 *   pulumi config set sourceTimestamp 2024-02-29T15:30:00.000Z
 *   pulumi config set targetTimezone America/New_York
 *   pulumi config set offsetMinutes 120
 */
import * as pulumi from "@pulumi/pulumi";
import { CxoneDateAction } from "pulumi-cxone-date-action";

const config = new pulumi.Config();

const action = new CxoneDateAction("production-date-processor", {
  actionName: config.get("actionName") ?? "Production_Date_Processor",
  sourceTimestamp: config.get("sourceTimestamp") ?? "2024-02-29T15:30:00.000Z",
  targetTimezone: config.get("targetTimezone") ?? "America/New_York",
  operation: "ADD_OFFSET",
  offsetMinutes: config.getNumber("offsetMinutes") ?? 120,
  deleteBehavior: "restore",
});

export const actionId = action.actionId;
export const computedValue = action.computedValue;
export const computedValueUtc = action.computedValueUtc;
export const computedEpochMs = action.computedEpochMs;
export const audit = action.audit;
