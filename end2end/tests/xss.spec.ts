// Stored XSS sweep (issue 9): a lead whose name, company, product interest, logged note and
// next-step note hold markup is shown as text on every page that shows it — the lead, the
// board, My day, the manager's review, the quote (on screen and printed), the contact and the
// company, and the wall's win announcement — and nothing in it ever runs.
import { test, expect, type Page, type BrowserContext } from "@playwright/test";
import { hydrated, DEMO_PASSWORD } from "./sign-in";

/** Markup that records its tag in `window.__xss` if it ever runs. */
const hostile = (tag: string) =>
  `<img src=x onerror="window.__xss.push('${tag}')"><script>window.__xss.push('${tag}-script')</script>`;

const NAME = `Eve ${hostile("name")}`;
const COMPANY = `Evil Co ${hostile("company")}`;
const PRODUCT = `"><svg onload="window.__xss.push('product')"></svg>`;
const NOTE = `Called, <b>loudly</b> ${hostile("note")}`;
const STEP = `<a href="javascript:window.__xss.push('step')">send the deck</a>`;

/** A browser context signed in through the REST session endpoint, watching for scripts. */
async function signedIn(
  browser: import("@playwright/test").Browser,
  baseURL: string,
  who: string,
): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL });
  await context.addInitScript(() => {
    (window as unknown as { __xss: string[] }).__xss = [];
    window.alert = () => (window as unknown as { __xss: string[] }).__xss.push("alert");
  });
  const resp = await context.request.post("/api/v1/session", {
    headers: { Origin: baseURL },
    data: { email: `${who}@closeloop.example`, password: DEMO_PASSWORD },
  });
  expect(resp.ok(), await resp.text()).toBeTruthy();
  return context;
}

/** Nothing planted ran or became an element; `texts` are shown literally. */
async function expectInert(page: Page, where: string, texts: string[] = []) {
  for (const text of texts) {
    await expect(page.locator("body"), `${where} shows the text as typed`).toContainText(text);
  }
  const found = await page.evaluate(() => ({
    ran: (window as unknown as { __xss: string[] }).__xss,
    elements: document.querySelectorAll('img[src="x"], svg[onload], a[href^="javascript:"]').length,
  }));
  expect(found.ran, `${where}: no planted script ran`).toEqual([]);
  expect(found.elements, `${where}: no planted element exists`).toBe(0);
}

test("markup typed into a lead is text on every page and never runs", async ({ browser, baseURL }) => {
  const origin = baseURL!;
  const rep = await signedIn(browser, origin, "dana");
  const api = rep.request;
  const sources = await (await api.get("/api/v1/sources")).json();
  const source = (sources.sources ?? sources)[0];
  const created = await api.post("/api/v1/leads", {
    headers: { Origin: origin },
    data: {
      source_id: source.id,
      contact_name: NAME,
      email: `eve.${Date.now()}@xss.example`,
      company: COMPANY,
      product_interest: PRODUCT,
      value_cents: 4_200_000,
      message: `Hello ${hostile("message")}`,
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const id = (await created.json()).lead_id as number;
  let lead = await (await api.get(`/api/v1/leads/${id}`)).json();
  const logged = await api.post(`/api/v1/leads/${id}/activities`, {
    headers: { Origin: origin },
    data: { version: lead.version, kind: "note", note: NOTE },
  });
  expect(logged.status(), await logged.text()).toBe(200);
  lead = await logged.json();
  const due = Date.now() + 2 * 24 * 3600 * 1000;
  const planned = await api.put(`/api/v1/leads/${id}/next-step`, {
    headers: { Origin: origin },
    data: { version: lead.version, kind: "email", due_at: due, note: STEP },
  });
  expect(planned.status(), await planned.text()).toBe(200);
  lead = await planned.json();

  // The rep's pages.
  const page = await rep.newPage();
  await page.goto(`/leads/${id}`);
  await hydrated(page);
  await expectInert(page, "the lead", ["Eve <img src=x", "Evil Co <img", "Called, <b>loudly</b>", "Hello <img", "\"><svg onload"]);
  await page.goto("/board?q=Eve");
  await expect(page.getByRole("listitem", { name: /^Evil Co <img src=x/ })).toBeVisible();
  await expectInert(page, "the board", ["Eve <img src=x", "Evil Co <img"]);
  await page.goto("/today");
  await hydrated(page);
  await expectInert(page, "My day");
  // The person and the company, through the lead's links.
  await page.goto(`/leads/${id}`);
  await hydrated(page);
  const contact = await page.getByRole("link", { name: "Contact", exact: true }).getAttribute("href");
  const company = await page.getByRole("link", { name: "Company", exact: true }).getAttribute("href");
  expect(contact).toMatch(/^\/contacts\/\d+$/);
  expect(company).toMatch(/^\/companies\/\d+$/);
  await page.goto(contact!);
  await hydrated(page);
  await expectInert(page, "the contact", ["Eve <img src=x"]);
  await page.goto(company!);
  await hydrated(page);
  await expectInert(page, "the company", ["Evil Co <img"]);

  // A quote for the lead: the buyer's name on screen and on paper.
  await page.goto(`/leads/${id}`);
  await hydrated(page);
  await page.getByRole("region", { name: "Quotes" }).getByRole("button", { name: "New quote" }).click();
  await expect(page).toHaveURL(/\/quotes\/\d+$/);
  await hydrated(page);
  await expectInert(page, "the quote", ["Eve <img src=x"]);
  await page.emulateMedia({ media: "print" });
  await expectInert(page, "the printed quote", ["Eve <img src=x"]);
  await page.emulateMedia({ media: "screen" });

  // The manager's review of the rep.
  const manager = await signedIn(browser, origin, "morgan");
  const me = await (await api.get("/api/v1/me")).json();
  const review = await manager.newPage();
  await review.goto(`/review/${me.id ?? me.user?.id}`);
  await hydrated(review);
  await expectInert(review, "the review");

  // The wall, live, as the lead is won.
  const leader = await signedIn(browser, origin, "eleanor");
  const wall = await leader.newPage();
  await wall.goto("/wall");
  await hydrated(wall);
  await expect(wall.locator(".wall-screen")).toBeVisible();
  await wall.waitForTimeout(500); // the live feed connects
  const won = await api.post(`/api/v1/leads/${id}/close`, {
    headers: { Origin: origin },
    data: { outcome: "won", version: lead.version, value: "42,000" },
  });
  expect(won.status(), await won.text()).toBe(200);
  await expect(wall.locator(".wall-banner")).toContainText("Evil Co <img", { timeout: 5_000 });
  await expectInert(wall, "the wall");

  await rep.close();
  await manager.close();
  await leader.close();
});
