// The rules of the site's stylesheets that no page or script uses, dropped
// (PurgeCSS, from npm): run by site_speed.cut_unused_css when the build ends.
// Usage: node purge_css.mjs SITE_DIR STYLESHEET... ; each stylesheet (a path
// under SITE_DIR) is rewritten in place, and one line per stylesheet says
// its size before and after.
import { readFileSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { PurgeCSS } from "purgecss";

const [site, ...sheets] = process.argv.slice(2);
if (!site || sheets.length === 0) {
  console.error("usage: node purge_css.mjs SITE_DIR STYLESHEET...");
  process.exit(2);
}
const results = await new PurgeCSS().purge({
  // The pages, and the scripts that add classes to them as the reader clicks
  // (menus, dropdowns, the colour scheme, copy buttons).
  content: [join(site, "**/*.html"), join(site, "_static/**/*.js")],
  css: sheets.map((sheet) => join(site, sheet)),
  safelist: {
    // Selectors of pseudo-classes alone (`:focus-visible`, the theme's focus
    // ring; `:after` in `*,:after,:before`): PurgeCSS 8 finds no element for
    // them in the content and would drop them.
    standard: [/^:/],
    // State the theme's scripts set in attributes, not in class names.
    greedy: [/data-(bs-)?theme/, /data-mode/, /aria-/],
  },
  // @font-face, @keyframes and custom properties stay: they are small, and
  // which of them a kept rule needs is not worth guessing.
  fontFace: false,
  keyframes: false,
  variables: false,
});
for (const { file, css } of results) {
  const before = readFileSync(file).length;
  writeFileSync(file + ".tmp", css);
  renameSync(file + ".tmp", file);
  console.log(`${file}: ${before} -> ${Buffer.byteLength(css)} bytes`);
}
