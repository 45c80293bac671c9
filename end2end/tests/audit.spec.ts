import { Page } from "@playwright/test";
import { test, expect, openHydrated, signedInAs, waitHydrated } from "./fixtures";
import { account, addProperty, capture, ownerCredentials, uniqueTag } from "./api";

/** The log's entries (the expandable detail rows are not counted). */
const entries = (page: Page) =>
  page.getByRole("table", { name: "Audit log entries, newest first" }).locator("tbody tr.audit-row");
/** The entry whose Action is `action` (a label or a pattern). */
const entry = (page: Page, action: string | RegExp) =>
  entries(page).filter({ has: page.getByRole("cell", { name: action, exact: typeof action === "string" }) });

async function applyFilters(
  page: Page,
  filters: { property?: string; actor?: string; action?: string; from?: string; to?: string },
) {
  await page.getByLabel("Property", { exact: true }).fill(filters.property ?? "");
  await page.getByLabel("Actor", { exact: true }).fill(filters.actor ?? "");
  await page.getByLabel("Action", { exact: true }).selectOption({ label: filters.action ?? "Any action" });
  await page.getByLabel("From", { exact: true }).fill(filters.from ?? "");
  await page.getByLabel("To", { exact: true }).fill(filters.to ?? "");
  await page.getByRole("button", { name: "Apply filters" }).click();
}

async function renameInConsole(page: Page, clientId: string, name: string) {
  await openHydrated(page, `/properties/${clientId}`);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Changes saved.")).toBeVisible();
}

async function resetSecret(page: Page) {
  await page.getByRole("button", { name: "Reset Secret" }).click();
  const first = page.getByRole("dialog", { name: "How long would you like the current secret to remain active?" });
  await first.getByLabel("Hours to Expire").fill("1");
  await first.getByRole("button", { name: "Next" }).click();
  await page
    .getByRole("alertdialog", { name: "Are you sure you want to reset this secret?" })
    .getByRole("button", { name: "Yes" })
    .click();
  const third = page.getByRole("dialog", { name: "Secret successfully reset" });
  const secret = (await third.getByTestId("new-secret").textContent())!.trim();
  await third.getByRole("button", { name: "Close" }).click();
  await expect(third).toBeHidden();
  return secret;
}

test("a property's History shows console and API changes, and never a secret", async ({ page, request }) => {
  const tag = uniqueTag("hist");
  const property = await addProperty(request, `${tag} Before`);
  await renameInConsole(page, property.client_id, `${tag} After`);
  const secret = await resetSecret(page);
  const features = await capture(request, "/clients/set_features", {
    for_client_id: property.client_id,
    features: JSON.stringify(["direct_access"]),
  });
  expect(features.stat, JSON.stringify(features)).toBe("ok");

  await page.reload();
  await waitHydrated(page);
  await page.getByRole("link", { name: "History" }).click();
  await expect(page).toHaveURL(new RegExp(`/audit\\?property=${property.client_id}$`));
  await waitHydrated(page);
  await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
  await expect(page.getByLabel("Property", { exact: true })).toHaveValue(property.client_id);

  // Newest first: the API's features change, the reset, the console's rename.
  const renamed = entry(page, /^Property (changed|renamed)$/);
  await expect(entry(page, "Features set")).toHaveCount(1);
  await expect(entry(page, "Secret reset")).toHaveCount(1);
  await expect(renamed).toHaveCount(1);
  const actions = await entries(page).locator("td:nth-child(5)").allTextContents();
  const order = ["Features set", "Secret reset"].map((a) => actions.indexOf(a));
  order.push(actions.findIndex((a) => /^Property (changed|renamed)$/.test(a)));
  expect(order).toEqual([...order].sort((a, b) => a - b));
  expect(order.every((i) => i >= 0)).toBe(true);

  // Who, through which door, from where, at what time.
  const admin = account("e2e-admin", "admin");
  await expect(renamed.getByRole("cell", { name: admin.username })).toBeVisible();
  await expect(renamed.getByRole("cell", { name: "Console", exact: true })).toBeVisible();
  const viaApi = entry(page, "Features set");
  await expect(viaApi.getByRole("cell", { name: "API", exact: true })).toBeVisible();
  await expect(viaApi.getByRole("cell", { name: new RegExp(ownerCredentials().client_id) })).toBeVisible();
  await expect(viaApi.locator("time")).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  await expect(renamed.getByRole("link", { name: `${tag} After` })).toHaveAttribute(
    "href",
    `/properties/${property.client_id}`,
  );

  // Each entry expands to Before and After, side by side, and its request id.
  const details = renamed.getByRole("button", { name: "Details" });
  await expect(details).toHaveAttribute("aria-expanded", "false");
  await details.click();
  await expect(details).toHaveAttribute("aria-expanded", "true");
  const detail = page.locator(`#${await details.getAttribute("aria-controls")}`);
  const changes = detail.getByRole("table", { name: "Before and after" });
  await expect(changes).toBeVisible();
  const nameRow = changes.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "name", exact: true }) });
  await expect(nameRow.getByRole("cell").nth(0)).toContainText(`${tag} Before`);
  await expect(nameRow.getByRole("cell").nth(1)).toContainText(`${tag} After`);
  await expect(detail.getByText("Request id")).toBeVisible();
  await expect(detail.locator("dd").first()).toHaveText(/\S{8,}/);
  await entry(page, "Secret reset").getByRole("button", { name: "Details" }).click();
  await expect(page.getByRole("table", { name: "Before and after" })).toHaveCount(2);
  await details.click();
  await expect(details).toHaveAttribute("aria-expanded", "false");

  // No secret anywhere: not the new one, not the one it replaced.
  const html = await page.content();
  expect(html).not.toContain(secret);
  expect(html).not.toContain(property.client_secret);
});

test("the log filters by property, actor and action, in a bookmarkable address", async ({ page, request }) => {
  const tag = uniqueTag("flt");
  const alpha = await addProperty(request, `${tag} Alpha`);
  const beta = await addProperty(request, `${tag} Beta`);
  await capture(request, "/clients/set_features", {
    for_client_id: beta.client_id,
    features: JSON.stringify(["direct_access"]),
  });
  await renameInConsole(page, alpha.client_id, `${tag} Alpha 2`);
  const owner = ownerCredentials().client_id;

  await openHydrated(page, "/audit");
  await expect(page.getByRole("link", { name: "Audit log" })).toHaveAttribute("aria-current", "page");

  // By client id.
  await applyFilters(page, { property: alpha.client_id });
  await expect(page).toHaveURL(new RegExp(`/audit\\?property=${alpha.client_id}$`));
  await expect(entries(page)).toHaveCount(2);
  await expect(entry(page, "Property created")).toHaveCount(1);
  await expect(entry(page, /^Property (changed|renamed)$/)).toHaveCount(1);

  // By name (at the time), ignoring case.
  await applyFilters(page, { property: `${tag} BETA` });
  await expect(entries(page)).toHaveCount(2);
  await expect(entry(page, "Features set")).toHaveCount(1);
  await expect(entry(page, "Property created")).toHaveCount(1);

  // By action.
  await applyFilters(page, { property: beta.client_id, action: "Features set" });
  await expect(page).toHaveURL(/action=property\.features/);
  await expect(entries(page)).toHaveCount(1);
  await expect(entry(page, "Features set")).toHaveCount(1);

  // By actor: the console account, then the owner API client.
  await applyFilters(page, { property: alpha.client_id, actor: "e2e-admin" });
  await expect(page).toHaveURL(/actor=e2e-admin/);
  await expect(entries(page)).toHaveCount(1);
  await expect(entry(page, /^Property (changed|renamed)$/)).toHaveCount(1);
  await applyFilters(page, { property: alpha.client_id, actor: owner });
  await expect(entries(page)).toHaveCount(1);
  await expect(entry(page, "Property created")).toHaveCount(1);

  // Back shows the previous view; the address alone restores a view.
  await page.goBack();
  await expect(page).toHaveURL(/actor=e2e-admin/);
  await expect(page.getByLabel("Actor", { exact: true })).toHaveValue("e2e-admin");
  await expect(entry(page, /^Property (changed|renamed)$/)).toHaveCount(1);
  await expect(entries(page)).toHaveCount(1);
  await page.reload();
  await waitHydrated(page);
  await expect(page.getByLabel("Actor", { exact: true })).toHaveValue("e2e-admin");
  await expect(page.getByLabel("Property", { exact: true })).toHaveValue(alpha.client_id);
  await expect(entries(page)).toHaveCount(1);

  // Days: everything happened today (UTC); nothing happened on 2000-01-01.
  const today = new Date().toISOString().slice(0, 10);
  await applyFilters(page, { property: beta.client_id, from: today, to: today });
  await expect(page).toHaveURL(new RegExp(`from=${today}&to=${today}`));
  await expect(entries(page)).toHaveCount(2);
  await applyFilters(page, { property: beta.client_id, to: "2000-01-01" });
  await expect(page.getByText("No entries match these filters.")).toBeVisible();
  await expect(entries(page)).toHaveCount(0);

  await page.getByRole("link", { name: "Clear filters" }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(page.getByLabel("Property", { exact: true })).toHaveValue("");
  await expect(entries(page).first()).toBeVisible();
});

test("a long history pages back with Older entries and returns with Newest", async ({ page, request }) => {
  const property = await addProperty(request, uniqueTag("long"));
  // 1 creation + 54 changes: a page of 50 and one of 5.
  for (let i = 0; i < 54; i++) {
    const body = await capture(request, "/clients/set_features", {
      for_client_id: property.client_id,
      features: JSON.stringify([i % 2 ? "direct_access" : "login_client"]),
    });
    expect(body.stat, JSON.stringify(body)).toBe("ok");
  }
  await openHydrated(page, `/audit?property=${property.client_id}`);
  await expect(entries(page)).toHaveCount(50);
  await expect(page.getByRole("link", { name: "Newest" })).toHaveCount(0);
  await page.getByRole("link", { name: "Older entries" }).click();
  await expect(page).toHaveURL(/before=\d+/);
  await expect(entries(page)).toHaveCount(5);
  await expect(entry(page, "Property created")).toHaveCount(1);
  await expect(page.getByRole("link", { name: "Older entries" })).toHaveCount(0);
  await page.getByRole("link", { name: "Newest" }).click();
  await expect(page).toHaveURL(new RegExp(`/audit\\?property=${property.client_id}$`));
  await expect(entries(page)).toHaveCount(50);
});

test.describe("a deleted property", () => {
  test.use({ allowedConsoleErrors: [/status of 404/] });

  test("keeps its History, reached from its not-found page", async ({ page, request }) => {
    const tag = uniqueTag("gone");
    const property = await addProperty(request, `${tag} doomed`);
    const deleted = await capture(request, "/clients/delete", { client_id_for_deletion: property.client_id });
    expect(deleted.stat, JSON.stringify(deleted)).toBe("ok");
    await openHydrated(page, `/properties/${property.client_id}`);
    await expect(page.getByRole("heading", { level: 1, name: "Property not found" })).toBeVisible();
    await page.getByRole("link", { name: "History" }).click();
    await expect(page).toHaveURL(new RegExp(`/audit\\?property=${property.client_id}$`));
    await waitHydrated(page);
    await expect(entries(page)).toHaveCount(2);
    await expect(entry(page, "Property deleted")).toHaveCount(1);
    await expect(entry(page, "Property created")).toHaveCount(1);
    await expect(entry(page, "Property deleted").getByRole("link", { name: `${tag} doomed` })).toBeVisible();
  });
});

test("a viewer reads the log too", async ({ browser, request }) => {
  const tag = uniqueTag("vaud");
  const property = await addProperty(request, `${tag} watched`);
  await capture(request, "/clients/set_features", {
    for_client_id: property.client_id,
    features: JSON.stringify(["direct_access"]),
  });
  const viewer = account("e2e-viewer", "viewer");
  const { context, page } = await signedInAs(browser, viewer.username, viewer.password);
  await page.getByRole("navigation", { name: "Primary" }).getByRole("link", { name: "Audit log" }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await waitHydrated(page);
  await applyFilters(page, { property: property.client_id });
  await expect(entries(page)).toHaveCount(2);
  await expect(entry(page, "Features set")).toHaveCount(1);
  await entry(page, "Features set").getByRole("button", { name: "Details" }).click();
  await expect(page.getByRole("table", { name: "Before and after" })).toBeVisible();
  const listed = await page.request.post("/api/audit/list", {
    data: { filter: { property: property.client_id, actor: "", action: "", since: null, until: null }, before: null },
  });
  expect(listed.status()).toBe(200);
  expect((await listed.json()).entries).toHaveLength(2);
  await context.close();
});

test("on a phone the log fits the width; the table scrolls inside its frame", async ({ page, request }) => {
  const property = await addProperty(request, uniqueTag("phone"));
  await capture(request, "/clients/set_features", {
    for_client_id: property.client_id,
    features: JSON.stringify(["direct_access", "direct_read_access"]),
  });
  await page.setViewportSize({ width: 390, height: 844 });
  await openHydrated(page, `/audit?property=${property.client_id}`);
  await entry(page, "Features set").getByRole("button", { name: "Details" }).click();
  await expect(page.getByRole("table", { name: "Before and after" })).toBeVisible();
  // The page's own content fits the 390 px: only the table scrolls, inside its frame. (The
  // shared header is measured apart: it is the frame's, not this page's.)
  const widths = await page.evaluate(() => {
    const main = document.querySelector("main")!;
    const wrap = document.querySelector(".audit-results .table-wrap")!;
    const detail = document.querySelector(".audit-detail-row:not([hidden]) .audit-detail")!;
    return {
      detailRight: detail.getBoundingClientRect().right,
      frameRight: wrap.getBoundingClientRect().right,
      main: main.scrollWidth,
      mainVisible: main.clientWidth,
      pageRight: document.querySelector(".audit-page")!.getBoundingClientRect().right,
      table: wrap.scrollWidth,
      frame: wrap.clientWidth,
    };
  });
  expect(widths.main).toBeLessThanOrEqual(widths.mainVisible);
  expect(widths.pageRight).toBeLessThanOrEqual(390);
  expect(widths.table).toBeGreaterThan(widths.frame);
  // An expanded entry's before and after are readable without scrolling the table.
  expect(widths.detailRight).toBeLessThanOrEqual(widths.frameRight);
  await expect(page.getByRole("button", { name: "Apply filters" })).toBeInViewport();
});
