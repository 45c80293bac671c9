#!/usr/bin/env node
// Measures every console page the way a browser meets it: a cold first visit (empty cache) and a
// repeat visit, in Chromium, against the release server on a fresh temporary database.
// For each page it reports what crossed the wire (HTML, CSS, wasm+js, as served: compressed) and
// when the page said it was interactive (`<body data-hydrated>`), in ms since navigation start,
// as the median of several cold visits. The repeat visit must fetch no /pkg file at all.
//
//   node scripts/page-speed.mjs [--runs N] [--check]
//
// Run after the release build (`source scripts/tools.sh; build_release`). With --check it fails
// when a repeat visit fetches a /pkg file. Hydration times are printed, not checked: on a shared
// CI machine they measure the machine as much as the code.
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { kb, printTable } from "./report.mjs";

const root = path.join(import.meta.dirname, "..");
const require = createRequire(path.join(root, "end2end", "package.json"));
const { chromium } = require("@playwright/test");

const args = process.argv.slice(2);
const check = args.includes("--check");
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
const port = process.env.GATEHOUSE_SPEED_PORT ?? "3190";
const base = `http://127.0.0.1:${port}`;
const server = process.env.GATEHOUSE_E2E_SERVER ?? path.join(root, "target/release/server");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gatehouse-speed-"));
const db = path.join(dir, "gatehouse.db");
const cli = (...a) => execFileSync(server, ["--database", db, ...a], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });

const admin = JSON.parse(cli("user", "add", "speed-admin", "--role", "admin", "--json"));
const owner = JSON.parse(cli("owner", "reset-secret", "--json"));
const child = spawn(server, ["--listen", `127.0.0.1:${port}`, "--database", db, "--site-root", path.join(root, "target/site"), "--log-level", "warn"], {
  stdio: ["ignore", "ignore", "inherit"],
});
const stop = () => child.kill("SIGTERM");
process.on("exit", stop);

async function waitForServer() {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server did not answer on ${base}/healthz`);
}
await waitForServer();

// One property with settings, so its pages have something to show.
const basic = "Basic " + Buffer.from(`${owner.client_id}:${owner.client_secret}`).toString("base64");
const added = await (
  await fetch(`${base}/clients/add`, {
    method: "POST",
    headers: { Authorization: basic, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ description: "Speed test property", features: '["login_client"]' }),
  })
).json();
const id = added.client_id;

const PAGES = [
  ["/sign-in", "/sign-in", false],
  ["/ (Manage Properties)", "/", true],
  ["/properties/new", "/properties/new", true],
  ["/properties/:id", `/properties/${id}`, true],
  ["/properties/:id/settings", `/properties/${id}/settings`, true],
  ["/application", "/application", true],
  ["/audit", "/audit", true],
  ["/account", "/account", true],
  ["/users", "/users", true],
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
});

// A signed-in browser state, through the real form.
const signIn = await browser.newContext();
{
  const page = await signIn.newPage();
  await page.goto(`${base}/sign-in`);
  await page.waitForSelector("body[data-hydrated=true]");
  await page.getByLabel("Username").fill(admin.username);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/`);
}
const signedIn = await signIn.storageState();
await signIn.close();

/**
 * Visits `url` in `context`; returns the bytes fetched by kind, the /pkg files that came over the
 * network (a cache hit has a transferSize of 0; a revalidation costs its headers) and the time to
 * hydrated.
 */
async function visit(context, url) {
  const page = await context.newPage();
  await page.goto(`${base}${url}`);
  await page.waitForSelector("body[data-hydrated=true]", { timeout: 15_000 });
  const result = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const kinds = { html: nav.transferSize, css: 0, code: 0 };
    const pkgRequests = [];
    for (const r of performance.getEntriesByType("resource")) {
      const p = new URL(r.name).pathname;
      if (p.startsWith("/pkg/") && r.transferSize > 0) pkgRequests.push(p);
      if (p.endsWith(".css")) kinds.css += r.transferSize;
      else if (p.endsWith(".wasm") || p.endsWith(".js")) kinds.code += r.transferSize;
    }
    return { kinds, pkgRequests, hydrated: Number(document.body.dataset.hydratedAt ?? NaN) };
  });
  await page.close();
  return result;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const rows = [["page", "html", "css", "wasm+js", "total", `hydrated (median of ${runs})`, "repeat visit /pkg fetches"]];
const failures = [];
for (const [label, url, needsSession] of PAGES) {
  const times = [];
  let first;
  let repeat;
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext(needsSession ? { storageState: signedIn } : {});
    // Record when the page marks itself hydrated, relative to navigation start.
    await context.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.body?.dataset.hydrated === "true") {
          document.body.dataset.hydratedAt = String(performance.now());
          observer.disconnect();
        }
      }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
    });
    const cold = await visit(context, url);
    times.push(cold.hydrated);
    first ??= cold;
    if (i === 0) repeat = await visit(context, url);
    await context.close();
  }
  const k = first.kinds;
  rows.push([label, kb(k.html), kb(k.css), kb(k.code), kb(k.html + k.css + k.code), `${median(times).toFixed(0)} ms`, String(repeat.pkgRequests.length)]);
  if (repeat.pkgRequests.length > 0) failures.push(`${label}: the repeat visit fetched ${repeat.pkgRequests.join(", ")}`);
}
await browser.close();
stop();
fs.rmSync(dir, { recursive: true, force: true });

printTable(rows);
console.log(`Chromium, cold cache per visit, loopback, ${os.cpus().length} cores; sizes as transferred (compressed).`);
if (check && failures.length) {
  for (const f of failures) console.error(f);
  process.exit(1);
}
