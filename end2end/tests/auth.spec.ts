import { Browser, Page } from "@playwright/test";
import { test, expect, openHydrated } from "./fixtures";
import { account, addProperty, capture, uniqueTag } from "./api";

/** A fresh, signed-out browser context. */
async function signedOut(browser: Browser) {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  return { context, page: await context.newPage() };
}

async function signIn(page: Page, username: string, password: string) {
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("a deep link survives signing in, and the cookie is HttpOnly and SameSite=Strict", async ({ browser, request }) => {
  const tag = uniqueTag("deep");
  const target = await addProperty(request, `${tag} deep`);
  const { context, page } = await signedOut(browser);
  await page.goto(`/properties/${target.client_id}`);
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  const admin = account("e2e-admin", "admin");
  await signIn(page, admin.username, admin.password);
  await expect(page).toHaveURL(new RegExp(`/properties/${target.client_id}$`));
  await expect(page.getByRole("heading", { level: 1, name: `${tag} deep` })).toBeVisible();

  const cookie = (await context.cookies()).find((c) => c.name === "gatehouse_session")!;
  expect(cookie.httpOnly).toBe(true);
  expect(cookie.sameSite).toBe("Strict");
  expect(await page.evaluate(() => document.cookie)).not.toContain("gatehouse_session");
  await context.close();
});

test.describe("refused sign-in", () => {
  test.use({ allowedConsoleErrors: [/status of 422/] });

  test("a wrong password gets a generic message and keeps the username", async ({ browser }) => {
    const { context, page } = await signedOut(browser);
    await page.goto("/sign-in");
    await signIn(page, "e2e-admin", "definitely not it");
    await expect(page.getByRole("alert")).toHaveText("The username or password is not correct.");
    await expect(page.getByLabel("Username")).toHaveValue("e2e-admin");
    await expect(page.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByLabel("Password")).toBeFocused();
    await expect(page.getByRole("button", { name: "Sign in" })).toHaveAttribute("aria-disabled", "false");
    await expect(page).toHaveURL(/\/sign-in$/);
    await context.close();
  });
});

test("the sign-in page is plain HTML: no wasm or script from /pkg, only its stylesheet and /sign-in.js", async ({ browser }) => {
  const { context, page } = await signedOut(browser);
  const fetched: string[] = [];
  page.on("request", (request) => fetched.push(new URL(request.url()).pathname));
  await page.goto("/sign-in");
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  expect(fetched.filter((path) => path.startsWith("/pkg/") && !path.endsWith(".css"))).toEqual([]);
  expect(fetched).toContain("/sign-in.js");
  // A signed-out visitor has nowhere else to go yet: the header is the product name alone.
  await expect(page.getByRole("navigation", { name: "Primary" })).toHaveCount(0);
  await expect(page.getByLabel("Username")).toBeFocused();
  await context.close();
});

test("without JavaScript the sign-in form still works: a refusal says so, the right password signs in", async ({ browser, request }) => {
  // A property's page is rendered whole on the server, so it reads without JavaScript too.
  const name = `${uniqueTag("nojs")} no script`;
  const target = await addProperty(request, name);
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] }, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`/properties/${target.client_id}`);
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fproperties%2F[^&]+$/);
  const admin = account("e2e-admin", "admin");
  await page.getByLabel("Username").fill(admin.username);
  await page.getByLabel("Password").fill("definitely not it");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fproperties%2F[^&]+&refused$/);
  await expect(page.getByRole("alert")).toHaveText("The username or password is not correct.");
  await expect(page.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Password")).toBeFocused();
  await page.getByLabel("Username").fill(admin.username);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`/properties/${target.client_id}$`));
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await context.close();
});

test("signing out ends the session for good", async ({ browser }) => {
  const { context, page } = await signedOut(browser);
  await page.goto("/sign-in");
  const admin = account("e2e-admin", "admin");
  await signIn(page, admin.username, admin.password);
  await expect(page.getByRole("heading", { level: 1, name: "Manage Properties" })).toBeVisible();
  const cookie = (await context.cookies()).find((c) => c.name === "gatehouse_session")!;
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);

  // The old cookie, replayed, opens nothing.
  await context.addCookies([cookie]);
  const response = await page.request.post("/api/properties/summary", { data: { client_id: "x".repeat(32) } });
  expect(response.status()).toBe(401);
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in/);
  await context.close();
});

test("a viewer sees no change controls and a forged call is refused", async ({ browser, request }) => {
  const tag = uniqueTag("view");
  const target = await addProperty(request, `${tag} watched`);
  const viewer = account("e2e-viewer", "viewer");
  const { context, page } = await signedOut(browser);
  await page.goto("/sign-in");
  await signIn(page, viewer.username, viewer.password);
  await expect(page.getByRole("heading", { level: 1, name: "Manage Properties" })).toBeVisible();
  await openHydrated(page, `/?q=${tag}`);
  await expect(page.getByRole("table", { name: "Properties" }).locator("tbody tr")).toHaveCount(1);
  await expect(page.getByRole("link", { name: "Create Property" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Actions for/ })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Users" })).toHaveCount(0);
  await openHydrated(page, `/properties/${target.client_id}`);
  await expect(page.getByRole("heading", { level: 1, name: `${tag} watched` })).toBeVisible();
  for (const name of ["Delete property", "Copy property", "Reset Secret", "Show client secret", "Copy client secret", "Save changes"]) {
    await expect(page.getByRole("button", { name })).toHaveCount(0);
  }
  await expect(page.getByLabel("Name", { exact: true })).toBeDisabled();
  const html = await (await page.request.get(`/properties/${target.client_id}`)).text();
  expect(html).not.toContain(target.client_secret);
  const reveal = await page.request.post("/api/properties/secret", { data: { client_id: target.client_id } });
  expect(reveal.status()).toBe(403);

  const forged = await page.request.post("/api/properties/delete", { data: { client_id: target.client_id } });
  expect(forged.status()).toBe(403);
  const list = await capture(request, "/clients/list");
  expect(list.results.some((r: any) => r.client_id === target.client_id)).toBe(true);
  await context.close();
});

test("an admin adds an account on the Users page and it can sign in", async ({ page, browser }) => {
  const name = uniqueTag("user");
  await openHydrated(page, "/users");
  await page.getByLabel("Username", { exact: true }).fill(name);
  await page.getByLabel("Role", { exact: true }).selectOption("viewer");
  await page.getByRole("button", { name: "Add user" }).click();
  const shown = page.getByRole("status").filter({ hasText: `The password of ${name} is` });
  await expect(shown).toBeVisible();
  const password = (await shown.locator("code").textContent())!;
  expect(password).toHaveLength(20);
  await expect(page.getByRole("cell", { name, exact: true })).toBeVisible();

  const { context, page: other } = await signedOut(browser);
  await other.goto("/sign-in");
  await signIn(other, name, password);
  await expect(other.getByRole("heading", { level: 1, name: "Manage Properties" })).toBeVisible();
  await context.close();
});
