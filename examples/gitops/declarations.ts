/**
 * Reads the GitOps declaration file. The file's shape is checked with zod, then every entry
 * goes through the provider's own input validation, so a bad file fails before anything is
 * registered, naming the file, the entry and the field.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";
import { validateActionInputs, type CxoneDateActionArgs } from "pulumi-cxone-date-action";

export interface Declaration {
  name: string;
  args: CxoneDateActionArgs;
}

const fileSchema = z.strictObject({
  actions: z
    .array(
      z.looseObject({
        name: z
          .string({ error: "is required: the Pulumi resource name, e.g. production-date-processor" })
          .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be letters, digits, '.', '_' or '-' (it becomes part of the resource URN)"),
      }),
    )
    .min(1, "must list at least one action"),
});

export class DeclarationError extends Error {
  constructor(readonly file: string, readonly problems: string[]) {
    super(`${file} is not a valid declaration file:\n  ${problems.join("\n  ")}`);
    this.name = "DeclarationError";
  }
}

function where(file: string, path: PropertyKey[], entries: unknown[]): string {
  if (path[0] !== "actions" || typeof path[1] !== "number") return `${file}: ${path.map(String).join(".") || "(top level)"}`;
  const entry = entries[path[1]] as { name?: unknown } | undefined;
  const label = typeof entry?.name === "string" ? ` (${entry.name})` : "";
  const field = path.slice(2).map(String).join(".");
  return `${file}: actions[${path[1]}]${label}${field ? ` field ${field}` : ""}`;
}

export function loadDeclarations(file: string): Declaration[] {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new DeclarationError(file, [`cannot be read as YAML: ${(error as Error).message}`]);
  }
  const entries = Array.isArray((raw as { actions?: unknown })?.actions) ? ((raw as { actions: unknown[] }).actions) : [];
  const shape = fileSchema.safeParse(raw);
  if (!shape.success) {
    throw new DeclarationError(file, shape.error.issues.map((issue) => `${where(file, issue.path, entries)}: ${issue.message}`));
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  const declarations = shape.data.actions.map(({ name, ...inputs }, index) => {
    if (seen.has(name)) problems.push(`${where(file, ["actions", index], entries)}: name ${name} is used twice; resource names must be unique`);
    seen.add(name);
    for (const failure of validateActionInputs(inputs)) {
      problems.push(`${where(file, ["actions", index, failure.property], entries)}: ${failure.reason}`);
    }
    return { name, args: inputs as unknown as CxoneDateActionArgs };
  });
  if (problems.length > 0) throw new DeclarationError(file, problems);
  return declarations;
}
