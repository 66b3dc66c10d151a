/**
 * The declaration file's JSON Schema, for editors (VS Code's YAML extension reads the
 * `# yaml-language-server: $schema=...` line). Generated at build time from the zod schemas
 * the loader uses: the envelope from format.ts, each entry's inputs from the resource's own
 * input schema. What JSON Schema cannot say (zone names, durations, rules between inputs)
 * is left to `cxone-date lint`, so the editor never flags a file the loader accepts.
 */
import { writeFileSync } from "node:fs";
import { z } from "zod";
import { inputSchema } from "../resource/schema";
import { actionMap, defaultsSchema, documentSchema, entryInputs, listEntry, PER_ENTRY_INPUTS } from "./format";

type JsonSchema = Record<string, unknown>;

// Draft 7: the newest draft VS Code's YAML extension and most editors validate in full.
const OPTIONS = { io: "input", target: "draft-07" } as const;

export function declarationsJsonSchema(): JsonSchema {
  const input = z.toJSONSchema(inputSchema, OPTIONS) as { properties: Record<string, JsonSchema>; required: string[] };
  const required = input.required;
  // schema.ts reads null as "not set" for every optional input, so the editor accepts it too.
  const properties = Object.fromEntries(
    Object.entries(input.properties).map(([key, schema]) => [key, required.includes(key) ? schema : orNull(schema)]),
  );
  const defaultable = Object.fromEntries(Object.entries(properties).filter(([key]) => !(PER_ENTRY_INPUTS as readonly string[]).includes(key)));
  const inputs = (extra: Record<string, JsonSchema> = {}) => ({ type: "object", properties: { ...extra, ...properties }, additionalProperties: false });

  const schema = z.toJSONSchema(documentSchema, {
    ...OPTIONS,
    override({ zodSchema, jsonSchema }) {
      if (zodSchema === defaultsSchema) replace(jsonSchema, { type: "object", properties: defaultable, additionalProperties: false });
      if (zodSchema === entryInputs) replace(jsonSchema, inputs());
      if (zodSchema === listEntry) replace(jsonSchema, { ...inputs({ name: (jsonSchema.properties as Record<string, JsonSchema>).name }), required: ["name"] });
      // z.record has no size; the loader's refine says "not empty".
      if (zodSchema === actionMap) jsonSchema.minProperties = 1;
    },
  }) as JsonSchema;

  // An input the resource requires may come from `defaults`: each entry needs it only when
  // `defaults` does not set it. actionName and actionId are never defaults, so they stay plain.
  const conditions = required
    .filter((key) => key in defaultable)
    .map((key) => {
      const needs = { type: "object", required: [key] };
      return {
        // (A null default is refused by the defaults schema itself: required inputs are not nullable.)
        if: { type: "object", required: ["defaults"], properties: { defaults: { type: "object", required: [key] } } },
        else: { type: "object", properties: { actions: { anyOf: [{ type: "array", items: needs }, { type: "object", additionalProperties: needs }] } } },
      };
    });
  const perEntry = required.filter((key) => !(key in defaultable));
  return {
    $schema: schema.$schema,
    $id: "https://github.com/pulumi-cxone-date-action/declarations.schema.json",
    title: "CxoneDateAction declarations (pulumi-cxone-date-action)",
    description: "Data Action date configurations applied by CxoneDateActionSet. Check a file fully with: npx cxone-date lint FILE",
    ...withRequired(schema, perEntry),
    allOf: conditions,
  };
}

function orNull(schema: JsonSchema): JsonSchema {
  const type = schema.type;
  if (Array.isArray(type)) return type.includes("null") ? schema : { ...schema, type: [...type, "null"] };
  if (typeof type === "string") {
    const withNull: JsonSchema = { ...schema, type: [type, "null"] };
    if (Array.isArray(schema.enum)) withNull.enum = [...schema.enum, null];
    return withNull;
  }
  return { anyOf: [schema, { type: "null" }] };
}

function replace(target: JsonSchema, value: JsonSchema): void {
  for (const key of Object.keys(target)) delete target[key];
  Object.assign(target, value);
}

/** `actions` items and map values must hold the inputs no default can give. */
function withRequired(schema: JsonSchema, keys: string[]): JsonSchema {
  const actions = (schema.properties as Record<string, JsonSchema>).actions;
  for (const form of actions.anyOf as JsonSchema[]) {
    const entry = (form.items ?? form.additionalProperties) as JsonSchema;
    entry.required = [...new Set([...((entry.required as string[]) ?? []), ...keys])];
  }
  const { $schema: _, ...rest } = schema;
  return rest;
}

/** Writes the schema as the build ships it (dist/declarations.schema.json). */
export function writeDeclarationsSchema(file: string): void {
  writeFileSync(file, `${JSON.stringify(declarationsJsonSchema(), null, 2)}\n`);
}
