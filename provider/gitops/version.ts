/**
 * The only declaration format this package reads; a later format gets a new number, never a
 * silent change. Apart from format.ts so the package's public types do not pull in zod's.
 */
export const FORMAT_VERSION = 1;
