import { test as setup, expect } from "@playwright/test";
import { account } from "./api";
import { adminState } from "../playwright.config";

// Signs in once as an admin through the real form; every other test starts signed in from this.
setup("sign in as admin", async ({ page }) => {
  const admin = account("e2e-admin", "admin");
  await page.goto("/sign-in");
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  await page.getByLabel("Username").fill(admin.username);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Manage Properties" })).toBeVisible();
  await page.context().storageState({ path: adminState });
});
