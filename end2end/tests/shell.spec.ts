import { test, expect, openHydrated, waitHydrated } from "./fixtures";

test("the console hydrates: the Menu button toggles the navigation", async ({ page }) => {
  await page.setViewportSize({ width: 600, height: 800 });
  await openHydrated(page, "/");
  const menu = page.getByRole("button", { name: "Menu" });
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  const nav = page.getByRole("navigation", { name: "Primary" });
  await expect(nav.getByRole("link", { name: "Application settings" })).toBeVisible();
  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "false");
});

test("the navigation opens pages and marks the current one", async ({ page }) => {
  await openHydrated(page, "/");
  const nav = page.getByRole("navigation", { name: "Primary" });
  await expect(nav.getByRole("link", { name: "Properties" })).toHaveAttribute("aria-current", "page");
  await nav.getByRole("link", { name: "Application settings" }).click();
  await expect(page).toHaveURL(/\/application$/);
  await expect(page.getByRole("heading", { level: 1, name: "Application settings" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Application settings" })).toHaveAttribute("aria-current", "page");
});

test("the entry arrives compressed with Manage Properties in it; another page's code only when it is shown", async ({ page }) => {
  const fetched = new Map<string, string | undefined>();
  page.on("response", (response) => {
    const file = new URL(response.url()).pathname;
    if (file.startsWith("/pkg/")) fetched.set(file.slice(5), response.headers()["content-encoding"]);
  });
  const chunkOf = (page: string) => [...fetched.keys()].find((f) => f.startsWith(`split_${page}_page_loader_`));
  // File names carry content hashes: gatehouse.<hash>.wasm is the entry.
  const isEntry = (f: string) => /^gatehouse\.[^.]+\.wasm$/.test(f);
  const chunks = () => [...fetched.keys()].filter((f) => f.endsWith(".wasm") && !isEntry(f));

  await openHydrated(page, "/");
  const entry = [...fetched.keys()].find(isEntry);
  expect(entry).toBeDefined();
  expect(fetched.get(entry!)).toBe("br");
  expect(chunks()).toEqual([]);
  await page.getByLabel("Search properties").fill("nothing matches this");
  await expect(page.getByText("No properties match")).toBeVisible();

  await page.getByRole("navigation", { name: "Primary" }).getByRole("link", { name: "Application settings" }).click();
  await expect(page).toHaveURL(/\/application$/);
  await waitHydrated(page);
  expect(chunkOf("settings")).toBeDefined();
  expect(fetched.get(chunkOf("settings")!)).toBe("br");
  await expect(page.getByRole("button", { name: "Add Setting" })).toBeEnabled();
});

test("a page names its wasm chunks in the head, so they load with the entry: each fetched once", async ({ page }) => {
  const requested: string[] = [];
  page.on("request", (request) => {
    const file = new URL(request.url()).pathname;
    if (file.startsWith("/pkg/") && file.endsWith(".wasm")) requested.push(file);
  });
  await openHydrated(page, "/audit");
  const preloaded = await page
    .locator('head link[rel="preload"][as="fetch"]')
    .evaluateAll((links) => links.map((link) => new URL((link as HTMLLinkElement).href).pathname));
  const isEntry = (f: string) => /^\/pkg\/gatehouse\.[^.]+\.wasm$/.test(f);
  const chunks = preloaded.filter((f) => !isEntry(f));
  expect(chunks.some((f) => /^\/pkg\/split_audit_log_page_loader_\d+\.[^.]+\.wasm$/.test(f))).toBe(true);
  // The hints name exactly what the page loads, and a hint that did not match the loader's own
  // fetch would show as the same file fetched twice.
  expect([...new Set(requested)].sort()).toEqual([...requested].sort());
  expect(requested.filter((f) => !isEntry(f)).sort()).toEqual([...chunks].sort());
  await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
});

test("the bundle starts loading while the page is parsed, not once the browser is idle", async ({ page }) => {
  await openHydrated(page, "/properties/new");
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
    const entry = /^\/pkg\/(gatehouse\.[^.]+\.(js|wasm)|__wasm_split\.[^.]+\.js)$/;
    const starts = performance
      .getEntriesByType("resource")
      .map((r) => [new URL(r.name).pathname, r.startTime] as const)
      .filter(([file]) => entry.test(file));
    return { parsed: nav.domInteractive, starts };
  });
  // The entry's JavaScript, the wasm-split loader it imports, and its wasm: each asked for once,
  // all before the document was parsed (leptos's own loader asks for them once the page is idle).
  expect(timing.starts.map(([file]) => file.replace(/\.[^.]+\.(js|wasm)$/, ".$1")).sort()).toEqual([
    "/pkg/__wasm_split.js",
    "/pkg/gatehouse.js",
    "/pkg/gatehouse.wasm",
  ]);
  for (const [file, start] of timing.starts) expect(start, file).toBeLessThan(timing.parsed);
});

test("a proxy that serves the wasm with the wrong type slows the page, it does not break it", async ({ page }) => {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  let mistyped = 0;
  await page.route(/\/pkg\/gatehouse\.[^./]+\.wasm$/, async (route) => {
    mistyped += 1;
    const response = await route.fetch();
    const headers = { ...response.headers(), "content-type": "application/octet-stream" };
    delete headers["content-encoding"];
    delete headers["content-length"];
    await route.fulfill({ status: response.status(), headers, body: await response.body() });
  });
  // Compiling as it streams refuses the type; the page loads the wasm by its URL instead.
  await openHydrated(page, "/");
  await page.getByLabel("Search properties").fill("nothing matches this");
  await expect(page.getByText("No properties match")).toBeVisible();
  // Asked for twice: the compile that refused it, then the load by URL.
  expect(mistyped).toBe(2);
  expect(problems).toEqual([]);
});

test("a repeat visit loads the bundle from the browser's cache: no /pkg file crosses the wire", async ({ page }) => {
  const pkg = (response: { url(): string }) => new URL(response.url()).pathname.startsWith("/pkg/");
  const first: string[] = [];
  const onFirst = (response: import("@playwright/test").Response) => {
    if (pkg(response)) {
      first.push(new URL(response.url()).pathname);
      expect(response.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
    }
  };
  page.on("response", onFirst);
  await openHydrated(page, "/");
  await openHydrated(page, "/application");
  page.off("response", onFirst);
  expect(first.filter((f) => f.endsWith(".wasm")).length).toBeGreaterThan(1);

  // Both pages again: every /pkg file comes from the cache (a transfer size of 0; even a
  // revalidation would cost its headers).
  for (const url of ["/", "/application"]) {
    await openHydrated(page, url);
    const fetched = await page.evaluate(() =>
      performance
        .getEntriesByType("resource")
        .filter((r) => new URL(r.name).pathname.startsWith("/pkg/"))
        .map((r) => ({ file: new URL(r.name).pathname, bytes: (r as PerformanceResourceTiming).transferSize })),
    );
    expect(fetched.filter((f) => f.file.endsWith(".wasm")).length, url).toBeGreaterThan(0);
    expect(fetched.filter((f) => f.bytes > 0), url).toEqual([]);
  }
  // The page itself is never cached: it may show secrets.
  const html = await page.request.get("/");
  expect(html.headers()["cache-control"]).toBe("no-store");
});

test.describe("not found", () => {
  test.use({ allowedConsoleErrors: [/status of 404/] });

  test("an unknown address shows the not-found page with status 404", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
  await page.getByRole("link", { name: "Go to Properties" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Manage Properties" })).toBeVisible();
  });
});

test("the health endpoint reports the database", async ({ request }) => {
  const response = await request.get("/healthz");
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({ status: "ok", database: "ok" });
});

test("on a phone the header fits: the user menu and Sign out fold into Menu", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const url of ["/application", "/properties/new", "/audit", "/account"]) {
    await openHydrated(page, url);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${url} scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
  }
  const signOut = page.getByRole("button", { name: "Sign out" });
  await expect(signOut).toBeHidden();
  const menu = page.getByRole("button", { name: "Menu" });
  await menu.click();
  await expect(signOut).toBeVisible();
  const box = (await signOut.boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  expect(box.height).toBeGreaterThanOrEqual(44);
  await expect(page.getByRole("link", { name: /e2e-admin/ })).toBeVisible();
  await menu.click();
  await expect(signOut).toBeHidden();
});
