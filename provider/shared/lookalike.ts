/**
 * Names that look like another: invisible characters (zero-width spaces, joiners, bidi marks)
 * and letters of several scripts in one name (a Cyrillic "о" among Latin letters). CXone compares
 * names exactly, so such a name finds nothing or the wrong action while looking right on screen;
 * messages show the code points. Pure.
 */

const INVISIBLE = /\p{Cf}/u;
// Scripts whose letters are confused with one another in names typed or pasted by people.
const SCRIPTS = ["Latin", "Cyrillic", "Greek", "Armenian", "Cherokee"] as const;
const MAX_SHOWN = 80; // code points shown of one name

/** `U+0050 U+0072 ...`, the first MAX_SHOWN code points of `text`. */
export function codePoints(text: string): string {
  const points = [...text];
  const shown = points.slice(0, MAX_SHOWN).map((c) => `U+${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, "0")}`);
  return shown.join(" ") + (points.length > MAX_SHOWN ? " ..." : "");
}

/** Why `name` may not be what it looks like, or undefined. */
export function lookalikeProblem(name: string): string | undefined {
  const points = [...name];
  const hidden = points.findIndex((c) => INVISIBLE.test(c));
  if (hidden !== -1) {
    return `holds an invisible character (${codePoints(points[hidden])} at position ${hidden + 1})`;
  }
  const scripts = SCRIPTS.filter((script) => new RegExp(`\\p{Script=${script}}`, "u").test(name));
  return scripts.length > 1 ? `mixes ${scripts.join(" and ")} letters` : undefined;
}

// Letters of other scripts drawn like Latin ones (the common part of Unicode's confusables).
const CONFUSABLE: Record<string, string> = {
  а: "a", е: "e", о: "o", р: "p", с: "c", у: "y", х: "x", і: "i", ј: "j", ѕ: "s", ԁ: "d", һ: "h", ԛ: "q", ԝ: "w",
  А: "A", В: "B", Е: "E", К: "K", М: "M", Н: "H", О: "O", Р: "P", С: "C", Т: "T", Х: "X", Ѕ: "S", І: "I", Ј: "J",
  α: "a", ο: "o", ρ: "p", ν: "v", τ: "t", Α: "A", Β: "B", Ε: "E", Ζ: "Z", Η: "H", Ι: "I", Κ: "K", Μ: "M", Ν: "N", Ο: "O", Ρ: "P", Τ: "T", Χ: "X", Υ: "Y",
};

/** What a name looks like: compatibility forms folded, invisible characters dropped, confusable letters mapped. */
export function skeleton(name: string): string {
  return [...name.normalize("NFKC")]
    .filter((c) => !INVISIBLE.test(c))
    .map((c) => CONFUSABLE[c] ?? c)
    .join("");
}
