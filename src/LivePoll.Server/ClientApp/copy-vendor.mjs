// Copies the browser builds of the pages' npm dependencies into wwwroot/lib, where the server serves them.
// Run by the server project's build after `npm ci`; nothing is fetched from a CDN at run time.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const lib = join(here, "..", "wwwroot", "lib");
const files = [
  ["@microsoft/signalr/dist/browser/signalr.min.js", "signalr.min.js"],
  ["@microsoft/signalr-protocol-msgpack/dist/browser/signalr-protocol-msgpack.min.js", "signalr-protocol-msgpack.min.js"],
  ["qrcode-generator/dist/qrcode.mjs", "qrcode.mjs"],
];

mkdirSync(lib, { recursive: true });
for (const [from, to] of files) {
  copyFileSync(join(here, "node_modules", from), join(lib, to));
}
console.log(`copied ${files.length} files to ${lib}`);
