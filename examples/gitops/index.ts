/**
 * GitOps: one CxoneDateAction per entry of actions.yaml (or of the file or directory named by
 * the stack config value `declarations`). Review with `pulumi preview`, apply with `pulumi up`.
 * Stack config `webhookUrl`, when set, is notified for every entry without its own.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { CxoneDateActionSet } from "pulumi-cxone-date-action";

// A file, or a directory whose *.yaml files form one set.
const files = new pulumi.Config().get("declarations") ?? path.join(__dirname, "actions.yaml");
const set = new CxoneDateActionSet("date-actions", { files });

export const actions = Object.values(set.actions);
/** Per entry: the action id, the value written to CXone and the audit record of the last apply. */
export const applied = set.applied;
