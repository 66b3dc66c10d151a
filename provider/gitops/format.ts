/**
 * The declaration file's envelope: `version`, `defaults` and `actions` (a list or a map of
 * entries). The inputs inside an entry are not described here: they are the resource's own
 * input schema (provider/resource/schema.ts), applied by the loader after `defaults` is merged
 * under each entry, and copied into the editor schema by json-schema.ts.
 */
import { z } from "zod";
import { FORMAT_VERSION } from "./version";

/** An entry's name becomes the Pulumi resource name, so it must be URN-safe. */
export const ENTRY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Inputs that pick one Data Action: as a default they would point every entry at the same one. */
export const PER_ENTRY_INPUTS = ["actionName", "actionId"] as const;

/**
 * Bounds on what a declaration file, or a directory of them, may make this package do. Each is far
 * above any real file; past one, the file is a problem at the place it is exceeded, never a crash.
 */
export const LIMITS = {
  fileBytes: 1024 * 1024, // bytes read of one file
  files: 10_000, // declaration files under one directory given
  directoryDepth: 32, // directories below the one given
  depth: 32, // levels of nested maps and lists in one file (an entry needs 3)
  aliases: 1_000, // alias nodes (*name) in one file
  expandedValues: 100_000, // values in one file once every alias stands for its anchor's content
  syntaxErrors: 20, // YAML errors reported per file before "and N more"
} as const;

export const EMPTY = "lists no entries; declare at least one action";

const EXAMPLE_ENTRY = "e.g. production-date-processor";

export const entryName = z
  .string({ error: (iss) => (iss.input === undefined ? `name is required: the entry's stable logical name (${EXAMPLE_ENTRY})` : "name must be a string") })
  .regex(ENTRY_NAME_PATTERN, `must start with a letter or digit and hold only letters, digits, '.', '_' or '-' (it becomes the Pulumi resource name, ${EXAMPLE_ENTRY})`);

/** One entry's inputs; their content is the resource's input schema, checked after the merge. */
export const entryInputs = z.record(z.string(), z.unknown(), { error: "each entry must be a map of CxoneDateAction inputs" });

/** A list item: its name, and the inputs beside it. */
export const listEntry = z.looseObject({ name: entryName }, { error: "each entry must be a map of CxoneDateAction inputs with a name" });

/** `actions:` as a list: every item names itself. */
export const actionList = z.array(listEntry).min(1, EMPTY);

/** `actions:` as a map from entry name to inputs. */
export const actionMap = z
  .record(entryName, entryInputs)
  .refine((map) => Object.keys(map).length > 0, EMPTY);

/** `defaults:`; its content is checked entry by entry, after the merge. */
export const defaultsSchema = z.record(z.string(), z.unknown(), { error: "defaults must be a map of CxoneDateAction inputs merged under every entry" });

const ACTIONS_SHAPE = "actions must be a list of entries (each with a name) or a map from entry name to its inputs";

/**
 * The whole file. The loader checks `actions` with actionList or actionMap by its YAML kind,
 * so its messages name the one form the user chose; the union is for the editor schema.
 */
export const documentSchema = z.strictObject(
  {
    version: z.literal(FORMAT_VERSION, {
      error: (iss) =>
        iss.input === undefined
          ? `version is required: write "version: ${FORMAT_VERSION}" at the top of the file`
          : `version ${JSON.stringify(iss.input)} is not a format this package reads; write "version: ${FORMAT_VERSION}"`,
    }),
    defaults: defaultsSchema.optional(),
    actions: z.union([actionList, actionMap], {
      error: (iss) => (iss.input === undefined ? `actions is required: ${ACTIONS_SHAPE}` : ACTIONS_SHAPE),
    }),
  },
  { error: "a declaration file must be a map with version, defaults and actions" },
);

/** The envelope without `actions`, which the loader checks by its form. */
export const envelopeSchema = documentSchema.extend({ actions: z.unknown().optional() });

export { ACTIONS_SHAPE };
