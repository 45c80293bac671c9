import { APIRequestContext, Page } from "@playwright/test";
import { test, expect, openHydrated } from "./fixtures";
import { addProperty, capture, uniqueTag } from "./api";

const feature = (page: Page, name: string) => page.getByRole("checkbox", { name, exact: true });
const ip = (page: Page, n: number) => page.getByRole("textbox", { name: `IP address ${n}`, exact: true });

/** The API's view of the properties whose name contains `tag`. */
async function listed(request: APIRequestContext, tag: string) {
  const body = await capture(request, "/clients/list");
  expect(body.stat).toBe("ok");
  return (body.results as { client_id: string; description: string; features: string[]; whitelist: string[] }[]).filter(
    (r) => r.description.includes(tag),
  );
}

test("create with the defaults opens the new property, which the API sees", async ({ page, request }) => {
  const tag = uniqueTag("crt");
  await openHydrated(page, "/properties/new");
  await expect(page.getByRole("heading", { name: "Create Property" })).toBeVisible();
  await expect(feature(page, "login_client")).toBeChecked();
  await expect(page.getByText("Property settings can be added after the property is saved")).toBeVisible();
  await page.getByLabel("Name").fill(`${tag} Web Login`);
  await page.getByRole("button", { name: "Create", exact: true }).click();

  await expect(page).toHaveURL(/\/properties\/[a-z0-9]{32}$/);
  await expect(page.getByRole("heading", { name: `${tag} Web Login` })).toBeVisible();
  await expect(page.getByText(`Property \u201c${tag} Web Login\u201d created.`)).toBeVisible();
  const [row] = await listed(request, tag);
  expect(page.url()).toContain(row.client_id);
  expect(row.features).toEqual(["login_client"]);
  expect(row.whitelist).toEqual(["0.0.0.0/0"]);
});

test("login_client excludes every other feature, live, with the reason as a tooltip", async ({ page, request }) => {
  const tag = uniqueTag("excl");
  await openHydrated(page, "/properties/new");
  for (const other of ["owner", "access_issuer", "direct_read_access", "direct_access", "metadata"]) {
    await expect(feature(page, other)).toBeDisabled();
  }
  await expect(page.locator(".feature-option", { has: feature(page, "owner") })).toHaveAttribute(
    "title",
    /login_client is selected and cannot be combined with other features/,
  );

  await feature(page, "login_client").uncheck();
  await feature(page, "direct_access").check();
  await feature(page, "access_issuer").check();
  await expect(feature(page, "login_client")).toBeDisabled();
  await expect(page.locator(".feature-option", { has: feature(page, "login_client") })).toHaveAttribute(
    "title",
    /cannot be combined with other features; untick them first/,
  );
  await expect(feature(page, "owner")).toBeEnabled();

  await page.getByLabel("Name").fill(`${tag} issuer`);
  await page.getByRole("button", { name: "Create", exact: true }).click();
  await expect(page.getByRole("heading", { name: `${tag} issuer` })).toBeVisible();
  const [row] = await listed(request, tag);
  expect(row.features.sort()).toEqual(["access_issuer", "direct_access"]);
});

test("a bad CIDR is flagged as you type and refused; a non-canonical one offers its block", async ({ page, request }) => {
  const tag = uniqueTag("cidr");
  await openHydrated(page, "/properties/new");
  await page.getByLabel("Name").fill(`${tag} ranges`);
  await page.getByRole("button", { name: "Add New IP Address" }).click();
  const first = ip(page, 1);
  await expect(first).toBeFocused();
  await first.fill("10.0.0.300/8");
  await expect(first).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("300 is too large; each number of an IPv4 address must be 0 to 255")).toBeVisible();

  await page.getByRole("button", { name: "Create", exact: true }).click();
  await expect(page).toHaveURL(/\/properties\/new$/);
  await expect(first).toBeFocused();
  expect(await listed(request, tag)).toEqual([]);

  await first.fill("10.1.2.3/8");
  await expect(first).toHaveAttribute("aria-invalid", "false");
  await expect(page.getByText("10.1.2.3/8 has host bits set; the block it covers is 10.0.0.0/8.")).toBeVisible();
  await page.getByRole("button", { name: "Use 10.0.0.0/8" }).click();
  await expect(first).toHaveValue("10.0.0.0/8");

  await page.getByRole("button", { name: "Add New IP Address" }).click();
  await ip(page, 2).fill("2001:db8::/32");
  await page.getByRole("button", { name: "Add New IP Address" }).click();
  await ip(page, 3).fill("junk");
  await page.getByRole("button", { name: "Remove IP address 3" }).click();
  await expect(ip(page, 3)).toHaveCount(0);

  await page.getByRole("button", { name: "Create", exact: true }).click();
  await expect(page.getByRole("heading", { name: `${tag} ranges` })).toBeVisible();
  const [row] = await listed(request, tag);
  expect(row.whitelist).toEqual(["10.0.0.0/8", "2001:db8::/32"]);
});

test.describe("refused by the server", () => {
  test.use({ allowedConsoleErrors: [/status of 422/] });

  test("a name clash is shown beside the field and nothing is overwritten", async ({ page, request }) => {
    const tag = uniqueTag("clash");
    const existing = await addProperty(request, `${tag} Taken`, ["direct_access"]);
    await openHydrated(page, "/properties/new");
    const name = page.getByLabel("Name");
    await name.fill(`${tag} TAKEN`);
    await page.getByRole("button", { name: "Create", exact: true }).click();
    await expect(page.getByText(`Another property is already named "${tag} TAKEN"; choose a different name.`)).toBeVisible();
    await expect(name).toHaveAttribute("aria-invalid", "true");
    await expect(name).toHaveValue(`${tag} TAKEN`);
    await expect(name).toBeFocused();
    const rows = await listed(request, tag);
    expect(rows).toHaveLength(1);
    expect(rows[0].client_id).toBe(existing.client_id);
    expect(rows[0].features).toEqual(["direct_access"]);
  });
});

test("Cancel asks first when something was typed", async ({ page }) => {
  await openHydrated(page, "/properties/new");
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page).toHaveURL(/\/$/);

  await openHydrated(page, "/properties/new");
  await page.getByLabel("Name").fill("Half typed");
  await page.getByRole("button", { name: "Cancel" }).click();
  const dialog = page.getByRole("alertdialog", { name: "Do you really want to cancel?" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Yes" })).toBeFocused();
  await dialog.getByRole("button", { name: "No" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByLabel("Name")).toHaveValue("Half typed");

  await page.getByRole("button", { name: "Cancel" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Yes" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: "Manage Properties" })).toBeVisible();
});
