import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { APIRequestContext, Page, request as playwrightRequest } from "@playwright/test";
import { test, expect, openHydrated, signedInAs } from "./fixtures";
import { addProperty, capture, Credentials, uniqueTag } from "./api";
import { OwnServer } from "./own-server";

const currentUse = (page: Page) => page.getByTestId("current-secret-use");
const previousUse = (page: Page) => page.getByTestId("previous-secret-use");
const failures = (page: Page) => page.getByTestId("failed-authentications");

/** Calls the API with `credentials`; whether they were accepted (a 402 when not). */
async function call(request: APIRequestContext, credentials: Credentials) {
  const body = await capture(request, "/settings/items", {}, credentials);
  return body.stat === "ok";
}

async function resetWithGrace(page: Page, hours: string) {
  await page.getByRole("button", { name: "Reset Secret" }).click();
  await page.getByLabel("Hours to Expire").fill(hours);
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("alertdialog", { name: "Are you sure you want to reset this secret?" }).getByRole("button", { name: "Yes" }).click();
  const done = page.getByRole("dialog", { name: "Secret successfully reset" });
  const secret = (await done.getByTestId("new-secret").textContent())!.trim();
  await done.getByRole("button", { name: "Close" }).click();
  return secret;
}

test("the property page says when each secret was last used, and counts failed attempts", async ({ page, request }) => {
  const property = await addProperty(request, uniqueTag("use"));
  await openHydrated(page, `/properties/${property.client_id}`);
  await expect(currentUse(page)).toHaveText("Current secret: never used.");
  await expect(failures(page)).toHaveText("No failed attempts in the last 24 hours.");

  expect(await call(request, property)).toBe(true);
  await page.reload();
  await expect(currentUse(page)).toHaveText("Current secret: last used just now from 127.0.0.1.");

  // Times are whole seconds, and a use in the second of the reset counts as after it (the safe
  // reading): let a second pass so the use above is plainly before the reset.
  await page.waitForTimeout(1100);
  const secret = await resetWithGrace(page, "2");
  await expect(currentUse(page)).toHaveText("Current secret: never used since the reset.");
  await expect(previousUse(page)).toHaveText(
    "Previous secret: never used since the reset (before it: last used just now from 127.0.0.1).",
  );

  // Both secrets used during the grace period, and two wrong ones: the open page catches up by itself.
  expect(await call(request, property)).toBe(true);
  expect(await call(request, { client_id: property.client_id, client_secret: secret })).toBe(true);
  for (const wrong of ["a", "b"]) {
    expect(await call(request, { client_id: property.client_id, client_secret: wrong.repeat(32) })).toBe(false);
  }
  const recently = "(just now|\\d+ seconds ago)";
  await expect(previousUse(page)).toHaveText(new RegExp(`^Previous secret: last used ${recently} from 127\\.0\\.0\\.1\\.$`), {
    timeout: 20_000,
  });
  await expect(currentUse(page)).toHaveText(new RegExp(`^Current secret: last used ${recently} from 127\\.0\\.0\\.1\\.$`));
  await expect(failures(page)).toHaveText(
    new RegExp(`^2 failed attempts in the last 24 hours, last from 127\\.0\\.0\\.1 ${recently}\\.$`),
  );
});


test("last uses survive a restart of the server", async ({ browser }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gatehouse-restart-"));
  const server = new OwnServer(path.join(dir, "gatehouse.db"), Number(process.env.GATEHOUSE_E2E_PORT ?? "3100") + 1);
  const owner: Credentials = JSON.parse(server.run(["owner", "reset-secret", "--json"]));
  const admin = JSON.parse(server.run(["user", "add", "restarter", "--role", "admin", "--json"]));
  await server.start();
  const api = await playwrightRequest.newContext({ baseURL: server.base });
  try {
    const added = await capture(api, "/clients/add", { description: uniqueTag("restart"), features: "[]" }, owner);
    const property: Credentials = { client_id: added.client_id, client_secret: added.client_secret };
    const reset = await capture(api, "/clients/reset_secret", { for_client_id: property.client_id, hours_to_live: "3" }, owner);
    expect(reset.stat).toBe("ok");
    expect(await call(api, property)).toBe(true);
    expect(await call(api, { client_id: property.client_id, client_secret: reset.new_secret })).toBe(true);
    expect(await call(api, { client_id: property.client_id, client_secret: "c".repeat(32) })).toBe(false);
    // Stopped well within the flush interval: the shutdown writes what was collected.
    expect(await server.stop()).toBe(0);
    await server.start();

    const { context, page } = await signedInAs(browser, admin.username, admin.password, server.base);
    await openHydrated(page, `${server.base}/properties/${property.client_id}`);
    await expect(currentUse(page)).toHaveText(/^Current secret: last used (just now|\d+ seconds ago) from 127\.0\.0\.1\.$/);
    await expect(previousUse(page)).toHaveText(/^Previous secret: last used (just now|\d+ seconds ago) from 127\.0\.0\.1\.$/);
    await expect(failures(page)).toHaveText(/^1 failed attempt in the last 24 hours, last from 127\.0\.0\.1 /);
    await context.close();
  } finally {
    await api.dispose();
    if (server.process && server.process.exitCode === null) await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
