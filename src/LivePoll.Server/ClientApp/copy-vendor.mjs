// Copies the browser builds of the pages' npm dependencies into wwwroot/lib, where the server serves them, bundles the
// desk's editor (editor-entry.mjs: Tiptap and ProseMirror, which ship as many modules) into one module there, and
// bundles each page's script (wwwroot/js, with SignalR) into wwwroot/lib/pages.
// Run by the server project's build after `npm ci`; nothing is fetched from a CDN at run time.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
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
// The one source of the pages' texts (Texts/texts.json, which the server reads too) as a module the pages import.
const texts = JSON.parse(readFileSync(join(here, "..", "Texts", "texts.json"), "utf8"));
writeFileSync(join(lib, "texts.js"), `// Made by the build from Texts/texts.json: edit that file.\nexport default ${JSON.stringify(texts)};\n`);
// Each page's script with what it imports (SignalR's client and MessagePack protocol included, only the parts used) as one
// module in wwwroot/lib/pages: one request instead of a dozen, which on a slow mobile network is most of the wait.
const pages = { reader: "reader.js", embed: "embed.js", "embed-feed": "embed-feed.js", screen: "screen.js", desk: "desk.js" };
await build({
  entryPoints: Object.entries(pages).map(([name, file]) => ({ in: join(here, "pages", `${name}.mjs`), out: name })),
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2022",
  legalComments: "linked",
  outdir: join(lib, "pages"),
  external: ["/lib/*"],
  logLevel: "warning",
});
console.log(`copied ${files.length} files and bundled the editor into ${lib}`);
