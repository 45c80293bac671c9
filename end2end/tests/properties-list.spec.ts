import { Page } from "@playwright/test";
import { test, expect, openHydrated } from "./fixtures";
import { addProperty, capture, ownerCredentials, uniqueTag } from "./api";

const table = (page: Page) => page.getByRole("table", { name: "Properties" });
const bodyRows = (page: Page) => table(page).locator("tbody tr");
const namesShown = (page: Page) => table(page).locator("tbody tr td.name-cell").allTextContents();
const search = (page: Page) => page.getByLabel("Search properties");

async function searchFor(page: Page, text: string) {
  await search(page).fill(text);
  await expect(page).toHaveURL(new RegExp(`[?&]q=${encodeURIComponent(text)}`));
}

test("search matches a fragment of the name or of the id, case-insensitively", async ({ page, request }) => {
  const tag = uniqueTag("srch");
  const portal = await addProperty(request, `${tag} Customer Portal`);
  await addProperty(request, `${tag} Mobile App`);
  await openHydrated(page, "/");

  await searchFor(page, `${tag} CUSTOMER`);
  await expect(bodyRows(page)).toHaveCount(1);
  await expect(bodyRows(page).first()).toContainText(`${tag} Customer Portal`);

  await searchFor(page, tag);
  await expect(bodyRows(page)).toHaveCount(2);

  await searchFor(page, portal.client_id.slice(5, 17));
  await expect(bodyRows(page)).toHaveCount(1);
  await expect(bodyRows(page).first()).toContainText(portal.client_id);

  await searchFor(page, "zz-no-such-property-zz");
  await expect(page.getByText("No properties match this search and filter.")).toBeVisible();

  await search(page).fill("");
  await expect(page).not.toHaveURL(/q=/);
  await expect(page.getByText(/\d+-\d+ of \d+/)).toBeVisible();
});

test("filter by one feature and by two", async ({ page, request }) => {
  const tag = uniqueTag("filt");
  await addProperty(request, `${tag} reader`, ["direct_read_access"]);
  await addProperty(request, `${tag} writer`, ["direct_access"]);
  await addProperty(request, `${tag} login`, ["login_client"]);
  await openHydrated(page, `/?q=${tag}&sort=name`);
  await expect(bodyRows(page)).toHaveCount(3);

  const filterButton = page.getByRole("button", { name: "Filter by feature" });
  await filterButton.click();
  await expect(filterButton).toHaveAttribute("aria-expanded", "true");
  await page.keyboard.press("Escape");
  await expect(filterButton).toHaveAttribute("aria-expanded", "false");
  await expect(page.getByRole("checkbox", { name: "direct_access" })).toBeHidden();
  await filterButton.click();
  await page.getByRole("checkbox", { name: "direct_access" }).check();
  await expect(page).toHaveURL(/features=direct_access/);
  // The address changes at once, the rows when the server answers: wait for them.
  await expect(table(page).locator("tbody tr td.name-cell")).toHaveText([`${tag} writer`]);

  await page.getByRole("checkbox", { name: "login_client" }).check();
  await expect(bodyRows(page)).toHaveCount(2);
  expect(await namesShown(page)).toEqual([`${tag} login`, `${tag} writer`]);
  await page.keyboard.press("Escape");
  await expect(filterButton).toBeFocused();

  const active = page.getByRole("group", { name: "Active filter" });
  await expect(active).toContainText("direct_access");
  await active.getByRole("button", { name: "Remove login_client from the filter" }).click();
  await expect(bodyRows(page)).toHaveCount(1);
  await active.getByRole("button", { name: "Clear filter" }).click();
  await expect(bodyRows(page)).toHaveCount(3);
  await expect(page).not.toHaveURL(/features=/);
});

test("Name and Id sort both ways; the active sort is marked", async ({ page, request }) => {
  const tag = uniqueTag("sort");
  const created = [];
  for (const name of ["bravo", "Alpha", "charlie"]) created.push(await addProperty(request, `${tag} ${name}`));
  await openHydrated(page, `/?q=${tag}`);

  const idHeader = page.getByRole("columnheader", { name: "Id" });
  const nameHeader = page.getByRole("columnheader", { name: "Name" });
  await expect(idHeader).toHaveAttribute("aria-sort", "ascending");
  const ids = created.map((c) => c.client_id).sort();
  await expect(table(page).locator("tbody tr td.id-cell")).toHaveText(ids);

  await nameHeader.getByRole("button").click();
  await expect(nameHeader).toHaveAttribute("aria-sort", "ascending");
  await expect(idHeader).toHaveAttribute("aria-sort", "none");
  await expect(table(page).locator("tbody tr td.name-cell")).toHaveText([`${tag} Alpha`, `${tag} bravo`, `${tag} charlie`]);

  await nameHeader.getByRole("button").click();
  await expect(nameHeader).toHaveAttribute("aria-sort", "descending");
  await expect(table(page).locator("tbody tr td.name-cell")).toHaveText([`${tag} charlie`, `${tag} bravo`, `${tag} Alpha`]);

  await idHeader.getByRole("button").click();
  await idHeader.getByRole("button").click();
  await expect(idHeader).toHaveAttribute("aria-sort", "descending");
  await expect(table(page).locator("tbody tr td.id-cell")).toHaveText([...ids].reverse());
  await expect(page.getByRole("columnheader", { name: "Features" }).getByRole("button")).toHaveCount(0);
});

test("paging shows ranges and stops at the ends", async ({ page, request }) => {
  const tag = uniqueTag("page");
  for (let i = 1; i <= 12; i++) await addProperty(request, `${tag} ${String(i).padStart(2, "0")}`);
  await openHydrated(page, `/?q=${tag}&sort=name`);

  const previous = page.getByRole("button", { name: "Previous page" });
  const next = page.getByRole("button", { name: "Next page" });
  await expect(page.getByText("1-5 of 12")).toBeVisible();
  await expect(previous).toBeDisabled();
  await next.click();
  await expect(page.getByText("6-10 of 12")).toBeVisible();
  expect((await namesShown(page))[0]).toBe(`${tag} 06`);
  await next.click();
  await expect(page.getByText("11-12 of 12")).toBeVisible();
  await expect(next).toBeDisabled();
  await expect(page).toHaveURL(/page=3/);

  // Back and forward walk the list's history; a reload keeps the page.
  await page.goBack();
  await expect(page.getByText("6-10 of 12")).toBeVisible();
  await page.goForward();
  await expect(page.getByText("11-12 of 12")).toBeVisible();
  await page.reload();
  await expect(page.getByText("11-12 of 12")).toBeVisible();
  await previous.click();
  await expect(page.getByText("6-10 of 12")).toBeVisible();
});

test("Rows per page is remembered across visits and reloads", async ({ page, request }) => {
  const tag = uniqueTag("rows");
  for (let i = 1; i <= 12; i++) await addProperty(request, `${tag} ${i}`);
  await openHydrated(page, `/?q=${tag}`);
  await expect(page.getByLabel("Rows per page")).toHaveValue("5");
  await page.getByLabel("Rows per page").selectOption("10");
  await expect(page.getByText("1-10 of 12")).toBeVisible();
  expect(await page.evaluate(() => localStorage.getItem("gatehouse.rowsPerPage"))).toBe("10");

  // A new visit without rows in the address renders ten rows from the first paint.
  const response = await page.goto(`/?q=${tag}`);
  expect(await response!.text()).toContain("1-10 of 12");
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  await expect(page.getByLabel("Rows per page")).toHaveValue("10");
  await expect(bodyRows(page)).toHaveCount(10);

  // Even if the cookie is gone, local storage restores the choice.
  await page.context().clearCookies({ name: "gatehouse_rows" });
  await openHydrated(page, `/?q=${tag}`);
  await expect(page.getByText("1-10 of 12")).toBeVisible();
  await page.getByLabel("Rows per page").selectOption("5");
});

test("a shared link shows the same view", async ({ page, request }) => {
  const tag = uniqueTag("link");
  await addProperty(request, `${tag} one`, ["access_issuer"]);
  await addProperty(request, `${tag} two`, ["access_issuer"]);
  await addProperty(request, `${tag} three`);
  await openHydrated(page, `/?q=${tag}&features=access_issuer&sort=name&dir=desc`);
  await expect(search(page)).toHaveValue(tag);
  expect(await namesShown(page)).toEqual([`${tag} two`, `${tag} one`]);
  await expect(page.getByRole("columnheader", { name: "Name" })).toHaveAttribute("aria-sort", "descending");
});

test("copy makes a new property with the same features, whitelist and settings", async ({ page, request }) => {
  const tag = uniqueTag("copy");
  const source = await addProperty(request, `${tag} United States`, ["direct_access"]);
  await capture(request, "/clients/set_whitelist", { for_client_id: source.client_id, whitelist: '["10.0.0.0/8"]' });
  await capture(request, "/settings/set", { for_client_id: source.client_id, key: "site_name", value: "US" });
  await openHydrated(page, `/?q=${tag}`);

  const actions = page.getByRole("button", { name: `Actions for ${tag} United States` });
  await actions.click();
  await expect(page.getByRole("menuitem", { name: "Copy" })).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("menuitem", { name: "Delete" })).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("menuitem", { name: "Copy" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("menu")).toHaveCount(0);
  await expect(actions).toBeFocused();
  await actions.click();
  await page.getByRole("menuitem", { name: "Copy" }).click();
  const dialog = page.getByRole("dialog", { name: "Copy this property" });
  const name = dialog.getByLabel("Name");
  await expect(name).toHaveValue(`${tag} United States copy`);
  await expect(name).toBeFocused();
  await name.press("Enter");
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: "Property copied" })).toBeVisible();
  await expect(bodyRows(page)).toHaveCount(2);

  const list = await capture(request, "/clients/list");
  const copy = list.results.find((r: any) => r.description === `${tag} United States copy`);
  expect(copy.client_id).not.toBe(source.client_id);
  expect(copy.features).toEqual(["direct_access"]);
  expect(copy.whitelist).toEqual(["10.0.0.0/8"]);
  const settings = await capture(request, "/settings/items", { for_client_id: copy.client_id });
  expect(settings.result).toEqual({ site_name: "US" });

  // Copying the copy proposes "... copy copy".
  await page.getByRole("button", { name: `Actions for ${tag} United States copy` }).click();
  await page.getByRole("menuitem", { name: "Copy" }).click();
  await expect(dialog.getByLabel("Name")).toHaveValue(`${tag} United States copy copy`);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
});

test.describe("refused input", () => {
  // The server answers a refused name with 422, which Chromium logs; nothing else may be logged.
  test.use({ allowedConsoleErrors: [/status of 422/] });

  test("a name clash in the copy dialog is shown in the dialog, which keeps the typed name", async ({ page, request }) => {
  const tag = uniqueTag("clash");
  await addProperty(request, `${tag} a`);
  await addProperty(request, `${tag} b`);
  await openHydrated(page, `/?q=${tag}&sort=name`);
  await page.getByRole("button", { name: `Actions for ${tag} a` }).click();
  await page.getByRole("menuitem", { name: "Copy" }).click();
  const dialog = page.getByRole("dialog", { name: "Copy this property" });
  await dialog.getByLabel("Name").fill(`${tag.toUpperCase()} B`);
  await dialog.getByRole("button", { name: "Copy" }).click();
  await expect(dialog.getByRole("alert")).toContainText("Another property is already named");
  await expect(dialog.getByLabel("Name")).toHaveValue(`${tag.toUpperCase()} B`);
  await expect(dialog.getByLabel("Name")).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByLabel("Name")).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(bodyRows(page)).toHaveCount(2);
  });
});

test("delete asks first and removes the property", async ({ page, request }) => {
  const tag = uniqueTag("del");
  const doomed = await addProperty(request, `${tag} doomed`);
  await addProperty(request, `${tag} kept`);
  await openHydrated(page, `/?q=${tag}`);

  await page.getByRole("button", { name: `Actions for ${tag} doomed` }).click();
  await page.getByRole("menuitem", { name: "Delete" }).click();
  const dialog = page.getByRole("alertdialog", { name: "Would you like to delete this property?" });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(bodyRows(page)).toHaveCount(2);

  await page.getByRole("button", { name: `Actions for ${tag} doomed` }).click();
  await page.getByRole("menuitem", { name: "Delete" }).click();
  await expect(dialog.getByRole("button", { name: "Delete" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: "deleted" })).toBeVisible();
  expect(await namesShown(page)).toEqual([`${tag} kept`]);
  const list = await capture(request, "/clients/list");
  expect(list.results.some((r: any) => r.client_id === doomed.client_id)).toBe(false);
});

test("owners cannot be deleted from the list", async ({ page, request }) => {
  const owner = ownerCredentials();
  await openHydrated(page, `/?q=${owner.client_id}`);
  await expect(bodyRows(page)).toHaveCount(1);
  const name = (await namesShown(page))[0];
  await page.getByRole("button", { name: `Actions for ${name}` }).click();
  const del = page.getByRole("menuitem", { name: /Delete/ });
  await expect(del).toHaveAttribute("aria-disabled", "true");
  await expect(del).toHaveAttribute("title", "Owner properties cannot be deleted.");
  // Playwright refuses to click aria-disabled items; a user can, and nothing must happen.
  await del.click({ force: true });
  await expect(page.getByRole("alertdialog")).toHaveCount(0);
  const list = await capture(request, "/clients/list");
  expect(list.results.some((r: any) => r.client_id === owner.client_id)).toBe(true);
});

test("a row opens its property", async ({ page, request }) => {
  const tag = uniqueTag("open");
  const created = await addProperty(request, `${tag} target`, ["access_issuer"]);
  await openHydrated(page, `/?q=${tag}`);
  await bodyRows(page).first().locator("td.id-cell").click();
  await expect(page).toHaveURL(new RegExp(`/properties/${created.client_id}$`));
  await expect(page.getByRole("heading", { level: 1, name: `${tag} target` })).toBeVisible();
  await page.goBack();
  await table(page).getByRole("link", { name: `${tag} target` }).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/properties/${created.client_id}$`));
});
