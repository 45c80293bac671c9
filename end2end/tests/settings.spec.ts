import { APIRequestContext, Page } from "@playwright/test";
import { test, expect, openHydrated, signedInAs, waitHydrated } from "./fixtures";
import { account, addProperty, capture, uniqueTag } from "./api";

// Global settings are shared by every test of the run, so each test uses keys of its own.

const row = (page: Page, key: string) => page.locator(`tr.setting-row[data-key="${key}"]`);
const value = (page: Page, key: string) => page.getByLabel(`Property value of ${key}`, { exact: true });
const picker = (page: Page) => page.getByRole("combobox", { name: "Select setting key" });
const save = (page: Page) => page.getByRole("button", { name: "Save Changes" });
const addSetting = (page: Page) => page.getByRole("button", { name: "Add Setting" });

async function setGlobal(request: APIRequestContext, key: string, value: string) {
  expect((await capture(request, "/settings/set_default", { key, value })).stat).toBe("ok");
}

async function setOwn(request: APIRequestContext, clientId: string, key: string, value: string) {
  expect((await capture(request, "/settings/set", { key, value, for_client_id: clientId })).stat).toBe("ok");
}

/** What `/settings/get` answers for the property: its effective value. */
async function effective(request: APIRequestContext, clientId: string, key: string) {
  return (await capture(request, "/settings/get", { key, for_client_id: clientId })).result;
}

async function ownKeys(request: APIRequestContext, clientId: string) {
  const all = await capture(request, "/settings/get_all");
  return Object.keys(all.client_settings[clientId] ?? {}).sort();
}

async function openSettings(page: Page, clientId: string) {
  await openHydrated(page, `/properties/${clientId}/settings`);
  await expect(page.getByRole("heading", { level: 1, name: "Edit Settings" })).toBeVisible();
}

test("global keys show the padlocked globe and its tooltip; property keys a trash can", async ({ page, request }) => {
  const tag = uniqueTag("icons");
  const property = await addProperty(request, tag);
  await setGlobal(request, `${tag}_global`, "g");
  await setOwn(request, property.client_id, `${tag}_own`, "p");
  await openSettings(page, property.client_id);

  const globe = row(page, `${tag}_global`).getByRole("img", { name: "Global setting" });
  await expect(globe).toBeVisible();
  await expect(row(page, `${tag}_global`).getByRole("button", { name: /Remove/ })).toHaveCount(0);
  await globe.hover();
  const tooltip = page.getByRole("tooltip").filter({ visible: true });
  await expect(tooltip).toContainText("you can only change the property value here");
  await expect(tooltip).toContainText("Application settings page");

  await expect(row(page, `${tag}_own`).getByRole("img", { name: "Global setting" })).toHaveCount(0);
  await expect(row(page, `${tag}_own`).getByRole("button", { name: `Remove ${tag}_own` })).toBeVisible();
  await expect(row(page, `${tag}_own`)).toContainText("Not set globally");

  // Rows are sorted by key.
  const keys = await page.locator("tr.setting-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key")));
  expect(keys).toEqual([...keys].sort());
});

test("a property value overrides the global one; emptying it resets to the global value", async ({ page, request }) => {
  const tag = uniqueTag("ovr");
  const key = `${tag}_login_attempts`;
  const property = await addProperty(request, tag);
  await setGlobal(request, key, "6");
  await openSettings(page, property.client_id);

  await expect(value(page, key)).toHaveValue("");
  await expect(value(page, key)).toHaveAttribute("placeholder", "Value");
  await expect(row(page, key)).toContainText("applies");

  await value(page, key).fill("4");
  await expect(row(page, key)).toContainText("overridden");
  await expect(page.getByText("Unsaved changes")).toBeVisible();
  expect(await effective(request, property.client_id, key)).toBe("6");
  await save(page).click();
  await expect(page.getByText("Saved: 1 setting added.")).toBeVisible();
  expect(await effective(request, property.client_id, key)).toBe("4");

  await value(page, key).fill("");
  await expect(row(page, key)).toContainText("applies");
  await save(page).click();
  await expect(page.getByText("Saved: 1 setting removed.")).toBeVisible();
  await expect(row(page, key)).toBeVisible();
  await expect(value(page, key)).toHaveValue("");
  expect(await effective(request, property.client_id, key)).toBe("6");
  expect(await ownKeys(request, property.client_id)).toEqual([]);
});

test("Add Setting offers the standard keys; a present key is greyed out", async ({ page, request }) => {
  const property = await addProperty(request, uniqueTag("std"));
  await setOwn(request, property.client_id, "login_attempts", "5");
  await openSettings(page, property.client_id);

  await addSetting(page).click();
  await expect(picker(page)).toBeFocused();
  await picker(page).fill("login");
  const present = page.getByRole("option", { name: /^login_attempts Sign-in attempts/ });
  await expect(present).toHaveAttribute("aria-disabled", "true");
  await present.click({ force: true });
  await expect(picker(page)).toBeVisible();

  const threshold = page.getByRole("option", { name: /^login_attempts_threshold/ });
  await expect(threshold).toHaveAttribute("aria-disabled", "false");
  await expect(threshold).toContainText("Seconds after which");
  // Keyboard: the first pickable option is the threshold.
  await picker(page).press("ArrowDown");
  await expect(threshold).toHaveAttribute("aria-selected", "true");
  await picker(page).press("Enter");
  await expect(value(page, "login_attempts_threshold")).toBeFocused();
  await page.keyboard.type("300");
  await save(page).click();
  await expect(page.getByText("Saved: 1 setting added.")).toBeVisible();
  expect(await effective(request, property.client_id, "login_attempts_threshold")).toBe("300");
  expect(await effective(request, property.client_id, "login_attempts")).toBe("5");
});

test("a custom key is created with its Create button", async ({ page, request }) => {
  const property = await addProperty(request, uniqueTag("cus"));
  const key = `${uniqueTag("site_locale")}`;
  await openSettings(page, property.client_id);
  await addSetting(page).click();
  await picker(page).fill(key);
  await page.getByRole("button", { name: `Create ${key}` }).click();
  await expect(row(page, key).locator("code")).toHaveText(key);
  await value(page, key).fill("en-GB");
  await save(page).click();
  await expect(page.getByText("Saved: 1 setting added.")).toBeVisible();
  expect(await effective(request, property.client_id, key)).toBe("en-GB");
  await expect(row(page, key).getByRole("button", { name: `Remove ${key}` })).toBeVisible();
});

test("a key with a space is refused as you type", async ({ page, request }) => {
  const property = await addProperty(request, uniqueTag("spc"));
  await openSettings(page, property.client_id);
  await addSetting(page).click();
  await picker(page).fill("my setting");
  await expect(page.getByRole("alert").filter({ hasText: "contains a space" })).toBeVisible();
  await expect(picker(page)).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("button", { name: /^Create/ })).toHaveCount(0);
  await picker(page).press("Enter");
  await expect(picker(page)).toBeVisible();
  await picker(page).fill("my_setting");
  await expect(picker(page)).toHaveAttribute("aria-invalid", "false");
  await expect(page.getByRole("button", { name: "Create my_setting" })).toBeVisible();
});

test("leaving the picker without a key marks the row and blocks saving until resolved", async ({ page, request }) => {
  const tag = uniqueTag("unc");
  const property = await addProperty(request, tag);
  await setOwn(request, property.client_id, `${tag}_other`, "x");
  const key = `${tag}_site_locale`;
  await openSettings(page, property.client_id);
  await addSetting(page).click();
  await picker(page).fill(key);
  await value(page, `${tag}_other`).click();
  const rowError = page.getByRole("alert").filter({ hasText: `press \u201cCreate ${key}\u201d` });
  await expect(rowError).toBeVisible();

  await save(page).click();
  await expect(page.getByText("Nothing was saved: fix the rows marked in red")).toBeVisible();
  await expect(picker(page)).toBeFocused();
  expect(await ownKeys(request, property.client_id)).toEqual([`${tag}_other`]);

  await page.getByRole("button", { name: `Create ${key}` }).click();
  await expect(rowError).toHaveCount(0);
  await value(page, key).fill("fr-FR");
  await save(page).click();
  await expect(page.getByText("Saved: 1 setting added.")).toBeVisible();
  expect(await ownKeys(request, property.client_id)).toEqual([`${tag}_other`, key].sort());
});

test("trash removes a row at once; Save Changes deletes it", async ({ page, request }) => {
  const tag = uniqueTag("rm");
  const property = await addProperty(request, tag);
  await setOwn(request, property.client_id, `${tag}_a`, "1");
  await setOwn(request, property.client_id, `${tag}_b`, "2");
  await openSettings(page, property.client_id);
  await row(page, `${tag}_a`).getByRole("button", { name: `Remove ${tag}_a` }).click();
  await expect(row(page, `${tag}_a`)).toHaveCount(0);
  await expect(page.getByRole("dialog")).toHaveCount(0);
  expect(await ownKeys(request, property.client_id)).toEqual([`${tag}_a`, `${tag}_b`]);
  await save(page).click();
  await expect(page.getByText("Saved: 1 setting removed.")).toBeVisible();
  expect(await ownKeys(request, property.client_id)).toEqual([`${tag}_b`]);
});

test("trash, then leave without saving: asked first, and nothing changes", async ({ page, request }) => {
  const tag = uniqueTag("lv");
  const property = await addProperty(request, tag);
  await setOwn(request, property.client_id, `${tag}_a`, "1");
  await openSettings(page, property.client_id);
  await row(page, `${tag}_a`).getByRole("button", { name: `Remove ${tag}_a` }).click();
  await expect(row(page, `${tag}_a`)).toHaveCount(0);

  const asked = new Promise<string>((resolve) =>
    page.once("dialog", (dialog) => {
      resolve(dialog.type());
      void dialog.dismiss();
    }),
  );
  await page.getByRole("link", { name: "Manage Properties" }).click();
  expect(await asked).toBe("beforeunload");
  await expect(page).toHaveURL(/\/settings$/);

  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("link", { name: "Manage Properties" }).click();
  await expect(page).toHaveURL(/\/$/);
  expect(await ownKeys(request, property.client_id)).toEqual([`${tag}_a`]);
});

test("trash, then Back: asked first; staying keeps the edit, leaving changes nothing", async ({ page, request }) => {
  const tag = uniqueTag("bk");
  const property = await addProperty(request, tag);
  await setOwn(request, property.client_id, `${tag}_a`, "1");
  await openHydrated(page, `/properties/${property.client_id}`);
  await page.getByRole("link", { name: "Edit Settings" }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await waitHydrated(page);
  await row(page, `${tag}_a`).getByRole("button", { name: `Remove ${tag}_a` }).click();
  await expect(row(page, `${tag}_a`)).toHaveCount(0);

  page.once("dialog", (dialog) => void dialog.dismiss());
  await page.evaluate(() => history.back());
  await expect(page).toHaveURL(/\/settings$/);
  await expect(row(page, `${tag}_a`)).toHaveCount(0);

  page.once("dialog", (dialog) => void dialog.accept());
  await page.evaluate(() => history.back());
  await expect(page).toHaveURL(new RegExp(`/properties/${property.client_id}$`));
  expect(await ownKeys(request, property.client_id)).toEqual([`${tag}_a`]);
});

test("application settings: add, change and delete; seen on property pages and over the API", async ({ page, request }) => {
  const tag = uniqueTag("app");
  const key = `${tag}_default_flow`;
  const property = await addProperty(request, tag);
  const other = await addProperty(request, `${tag} other`);

  await openHydrated(page, "/application");
  await expect(page.getByRole("heading", { level: 1, name: "Application settings" })).toBeVisible();
  await addSetting(page).click();
  await picker(page).fill(key);
  await page.getByRole("button", { name: `Create ${key}` }).click();
  await page.getByLabel(`Value of ${key}`, { exact: true }).fill("v1");
  await save(page).click();
  await expect(page.getByText("Saved: 1 setting added.")).toBeVisible();
  expect((await capture(request, "/settings/get_default", { key })).result).toBe("v1");
  expect(await effective(request, property.client_id, key)).toBe("v1");
  const items = await capture(request, "/settings/items", { for_client_id: property.client_id });
  expect(items.result[key]).toBe("v1");

  await openSettings(page, property.client_id);
  await expect(row(page, key)).toContainText("v1");
  await expect(row(page, key).getByRole("img", { name: "Global setting" })).toBeVisible();

  await openHydrated(page, "/application");
  await page.getByLabel(`Value of ${key}`, { exact: true }).fill("v2");
  await save(page).click();
  await expect(page.getByText("Saved: 1 setting changed.")).toBeVisible();
  await openSettings(page, property.client_id);
  await expect(row(page, key)).toContainText("v2");

  // One property overrides it; deleting the global key says so and leaves that value alone.
  await setOwn(request, other.client_id, key, "mine");
  await openHydrated(page, "/application");
  await row(page, key).getByRole("button", { name: `Delete ${key}` }).click();
  const confirm = page.getByRole("alertdialog", { name: "Delete this global setting?" });
  await expect(confirm).toContainText("1 property sets its own value of this key; that value stays in place.");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(row(page, key)).toBeVisible();
  await row(page, key).getByRole("button", { name: `Delete ${key}` }).click();
  await confirm.getByRole("button", { name: "Delete" }).click();
  await expect(row(page, key)).toHaveCount(0);
  expect((await capture(request, "/settings/get_default", { key })).result).toBe("v2");
  await save(page).click();
  await expect(page.getByText("Saved: 1 setting removed.")).toBeVisible();
  expect((await capture(request, "/settings/get_default", { key })).result).toBeNull();
  expect(await effective(request, property.client_id, key)).toBeNull();
  expect(await effective(request, other.client_id, key)).toBe("mine");
});

test.describe("conflicts", () => {
  test.use({ allowedConsoleErrors: [/status of 409/] });

  test("a change made meanwhile is reported, nothing is overwritten and the typed value stays", async ({ page, request }) => {
    const tag = uniqueTag("cfl");
    const key = `${tag}_k`;
    const property = await addProperty(request, tag);
    await setOwn(request, property.client_id, key, "before");
    await openSettings(page, property.client_id);
    await value(page, key).fill("mine");
    await setOwn(request, property.client_id, key, "theirs");
    await save(page).click();
    await expect(page.getByRole("alert").filter({ hasText: `Someone else changed ${key} after you opened this page` })).toBeVisible();
    await expect(value(page, key)).toHaveValue("mine");
    expect(await effective(request, property.client_id, key)).toBe("theirs");
    await page.getByRole("button", { name: "Load the latest settings (discard my edits)" }).click();
    await expect(value(page, key)).toHaveValue("theirs");
  });
});

test("a viewer sees settings read-only and a forged save is refused", async ({ browser, request }) => {
  const tag = uniqueTag("vset");
  const key = `${tag}_k`;
  const property = await addProperty(request, tag);
  await setOwn(request, property.client_id, key, "kept");
  const viewer = account("e2e-viewer", "viewer");
  const { context, page } = await signedInAs(browser, viewer.username, viewer.password);
  await openSettings(page, property.client_id);
  await expect(value(page, key)).toBeDisabled();
  await expect(value(page, key)).toHaveValue("kept");
  await expect(page.getByText("only an admin can change them")).toBeVisible();
  for (const name of ["Add Setting", "Save Changes", `Remove ${key}`]) {
    await expect(page.getByRole("button", { name })).toHaveCount(0);
  }
  const forged = await page.request.post("/api/settings/save", {
    data: { client_id: property.client_id, changes: [{ key, expected: "kept", new: "forged" }] },
  });
  expect(forged.status()).toBe(403);
  expect(await effective(request, property.client_id, key)).toBe("kept");
  await context.close();
});
