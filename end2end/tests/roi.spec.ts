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
  await page.screenshot({ path: path.join(shots, "roi.png"), fullPage: true });

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
