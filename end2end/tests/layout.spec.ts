// The header reaches every page a role has, at desktop widths and on a phone, and no page
// scrolls sideways at phone width. Measured in the browser, for every demo role.
import { test, expect, type Page, type BrowserContext } from "@playwright/test";
import * as path from "node:path";
import { DEMO_PASSWORD } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");
const roles = ["dana", "morgan", "riley", "eleanor", "admin"];

/** Signs `who` in through the API (the sign-in page has its own tests) and opens `start`. */
async function signedIn(context: BrowserContext, who: string, baseURL: string): Promise<Page> {
  const r = await context.request.post("/api/v1/session", {
    headers: { Origin: baseURL },
    data: { email: `${who}@closeloop.example`, password: DEMO_PASSWORD },
  });
  expect(r.ok(), `sign-in of ${who}`).toBe(true);
  return context.newPage();
}

async function hydrated(page: Page) {
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
}

/** Every page link the header holds (desktop bar, Manage, account menu and phone menu). */
async function headerLinks(page: Page): Promise<string[]> {
  const hrefs = await page
    .locator("header.topbar nav a[href^='/'], header.topbar .menu-panel a[href^='/']")
    .evaluateAll((as) => as.map((a) => a.getAttribute("href")!));
  return [...new Set(hrefs)].sort();
}

/** Elements of `selector` that are cut off: outside the window or outside a clipping parent. */
async function clipped(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).evaluateAll((els) =>
    els
      .filter((e) => {
        const r = e.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) return true; // hidden: not reachable
        if (r.left < 0 || r.right > window.innerWidth + 0.5 || r.top < 0 || r.bottom > window.innerHeight + 0.5) return true;
        for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
          const s = getComputedStyle(p);
          if (s.overflowX !== "visible" || s.overflowY !== "visible") {
            const pr = p.getBoundingClientRect();
            if (r.left < pr.left - 0.5 || r.right > pr.right + 0.5) return true;
          }
        }
        return false;
      })
      .map((e) => (e.textContent ?? "").trim()),
  );
}

for (const who of roles) {
  test(`${who}: the desktop header shows every page unclipped at 1280, 1440 and 1920 px`, async ({ browser, baseURL }) => {
    const context = await browser.newContext({ baseURL, viewport: { width: 1440, height: 900 } });
    const page = await signedIn(context, who, baseURL!);
    await page.goto("/");
    await hydrated(page);
    const links = await headerLinks(page);
    expect(links.length).toBeGreaterThan(2);
    for (const width of [1280, 1440, 1920]) {
      await page.setViewportSize({ width, height: 900 });
      // The bar: every link and menu button in the window, none cut off, on one line.
      expect(await clipped(page, ".topnav > a, .topnav > details > summary, .topbar-end > details.account-menu > summary"), `${who} at ${width}`).toEqual([]);
      const bar = await page.locator("header.topbar").boundingBox();
      expect(bar!.height, `${who} at ${width}: the bar does not wrap`).toBeLessThan(60);
      await expect(page.locator(".appmenu")).toBeHidden();
      // The Manage menu (every role but marketing has one) opens with each link in view.
      const manage = page.locator(".manage-menu > summary");
      if ((await manage.count()) > 0) {
        await manage.click();
        expect(await clipped(page, ".manage-menu .menu-panel a"), `${who} at ${width}: Manage`).toEqual([]);
        await page.keyboard.press("Escape");
        await expect(page.locator(".manage-menu")).not.toHaveAttribute("open");
      }
      await page.locator(".account-menu > summary").click();
      expect(await clipped(page, ".account-menu .menu-panel a, .account-menu .menu-panel button"), `${who} at ${width}: account`).toEqual([]);
      await expect(page.getByRole("button", { name: "Sign out" }).first()).toBeVisible();
      await page.keyboard.press("Escape");
    }
    // Only what the role can use: no link leads to a page that refuses it.
    for (const href of links) {
      const response = await page.goto(href);
      expect(response!.status(), `${who}: ${href}`).toBe(200);
      await expect(page.getByRole("heading", { name: "Not available to your role" })).toHaveCount(0);
    }
    await context.close();
  });

  test(`${who}: on a phone the menu reaches every page, and no page scrolls sideways`, async ({ browser, baseURL }) => {
    const context = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 }, hasTouch: true });
    const page = await signedIn(context, who, baseURL!);
    await page.goto("/");
    await hydrated(page);
    const links = await headerLinks(page);
    await expect(page.locator(".topnav")).toBeHidden();
    const menu = page.locator(".appmenu > summary");
    await expect(menu).toBeVisible();
    await menu.click();
    const sheet = page.locator(".appmenu-sheet");
    for (const href of links) {
      const link = sheet.locator(`a[href="${href}"]`);
      await link.scrollIntoViewIfNeeded();
      await expect(link, `${who}: ${href} in the phone menu`).toBeVisible();
    }
    await expect(sheet.getByRole("button", { name: "Sign out" })).toBeVisible();
    if (who === "admin") await page.screenshot({ path: path.join(shots, "header-phone.png") });
    // A page link closes the menu and opens the page.
    const last = links[links.length - 1];
    await sheet.locator(`a[href="${last}"]`).click();
    await expect(page).toHaveURL(new RegExp(`${last}$`));
    await expect(page.locator(".appmenu")).not.toHaveAttribute("open");

    // Every page of the role, a lead's page where the role sees leads, and for a rep a quote:
    // no sideways scroll.
    const pages = [...links];
    if (who !== "riley") pages.push("/leads/1");
    if (who === "dana") {
      const mine = await (await page.request.get("/api/v1/leads?status=open&limit=1")).json();
      const lead = mine.items?.[0]?.id;
      expect(lead, "one of Dana's open leads").toBeTruthy();
      const quote = await page.request.post("/api/fn/create_quote", {
        headers: { Origin: baseURL! },
        data: { lead_id: lead },
      });
      expect(quote.ok()).toBe(true);
      pages.push(`/quotes/${await quote.json()}`);
    }
    for (const href of pages) {
      await page.goto(href);
      await hydrated(page);
      await page.waitForTimeout(200);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, `${who}: ${href} is ${width} px wide in a 390 px screen`).toBeLessThanOrEqual(390);
    }
    // The lead drawer opens on the lead's name and its close button, not scrolled past them.
    if (who === "dana") {
      await page.goto("/board");
      await hydrated(page);
      await page.locator("li.card").first().click();
      const close = page.locator(".drawer .panel-close");
      await expect(close).toBeVisible();
      const box = await close.boundingBox();
      expect(box!.y, "the close button is on screen").toBeGreaterThanOrEqual(0);
      expect(await page.locator(".drawer").evaluate((d) => d.scrollTop)).toBe(0);
      await expect(page.locator(".drawer .quick-log")).toBeFocused();
    }
    await context.close();
  });
}

test("the manager's desktop header, with the Manage menu open", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL, viewport: { width: 1440, height: 900 } });
  const page = await signedIn(context, "morgan", baseURL!);
  await page.goto("/board");
  await hydrated(page);
  await page.locator(".manage-menu > summary").click();
  await expect(page.locator(".manage-menu .menu-panel")).toBeVisible();
  await page.screenshot({ path: path.join(shots, "header-desktop.png") });
  // A click elsewhere closes it.
  await page.locator("h1").click();
  await expect(page.locator(".manage-menu")).not.toHaveAttribute("open");
  await context.close();
});
