import { Browser, Locator, Page } from "@playwright/test";
import { test, expect, openHydrated, waitHydrated } from "./fixtures";
import { account, addProperty, capture, uniqueTag } from "./api";

// The console on a phone: 390 x 844, no sideways scrolling, the list as cards, everything done by
// taps on targets at least 44 x 44 px. The desktop layout (1280 px) is covered by the other specs.

const PHONE = { width: 390, height: 844 };

/** Global keys this file set; deleted after each test, since every property inherits them. */
const globals: string[] = [];

test.afterEach(async ({ request }) => {
  for (const key of globals.splice(0)) await capture(request, "/settings/delete_default", { key });
});

/** How far the document scrolls sideways (0 or less: it does not). */
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

/** Asserts the target is on screen and at least 44 x 44 px, then taps it. */
async function tap(target: Locator, what: string) {
  await expect(target, what).toBeVisible();
  const box = (await target.boundingBox())!;
  expect(box.width, `${what} is ${box.width} px wide`).toBeGreaterThanOrEqual(44);
  expect(box.height, `${what} is ${box.height} px high`).toBeGreaterThanOrEqual(44);
  expect(box.x, `${what} starts off screen`).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, `${what} ends off screen`).toBeLessThanOrEqual(PHONE.width);
  await target.tap();
}

/** The dialog lies inside the screen. */
async function fitsTheScreen(dialog: Locator) {
  await expect(dialog).toBeVisible();
  const box = (await dialog.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.y + box.height).toBeLessThanOrEqual(PHONE.height);
}

/** A phone (touch, mobile viewport) signed in as a fresh admin through the sign-in form, by taps. */
async function phoneSignedIn(browser: Browser, baseURL: string) {
  const admin = account("phone-admin", "admin");
  const context = await browser.newContext({
    baseURL,
    storageState: { cookies: [], origins: [] },
    viewport: PHONE,
    hasTouch: true,
    isMobile: true,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  await openHydrated(page, "/sign-in");
  await page.getByLabel("Username").fill(admin.username);
  await page.getByLabel("Password").fill(admin.password);
  await tap(page.getByRole("button", { name: "Sign in" }), "Sign in");
  await expect(page.getByRole("heading", { level: 1, name: "Manage Properties" })).toBeVisible();
  await waitHydrated(page);
  return { context, page, errors };
}

test("at 390 px no page scrolls sideways", async ({ page, request }) => {
  await page.setViewportSize(PHONE);
  const tag = uniqueTag("wide");
  const property = await addProperty(request, `${tag} A rather long property name for a phone screen`, [
    "direct_access",
    "direct_read_access",
    "access_issuer",
  ]);
  await capture(request, "/settings/set", {
    key: `${tag}_a_long_setting_key_for_the_phone`,
    value: "https://sso.example.com/a/long/address/that/does/not/wrap/easily",
    for_client_id: property.client_id,
  });
  await capture(request, "/clients/reset_secret", { for_client_id: property.client_id, hours_to_live: "2" });
  const pages = [
    "/",
    `/?q=${tag}`,
    "/properties/new",
    `/properties/${property.client_id}`,
    `/properties/${property.client_id}/settings`,
    "/application",
    "/audit",
    "/account",
    "/users",
  ];
  for (const url of pages) {
    await openHydrated(page, url);
    expect(await overflow(page), `${url} scrolls sideways`).toBeLessThanOrEqual(0);
  }
  // The secret shown in full, and the previous secret's notice, fit too.
  await openHydrated(page, `/properties/${property.client_id}`);
  await page.getByRole("button", { name: "Show client secret" }).click();
  await expect(page.getByRole("button", { name: "Expire now" })).toBeVisible();
  expect(await overflow(page), "the property page with its secret shown").toBeLessThanOrEqual(0);
});

test("at 390 px the sign-in page fits", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] }, viewport: PHONE });
  const page = await context.newPage();
  await openHydrated(page, "/sign-in");
  expect(await overflow(page)).toBeLessThanOrEqual(0);
  const signIn = (await page.getByRole("button", { name: "Sign in" }).boundingBox())!;
  expect(signIn.height).toBeGreaterThanOrEqual(44);
  await context.close();
});

test("at 390 px the list is one card per property, with previous / next above and the pager below", async ({ page, request }) => {
  await page.setViewportSize(PHONE);
  const tag = uniqueTag("card");
  for (const [name, features] of [
    ["Web shop (EU) with a long name", ["direct_access", "direct_read_access"]],
    ["Owner", ["owner"]],
    ["Mobile app", ["login_client"]],
  ] as const) {
    await addProperty(request, `${tag} ${name}`, [...features]);
  }
  await openHydrated(page, `/?q=${tag}&sort=name`);
  const cards = page.getByRole("table", { name: "Properties" }).locator("tbody tr");
  await expect(cards).toHaveCount(3);
  let previousBottom = 0;
  for (const card of await cards.all()) {
    const box = (await card.boundingBox())!;
    // One card per row of the screen: the full width, stacked.
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    expect(box.width).toBeGreaterThan(300);
    expect(box.y).toBeGreaterThanOrEqual(previousBottom);
    previousBottom = box.y + box.height;
    // Id, name (on one line, not a word per line), features and actions all on screen.
    const [id, name, features, actions] = ["id-cell", "name-cell", "features-cell", "actions"].map((c) => card.locator(`td.${c}`));
    for (const cell of [id, name, features, actions]) {
      const c = (await cell.boundingBox())!;
      expect(c.x + c.width).toBeLessThanOrEqual(PHONE.width);
    }
    await expect(id).toHaveText(/^.*[a-z0-9]{32}$/);
    const link = name.getByRole("link");
    const linkBox = (await link.boundingBox())!;
    // The name gets the card's width (it wrapped one word per line in the squeezed table).
    expect(linkBox.width, "the name's width").toBeGreaterThan(200);
    expect(linkBox.height).toBeGreaterThanOrEqual(44);
    await expect(features.locator(".chip").first()).toBeVisible();
    const more = actions.getByRole("button", { name: /^Actions for / });
    const moreBox = (await more.boundingBox())!;
    expect(moreBox.width).toBeGreaterThanOrEqual(44);
    expect(moreBox.height).toBeGreaterThanOrEqual(44);
  }
  // Sorting stays available above the cards.
  const sortByName = page.getByRole("columnheader", { name: "Name" }).getByRole("button");
  await expect(sortByName).toBeVisible();
  expect((await sortByName.boundingBox())!.height).toBeGreaterThanOrEqual(44);

  // Search, filter and rows per page above; previous / next above the cards, the pager below.
  const cardsTop = (await cards.first().boundingBox())!.y;
  for (const control of [
    page.getByLabel("Search properties"),
    page.getByRole("button", { name: "Filter by feature" }),
    page.getByLabel("Rows per page"),
  ]) {
    const box = (await control.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(cardsTop);
    expect(box.height).toBeGreaterThanOrEqual(44);
  }
  const pagers = page.getByRole("navigation", { name: /^Pages/ });
  await expect(pagers).toHaveCount(2);
  const [top, bottom] = await pagers.all();
  expect((await top.boundingBox())!.y).toBeLessThan(cardsTop);
  expect((await bottom.boundingBox())!.y).toBeGreaterThanOrEqual(previousBottom);
  await expect(bottom.getByText("1-3 of 3")).toBeVisible();
  for (const pager of [top, bottom]) {
    for (const name of ["Previous page", "Next page"]) {
      const box = (await pager.getByRole("button", { name }).boundingBox())!;
      expect(box.width).toBeGreaterThanOrEqual(44);
      expect(box.height).toBeGreaterThanOrEqual(44);
    }
  }
  // The top pager pages too.
  for (let i = 0; i < 4; i++) await addProperty(request, `${tag} more ${i}`);
  await openHydrated(page, `/?q=${tag}&sort=name`);
  await expect(bottom.getByText("1-5 of 7")).toBeVisible();
  await expect(top.getByRole("button", { name: "Previous page" })).toBeDisabled();
  await top.getByRole("button", { name: "Next page" }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(bottom.getByText("6-7 of 7")).toBeVisible();
  await expect(cards).toHaveCount(2);
  expect(await overflow(page)).toBeLessThanOrEqual(0);
});

test("at 390 px a card for a property without features has no empty Features label", async ({ page, request }) => {
  await page.setViewportSize(PHONE);
  const tag = uniqueTag("bare");
  await addProperty(request, `${tag} bare`, []);
  await addProperty(request, `${tag} featured`, ["direct_access"]);
  await openHydrated(page, `/?q=${tag}&sort=name`);
  const cards = page.getByRole("table", { name: "Properties" }).locator("tbody tr");
  await expect(cards).toHaveCount(2);
  await expect(cards.nth(0).locator("td.features-cell")).toBeHidden();
  await expect(cards.nth(1).locator("td.features-cell")).toBeVisible();
});

test("at 1280 px the list stays a table and there is one pager, below it", async ({ page, request }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  const tag = uniqueTag("desk");
  await addProperty(request, `${tag} one`);
  await addProperty(request, `${tag} two`);
  await openHydrated(page, `/?q=${tag}`);
  const rows = page.getByRole("table", { name: "Properties" }).locator("tbody tr");
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toHaveCSS("display", "table-row");
  await expect(page.getByRole("columnheader", { name: "Features" })).toBeVisible();
  // Both rows side by side in columns: the name to the right of the id, on the same line.
  const id = (await rows.first().locator("td.id-cell").boundingBox())!;
  const name = (await rows.first().locator("td.name-cell").boundingBox())!;
  expect(name.x).toBeGreaterThan(id.x + id.width - 1);
  expect(Math.abs(name.y - id.y)).toBeLessThan(2);
  await expect(page.getByRole("navigation", { name: /^Pages/ })).toHaveCount(1);
  const pager = (await page.getByRole("navigation", { name: /^Pages/ }).boundingBox())!;
  expect(pager.y).toBeGreaterThan((await rows.last().boundingBox())!.y);
});

test("at 390 px the settings editor stacks Key, Property Value and Global Value", async ({ page, request }) => {
  await page.setViewportSize(PHONE);
  const tag = uniqueTag("stk");
  const property = await addProperty(request, tag);
  const key = `${tag}_site`;
  globals.push(key);
  await capture(request, "/settings/set_default", { key, value: "Example Corp" });
  await openHydrated(page, `/properties/${property.client_id}/settings`);
  const row = page.locator(`tr.setting-row[data-key="${key}"]`);
  const keyBox = (await row.locator("code").boundingBox())!;
  const input = page.getByLabel(`Property value of ${key}`, { exact: true });
  const inputBox = (await input.boundingBox())!;
  const globalBox = (await row.getByText("Example Corp").boundingBox())!;
  expect(inputBox.y).toBeGreaterThanOrEqual(keyBox.y + keyBox.height);
  expect(globalBox.y).toBeGreaterThanOrEqual(inputBox.y + inputBox.height);
  // The value gets the card's width, not a squeezed column.
  expect(inputBox.width).toBeGreaterThan(280);
  expect(inputBox.height).toBeGreaterThanOrEqual(44);
  expect(await overflow(page)).toBeLessThanOrEqual(0);
});

test("on a phone, by taps: find a property, reset its secret, change a setting, sign out", async ({
  browser,
  baseURL,
  request,
}) => {
  const tag = uniqueTag("tap");
  const property = await addProperty(request, `${tag} Phone shop`, ["direct_access"]);
  const key = `${tag}_greeting`;
  globals.push(key);
  await capture(request, "/settings/set_default", { key, value: "Hello" });
  const { context, page, errors } = await phoneSignedIn(browser, baseURL!);

  // Find it.
  await tap(page.getByLabel("Search properties"), "Search properties");
  await page.getByLabel("Search properties").fill(tag);
  await expect(page).toHaveURL(new RegExp(`q=${tag}`));
  const cards = page.getByRole("table", { name: "Properties" }).locator("tbody tr");
  await expect(cards).toHaveCount(1);
  expect(await overflow(page)).toBeLessThanOrEqual(0);

  // Open it.
  await tap(page.getByRole("link", { name: `${tag} Phone shop` }), "the property's name");
  await expect(page).toHaveURL(new RegExp(`/properties/${property.client_id}$`));
  await waitHydrated(page);
  expect(await overflow(page)).toBeLessThanOrEqual(0);

  // Reset its secret through the three dialogs.
  await tap(page.getByRole("button", { name: "Reset Secret" }), "Reset Secret");
  const first = page.getByRole("dialog", { name: "How long would you like the current secret to remain active?" });
  await fitsTheScreen(first);
  const hours = first.getByLabel("Hours to Expire");
  await tap(hours, "Hours to Expire");
  await hours.fill("0");
  await tap(first.getByRole("button", { name: "Next" }), "Next");
  const second = page.getByRole("alertdialog", { name: "Are you sure you want to reset this secret?" });
  await fitsTheScreen(second);
  await tap(second.getByRole("button", { name: "No" }), "No");
  await expect(second).toBeHidden();
  await tap(page.getByRole("button", { name: "Reset Secret" }), "Reset Secret");
  await first.getByLabel("Hours to Expire").fill("0");
  await tap(first.getByRole("button", { name: "Next" }), "Next");
  await tap(second.getByRole("button", { name: "Yes" }), "Yes");
  const third = page.getByRole("dialog", { name: "Secret successfully reset" });
  await fitsTheScreen(third);
  const secret = (await third.getByTestId("new-secret").textContent())!.trim();
  expect(secret).toMatch(/^[a-z0-9]{32}$/);
  await tap(third.getByRole("button", { name: "Close" }), "Close");
  await expect(third).toBeHidden();
  // The new secret works, the old one (0 hours) no longer does.
  expect((await capture(request, "/settings/items", {}, { client_id: property.client_id, client_secret: secret })).stat).toBe("ok");
  expect((await capture(request, "/settings/items", {}, property)).code).toBe(402);

  // Change a setting and save it.
  await tap(page.getByRole("link", { name: "Edit Settings" }), "Edit Settings");
  await expect(page.getByRole("heading", { level: 1, name: "Edit Settings" })).toBeVisible();
  await waitHydrated(page);
  const value = page.getByLabel(`Property value of ${key}`, { exact: true });
  await tap(value, "the property value");
  await value.fill("Hello from the phone");
  await tap(page.getByRole("button", { name: "Save Changes" }), "Save Changes");
  await expect(page.getByText(/^Saved: 1 setting/)).toBeVisible();
  expect((await capture(request, "/settings/get", { key, for_client_id: property.client_id })).result).toBe(
    "Hello from the phone",
  );
  expect(await overflow(page)).toBeLessThanOrEqual(0);

  // Sign out through the Menu.
  await tap(page.getByRole("button", { name: "Menu" }), "Menu");
  await tap(page.getByRole("button", { name: "Sign out" }), "Sign out");
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  await openHydrated(page, "/");
  await expect(page).toHaveURL(/\/sign-in/);

  expect(errors, "browser console errors").toEqual([]);
  await context.close();
});

test("prefers-reduced-motion turns transitions off", async ({ page, request }) => {
  await addProperty(request, uniqueTag("mot"));
  await openHydrated(page, "/audit");
  const icon = page.locator("button.disclosure .icon").first();
  await expect(icon).toHaveCSS("transition-duration", "0.15s");
  await page.emulateMedia({ reducedMotion: "reduce" });
  await expect(icon).toHaveCSS("transition-duration", "0s");
});

test("prefers-color-scheme: dark gives the dark palette", async ({ page }) => {
  await openHydrated(page, "/");
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await background();
  await page.emulateMedia({ colorScheme: "dark" });
  await expect.poll(background).not.toBe(light);
  // Dark: the page's background is darker than its text.
  const luminance = (rgb: string) => {
    const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const text = await page.evaluate(() => getComputedStyle(document.body).color);
  expect(luminance(await background())).toBeLessThan(luminance(text));
});
