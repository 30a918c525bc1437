// The forecast, end to end: a rep reads their own forecast, dates a new lead for next month at
// 10,000 and commits to it from the drawer (a commitment without a date is named first), and
// the month's committed, best-case and weighted figures move by exactly that; the manager
// reads her team's forecast by team and over six months, and sees the change in the rep's
// review; marketing has no forecast.
import { test, expect, type Page, type Locator } from "@playwright/test";
import * as path from "node:path";
import { signIn, hydrated } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");

/** Whole dollars of "$12,345.67" (cents dropped, exactly as written). */
function dollars(text: string): number {
  return Number(text.replace(/[^0-9.]/g, ""));
}

/** The figures of the forecast's total row in next month's column. */
async function nextMonth(page: Page) {
  const cell = page.locator(".forecast-table tfoot td.forecast-col-ahead").first();
  await expect(cell).toBeVisible();
  const text = (await cell.innerText()).replace(/\s+/g, " ");
  const weighted = dollars(await cell.locator(".forecast-weighted").innerText());
  const committed = Number((/committed \$([0-9,.]+)/.exec(text)?.[1] ?? "0").replace(/,/g, ""));
  const best = Number((/best \$([0-9,.]+)/.exec(text)?.[1] ?? "0").replace(/,/g, ""));
  return { weighted, committed, best };
}

async function openForecast(page: Page, href = "/forecast") {
  await page.goto(href);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Forecast", level: 1 })).toBeVisible();
}

test("a rep commits a lead for next month and the forecast moves by exactly its value", async ({ page, browser }) => {
  await signIn(page, "sam", "/today");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Forecast" }).click();
  await expect(page).toHaveURL(/\/forecast$/);
  await hydrated(page);
  await expect(page.locator(".page-hint").first()).toContainText("Your leads");
  // A rep's forecast is theirs alone: one row, and the total.
  await expect(page.locator(".forecast-table tbody tr")).toHaveCount(1);
  await expect(page.locator(".forecast-table tbody th")).toHaveText("Sam Carter");
  await expect(page.getByRole("img", { name: /Bar chart: won in the past 3 months/ })).toBeVisible();
  await expect(page.getByRole("link", { name: "Download CSV" })).toHaveAttribute("href", "/forecast.csv");
  const hint = await page.locator(".page-hint").first().innerText();
  const today = /on (\d{4})-(\d{2})-\d{2}/.exec(hint)!;
  const year = Number(today[1]);
  const month = Number(today[2]); // 1–12; next month is `month + 1`
  const next = `${month === 12 ? year + 1 : year}-${String((month % 12) + 1).padStart(2, "0")}-15`;
  const before = await nextMonth(page);

  // A new inquiry on Sam's board (New wins 10 % of the time): no close date yet.
  await page.goto("/board");
  await hydrated(page);
  const card = page.getByRole("listitem", { name: "New", exact: true }).locator("li.card").first();
  await card.locator(".card-title").click();
  const drawer = page.getByRole("dialog", { name: "Lead" });
  await drawer.getByRole("button", { name: "Edit" }).click();
  const commit = drawer.getByLabel(/Committed: I expect to win it by then/);
  await commit.check();
  await drawer.getByRole("button", { name: "Save" }).click();
  await expect(drawer.locator("#committed-error")).toHaveText("Set an expected close date before committing to the lead");
  await expect(commit).toHaveAttribute("aria-invalid", "true");
  await drawer.getByLabel("Value", { exact: true }).fill("10000");
  await drawer.getByLabel("Expected close").fill(next);
  await drawer.getByRole("button", { name: "Save" }).click();
  const details = drawer.getByRole("region", { name: "Details" });
  await expect(details.locator("dd").filter({ hasText: "· committed" })).toHaveText(/^[A-Z][a-z]{2} 15, \d{4} · committed$/);
  await expect(drawer.locator(".timeline-item").first()).toContainText("Expected close");

  await openForecast(page);
  const after = await nextMonth(page);
  expect(after.committed - before.committed).toBe(10000);
  expect(after.best - before.best).toBe(10000);
  // 10,000 × 10 % (cents dropped on both sides, so within a dollar).
  expect(Math.abs(after.weighted - before.weighted - 1000)).toBeLessThanOrEqual(1);
  await page.screenshot({ path: path.join(shots, "forecast-rep.png"), fullPage: true });

  // Priya reads her team's forecast, by team and six months ahead, and Sam's change in his
  // review.
  const manager = await browser.newPage();
  await signIn(manager, "priya", "/today");
  await openForecast(manager);
  await expect(manager.locator(".page-hint").first()).toContainText("Your teams' leads");
  await expect(manager.locator(".forecast-table tbody th").filter({ hasText: "Sam Carter" })).toBeVisible();
  await manager.getByRole("navigation", { name: "Group by" }).getByRole("link", { name: "Team" }).click();
  await expect(manager).toHaveURL(/by=team/);
  await manager.getByRole("navigation", { name: "Months ahead" }).getByRole("link", { name: "6 months" }).click();
  await expect(manager).toHaveURL(/by=team&months=6/);
  await expect(manager.locator(".forecast-table thead th.forecast-col-ahead")).toHaveCount(5);
  await expect(manager.locator(".forecast-table tbody th").filter({ hasText: "Mid-Market West" })).toBeVisible();
  await expect(manager.getByRole("link", { name: "Download CSV" })).toHaveAttribute("href", "/forecast.csv?by=team&months=6");
  await manager.screenshot({ path: path.join(shots, "forecast.png"), fullPage: true });
  await manager.setViewportSize({ width: 390, height: 844 });
  await manager.screenshot({ path: path.join(shots, "forecast-phone.png"), fullPage: true });
  // Nothing but the table scrolls sideways at phone width.
  const overflow = await manager.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await manager.setViewportSize({ width: 1440, height: 900 });

  const samReview = await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My review" }).getAttribute("href");
  await manager.goto(samReview!);
  await hydrated(manager);
  await expect(manager.locator(".change-counts")).toContainText("Forecast changes");
  await expect(manager.locator(".changes .change-forecast, .changes li").filter({ hasText: /Forecast: close date none → [A-Z][a-z]{2} 15, \d{4}, committed/ }).first()).toBeVisible();
  await manager.close();
});

test("marketing has no forecast", async ({ page }) => {
  await signIn(page, "riley", "/roi");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Forecast" })).toHaveCount(0);
  await page.goto("/forecast");
  await expect(page.getByRole("heading", { name: "Not available to your role" })).toBeVisible();
});
