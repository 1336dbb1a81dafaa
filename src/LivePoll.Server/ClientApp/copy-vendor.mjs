// Copies the browser builds of the pages' npm dependencies into wwwroot/lib, where the server serves them, and bundles
// the desk's editor (editor-entry.mjs: Tiptap and ProseMirror, which ship as many modules) into one module there.
// Run by the server project's build after `npm ci`; nothing is fetched from a CDN at run time.
import { build } from "esbuild";
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
await build({
  entryPoints: [join(here, "editor-entry.mjs")],
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2022",
  legalComments: "linked",
  outfile: join(lib, "tiptap.js"),
  logLevel: "warning",
});
console.log(`copied ${files.length} files and bundled the editor into ${lib}`);
