import * as path from "node:path";
import { Page } from "@playwright/test";
import { test, expect, openHydrated } from "./fixtures";
import { capture } from "./api";

// The README's screenshots (docs/screenshots/*.png), taken by the test command on every run so
// they show the console as it is. Each also checks its page is the one it claims to be.

const shots = path.resolve(__dirname, "../../docs/screenshots");

async function shoot(page: Page, name: string) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: false });
}

test("screenshots of the main console pages for the README", async ({ page, request }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  const names = ["Web shop (EU)", "Web shop (US)", "Mobile app", "Partner portal", "Support desk"];
  const features = [["direct_access"], ["direct_access"], ["login_client"], ["direct_read_access"], []];
  // A shared tag, so one search shows exactly these (the run's other tests leave their own data).
  const tag = `demo-${Date.now() % 100000}`;
  let shop = { client_id: "", client_secret: "" };
  for (let i = 0; i < names.length; i++) {
    const added = await capture(request, "/clients/add", {
      description: `${names[i]} ${tag}`,
      features: JSON.stringify(features[i]),
    });
    if (i === 0) shop = { client_id: added.client_id, client_secret: added.client_secret };
  }
  await capture(request, "/settings/set_default", { key: "screenshot_site_name", value: "Example Corp" });
  await capture(request, "/settings/set", { key: "screenshot_site_name", value: "Example Shop EU", for_client_id: shop.client_id });
  await capture(request, "/settings/items", {}, shop);

  await openHydrated(page, `/?q=${tag}&sort=name&dir=asc&rows=10`);
  await expect(page.getByRole("heading", { level: 1, name: "Manage Properties" })).toBeVisible();
  await expect(page.getByRole("row")).toHaveCount(names.length + 1);
  await shoot(page, "list");

  await openHydrated(page, `/properties/${shop.client_id}`);
  await expect(page.getByTestId("current-secret-use")).toBeVisible();
  await shoot(page, "property");

  await openHydrated(page, `/properties/${shop.client_id}/settings`);
  await expect(page.getByRole("heading", { level: 1, name: "Edit Settings" })).toBeVisible();
  await shoot(page, "settings");

  await openHydrated(page, "/application");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await shoot(page, "application-settings");

  await openHydrated(page, "/audit");
  await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
  await shoot(page, "audit-log");

  // On a phone (390 x 844): the list as cards, and the property page.
  await page.setViewportSize({ width: 390, height: 844 });
  await openHydrated(page, `/?q=${tag}&sort=name&dir=asc&rows=10`);
  await expect(page.getByRole("table", { name: "Properties" }).locator("tbody tr")).toHaveCount(names.length);
  await shoot(page, "list-phone");

  await openHydrated(page, `/properties/${shop.client_id}`);
  await expect(page.getByTestId("current-secret-use")).toBeVisible();
  await shoot(page, "property-phone");
});
