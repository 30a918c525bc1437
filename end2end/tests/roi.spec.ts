// ROI: marketing reads what each channel and campaign returned over a period, sorts the
// tables, and downloads them as CSV with the figures the page shows; a rep has no ROI.
import { test, expect } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";
import { signIn, hydrated } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");

test("marketing sorts the channels by cost per lead and downloads the same figures", async ({ page }) => {
  await signIn(page, "riley");
  await page.getByRole("link", { name: "ROI" }).click();
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Marketing ROI" })).toBeVisible();
  await page.getByRole("link", { name: "365 days" }).click();
  await expect(page).toHaveURL(/days=365/);
  await expect(page.getByText(/Last 365 days/)).toBeVisible();

  const channels = page.getByRole("region", { name: "By channel" });
  const rows = channels.locator("tbody tr");
  expect(await rows.count()).toBeGreaterThan(3);
  // Sorted by ROI, best first, as the page opens; a channel nobody paid for (referrals) last.
  await expect(channels.locator("th[aria-sort=descending]")).toContainText("ROI");
  await expect(rows.last().locator("th")).toContainText("Referral");

  // Cost per lead, cheapest first after a second click.
  const cpl = channels.getByRole("button", { name: "Cost per lead" });
  await cpl.click();
  await expect(channels.locator("th[aria-sort=descending]")).toContainText("Cost per lead");
  await cpl.click();
  await expect(channels.locator("th[aria-sort=ascending]")).toContainText("Cost per lead");
  const column = await channels.locator("thead th").allTextContents();
  const at = column.findIndex((t) => t.startsWith("Cost per lead"));
  const costs = (await rows.evaluateAll((trs, i) => trs.map((tr) => tr.children[i].textContent ?? ""), at))
    .filter((t) => t !== "–")
    .map((t) => Number(t.replace(/[$,]/g, "")));
  expect(costs.length).toBeGreaterThan(2);
  expect(costs.every((c, i) => i === 0 || c >= costs[i - 1])).toBe(true);

  // The CSV has a line per channel, and its inquiries add up to the page's total.
  const download = page.waitForEvent("download");
  await channels.getByRole("link", { name: "Download CSV" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^roi-channels-365d-\d{4}-\d{2}-\d{2}\.csv$/);
  const text = fs.readFileSync(await file.path(), "utf8").trim().split("\n");
  const header = text[0].split(",");
  expect(text.length - 1).toBe(await rows.count());
  const inquiries = text.slice(1).reduce((sum, line) => sum + Number(line.split(",")[header.indexOf("inquiries")]), 0);
  const total = await page.locator(".roi-stats .stat", { hasText: "Inquiries" }).locator(".stat-value").innerText();
  expect(inquiries).toBe(Number(total.replace(/,/g, "")));

  // Spend against won revenue per channel, and the funnel, as charts beside their tables.
  const chart = page.getByRole("img", { name: /Bar chart: spend and won revenue per channel/ });
  await expect(chart.locator("svg")).toBeVisible();
  expect(await chart.locator("rect").count()).toBeGreaterThanOrEqual(2 * 3);
  await expect(page.getByRole("img", { name: "Bar chart: inquiries reaching each stage" }).locator("svg")).toBeVisible();

  // The funnel narrows stage by stage.
  const reached = (await page.locator(".funnel-table tbody td:nth-child(2)").allInnerTexts()).map((t) =>
    Number(t.replace(/,/g, "")),
  );
  expect(reached.length).toBeGreaterThan(3);
  expect(reached.every((n, i) => i === 0 || n <= reached[i - 1])).toBe(true);

  // Time in stage from the event log, and the sales cycle of the year's wins.
  const times = page.getByRole("region", { name: "Time in stage and sales cycle" });
  await expect(times).toContainText(/Sales cycle of the [\d,]+ wins in the period, inquiry to win: median [\d.]+ days, 80% within [\d.]+ days/);
  await expect(times.getByRole("rowheader", { name: "New" })).toBeVisible();
  expect(await times.locator("tbody tr").count()).toBeGreaterThan(3);
});

test("marketing sets the year's inquiry target and sees the pace", async ({ page, browser }) => {
  await signIn(page, "riley");
  await page.goto("/roi?days=90");
  await hydrated(page);
  // The year is the organisation's (its time zone), as the heading says.
  const section = page.getByRole("region", { name: /^Inquiries vs\. target, \d{4}$/ });
  const year = Number(((await section.getByRole("heading").innerText()).match(/(\d{4})$/) ?? ["", "0"])[1]);
  expect(year).toBeGreaterThan(2000);
  await expect(section).toContainText(/inquiries so far in \d{4}; no target set|of [\d,]+ inquiries/);
  const soFar = Number(((await section.locator(".pace-summary").innerText()).match(/^([\d,]+)/)?.[1] ?? "0").replace(/,/g, ""));
  expect(soFar).toBeGreaterThan(0);
  // A target of nothing is refused, and says what it takes.
  const field = section.getByLabel(`Yearly target for ${year}`);
  await field.fill("0");
  await section.getByRole("button", { name: "Save target" }).click();
  const error = section.getByRole("alert");
  await expect(error).toContainText("Enter 1 to 100,000,000 inquiries");
  // Twice what came in so far: behind by roughly the year's remaining share.
  const target = soFar * 2;
  await field.fill(target.toLocaleString("en-US"));
  await section.getByRole("button", { name: "Save target" }).click();
  await expect(section.getByRole("status")).toContainText("Target saved.");
  await expect(section.locator(".pace-summary")).toContainText(`of ${target.toLocaleString("en-US")} inquiries in ${year}`);
  await expect(section.locator("progress")).toHaveAttribute("max", String(target));
  await expect(section).toContainText(/Expected by today: [\d,]+ \((ahead|behind) by [\d,]+\)/);
  await expect(section).toContainText(/At this pace: [\d,]+ by the year's end/);
  // It is kept: a reload shows it.
  await page.reload();
  await hydrated(page);
  await expect(page.locator(".pace-summary")).toContainText(`of ${target.toLocaleString("en-US")}`);
  await page.screenshot({ path: path.join(shots, "roi.png"), fullPage: true });
  // Leadership reads it but has no form.
  const boss = await browser.newPage();
  await signIn(boss, "eleanor");
  await boss.goto("/roi?days=90");
  await hydrated(boss);
  await expect(boss.locator(".pace-summary")).toContainText(`of ${target.toLocaleString("en-US")}`);
  await expect(boss.getByLabel(`Yearly target for ${year}`)).toHaveCount(0);
  await boss.close();
});

test("marketing picks a period by dates, and a reversed one is refused by field", async ({ page }) => {
  await signIn(page, "riley");
  await page.goto("/roi?days=90");
  await hydrated(page);
  const day = (back: number) => new Date(Date.now() - back * 86_400_000).toISOString().slice(0, 10);
  const dates = page.getByRole("form", { name: "Period by dates" });
  await dates.getByLabel("From").fill(day(60));
  await dates.getByLabel("To").fill(day(31));
  await dates.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(new RegExp(`from=${day(60)}&to=${day(31)}`));
  await expect(page.getByText(`From ${day(60)} to ${day(31)} (days in UTC)`)).toBeVisible();
  // No length is picked, and the downloads carry the dates.
  await expect(page.locator("nav.segmented [aria-current=page]")).toHaveCount(0);
  const channels = page.getByRole("region", { name: "By channel" });
  await expect(channels.getByRole("link", { name: "Download CSV" })).toHaveAttribute(
    "href",
    `/roi.csv?from=${day(60)}&to=${day(31)}&currency=USD&table=channels`,
  );
  const inquiries = Number((await page.locator(".roi-stats .stat", { hasText: "Inquiries" }).locator(".stat-value").innerText()).replace(/,/g, ""));
  expect(inquiries).toBeGreaterThan(0);

  // The last day before the first: named, and the form stays to correct it.
  await page.goto(`/roi?from=${day(10)}&to=${day(20)}`);
  await hydrated(page);
  const form = page.getByRole("form", { name: "Period by dates" });
  await expect(form.getByRole("alert")).toHaveText("The last day comes before the first");
  await expect(form.getByLabel("To")).toHaveAttribute("aria-invalid", "true");
});

test("the ROI page works at phone width", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, "eleanor");
  await page.goto("/roi?days=90");
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Marketing ROI" })).toBeVisible();
  // Wide tables scroll inside their box; the page itself does not scroll sideways.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(1);
  await page.screenshot({ path: path.join(shots, "roi-phone.png") });
});

test("a rep has no ROI page", async ({ page }) => {
  await signIn(page, "dana");
  await expect(page.getByRole("link", { name: "ROI" })).toHaveCount(0);
  await page.goto("/roi");
  await expect(page.getByText("ROI is for marketing, managers and leadership")).toBeVisible();
  const csv = await page.request.get("/roi.csv?days=90");
  expect(csv.status()).toBe(403);
});
