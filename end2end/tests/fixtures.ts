import { test as base, expect, Browser, Page } from "@playwright/test";

/** Opens a console page and waits until the wasm has hydrated it (the body gets data-hydrated). */
export async function openHydrated(page: Page, url: string) {
  await page.goto(url);
  await waitHydrated(page);
}

/**
 * Waits until the page's islands are interactive. Every page is its own document, so after a
 * navigation (checked first, with toHaveURL) the new page hydrates before it can be used.
 */
export async function waitHydrated(page: Page) {
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
}

/**
 * Every test fails if the page logs a console error or throws: hydration mismatches and wasm
 * panics show up there first.
 */
export const test = base.extend<{ consoleErrors: string[]; allowedConsoleErrors: RegExp[] }>({
  /** Console errors a test expects (e.g. the 404 of a not-found page); everything else fails it. */
  allowedConsoleErrors: [[], { option: true }],
  consoleErrors: [
    async ({ page, allowedConsoleErrors }, use) => {
      const errors: string[] = [];
      page.on("console", (message) => {
        const text = message.text();
        if (message.type() === "error" && !allowedConsoleErrors.some((allowed) => allowed.test(text))) {
          errors.push(text);
        }
      });
      page.on("pageerror", (error) => errors.push(error.message));
      await use(errors);
      expect(errors, "browser console errors").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/**
 * A fresh browser context signed in as `username` (not the stored admin state), on the landing page
 * of the test server or of the server at `baseURL`.
 */
export async function signedInAs(browser: Browser, username: string, password: string, baseURL?: string) {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] }, ...(baseURL ? { baseURL } : {}) });
  const page = await context.newPage();
  await openHydrated(page, "/sign-in");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Manage Properties" })).toBeVisible();
  return { context, page };
}
