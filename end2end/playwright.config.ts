import { defineConfig } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// One fresh database per run. Set here, in the runner, so workers inherit the same path.
if (!process.env.GATEHOUSE_E2E_DB) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gatehouse-e2e-"));
  process.env.GATEHOUSE_E2E_DB = path.join(dir, "gatehouse.db");
}
const port = process.env.GATEHOUSE_E2E_PORT ?? "3100";
const baseURL = `http://127.0.0.1:${port}`;
const root = path.resolve(__dirname, "..");
/** The server binary: the release build, or another one (e.g. target/debug/server for readable panics). */
export const serverBinary = process.env.GATEHOUSE_E2E_SERVER ?? path.join(root, "target/release/server");
/** Where the setup project keeps the signed-in admin's browser state. */
export const adminState = `${process.env.GATEHOUSE_E2E_DB}.admin-state.json`;

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 7_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
      ],
    },
  },
  projects: [
    { name: "setup", testMatch: /auth\.setup\.ts/ },
    {
      name: "chromium",
      testIgnore: /auth\.setup\.ts/,
      dependencies: ["setup"],
      use: { storageState: adminState },
    },
  ],
  webServer: {
    command:
      `${serverBinary} --listen 127.0.0.1:${port}` +
      ` --database ${process.env.GATEHOUSE_E2E_DB} --site-root ${root}/target/site --log-level warn`,
    cwd: root,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
  },
});
