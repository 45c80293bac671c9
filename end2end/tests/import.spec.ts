import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { APIRequestContext, Page } from "@playwright/test";
import { test, expect, openHydrated, signedInAs } from "./fixtures";
import { account, addProperty, capture, Credentials, uniqueTag } from "./api";
import { OwnServer } from "./own-server";
import { serverBinary } from "../playwright.config";

// Import Properties (issue #19): a file is checked and shown as a plan, nothing is written until
// "Apply import", and the new secrets are shown once in the result.

type DocProperty = {
  client_id?: string;
  name: string;
  features?: string[];
  whitelist?: string[];
  settings?: Record<string, string>;
};
type Doc = { format: string; version: number; global_settings?: Record<string, string>; properties: DocProperty[] };
type Row = { client_id: string; description: string; features: string[]; whitelist: string[] };

const doc = (properties: DocProperty[]): Doc => ({ format: "gatehouse-export", version: 1, properties });

/** The API's view of the properties whose name contains `tag`, by name. */
async function listed(request: APIRequestContext, tag: string) {
  const body = await capture(request, "/clients/list");
  expect(body.stat).toBe("ok");
  return (body.results as Row[]).filter((r) => r.description.includes(tag)).sort((a, b) => a.description.localeCompare(b.description));
}

/** Chooses `document` as the import file, as a person would, and waits until the page has read it. */
async function chooseFile(page: Page, document: Doc | string) {
  const text = typeof document === "string" ? document : JSON.stringify(document, null, 2);
  await page.getByLabel("Import file").setInputFiles({ name: "gatehouse.json", mimeType: "application/json", buffer: Buffer.from(text) });
  await expect(page.getByLabel("Document", { exact: true })).toHaveValue(text);
}

const applyButton = (page: Page) => page.getByRole("button", { name: "Apply import" });

test("the Import link is on the list, and a valid file's plan shows counts and diffs and writes nothing", async ({ page, request }) => {
  const tag = uniqueTag("imp");
  const shop = await addProperty(request, `${tag} shop`, ["direct_access"]);
  const blog = await addProperty(request, `${tag} blog`);
  await openHydrated(page, "/");
  await page.getByRole("link", { name: "Import", exact: true }).click();
  await expect(page).toHaveURL(/\/properties\/import$/);
  await expect(page).toHaveTitle("Import Properties · Gatehouse");
  await expect(page.getByRole("heading", { level: 1, name: "Import Properties" })).toBeVisible();
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  await expect(page.getByLabel("Delete properties not in the file")).not.toBeChecked();
  await expect(page.getByText("Owner properties are never deleted.")).toBeVisible();

  await chooseFile(
    page,
    doc([
      { client_id: shop.client_id, name: `${tag} shop`, features: ["metadata", "direct_access"], whitelist: ["10.0.0.0/8"] },
      { client_id: blog.client_id, name: `${tag} blog`, whitelist: ["0.0.0.0/0"] },
      { name: `${tag} new`, features: ["login_client"], settings: { site_name: "New" } },
    ]),
  );
  await expect(page.getByText("Read gatehouse.json")).toBeVisible();
  await page.getByRole("button", { name: "Show plan" }).click();

  await expect(page.getByRole("heading", { level: 2, name: "Plan" })).toBeFocused();
  await expect(page.getByTestId("import-summary")).toHaveText("1 to create, 1 to change, 1 unchanged");
  await expect(page.getByRole("listitem").filter({ hasText: `${tag} new` })).toContainText("features: [login_client]");
  const diff = page.getByRole("table", { name: `Changes to ${tag} shop` });
  await expect(diff.getByRole("row")).toHaveCount(3);
  await expect(diff.getByRole("row", { name: /^features/ }).getByRole("cell")).toHaveText(["[direct_access]", /→ \[direct_access, metadata\]/]);
  await expect(diff.getByRole("row", { name: /^whitelist/ }).getByRole("cell")).toHaveText(["[0.0.0.0/0]", /→ \[10\.0\.0\.0\/8\]/]);
  await expect(applyButton(page)).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel" })).toBeVisible();

  // Nothing written: the API sees what it saw before.
  let rows = await listed(request, tag);
  expect(rows.map((r) => [r.description, r.features, r.whitelist])).toEqual([
    [`${tag} blog`, [], ["0.0.0.0/0"]],
    [`${tag} shop`, ["direct_access"], ["0.0.0.0/0"]],
  ]);

  // Changing the document (or the prune box) throws the plan away: it must be shown again.
  await page.getByLabel("Delete properties not in the file").check();
  await expect(page.getByRole("heading", { name: "Plan" })).toHaveCount(0);
  await expect(applyButton(page)).toHaveCount(0);
  await expect(page.getByText("The document changed after the plan was made. Show the plan again.")).toBeVisible();
  await page.getByLabel("Delete properties not in the file").uncheck();
  await page.getByRole("button", { name: "Show plan" }).click();
  await expect(page.getByTestId("import-summary")).toHaveText("1 to create, 1 to change, 1 unchanged");
  await page.getByLabel("Document", { exact: true }).press("Control+End");
  await page.getByLabel("Document", { exact: true }).pressSequentially(" ");
  await expect(applyButton(page)).toHaveCount(0);

  // Cancel leaves the page as it was, plan gone.
  await page.getByRole("button", { name: "Show plan" }).click();
  await expect(applyButton(page)).toBeVisible();
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(applyButton(page)).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Show plan" })).toBeFocused();
  rows = await listed(request, tag);
  expect(rows).toHaveLength(2);
});

test.describe("refused input", () => {
  // A file with problems is answered 422, and a plan that no longer holds 409; the browser logs both.
  test.use({ allowedConsoleErrors: [/status of (422|409)/] });

  test("an invalid file lists every problem with its position and writes nothing", async ({ page, request }) => {
    const tag = uniqueTag("bad");
    await openHydrated(page, "/properties/import");
    await chooseFile(
      page,
      doc([
        { name: `${tag} fine` },
        { name: `${tag} net`, whitelist: ["10.0.0.0/8", "10.0.0.300/8"] },
        { name: `${tag} feature`, features: ["nope"] },
        { name: `${tag} FINE` },
      ]),
    );
    await page.getByRole("button", { name: "Show plan" }).click();
    await expect(page.getByRole("heading", { level: 2, name: "Problems in the file" })).toBeFocused();
    await expect(page.getByRole("alert").filter({ hasText: "The file has 3 problems, so nothing was imported." })).toBeVisible();
    const problems = page.locator(".problem-list li");
    await expect(problems).toHaveCount(3);
    await expect(problems.nth(0)).toContainText("properties[1].whitelist[1]: invalid cidr address: 10.0.0.300/8");
    await expect(problems.nth(1)).toContainText("properties[2].features[0]:");
    await expect(problems.nth(1)).toContainText("nope");
    await expect(problems.nth(2)).toContainText("properties[3].name: properties[0] has the same name");
    await expect(applyButton(page)).toHaveCount(0);
    expect(await listed(request, tag)).toEqual([]);

    // JSON that does not parse: the line and column.
    await page.getByLabel("Document", { exact: true }).fill('{"format": "gatehouse-export",\n  "version": 1,\n  "properties": [}');
    await expect(page.getByText("The document changed after these problems were found.")).toBeVisible();
    await page.getByRole("button", { name: "Show plan" }).click();
    await expect(page.locator(".problem-list li")).toHaveCount(1);
    await expect(page.locator(".problem-list li")).toContainText(/^line 3 column \d+: /);
    await expect(applyButton(page)).toHaveCount(0);
    expect(await listed(request, tag)).toEqual([]);
  });

  test("a plan that no longer holds is not applied: Show the plan again", async ({ page, request }) => {
    const tag = uniqueTag("chg");
    const shop = await addProperty(request, `${tag} shop`);
    await openHydrated(page, "/properties/import");
    await page.getByLabel("Document", { exact: true }).fill(
      JSON.stringify(doc([{ client_id: shop.client_id, name: `${tag} shop 2` }, { name: `${tag} new` }])),
    );
    await page.getByRole("button", { name: "Show plan" }).click();
    await expect(page.getByTestId("import-summary")).toHaveText("1 to create, 1 to change, 0 unchanged");
    // Someone else changes the property meanwhile.
    const changed = await capture(request, "/clients/set_features", { for_client_id: shop.client_id, features: '["direct_access"]' });
    expect(changed.stat, JSON.stringify(changed)).toBe("ok");
    await applyButton(page).click();
    const alert = page.getByRole("alert").filter({ hasText: "changed after this plan was shown" });
    await expect(alert).toBeVisible();
    await expect(alert).toContainText("Show the plan again");
    await expect(applyButton(page)).toHaveCount(0);
    expect((await listed(request, tag)).map((r) => r.description)).toEqual([`${tag} shop`]);
    await page.getByRole("button", { name: "Show plan" }).click();
    const diff = page.getByRole("table", { name: `Changes to ${tag} shop` });
    await expect(diff.getByRole("row", { name: /^features/ }).getByRole("cell")).toHaveText(["[direct_access]", /→ \[\]/]);
  });
});

test("apply changes and creates properties, and shows each new secret once, which the API accepts", async ({ page, context, request }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const tag = uniqueTag("app");
  const shop = await addProperty(request, `${tag} shop`, ["direct_access"]);
  await openHydrated(page, "/properties/import");
  await chooseFile(
    page,
    doc([
      {
        client_id: shop.client_id,
        name: `${tag} shop renamed`,
        features: ["metadata"],
        whitelist: ["10.0.0.0/8"],
        settings: { site_name: `${tag} shop` },
      },
      { name: `${tag} one`, whitelist: ["127.0.0.1/32"], settings: { site_name: `${tag} one site` } },
      { name: `${tag} two`, features: ["login_client"] },
    ]),
  );
  await page.getByRole("button", { name: "Show plan" }).click();
  await expect(page.getByTestId("import-summary")).toHaveText("2 to create, 1 to change, 0 unchanged");
  const diff = page.getByRole("table", { name: `Changes to ${tag} shop` });
  await expect(diff.getByRole("row", { name: /^name/ }).getByRole("cell")).toHaveText([`"${tag} shop"`, `→ "${tag} shop renamed"`]);
  await expect(diff.getByRole("row", { name: /^settings\.site_name/ }).getByRole("cell")).toHaveText(["(none)", `→ "${tag} shop"`]);

  await applyButton(page).click();
  await expect(page.getByRole("heading", { level: 2, name: "Import applied" })).toBeFocused();
  await expect(page.getByTestId("import-result-summary")).toHaveText("2 created, 1 changed, 0 unchanged.");
  await expect(page.getByText("These secrets are shown only once.")).toBeVisible();
  // The form is gone: this import is done.
  await expect(page.getByLabel("Document", { exact: true })).toBeHidden();

  const created = page.getByRole("table", { name: "Created properties and their new secrets" });
  await expect(created.locator("tbody tr")).toHaveCount(2);
  const credentials: Record<string, Credentials> = {};
  for (const name of [`${tag} one`, `${tag} two`]) {
    const row = created.locator("tbody tr").filter({ hasText: name });
    credentials[name] = {
      client_id: (await row.getByTestId("created-client-id").textContent())!.trim(),
      client_secret: (await row.getByTestId("created-client-secret").textContent())!.trim(),
    };
    expect(credentials[name].client_id).toMatch(/^[a-z0-9]{32}$/);
    expect(credentials[name].client_secret).toMatch(/^[a-z0-9]{32}$/);
  }

  // The API takes the shown secret (one's whitelist lets 127.0.0.1 in), and sees every field.
  const items = await capture(request, "/settings/items", {}, credentials[`${tag} one`]);
  expect(items.stat, JSON.stringify(items)).toBe("ok");
  expect(items.result.site_name).toBe(`${tag} one site`);
  const rows = await listed(request, tag);
  expect(rows.map((r) => [r.description, r.features, r.whitelist])).toEqual([
    [`${tag} one`, [], ["127.0.0.1/32"]],
    [`${tag} shop renamed`, ["metadata"], ["10.0.0.0/8"]],
    [`${tag} two`, ["login_client"], ["0.0.0.0/0"]],
  ]);
  expect(rows[1].client_id).toBe(shop.client_id);

  // Copy puts the secret on the clipboard.
  await created.getByRole("button", { name: `Copy the client secret of ${tag} two` }).click();
  await expect(page.getByText(`The client secret of \u201c${tag} two\u201d copied to the clipboard.`)).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(credentials[`${tag} two`].client_secret);

  // Leaving the page loses the secrets: the browser asks first.
  let asked = "";
  page.once("dialog", async (dialog) => {
    asked = dialog.type();
    await dialog.accept();
  });
  await page.getByRole("link", { name: "Back to Manage Properties" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Manage Properties" })).toBeVisible();
  expect(asked).toBe("beforeunload");
  // And the secrets are not shown again: a new visit starts empty.
  await openHydrated(page, "/properties/import");
  await expect(page.getByText(credentials[`${tag} one`].client_secret)).toHaveCount(0);
});

test("a viewer is refused the import page and sees no Import link", async ({ browser }) => {
  const viewer = account("e2e-viewer", "viewer");
  const { context, page } = await signedInAs(browser, viewer.username, viewer.password);
  await waitHydratedList(page);
  await expect(page.getByRole("link", { name: "Import", exact: true })).toHaveCount(0);
  await openHydrated(page, "/properties/import");
  await expect(page.getByRole("heading", { level: 1, name: "Import Properties" })).toBeVisible();
  await expect(page.getByRole("alert")).toContainText("Your account is not allowed to do this.");
  await expect(page.getByLabel("Import file")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Show plan" })).toHaveCount(0);
  const forged = await page.request.post("/api/properties/import/plan", {
    data: { document: JSON.stringify(doc([{ name: uniqueTag("forged") }])), prune: false },
  });
  expect(forged.status()).toBe(403);
  await context.close();
});

async function waitHydratedList(page: Page) {
  await expect(page.getByRole("heading", { level: 1, name: "Manage Properties" })).toBeVisible();
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
}


/** `server export` of `database` into a new file in `dir`; the document. */
function exportOf(database: string, dir: string, name: string): Doc {
  const file = path.join(dir, name);
  execFileSync(serverBinary, ["--database", database, "export", "--output", file], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** What a round trip must keep of a property: everything but its id (an empty whitelist and
 * 0.0.0.0/0 both mean any address). */
function comparable(p: DocProperty) {
  const whitelist = p.whitelist && p.whitelist.length > 0 ? p.whitelist : ["0.0.0.0/0"];
  return { name: p.name, features: [...(p.features ?? [])].sort(), whitelist, settings: p.settings ?? {} };
}

test("round trip: export, then import into a fresh server through the console, keeps every property", async ({ browser, page, request }) => {
  test.setTimeout(180_000);
  const tag = uniqueTag("rtp");
  // A few properties with every kind of field, so the round trip has something to carry.
  const full = await addProperty(request, `${tag} full`, ["direct_access"]);
  await capture(request, "/clients/set_whitelist", { for_client_id: full.client_id, whitelist: '["10.0.0.0/8","2001:db8::/32"]' });
  await capture(request, "/settings/set", { key: "site_name", value: `${tag} site`, for_client_id: full.client_id });
  await capture(request, "/settings/set", { key: "rpx_secret", value: "hunter2", for_client_id: full.client_id });
  await addProperty(request, `${tag} login`, ["login_client"]);
  await addProperty(request, `${tag} owner`, ["owner"]);
  const globalKey = `${tag}_global`;
  await capture(request, "/settings/set_default", { key: globalKey, value: "global value" });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gatehouse-roundtrip-"));
  const fresh = new OwnServer(path.join(dir, "fresh.db"), Number(process.env.GATEHOUSE_E2E_PORT ?? "3100") + 1);
  try {
    // Export from the console: the list's Export link with no search or filter is every property.
    await openHydrated(page, "/");
    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "Export" }).click();
    await (await download).saveAs(path.join(dir, "export.json"));
    const exported: Doc = JSON.parse(fs.readFileSync(path.join(dir, "export.json"), "utf8"));
    // The console's export is the operator command's, property for property.
    expect(exported.properties).toEqual(exportOf(process.env.GATEHOUSE_E2E_DB!, dir, "cli.json").properties);
    expect(exported.properties.map((p) => p.name)).toContain(`${tag} full`);
    expect(JSON.stringify(exported)).not.toContain(full.client_secret);

    const admin = JSON.parse(fresh.run(["user", "add", "importer", "--role", "admin", "--json"]));
    await fresh.start();
    const { context, page: there } = await signedInAs(browser, admin.username, admin.password, fresh.base);
    await openHydrated(there, `${fresh.base}/properties/import`);
    await there.getByLabel("Import file").setInputFiles(path.join(dir, "export.json"));
    await expect(there.getByText("Read export.json")).toBeVisible();
    await there.getByRole("button", { name: "Show plan" }).click();
    // The fresh server's own owner ("Owner") is matched by name; everything else is created.
    const matched = exported.properties.filter((p) => p.name.toLowerCase() === "owner").length;
    await expect(there.getByTestId("import-summary")).toHaveText(
      new RegExp(`^${exported.properties.length - matched} to create, \\d+ to change, \\d+ unchanged; \\d+ global settings? to change$`),
      { timeout: 20_000 },
    );
    await applyButton(there).click();
    await expect(there.getByRole("heading", { level: 2, name: "Import applied" })).toBeVisible({ timeout: 60_000 });
    await context.close();

    const imported = exportOf(fresh.database, dir, "imported.json");
    expect(imported.global_settings).toEqual(exported.global_settings);
    expect(imported.properties).toHaveLength(exported.properties.length);
    const byName = new Map(imported.properties.map((p) => [p.name, p]));
    for (const original of exported.properties) {
      const copy = byName.get(original.name);
      expect(copy, original.name).toBeDefined();
      expect(comparable(copy!), original.name).toEqual(comparable(original));
    }
    expect(byName.get(`${tag} full`)!.client_id).not.toBe(full.client_id);
    expect(byName.get(`${tag} full`)!.settings).toEqual({ rpx_secret: "hunter2", site_name: `${tag} site` });
  } finally {
    if (fresh.process && fresh.process.exitCode === null) await fresh.stop();
    await capture(request, "/settings/delete_default", { key: globalKey });
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
