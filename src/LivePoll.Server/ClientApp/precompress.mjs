// Compresses the pages' static files (wwwroot: scripts, styles, pages, the libraries copied there) with Brotli at its
// best quality and with gzip, once at build time, into wwwroot/lib/precompressed/<path>.br and .gz. The server sends
// those to browsers that accept them (Pages/PrecompressedStaticFiles.cs) and the file itself otherwise; a compressed
// copy older than its file (edited since the build) is ignored. Only files that changed are compressed again.
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, extname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "wwwroot");
const out = join(root, "lib", "precompressed");
const compressible = new Set([".js", ".mjs", ".css", ".html", ".svg", ".json", ".txt"]);

function* files(folder) {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) { if (path !== out) yield* files(path); }
    else if (compressible.has(extname(entry.name))) yield path;
  }
}

let compressed = 0, before = 0, after = 0;
for (const path of files(root)) {
  const target = join(out, relative(root, path));
  const modified = statSync(path).mtimeMs;
  let fresh = false;
  try { fresh = statSync(`${target}.br`).mtimeMs >= modified && statSync(`${target}.gz`).mtimeMs >= modified; } catch { /* not made yet */ }
  if (fresh) continue;
  const bytes = readFileSync(path);
  const br = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(`${target}.br`, br);
  writeFileSync(`${target}.gz`, gzipSync(bytes, { level: 9 }));
  compressed++; before += bytes.length; after += br.length;
}
console.log(`precompressed ${compressed} files: ${(before / 1024).toFixed(0)} KiB → ${(after / 1024).toFixed(0)} KiB with Brotli`);
