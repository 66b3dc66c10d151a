/**
 * GitOps: one CxoneDateAction per entry of a YAML file (default: actions.yaml beside this file,
 * or the stack config value `declarations`). Review with `pulumi preview`, apply with `pulumi up`.
 * The stack config value `webhookUrl`, when set, is notified for every entry without its own.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { CxoneDateAction } from "pulumi-cxone-date-action";
import { loadDeclarations } from "./declarations";

const config = new pulumi.Config();
const file = config.get("declarations") ?? path.join(__dirname, "actions.yaml");
// One scheduler endpoint per stack (dev, prod) for every entry that does not name its own.
const webhookUrl = config.get("webhookUrl");
const declarations = loadDeclarations(file);

export const actions = declarations.map((d) => new CxoneDateAction(d.name, { webhookUrl, ...d.args }));

/** Per resource name: the value written to CXone and the audit record of the last apply. */
export const applied = Object.fromEntries(
  declarations.map((d, i) => [d.name, { computedValue: actions[i].computedValue, audit: actions[i].audit }]),
);
