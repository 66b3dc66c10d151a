/**
 * Finding a Data Action by its exact name: every page of the server's loosely filtered list,
 * each entity counted once, then the exact match, or a typed error naming the candidates.
 * The page requests themselves come from the client (`fetchPage`), so this file is the paging
 * and matching rules only.
 */
import { editDistance } from "../shared/distance";
import { AmbiguousNameError, CxoneError, HttpError, IdentityError, NoSuchNameError } from "../shared/errors";
import { codePoints, skeleton } from "../shared/lookalike";
import type { DataAction, ListPage, Tally } from "../shared/types";

const SUGGESTIONS = 5;

export interface ListSource {
  /** One page of the list, parsed and checked; `name` null lists every action. */
  fetchPage(page: number, pageSize: number, name: string | null, tally: Tally): Promise<ListPage>;
  /** The collection's path (cxone:apiPath), for messages. */
  actionsPath: string;
  pageSize: number;
  maxPages: number;
  log: (line: string) => void;
}

/** The list path of one page under the collection `actionsPath`, as the client requests it. */
export function listPath(actionsPath: string, page: number, pageSize: number, name: string | null): string {
  const filter = name === null ? "" : `&filter=${encodeURIComponent(`name=${name}`)}`;
  return `${actionsPath}?pageSize=${pageSize}&page=${page}${filter}`;
}

/**
 * The one action named exactly `name` (case-sensitive). The server's filter may match
 * loosely, so every page of its answer is read and matched here.
 */
export async function findByName(source: ListSource, name: string, tally: Tally): Promise<DataAction> {
  const listed = await listAll(source, name, tally);
  const matches = listed.filter((a) => a.name === name);
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    const ids = matches.map((a) => a.id);
    throw new AmbiguousNameError(
      `${ids.length} Data Actions are named exactly "${name}" (ids ${ids.join(", ")}). ` +
        "Set actionId to the one this resource should manage, or rename the others in CXone.",
      ids,
    );
  }
  const suggestions = closestNames(name, await namesForSuggestions(source, listed, tally));
  // A name that looks the same on screen differs in its code points: show them, side by side.
  const lookalikes = suggestions.filter((n) => skeleton(n) === skeleton(name));
  throw new NoSuchNameError(
    `No Data Action is named exactly "${name}" (names match case-sensitively)` +
      (suggestions.length > 0 ? `; closest names: ${suggestions.map((n) => `"${n}"`).join(", ")}` : "") +
      lookalikes.map((n) => `. "${n}" looks the same but is ${codePoints(n)}, where actionName is ${codePoints(name)}`).join("") +
      ". Fix actionName, or set actionId to pin the action by id.",
    { method: "GET", path: source.actionsPath },
  );
}

/**
 * Every entity the list answers for `name` (or for all names when null), page by page, each id
 * once. Offset paging over a list that changes meanwhile shows an entity again on the next page
 * when something is inserted before it: counted twice, the one action named so would look like
 * two and fail the lookup as ambiguous. The latest copy of an entity wins; its first position
 * stays, so the order is the server's.
 */
async function listAll(source: ListSource, name: string | null, tally: Tally): Promise<DataAction[]> {
  const byId = new Map<string, DataAction>();
  for (let page = 1; page <= source.maxPages; page++) {
    const body = await source.fetchPage(page, source.pageSize, name, tally);
    for (const entity of body.entities) byId.set(entity.id, entity);
    // The server may clamp pageSize; its own figure says how far this page reaches.
    const served = body.pageSize > 0 ? body.pageSize : body.entities.length;
    if (body.entities.length === 0 || page * served >= body.total) return [...byId.values()];
  }
  throw new HttpError(
    `Listing Data Actions stopped after ${source.maxPages} pages of ${source.pageSize} without reaching the end. ` +
      "Narrow the lookup: set actionId to pin the action by id.",
    { method: "GET", path: source.actionsPath },
  );
}

/**
 * Names to suggest when nothing matched: the loose matches of the filter, or, when the filter
 * matched nothing at all (a typo), every name. This costs requests only on the failure path;
 * if it fails, the not-found error still stands, without suggestions.
 */
async function namesForSuggestions(source: ListSource, listed: DataAction[], tally: Tally): Promise<string[]> {
  if (listed.length > 0) return listed.map((a) => a.name);
  try {
    return (await listAll(source, null, tally)).map((a) => a.name);
  } catch (error) {
    if (!(error instanceof CxoneError)) throw error;
    source.log(`CXone: could not list Data Actions for name suggestions: ${error.message}`);
    return [];
  }
}

/**
 * Up to five names close to `wanted`, closest first: by edit distance ignoring case, then by
 * exact edit distance (so "Foo_Bar" beats "foo_bar" for "Foo_Baz").
 */
export function closestNames(wanted: string, names: string[]): string[] {
  const target = wanted.toLowerCase();
  // Further than this is a different name, not a typo of this one; containment (a suffix such
  // as "_v2") is always worth showing.
  const maxDistance = Math.max(2, Math.floor(wanted.length / 3));
  const scored = [...new Set(names)]
    .filter((n) => n !== wanted)
    .map((n) => {
      const lower = n.toLowerCase();
      const contains = lower.includes(target) || target.includes(lower);
      return { name: n, loose: editDistance(target, lower), exact: editDistance(wanted, n), contains };
    })
    .filter((s) => s.loose <= maxDistance || s.contains);
  scored.sort((a, b) => a.loose - b.loose || a.exact - b.exact || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return scored.slice(0, SUGGESTIONS).map((s) => s.name);
}

/** The path of one action under the collection `actionsPath`: its id as one path segment (cxone-api.md). */
export function actionPath(actionsPath: string, id: string): string {
  // check refuses such ids; state written before it did must not reach another path either.
  if (id === "" || id === "." || id === "..") {
    throw new IdentityError(`"${id}" is not a Data Action id: it would address another path than one action. Set actionId to the action's id.`, {});
  }
  return `${actionsPath}/${encodeURIComponent(id)}`;
}
