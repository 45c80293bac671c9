import * as fs from "node:fs";
import { APIRequestContext, Page } from "@playwright/test";
import { test, expect, openHydrated, signedInAs } from "./fixtures";
import { account, addProperty, capture, uniqueTag } from "./api";

// Bulk actions on Manage Properties (issue #19): select rows, a page or everything that matches,
// then add / remove a feature, add an IP range or delete, each confirmed with the server's count.
// And the Export link: the filter's properties, or the selection's, as a JSON download.

const table = (page: Page) => page.getByRole("table", { name: "Properties" });
const bodyRows = (page: Page) => table(page).locator("tbody tr");
const bar = (page: Page) => page.getByRole("region", { name: "Selected properties" });
const selectPage = (page: Page) => page.getByRole("checkbox", { name: "Select all on this page" });

/** Every property whose name starts with `prefix`, by name, as the API lists it. */
async function listed(request: APIRequestContext, prefix: string) {
  const list = await capture(request, "/clients/list");
  const found = new Map<string, { client_id: string; features: string[]; whitelist: string[] }>();
  for (const r of list.results) if (r.description.startsWith(prefix)) found.set(r.description, r);
  return found;
}

async function rowsPerPage(page: Page, rows: string) {
  await page.getByLabel("Rows per page").selectOption(rows);
  await expect(page).toHaveURL(new RegExp(`rows=${rows}`));
}

test("add and remove a feature over a filtered selection larger than one page", async ({ page, request }) => {
  const tag = uniqueTag("bulkf");
  for (let i = 1; i <= 7; i++) await addProperty(request, `${tag} shop ${i}`, ["direct_read_access"]);
  for (let i = 1; i <= 2; i++) await addProperty(request, `${tag} blog ${i}`, ["access_issuer"]);
  await openHydrated(page, `/?q=${tag}&features=direct_read_access&sort=name`);
  await rowsPerPage(page, "5");
  await expect(bodyRows(page)).toHaveCount(5);
  await expect(page.getByText("1-5 of 7")).toBeVisible();

  // The page, then everything that matches (7, on two pages).
  await expect(bar(page)).toHaveCount(0);
  await selectPage(page).check();
  await expect(bar(page)).toContainText("5 selected");
  await bar(page).getByRole("button", { name: "Select all 7 matching" }).click();
  await expect(bar(page)).toContainText("All 7 matching selected");
  await page.getByRole("navigation", { name: "Pages" }).getByRole("button", { name: "Next page" }).click();
  await expect(page.getByText("6-7 of 7")).toBeVisible();
  await expect(table(page).getByRole("checkbox", { name: `Select ${tag} shop 7` })).toBeChecked();

  await bar(page).getByRole("button", { name: "Add feature…" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a feature" });
  await expect(dialog).toContainText("each of the 7 selected properties");
  await expect(dialog.getByLabel("Feature")).toBeFocused();
  // Nothing chosen: said beside the field.
  await dialog.getByRole("button", { name: "Add feature" }).click();
  await expect(dialog.locator("#bulk-field-error")).toHaveText("Choose a feature.");
  await dialog.getByLabel("Feature").selectOption("direct_access");
  await dialog.getByRole("button", { name: "Add feature" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: "Feature added to 7 properties." })).toBeVisible();
  await expect(bar(page)).toHaveCount(0);
  await expect(table(page).getByRole("checkbox", { checked: true })).toHaveCount(0);

  let found = await listed(request, tag);
  for (let i = 1; i <= 7; i++) expect(found.get(`${tag} shop ${i}`)!.features).toContain("direct_access");
  for (let i = 1; i <= 2; i++) expect(found.get(`${tag} blog ${i}`)!.features).toEqual(["access_issuer"]);

  // And off again, from page 2.
  await selectPage(page).check();
  await expect(bar(page)).toContainText("2 selected");
  await expect(bar(page).getByRole("button", { name: "Select all 7 matching" })).toBeVisible();
  await bar(page).getByRole("button", { name: "Select all 7 matching" }).click();
  await bar(page).getByRole("button", { name: "Remove feature…" }).click();
  const remove = page.getByRole("dialog", { name: "Remove a feature" });
  await remove.getByLabel("Feature").selectOption("direct_access");
  await remove.getByRole("button", { name: "Remove feature" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Feature removed from 7 properties." })).toBeVisible();
  found = await listed(request, tag);
  for (let i = 1; i <= 7; i++) expect(found.get(`${tag} shop ${i}`)!.features).toEqual(["direct_read_access"]);
  for (let i = 1; i <= 2; i++) expect(found.get(`${tag} blog ${i}`)!.features).toEqual(["access_issuer"]);
});

test.describe("a refusal", () => {
  // The refused change answers 422, which the browser logs.
  test.use({ allowedConsoleErrors: [/status of 422/] });
  test("a feature-rule clash is shown in the dialog, naming the property, and nothing changes", async ({ page, request }) => {
    const tag = uniqueTag("bulkc");
    await addProperty(request, `${tag} plain`, []);
    await addProperty(request, `${tag} writer`, ["direct_access"]);
    await openHydrated(page, `/?q=${tag}&sort=name`);
    await selectPage(page).check();
    await bar(page).getByRole("button", { name: "Add feature…" }).click();
    const dialog = page.getByRole("dialog", { name: "Add a feature" });
    await expect(dialog).toContainText("each of the 2 selected properties");
    await dialog.getByLabel("Feature").selectOption("login_client");
    await dialog.getByRole("button", { name: "Add feature" }).click();
    await expect(dialog.locator("#bulk-field-error")).toContainText(`${tag} writer`);
    await expect(dialog.getByLabel("Feature")).toHaveValue("login_client");
    await expect(dialog.getByLabel("Feature")).toHaveAttribute("aria-invalid", "true");
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(bar(page)).toContainText("2 selected");
    const found = await listed(request, tag);
    expect(found.get(`${tag} plain`)!.features).toEqual([]);
    expect(found.get(`${tag} writer`)!.features).toEqual(["direct_access"]);
  });
});

test("delete skips owners, and the dialog says how many", async ({ page, request }) => {
  const tag = uniqueTag("bulkd");
  for (let i = 1; i <= 3; i++) await addProperty(request, `${tag} gone ${i}`);
  for (let i = 1; i <= 2; i++) await addProperty(request, `${tag} owner ${i}`, ["owner"]);
  await openHydrated(page, `/?q=${tag}&sort=name`);
  await rowsPerPage(page, "10");
  await expect(bodyRows(page)).toHaveCount(5);
  await selectPage(page).check();
  await expect(bar(page)).toContainText("5 selected");
  await bar(page).getByRole("button", { name: "Delete…" }).click();
  const dialog = page.getByRole("alertdialog", { name: "Delete the selected properties?" });
  await expect(dialog).toContainText("3 properties will be deleted");
  await expect(dialog).toContainText("2 owners among them are skipped");
  // The safe choice has focus.
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await dialog.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Deleted 3 properties. 2 owners skipped." })).toBeVisible();
  await expect(bodyRows(page)).toHaveCount(2);
  const found = await listed(request, tag);
  expect([...found.keys()].sort()).toEqual([`${tag} owner 1`, `${tag} owner 2`]);
});

test("add an IP range: an invalid one is refused beside the field, a valid one is added", async ({ page, request }) => {
  const tag = uniqueTag("bulki");
  await addProperty(request, `${tag} a`);
  await addProperty(request, `${tag} b`);
  await addProperty(request, `${tag} c`);
  await openHydrated(page, `/?q=${tag}&sort=name`);
  // One by one: clicking a checkbox selects, it does not open the row.
  await table(page).getByRole("checkbox", { name: `Select ${tag} a` }).check();
  await table(page).getByRole("checkbox", { name: `Select ${tag} b` }).check();
  await expect(page).toHaveURL(/\/\?/);
  await expect(bar(page)).toContainText("2 selected");
  await expect(selectPage(page)).not.toBeChecked();
  await expect(bar(page).getByRole("button", { name: /^Select all/ })).toHaveCount(0);

  await bar(page).getByRole("button", { name: "Add IP range…" }).click();
  const dialog = page.getByRole("dialog", { name: "Add an IP range" });
  const range = dialog.getByLabel("IP range");
  await expect(range).toBeFocused();
  await range.fill("10.0.0.300/8");
  const error = dialog.locator("#bulk-field-error");
  await expect(error).not.toBeEmpty();
  await expect(range).toHaveAttribute("aria-invalid", "true");
  await dialog.getByRole("button", { name: "Add IP range" }).click();
  await expect(dialog).toBeVisible();
  await expect(range).toHaveValue("10.0.0.300/8");
  await expect(error).not.toBeEmpty();

  await range.fill("10.20.0.0/16");
  await expect(error).toBeEmpty();
  await dialog.getByRole("button", { name: "Add IP range" }).click();
  await expect(page.getByRole("status").filter({ hasText: "IP range added to 2 properties." })).toBeVisible();
  const found = await listed(request, tag);
  expect(found.get(`${tag} a`)!.whitelist).toContain("10.20.0.0/16");
  expect(found.get(`${tag} b`)!.whitelist).toContain("10.20.0.0/16");
  expect(found.get(`${tag} c`)!.whitelist).not.toContain("10.20.0.0/16");
});

test("the selection survives paging; a new search clears it", async ({ page, request }) => {
  const tag = uniqueTag("bulkp");
  for (let i = 1; i <= 6; i++) await addProperty(request, `${tag} item ${i}`);
  await openHydrated(page, `/?q=${tag}&sort=name`);
  await rowsPerPage(page, "5");
  await table(page).getByRole("checkbox", { name: `Select ${tag} item 1` }).check();
  await page.getByRole("navigation", { name: "Pages" }).getByRole("button", { name: "Next page" }).click();
  await table(page).getByRole("checkbox", { name: `Select ${tag} item 6` }).check();
  await expect(bar(page)).toContainText("2 selected");
  await page.getByRole("navigation", { name: "Pages" }).getByRole("button", { name: "Previous page" }).click();
  await expect(table(page).getByRole("checkbox", { name: `Select ${tag} item 1` })).toBeChecked();
  await expect(selectPage(page)).not.toBeChecked();
  await bar(page).getByRole("button", { name: "Clear selection" }).click();
  await expect(bar(page)).toHaveCount(0);
  await expect(selectPage(page)).toBeFocused();

  await table(page).getByRole("checkbox", { name: `Select ${tag} item 2` }).check();
  await expect(bar(page)).toContainText("1 selected");
  await page.getByLabel("Search properties").fill(`${tag} item`);
  await expect(page).toHaveURL(new RegExp(`q=${tag}%20item`));
  await expect(bar(page)).toHaveCount(0);
  await expect(table(page).getByRole("checkbox", { checked: true })).toHaveCount(0);
});

test("viewers see no selection column and no bulk actions, but can export", async ({ browser, request }) => {
  const tag = uniqueTag("bulkv");
  await addProperty(request, `${tag} one`);
  await addProperty(request, `${tag} two`);
  const viewer = account("bulk-viewer", "viewer");
  const { context, page } = await signedInAs(browser, viewer.username, viewer.password);
  await openHydrated(page, `/?q=${tag}`);
  await expect(bodyRows(page)).toHaveCount(2);
  await expect(page.getByRole("checkbox")).toHaveCount(0);
  await expect(table(page).locator(".select-cell")).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Export" })).toBeVisible();
  await context.close();
});

test("Export downloads the filtered properties, or the selection, without secrets", async ({ page, request }) => {
  const tag = uniqueTag("bulke");
  const shop = await addProperty(request, `${tag} shop`, ["direct_access"]);
  const blog = await addProperty(request, `${tag} blog`, ["login_client"]);
  const wiki = await addProperty(request, `${tag} wiki`, []);
  await openHydrated(page, `/?q=${tag}&features=direct_access,login_client`);
  await expect(bodyRows(page)).toHaveCount(2);

  async function download() {
    const started = page.waitForEvent("download");
    await page.getByRole("link", { name: "Export" }).click();
    const file = await started;
    expect(file.suggestedFilename()).toMatch(/^gatehouse-properties-\d{4}-\d{2}-\d{2}\.json$/);
    const text = fs.readFileSync((await file.path())!, "utf8");
    for (const secret of [shop.client_secret, blog.client_secret, wiki.client_secret]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/client_secret/);
    const document = JSON.parse(text);
    expect(document.format).toBe("gatehouse-export");
    return document.properties.map((p: any) => p.name).sort();
  }

  expect(await download()).toEqual([`${tag} blog`, `${tag} shop`]);
  await table(page).getByRole("checkbox", { name: `Select ${tag} shop` }).check();
  expect(await download()).toEqual([`${tag} shop`]);
  // Still on the list, the selection kept.
  await expect(bar(page)).toContainText("1 selected");
});

test("at 390 px each card has its checkbox, 44 px to tap, and the bar fits the screen", async ({ page, request }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const tag = uniqueTag("bulkm");
  await addProperty(request, `${tag} one`, ["direct_access"]);
  await addProperty(request, `${tag} two`);
  await openHydrated(page, `/?q=${tag}&sort=name`);
  const cards = bodyRows(page);
  await expect(cards).toHaveCount(2);
  for (const card of await cards.all()) {
    const target = card.locator("td.select-cell label");
    const box = (await target.boundingBox())!;
    expect(box.width).toBeGreaterThanOrEqual(44);
    expect(box.height).toBeGreaterThanOrEqual(44);
    expect(box.x).toBeGreaterThanOrEqual(0);
  }
  const header = (await page.locator("thead .select-cell label").boundingBox())!;
  expect(header.height).toBeGreaterThanOrEqual(44);
  // The page's checkbox is not covered by the sort buttons beside it.
  await selectPage(page).check();
  await expect(bar(page)).toContainText("2 selected");
  await selectPage(page).uncheck();
  await expect(bar(page)).toHaveCount(0);
  await cards.first().locator("td.select-cell label").click();
  await expect(table(page).getByRole("checkbox", { name: `Select ${tag} one` })).toBeChecked();
  await expect(page).toHaveURL(/\/\?/);
  await expect(bar(page)).toContainText("1 selected");
  const barBox = (await bar(page).boundingBox())!;
  expect(barBox.x + barBox.width).toBeLessThanOrEqual(390);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await bar(page).getByRole("button", { name: "Delete…" }).click();
  const dialog = page.getByRole("alertdialog", { name: "Delete the selected properties?" });
  await expect(dialog).toContainText("1 property will be deleted");
  const box = (await dialog.boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
});
