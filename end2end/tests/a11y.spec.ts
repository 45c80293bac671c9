import AxeBuilder from "@axe-core/playwright";
import { APIRequestContext, Page } from "@playwright/test";
import { test, expect, openHydrated } from "./fixtures";
import { account, addProperty, capture, uniqueTag } from "./api";

// WCAG 2.1 A and AA with axe-core: every page, every dialog, the key picker and the menus, at
// 1280 px and at 390 px, in the light and in the dark colour scheme. Each scene is audited in its
// state (dialog open, menu open), so what is only on screen then is audited too.

const WIDTHS = [1280, 390] as const;

/** axe's violations on the page as it is now, one readable line each (rule, impact, elements). */
async function violations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
}

/** Audits the scene in light and dark: both must have zero violations. */
async function audit(page: Page, scene: string) {
  await page.emulateMedia({ colorScheme: "light" });
  expect.soft(await violations(page), `${scene}, light`).toEqual([]);
  await page.emulateMedia({ colorScheme: "dark" });
  // The dark palette is a media query: make sure it is the one being audited.
  await expect
    .poll(() => page.evaluate(() => matchMedia("(prefers-color-scheme: dark)").matches))
    .toBe(true);
  expect.soft(await violations(page), `${scene}, dark`).toEqual([]);
  await page.emulateMedia({ colorScheme: "light" });
}

/** Global keys this file set; deleted after each test, since every property inherits them. */
const globals: string[] = [];

test.afterEach(async ({ request }) => {
  for (const key of globals.splice(0)) await capture(request, "/settings/delete_default", { key });
});

/** A property with a global and an own setting, a sibling owner property, all found by `tag`. */
async function seed(request: APIRequestContext, tag: string) {
  const property = await addProperty(request, `${tag} Web shop`, ["direct_access"]);
  await addProperty(request, `${tag} Owner`, ["owner"]);
  await addProperty(request, `${tag} Login`, ["login_client"]);
  globals.push(`${tag}_global`);
  await capture(request, "/settings/set_default", { key: `${tag}_global`, value: "global value" });
  await capture(request, "/settings/set", { key: `${tag}_own`, value: "own value", for_client_id: property.client_id });
  return property;
}

type Scene = { name: string; open: (page: Page, request: APIRequestContext) => Promise<void> };

const scenes: Scene[] = [
  {
    name: "Manage Properties",
    open: async (page, request) => {
      const tag = uniqueTag("axl");
      await seed(request, tag);
      await openHydrated(page, `/?q=${tag}&sort=name`);
      await expect(page.locator("tbody tr")).toHaveCount(3);
    },
  },
  {
    name: "Manage Properties, empty search and an active filter",
    open: async (page) => {
      await openHydrated(page, `/?q=zz-nothing-zz&features=owner`);
      await expect(page.getByText("No properties match")).toBeVisible();
    },
  },
  {
    name: "Manage Properties, the filter menu open",
    open: async (page, request) => {
      const tag = uniqueTag("axf");
      await seed(request, tag);
      await openHydrated(page, `/?q=${tag}`);
      await page.getByRole("button", { name: "Filter by feature" }).click();
      await expect(page.getByRole("checkbox", { name: "login_client" })).toBeVisible();
    },
  },
  {
    name: "Manage Properties, a row's Actions menu open",
    open: async (page, request) => {
      const tag = uniqueTag("axa");
      await seed(request, tag);
      await openHydrated(page, `/?q=${tag}`);
      await page.getByRole("button", { name: `Actions for ${tag} Owner` }).click();
      await expect(page.getByRole("menuitem", { name: "Copy" })).toBeFocused();
    },
  },
  {
    name: "Copy dialog",
    open: async (page, request) => {
      const tag = uniqueTag("axc");
      await seed(request, tag);
      await openHydrated(page, `/?q=${tag}`);
      await page.getByRole("button", { name: `Actions for ${tag} Web shop` }).click();
      await page.getByRole("menuitem", { name: "Copy" }).click();
      await expect(page.getByRole("dialog", { name: "Copy this property" })).toBeVisible();
    },
  },
  {
    name: "Delete dialog",
    open: async (page, request) => {
      const tag = uniqueTag("axd");
      await seed(request, tag);
      await openHydrated(page, `/?q=${tag}`);
      await page.getByRole("button", { name: `Actions for ${tag} Web shop` }).click();
      await page.getByRole("menuitem", { name: "Delete" }).click();
      await expect(page.getByRole("alertdialog", { name: "Would you like to delete this property?" })).toBeVisible();
    },
  },
  {
    name: "Manage Properties, rows selected: the bulk actions bar",
    open: async (page, request) => {
      const tag = uniqueTag("axb");
      await seed(request, tag);
      await openHydrated(page, `/?q=${tag}`);
      await page.getByRole("checkbox", { name: "Select all on this page" }).check();
      await expect(page.getByRole("region", { name: "Selected properties" })).toContainText("3 selected");
    },
  },
  {
    name: "Bulk Add IP range dialog, an invalid range",
    open: async (page, request) => {
      const tag = uniqueTag("axi");
      await seed(request, tag);
      await openHydrated(page, `/?q=${tag}`);
      await page.getByRole("checkbox", { name: "Select all on this page" }).check();
      await page.getByRole("button", { name: "Add IP range…" }).click();
      const dialog = page.getByRole("dialog", { name: "Add an IP range" });
      await expect(dialog).toContainText("each of the 3 selected properties");
      await dialog.getByLabel("IP range").fill("10.0.0.300/8");
      await expect(dialog.locator("#bulk-field-error")).not.toBeEmpty();
    },
  },
  {
    name: "Bulk delete dialog, an owner skipped",
    open: async (page, request) => {
      const tag = uniqueTag("axx");
      await seed(request, tag);
      await openHydrated(page, `/?q=${tag}`);
      await page.getByRole("checkbox", { name: "Select all on this page" }).check();
      await page.getByRole("button", { name: "Delete…" }).click();
      await expect(page.getByRole("alertdialog", { name: "Delete the selected properties?" })).toContainText("1 owner");
    },
  },
  {
    name: "Create Property",
    open: async (page) => {
      await openHydrated(page, "/properties/new");
      await page.getByRole("button", { name: "Add New IP Address" }).click();
      await page.getByRole("textbox", { name: "IP address 1", exact: true }).fill("10.1.2.3/8");
      await expect(page.getByText(/host bits/i).first()).toBeVisible();
    },
  },
  {
    name: "Create Property, the cancel confirmation",
    open: async (page) => {
      await openHydrated(page, "/properties/new");
      await page.getByLabel("Name").fill("Half typed");
      await page.getByRole("button", { name: "Cancel" }).click();
      await expect(page.getByRole("alertdialog", { name: "Do you really want to cancel?" })).toBeVisible();
    },
  },
  {
    name: "a property",
    open: async (page, request) => {
      const property = await seed(request, uniqueTag("axp"));
      await openHydrated(page, `/properties/${property.client_id}`);
      await expect(page.getByTestId("current-secret-use")).toBeVisible();
    },
  },
  {
    name: "Reset Secret, dialog 1 with an invalid number",
    open: async (page, request) => {
      const property = await seed(request, uniqueTag("axr"));
      await openHydrated(page, `/properties/${property.client_id}`);
      await page.getByRole("button", { name: "Reset Secret" }).click();
      await page.getByLabel("Hours to Expire").fill("500");
      await expect(page.getByRole("dialog").locator(".field-error")).not.toBeEmpty();
    },
  },
  {
    name: "Reset Secret, dialog 2",
    open: async (page, request) => {
      const property = await seed(request, uniqueTag("axs"));
      await openHydrated(page, `/properties/${property.client_id}`);
      await page.getByRole("button", { name: "Reset Secret" }).click();
      await page.getByLabel("Hours to Expire").fill("2");
      await page.getByRole("button", { name: "Next" }).click();
      await expect(page.getByRole("alertdialog", { name: "Are you sure you want to reset this secret?" })).toBeVisible();
    },
  },
  {
    name: "Reset Secret, dialog 3",
    open: async (page, request) => {
      const property = await seed(request, uniqueTag("axt"));
      await openHydrated(page, `/properties/${property.client_id}`);
      await page.getByRole("button", { name: "Reset Secret" }).click();
      await page.getByLabel("Hours to Expire").fill("2");
      await page.getByRole("button", { name: "Next" }).click();
      await page.getByRole("alertdialog").getByRole("button", { name: "Yes" }).click();
      await expect(page.getByRole("dialog", { name: "Secret successfully reset" })).toBeVisible();
    },
  },
  {
    name: "a property with a previous secret, the Expire now confirmation",
    open: async (page, request) => {
      const property = await seed(request, uniqueTag("axe"));
      await capture(request, "/clients/reset_secret", { for_client_id: property.client_id, hours_to_live: "2" });
      await openHydrated(page, `/properties/${property.client_id}`);
      await page.getByRole("button", { name: "Show client secret" }).click();
      await page.getByRole("button", { name: "Expire now" }).click();
      await expect(page.getByRole("alertdialog", { name: "Expire the previous secret now?" })).toBeVisible();
    },
  },
  {
    name: "a property's settings",
    open: async (page, request) => {
      const property = await seed(request, uniqueTag("axg"));
      await openHydrated(page, `/properties/${property.client_id}/settings`);
      await expect(page.getByRole("heading", { level: 1, name: "Edit Settings" })).toBeVisible();
    },
  },
  {
    name: "a property's settings, the key picker open",
    open: async (page, request) => {
      const property = await seed(request, uniqueTag("axk"));
      await capture(request, "/settings/set", { key: "login_attempts", value: "5", for_client_id: property.client_id });
      await openHydrated(page, `/properties/${property.client_id}/settings`);
      await page.getByRole("button", { name: "Add Setting" }).click();
      await page.getByRole("combobox", { name: "Select setting key" }).fill("login");
      await expect(page.getByRole("option", { name: /^login_attempts_threshold/ })).toBeVisible();
    },
  },
  {
    name: "a property's settings, a refused key",
    open: async (page, request) => {
      const property = await seed(request, uniqueTag("axq"));
      await openHydrated(page, `/properties/${property.client_id}/settings`);
      await page.getByRole("button", { name: "Add Setting" }).click();
      await page.getByRole("combobox", { name: "Select setting key" }).fill("bad key");
      await expect(page.locator(".key-picker .field-error")).not.toBeEmpty();
    },
  },
  {
    name: "Application settings",
    open: async (page, request) => {
      await seed(request, uniqueTag("axy"));
      await openHydrated(page, "/application");
      await expect(page.getByRole("button", { name: "Add Setting" })).toBeEnabled();
    },
  },
  {
    name: "Application settings, the delete confirmation",
    open: async (page, request) => {
      const tag = uniqueTag("axz");
      await seed(request, tag);
      await openHydrated(page, "/application");
      await page.getByRole("button", { name: `Delete ${tag}_global` }).click();
      await expect(page.getByRole("alertdialog", { name: "Delete this global setting?" })).toBeVisible();
    },
  },
  {
    name: "Audit log, an entry expanded",
    open: async (page, request) => {
      await seed(request, uniqueTag("axu"));
      await openHydrated(page, "/audit");
      await page.locator("button.disclosure").first().click();
      await expect(page.getByRole("table", { name: "Before and after" }).first()).toBeVisible();
    },
  },
  {
    name: "Account",
    open: async (page) => {
      await openHydrated(page, "/account");
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    },
  },
  {
    name: "Users",
    open: async (page) => {
      account("a11y-viewer", "viewer");
      await openHydrated(page, "/users");
      await expect(page.getByRole("cell", { name: "a11y-viewer", exact: true })).toBeVisible();
    },
  },
  {
    name: "Users, the remove confirmation",
    open: async (page) => {
      account("a11y-viewer", "viewer");
      await openHydrated(page, "/users");
      await page.getByRole("button", { name: /Remove a11y-viewer/ }).click();
      await expect(page.getByRole("alertdialog", { name: "Remove this account?" })).toBeVisible();
    },
  },
  {
    name: "Import Properties",
    open: async (page) => {
      await openHydrated(page, "/properties/import");
      await expect(page.getByRole("button", { name: "Show plan" })).toBeVisible();
    },
  },
  {
    name: "Import Properties, a plan",
    open: async (page, request) => {
      const tag = uniqueTag("axi");
      const property = await seed(request, tag);
      await openHydrated(page, "/properties/import");
      await page.getByLabel("Document", { exact: true }).fill(importDocument(tag, property.client_id));
      await page.getByRole("button", { name: "Show plan" }).click();
      await expect(page.getByRole("button", { name: "Apply import" })).toBeVisible();
    },
  },
  {
    name: "Import Properties, the result with new secrets",
    open: async (page, request) => {
      const tag = uniqueTag("axr");
      const property = await seed(request, tag);
      await openHydrated(page, "/properties/import");
      await page.getByLabel("Document", { exact: true }).fill(importDocument(tag, property.client_id));
      await page.getByRole("button", { name: "Show plan" }).click();
      await page.getByRole("button", { name: "Apply import" }).click();
      await expect(page.getByText("These secrets are shown only once.")).toBeVisible();
    },
  },
];

/** An import of one change (to the seeded property) and one new property. */
function importDocument(tag: string, clientId: string) {
  return JSON.stringify({
    format: "gatehouse-export",
    version: 1,
    properties: [
      { client_id: clientId, name: `${tag} Web shop`, features: ["metadata"], whitelist: ["10.0.0.0/8"] },
      { name: `${tag} Imported`, features: ["login_client"], settings: { site_name: "Imported" } },
    ],
  });
}

for (const width of WIDTHS) {
  test.describe(`axe, WCAG 2.1 AA at ${width} px`, () => {
    test.beforeEach(async ({ page }) => {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
    });

    for (const scene of scenes) {
      test(`${scene.name}: no violations, light and dark`, async ({ page, request }) => {
        await scene.open(page, request);
        await audit(page, `${scene.name} at ${width} px`);
      });
    }

    test.describe("import problems", () => {
      // A file with problems is answered 422, which the browser logs.
      test.use({ allowedConsoleErrors: [/status of 422/] });
      test("Import Properties, a file with problems: no violations, light and dark", async ({ page }) => {
        await openHydrated(page, "/properties/import");
        await page.getByLabel("Document", { exact: true }).fill(
          JSON.stringify({
            format: "gatehouse-export",
            version: 1,
            properties: [{ name: "a11y bad", whitelist: ["10.0.0.300/8"], features: ["nope"] }, { name: "A11Y BAD" }],
          }),
        );
        await page.getByRole("button", { name: "Show plan" }).click();
        await expect(page.getByRole("heading", { name: "Problems in the file" })).toBeVisible();
        await audit(page, `import problems at ${width} px`);
      });
    });

    test("the header's Menu open: no violations, light and dark", async ({ page }) => {
      await openHydrated(page, "/");
      const menu = page.getByRole("button", { name: "Menu" });
      if (width === 390) {
        await menu.click();
        await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
      } else {
        await expect(menu).toBeHidden();
      }
      await audit(page, `header at ${width} px`);
    });

    test("as a viewer (no change controls, the Viewer badge): no violations, light and dark", async ({ browser, request }) => {
      const tag = uniqueTag("axv");
      const property = await seed(request, tag);
      const viewer = account("a11y-page-viewer", "viewer");
      const context = await browser.newContext({
        storageState: { cookies: [], origins: [] },
        viewport: { width, height: width === 390 ? 844 : 800 },
      });
      const page = await context.newPage();
      await openHydrated(page, "/sign-in");
      await page.getByLabel("Username").fill(viewer.username);
      await page.getByLabel("Password").fill(viewer.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("heading", { level: 1, name: "Manage Properties" })).toBeVisible();
      await openHydrated(page, `/?q=${tag}`);
      await expect(page.getByRole("button", { name: /^Actions for/ })).toHaveCount(0);
      await audit(page, `list as a viewer at ${width} px`);
      await openHydrated(page, `/properties/${property.client_id}`);
      await expect(page.getByRole("button", { name: "Reset Secret" })).toHaveCount(0);
      await audit(page, `property as a viewer at ${width} px`);
      await openHydrated(page, `/properties/${property.client_id}/settings`);
      await audit(page, `settings as a viewer at ${width} px`);
      await context.close();
    });

    test.describe("signed out", () => {
      // The refused sign-in answers 422, which the browser logs.
      test.use({ storageState: { cookies: [], origins: [] }, allowedConsoleErrors: [/status of 422/] });
      test("Sign in, with a refused password: no violations, light and dark", async ({ page }) => {
        await openHydrated(page, "/sign-in");
        await audit(page, `sign-in at ${width} px`);
        await page.getByLabel("Username").fill("nobody");
        await page.getByLabel("Password").fill("wrong password");
        await page.getByRole("button", { name: "Sign in" }).click();
        await expect(page.getByRole("alert").filter({ hasText: /./ }).first()).toBeVisible();
        await audit(page, `sign-in refused at ${width} px`);
      });
    });

    test.describe("not found", () => {
      test.use({ allowedConsoleErrors: [/status of 404/] });
      test("Page not found: no violations, light and dark", async ({ page }) => {
        await page.goto("/no/such/page");
        await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
        await audit(page, `not found at ${width} px`);
      });
    });
  });
}
