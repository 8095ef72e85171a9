// Builds widget/dist/ from widget/proofstream.js (the readable source stays the source):
// proofstream.<hash>.js for storefronts and preview.<hash>.js for the dashboard's live
// preview (PREVIEW defined false or true: each leaves the other's code out), minified by
// esbuild (ES2017, as the source), each with its .gz (zlib level 9) and .br (brotli
// quality 11), and manifest.json, which the gateway reads at start. Run by `scripts/dev
// run`, `scripts/dev test` and `scripts/dev build`; prints the sizes.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { transform } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const source = readFileSync(join(here, "proofstream.js"), "utf8");
const dist = join(here, "dist");
mkdirSync(dist, { recursive: true });
for (const old of readdirSync(dist)) rmSync(join(dist, old));

async function build(stem, preview) {
  const { code } = await transform(source, {
    minify: true,
    target: "es2017",
    legalComments: "none",
    charset: "utf8",
    define: { PREVIEW: String(preview) },
  });
  const raw = Buffer.from(code);
  const hash = createHash("sha256").update(raw).digest("hex").slice(0, 12);
  const name = `${stem}.${hash}.js`;
  const gzip = gzipSync(raw, { level: 9 });
  const br = brotliCompressSync(raw, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  });
  writeFileSync(join(dist, name), raw);
  writeFileSync(join(dist, `${name}.gz`), gzip);
  writeFileSync(join(dist, `${name}.br`), br);
  console.log(`widget: ${name} ${raw.length} B, gzip ${gzip.length} B, brotli ${br.length} B`);
  return { name, hash, bytes: { raw: raw.length, gzip: gzip.length, br: br.length } };
}

const manifest = { ...(await build("proofstream", false)), preview: await build("preview", true) };
writeFileSync(join(dist, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
