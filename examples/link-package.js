// Makes `require("pulumi-cxone-date-action")` resolve from this repository's node_modules, as it
// does in a user's project after `npm install pulumi-cxone-date-action`. Pulumi's dynamic-provider
// host loads the serialized provider, which requires the package by name from the program's
// directory; the examples and the root Pulumi.yaml run from inside this repository. Run by `npm run build`.
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const link = path.join(root, "node_modules", "pulumi-cxone-date-action");
fs.mkdirSync(path.dirname(link), { recursive: true });
let current = null;
try {
  current = fs.readlinkSync(link);
} catch {
  // Absent (or not a link): created below.
}
if (current !== "..") {
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync("..", link, "dir");
}
