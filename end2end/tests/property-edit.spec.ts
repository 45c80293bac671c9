import { APIRequestContext, Page } from "@playwright/test";
import { test, expect, openHydrated, waitHydrated } from "./fixtures";
import { addProperty, capture, Credentials, uniqueTag } from "./api";

const feature = (page: Page, name: string) => page.getByRole("checkbox", { name, exact: true });
const ip = (page: Page, n: number) => page.getByRole("textbox", { name: `IP address ${n}`, exact: true });
const secretBox = (page: Page) => page.getByRole("textbox", { name: "Client Secret" });
const saveButton = (page: Page) => page.getByRole("button", { name: "Save changes" });
const DOTS = "•".repeat(32);

/** The API's row for one property. */
async function apiRow(request: APIRequestContext, clientId: string) {
  const body = await capture(request, "/clients/list");
  return (body.results as { client_id: string; description: string; features: string[]; whitelist: string[] }[]).find(
    (r) => r.client_id === clientId,
  );
}

/** Whether these credentials authenticate over the API (402 when they do not). */
async function works(request: APIRequestContext, credentials: Credentials) {
  const body = await capture(request, "/settings/items", {}, credentials);
  if (body.stat === "ok") return true;
  expect(body.code, JSON.stringify(body)).toBe(402);
  return false;
}

async function openProperty(page: Page, clientId: string) {
  await openHydrated(page, `/properties/${clientId}`);
}

test("rename keeps the id; the API sees the new name", async ({ page, request }) => {
  const tag = uniqueTag("ren");
  const property = await addProperty(request, `${tag} Before`);
  await openProperty(page, property.client_id);
  await expect(page.getByRole("heading", { name: `${tag} Before` })).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Client ID" })).toHaveValue(property.client_id);
  await page.getByLabel("Name").fill(`${tag} After`);
  await expect(page.getByText("Unsaved changes")).toBeVisible();
  await saveButton(page).click();
  await expect(page.getByText("Changes saved.")).toBeVisible();
  await expect(page.getByRole("heading", { name: `${tag} After` })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/properties/${property.client_id}$`));
  expect((await apiRow(request, property.client_id))?.description).toBe(`${tag} After`);
});

test("the secret is dots until the eye shows it; it is never in the page before", async ({ page, request }) => {
  const property = await addProperty(request, uniqueTag("eye"));
  await openProperty(page, property.client_id);
  expect(await page.content()).not.toContain(property.client_secret);
  await expect(secretBox(page)).toHaveText(DOTS);
  await expect(secretBox(page)).toHaveCSS("user-select", "none");

  await page.getByRole("button", { name: "Show client secret" }).click();
  await expect(secretBox(page)).toHaveText(property.client_secret);
  await expect(page.getByRole("button", { name: "Hide client secret" })).toHaveAttribute("aria-pressed", "true");
  await page.getByRole("button", { name: "Hide client secret" }).click();
  await expect(secretBox(page)).toHaveText(DOTS);
});

test("the copy icons put the secret and the id on the clipboard", async ({ page, context, request }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const property = await addProperty(request, uniqueTag("clip"));
  await openProperty(page, property.client_id);
  await page.getByRole("button", { name: "Copy client secret" }).click();
  await expect(page.getByText("Client secret copied to the clipboard.")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(property.client_secret);
  await expect(secretBox(page)).toHaveText(DOTS);

  await page.getByRole("button", { name: "Copy client ID" }).click();
  await expect(page.getByText("Client ID copied to the clipboard.")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(property.client_id);
});

async function resetSecret(page: Page, hours: string) {
  await page.getByRole("button", { name: "Reset Secret" }).click();
  const first = page.getByRole("dialog", { name: "How long would you like the current secret to remain active?" });
  await expect(first.getByLabel("Hours to Expire")).toBeFocused();
  await first.getByLabel("Hours to Expire").fill(hours);
  await first.getByRole("button", { name: "Next" }).click();
  const second = page.getByRole("alertdialog", { name: "Are you sure you want to reset this secret?" });
  await second.getByRole("button", { name: "Yes" }).click();
  const third = page.getByRole("dialog", { name: "Secret successfully reset" });
  await expect(third).toBeVisible();
  const secret = (await third.getByTestId("new-secret").textContent())!.trim();
  expect(secret).toMatch(/^[a-z0-9]{32}$/);
  await third.getByRole("button", { name: "Close" }).click();
  await expect(third).toBeHidden();
  return secret;
}

test("Hours to Expire refuses anything but 0-168; No leaves the secret alone", async ({ page, request }) => {
  const property = await addProperty(request, uniqueTag("hrs"));
  await openProperty(page, property.client_id);
  await page.getByRole("button", { name: "Reset Secret" }).click();
  const hours = page.getByLabel("Hours to Expire");
  for (const bad of ["169", "-1", "1.5", "soon"]) {
    await hours.fill(bad);
    await expect(page.getByText("The number of hours must be a whole number from 0 to 168.")).toBeVisible();
    await expect(hours).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByRole("button", { name: "Next" })).toHaveAttribute("aria-disabled", "true");
    await hours.press("Enter");
    await expect(page.getByRole("alertdialog")).toHaveCount(0);
    await expect(hours).toHaveValue(bad);
  }
  await hours.fill("5");
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("alertdialog", { name: "Are you sure you want to reset this secret?" }).getByRole("button", { name: "No" }).click();
  await expect(page.getByRole("alertdialog")).toHaveCount(0);
  expect(await works(request, property)).toBe(true);
});

test("reset with 0 hours: the old secret is refused at once", async ({ page, request }) => {
  const property = await addProperty(request, uniqueTag("rst0"), ["direct_read_access"]);
  await openProperty(page, property.client_id);
  const secret = await resetSecret(page, "0");
  expect(await works(request, property)).toBe(false);
  expect(await works(request, { client_id: property.client_id, client_secret: secret })).toBe(true);
  await expect(page.getByText(/The previous secret also works until/)).toHaveCount(0);
  await page.getByRole("button", { name: "Show client secret" }).click();
  await expect(secretBox(page)).toHaveText(secret);
});

test("reset with 2 hours: both work, with a count-down, until Expire now", async ({ page, request }) => {
  const property = await addProperty(request, uniqueTag("rst2"), ["direct_read_access"]);
  await openProperty(page, property.client_id);
  const secret = await resetSecret(page, "2");
  const fresh = { client_id: property.client_id, client_secret: secret };
  expect(await works(request, property)).toBe(true);
  expect(await works(request, fresh)).toBe(true);

  const notice = page.getByText(/The previous secret also works until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(1 h 59 min \d+ s left\)/);
  await expect(notice).toBeVisible();
  const before = await notice.textContent();
  await expect(notice).not.toHaveText(before!);

  await page.getByRole("button", { name: "Expire now" }).click();
  const confirm = page.getByRole("alertdialog", { name: "Expire the previous secret now?" });
  await confirm.getByRole("button", { name: "Yes" }).click();
  await expect(page.getByText("The previous secret no longer works.")).toBeVisible();
  await expect(notice).toHaveCount(0);
  expect(await works(request, property)).toBe(false);
  expect(await works(request, fresh)).toBe(true);

  // The reset did not make the page's own edits stale.
  await page.getByLabel("Name").fill(`${uniqueTag("rst2")} renamed`);
  await saveButton(page).click();
  await expect(page.getByText("Changes saved.")).toBeVisible();
});

test("features and whitelist are saved together and seen by the API", async ({ page, request }) => {
  const property = await addProperty(request, uniqueTag("fw"), ["login_client"]);
  await openProperty(page, property.client_id);
  await expect(feature(page, "direct_access")).toBeDisabled();
  await feature(page, "login_client").uncheck();
  await feature(page, "direct_access").check();
  await feature(page, "metadata").check();
  await expect(feature(page, "login_client")).toBeDisabled();

  await expect(ip(page, 1)).toHaveValue("0.0.0.0/0");
  await page.getByRole("button", { name: "Remove IP address 1" }).click();
  await expect(page.getByText("No IP address ranges: any address is now allowed.")).toBeVisible();
  await page.getByRole("button", { name: "Add New IP Address" }).click();
  await ip(page, 1).fill("192.0.2.7");
  await page.getByRole("button", { name: "Add New IP Address" }).click();
  await ip(page, 2).fill("10.1.2.3/8");
  await expect(page.getByText("10.1.2.3/8 has host bits set; the block it covers is 10.0.0.0/8.")).toBeVisible();
  await saveButton(page).click();
  await expect(page.getByText("Changes saved.")).toBeVisible();
  await expect(ip(page, 1)).toHaveValue("192.0.2.7/32");
  await expect(page.getByText("Unsaved changes")).toHaveCount(0);

  const row = await apiRow(request, property.client_id);
  expect(row?.features).toEqual(["direct_access", "metadata"]);
  expect(row?.whitelist).toEqual(["192.0.2.7/32", "10.1.2.3/8"]);

  // Removing every range means any address again.
  await page.getByRole("button", { name: "Remove IP address 2" }).click();
  await page.getByRole("button", { name: "Remove IP address 1" }).click();
  await saveButton(page).click();
  await expect(page.getByText("Changes saved.")).toHaveCount(2);
  expect((await apiRow(request, property.client_id))?.whitelist).toEqual([]);
});

test("a saved owner keeps its owner box locked and cannot be deleted", async ({ page, request }) => {
  const property = await addProperty(request, uniqueTag("own"));
  await openProperty(page, property.client_id);
  await feature(page, "login_client").uncheck();
  await feature(page, "owner").check();
  await expect(feature(page, "owner")).toBeEnabled();
  await expect(page.getByRole("button", { name: "Delete property" })).toBeEnabled();
  await saveButton(page).click();
  await expect(page.getByText("Changes saved.")).toBeVisible();
  await expect(feature(page, "owner")).toBeChecked();
  await expect(feature(page, "owner")).toBeDisabled();
  await expect(page.locator(".feature-option", { has: feature(page, "owner") })).toHaveAttribute(
    "title",
    "The owner feature cannot be removed once it has been saved.",
  );
  await expect(page.getByRole("button", { name: "Delete property" })).toBeDisabled();
  expect((await apiRow(request, property.client_id))?.features).toEqual(["owner"]);
});

test("delete asks first, returns to the list with a confirmation", async ({ page, request }) => {
  const name = `${uniqueTag("del")} Doomed`;
  const property = await addProperty(request, name);
  await openProperty(page, property.client_id);
  await page.getByRole("button", { name: "Delete property" }).click();
  const dialog = page.getByRole("alertdialog", { name: "Would you like to delete this property?" });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await page.getByRole("button", { name: "Delete property" }).click();
  await dialog.getByRole("button", { name: "Delete" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByText(`Property \u201c${name}\u201d deleted.`)).toBeVisible();
  expect(await apiRow(request, property.client_id)).toBeUndefined();
});

test("copy property opens the copy", async ({ page, request }) => {
  const name = uniqueTag("cpy");
  const property = await addProperty(request, name, ["access_issuer"]);
  await openProperty(page, property.client_id);
  await page.getByRole("button", { name: "Copy property" }).click();
  const dialog = page.getByRole("dialog", { name: "Copy this property" });
  await expect(dialog.getByLabel("Name")).toHaveValue(`${name} copy`);
  await dialog.getByRole("button", { name: "Copy" }).click();
  await expect(page.getByRole("heading", { name: `${name} copy` })).toBeVisible();
  await expect(feature(page, "access_issuer")).toBeChecked();
  expect(page.url()).not.toContain(property.client_id);
});

test("Edit Settings opens the property's settings page", async ({ page, request }) => {
  const property = await addProperty(request, uniqueTag("set"));
  await openProperty(page, property.client_id);
  await page.getByRole("link", { name: "Edit Settings" }).click();
  await expect(page).toHaveURL(new RegExp(`/properties/${property.client_id}/settings$`));
  await expect(page.getByRole("heading", { name: "Edit Settings" })).toBeVisible();
});

test("leaving with unsaved changes asks first", async ({ page, request }) => {
  const property = await addProperty(request, uniqueTag("leave"));
  await openProperty(page, property.client_id);
  await page.getByLabel("Name").fill("Not saved yet");
  const asked = new Promise<string>((resolve) =>
    page.once("dialog", (dialog) => {
      resolve(dialog.type());
      void dialog.dismiss();
    }),
  );
  await page.getByRole("link", { name: "Manage Properties" }).click();
  expect(await asked).toBe("beforeunload");
  await expect(page).toHaveURL(new RegExp(`/properties/${property.client_id}$`));
  await expect(page.getByLabel("Name")).toHaveValue("Not saved yet");

  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("link", { name: "Manage Properties" }).click();
  await expect(page).toHaveURL(/\/$/);
});

test("Back with unsaved changes asks first; staying keeps the page and the edits", async ({ page, request }) => {
  const tag = uniqueTag("back");
  const property = await addProperty(request, tag);
  await openHydrated(page, `/properties/${property.client_id}/settings`);
  await page.getByRole("link", { name: tag }).click();
  await expect(page).toHaveURL(new RegExp(`/properties/${property.client_id}$`));
  await waitHydrated(page);
  await page.getByLabel("Name").fill("Not saved yet");

  const asked = new Promise<string>((resolve) =>
    page.once("dialog", (dialog) => {
      resolve(dialog.type());
      void dialog.dismiss();
    }),
  );
  await page.evaluate(() => history.back());
  expect(await asked).toBe("beforeunload");
  await expect(page).toHaveURL(new RegExp(`/properties/${property.client_id}$`));
  await expect(page.getByLabel("Name")).toHaveValue("Not saved yet");

  page.once("dialog", (dialog) => void dialog.accept());
  await page.evaluate(() => history.back());
  await expect(page).toHaveURL(new RegExp(`/properties/${property.client_id}/settings$`));
  await expect(page.getByRole("heading", { level: 1, name: "Edit Settings" })).toBeVisible();
});

test.describe("conflicts and refusals", () => {
  test.use({ allowedConsoleErrors: [/status of (409|422)/] });

  test("a concurrent edit is detected; nothing is overwritten and the typed edits stay", async ({ page, request }) => {
    const tag = uniqueTag("conc");
    const property = await addProperty(request, `${tag} Original`);
    await openProperty(page, property.client_id);
    const other = await capture(request, "/clients/set_description", {
      for_client_id: property.client_id,
      description: `${tag} Theirs`,
    });
    expect(other.stat).toBe("ok");

    await page.getByLabel("Name").fill(`${tag} Mine`);
    await saveButton(page).click();
    await expect(page.getByRole("alert").filter({ hasText: "Someone else changed this property after you opened it" })).toBeVisible();
    await expect(page.getByLabel("Name")).toHaveValue(`${tag} Mine`);
    expect((await apiRow(request, property.client_id))?.description).toBe(`${tag} Theirs`);

    // Taking their version discards the typed edits; saving then works again.
    await page.getByRole("button", { name: "Load the latest version (discard my edits)" }).click();
    await expect(page.getByLabel("Name")).toHaveValue(`${tag} Theirs`);
    await expect(page.getByRole("heading", { name: `${tag} Theirs` })).toBeVisible();
    await page.getByLabel("Name").fill(`${tag} Mine again`);
    await saveButton(page).click();
    await expect(page.getByText("Changes saved.")).toBeVisible();
    expect((await apiRow(request, property.client_id))?.description).toBe(`${tag} Mine again`);
  });

  test("a taken name is refused beside the field on save, nothing written", async ({ page, request }) => {
    const tag = uniqueTag("rule");
    await addProperty(request, `${tag} Taken`);
    const property = await addProperty(request, `${tag} Mine`);
    await openProperty(page, property.client_id);
    await page.getByLabel("Name").fill(`${tag} taken`);
    await saveButton(page).click();
    await expect(page.getByText(`Another property is already named "${tag} taken"; choose a different name.`)).toBeVisible();
    await expect(page.getByLabel("Name")).toBeFocused();
    expect((await apiRow(request, property.client_id))?.description).toBe(`${tag} Mine`);
  });
});

test("Test an address judges the ranges on screen, saved or not, as the server does", async ({ page, request }) => {
  const property = await addProperty(request, uniqueTag("tst"), ["direct_read_access"]);
  await openProperty(page, property.client_id);
  const probe = page.getByLabel("Test an address");
  const verdict = page.locator("#test-address-result");
  await ip(page, 1).fill("10.0.0.0/8");
  await probe.fill("10.20.30.40");
  await expect(verdict).toHaveText("10.20.30.40 is allowed by IP address 1: 10.0.0.0/8.");
  await probe.fill("203.0.113.9");
  await expect(verdict).toHaveText("203.0.113.9 is not allowed: no range on this list contains it.");

  // A range added but not saved counts at once.
  await page.getByRole("button", { name: "Add New IP Address" }).click();
  await ip(page, 2).fill("203.0.113.0/24");
  await expect(verdict).toHaveText("203.0.113.9 is allowed by IP address 2: 203.0.113.0/24.");
  await probe.fill("not an address");
  await expect(verdict).toHaveText("\u201cnot an address\u201d is not an IPv4 or IPv6 address.");

  // Cleared, it says nothing.
  await probe.fill("");
  await expect(verdict).toHaveText("");
});
