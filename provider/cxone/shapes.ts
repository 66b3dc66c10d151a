/** The wire shapes of the Data Action API (cxone-api.md): JSON parsing and type guards, pure. */
import type { DataAction, ListPage } from "../shared/types";

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isDataAction(value: unknown): value is DataAction {
  return (
    isRecord(value) &&
    typeof value.id === "string" &&
    typeof value.name === "string" &&
    (value.configuration === undefined || isRecord(value.configuration))
  );
}

export function isListPage(value: unknown): value is ListPage {
  return (
    isRecord(value) &&
    Array.isArray(value.entities) &&
    value.entities.every(isDataAction) &&
    typeof value.total === "number" &&
    typeof value.pageSize === "number"
  );
}

/** An action without `configuration` gets an empty one, so merging has somewhere to write. */
export function normalizeAction(action: DataAction): DataAction {
  return action.configuration === undefined ? { ...action, configuration: {} } : action;
}
