#!/usr/bin/env node
// Reports what the browser downloads: the wasm+js a first visit to each page needs (the entry
// bundle plus that page's chunks, as listed in the split manifest) and the whole bundle.
// Sizes are raw, gzipped (level 9) and brotli (the .br files the server sends, when built with
// --precompress). Run after the release build: `node scripts/bundle-size.mjs [--check] [target/site/pkg]`.
// With --check it fails when the landing page (Manage Properties: the entry alone) is over budget.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const BUDGET_GZ = 300 * 1024;
const args = process.argv.slice(2);
const check = args.includes("--check");
const pkg = args.find((a) => a !== "--check") ?? path.join(import.meta.dirname, "..", "target", "site", "pkg");
const manifestFile = path.join(pkg, "__wasm_split_manifest.json");
if (!fs.existsSync(manifestFile)) {
  console.error(`No ${manifestFile}: build first with \`cargo leptos build --release --split --precompress\`.`);
  process.exit(1);
}

// The lazy page islands (`#[island(lazy)]`, named `<Name>Page`) and the pages they serve. Manage
// Properties is not lazy: its island is in the entry.
const PAGES = {
  sign_in: "/sign-in",
  properties: "/ (Manage Properties)",
  new_property: "/properties/new",
  import: "/properties/import",
  property: "/properties/:id",
  property_settings: "/properties/:id/settings",
  app_settings: "/application",
  account: "/account",
  users: "/users",
};

const sizeCache = new Map();
function sizes(file) {
  if (!sizeCache.has(file)) {
    const full = path.join(pkg, file);
    const bytes = fs.readFileSync(full);
    const br = fs.existsSync(`${full}.br`)
      ? fs.statSync(`${full}.br`).size
      : zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    sizeCache.set(file, { raw: bytes.length, gz: zlib.gzipSync(bytes, { level: 9 }).length, br });
  }
  return sizeCache.get(file);
}
function sum(files) {
  return files.map(sizes).reduce((a, s) => ({ raw: a.raw + s.raw, gz: a.gz + s.gz, br: a.br + s.br }), {
    raw: 0,
    gz: 0,
    br: 0,
  });
}
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;

const entry = fs
  .readdirSync(pkg)
  .filter((f) => f === "gatehouse.wasm" || f === "gatehouse.js" || f === "__wasm_split.______________________.js");
const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
// Everything the manifest can load (the directory may still hold chunks of an earlier build).
const all = [...new Set([...entry, ...Object.values(manifest).flatMap((chunks) => chunks.map((c) => `${c}.wasm`))])];

const rows = [["first visit to", "files", "raw", "gzip", "brotli (served)", "gzip budget"]];
const row = (label, files) => {
  const s = sum(files);
  rows.push([label, String(files.length), kb(s.raw), kb(s.gz), kb(s.br), s.gz <= BUDGET_GZ ? "within" : "over"]);
};
row("/ (Manage Properties): the entry alone", entry);
const routeOf = (split) => split.replace(/_page_loader_\d+$/, "");
const order = Object.keys(PAGES);
const rank = (split) => (order.includes(routeOf(split)) ? order.indexOf(routeOf(split)) : order.length);
for (const [split, chunks] of Object.entries(manifest).sort(([a], [b]) => rank(a) - rank(b))) {
  row(PAGES[routeOf(split)] ?? routeOf(split), [...entry, ...chunks.map((c) => `${c}.wasm`)]);
}
row("every page (the whole bundle)", all);

const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const [i, r] of rows.entries()) {
  console.log(`| ${r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join(" | ")} |`);
  if (i === 0) console.log(`|${widths.map((w, j) => (j === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|")}|`);
}

if (check) {
  const landing = sum(entry).gz;
  if (landing > BUDGET_GZ) {
    console.error(`The landing page needs ${kb(landing)} gzip, over the ${kb(BUDGET_GZ)} budget.`);
    process.exit(1);
  }
  console.log(`The landing page needs ${kb(landing)} gzip, within the ${kb(BUDGET_GZ)} budget.`);
}
