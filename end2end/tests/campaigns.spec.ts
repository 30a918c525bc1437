// Campaigns: marketing adds spend to a campaign and sees its cost per lead change on the ROI
// page; a bad amount names its field and adds nothing; a spend file with a bad line is
// reported line by line and written only once it is clean.
import { test, expect } from "@playwright/test";
import * as path from "node:path";
import { signIn, hydrated } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");

/** The cost per lead of `campaign` on the ROI page over 365 days, in dollars. */
async function costPerLead(page: import("@playwright/test").Page, campaign: string): Promise<number> {
  await page.goto("/roi?days=365");
  await hydrated(page);
  const table = page.getByRole("region", { name: "By campaign" });
  const heads = await table.locator("thead th").allTextContents();
  const at = heads.findIndex((t) => t.startsWith("Cost per lead"));
  const row = table.locator("tbody tr", { has: page.getByRole("rowheader", { name: new RegExp(`^${campaign}`) }) });
  const text = await row.locator("th, td").nth(at).innerText();
  return Number(text.replace(/[$,]/g, ""));
}

test("marketing adds spend and sees the campaign's cost per lead change", async ({ page }) => {
  await signIn(page, "riley");
  const campaign = "Website – Autumn 2026";
  const before = await costPerLead(page, campaign);
  expect(before).toBeGreaterThan(0);

  await page.getByRole("link", { name: "Campaigns" }).click();
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Campaigns", level: 1 })).toBeVisible();
  await page.getByRole("button", { name: `Spend of ${campaign}` }).click();
  const panel = page.getByRole("region", { name: `Spend: ${campaign}` });
  await expect(panel).toBeVisible();
  const entries = panel.locator("tbody tr");
  // The campaign has its monthly spend on file; wait for the list before counting it.
  await expect(entries.first()).toBeVisible();
  const count = await entries.count();

  // A bad amount is named and nothing is added.
  await panel.getByLabel("Amount").fill("lots");
  await panel.getByRole("button", { name: "Add spend" }).click();
  await expect(panel.getByRole("alert")).toContainText("Enter an amount");
  await expect(entries).toHaveCount(count);

  await panel.getByLabel("Amount").fill("25,000");
  await panel.getByLabel("Note (optional)").fill("Retargeting burst");
  await panel.getByRole("button", { name: "Add spend" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Spend of 25,000 added" })).toBeVisible();
  await expect(entries).toHaveCount(count + 1);
  await expect(panel).toContainText("Retargeting burst");
  // From the top, so the sticky header is where a reader expects it in the full-page shot.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(shots, "campaigns.png"), fullPage: true });

  const after = await costPerLead(page, campaign);
  expect(after).toBeGreaterThan(before);

  // Removing it brings the figure back.
  await page.goto("/campaigns");
  await hydrated(page);
  await page.getByRole("button", { name: `Spend of ${campaign}` }).click();
  await page.getByRole("button", { name: /^Remove \$25,000 of / }).click();
  await expect(page.getByRole("status").filter({ hasText: "Spend entry removed" })).toBeVisible();
  expect(await costPerLead(page, campaign)).toBe(before);
});

test("a spend file is checked line by line and written only when clean", async ({ page }) => {
  await signIn(page, "riley");
  await page.goto("/campaigns");
  await hydrated(page);
  const upload = page.getByRole("group", { name: "Upload spend" });
  const bad = "campaign,date,amount\nLinkedIn – Autumn 2026,2026-11-02,1200\nNo such campaign,2026-11-03,50\nLinkedIn – Autumn 2026,2026-11-31,50\n";
  await upload.getByLabel("Spend file").setInputFiles({ name: "spend.csv", mimeType: "text/csv", buffer: Buffer.from(bad) });
  await expect(upload.getByRole("status")).toContainText("1 good line, 2 to fix");
  await expect(upload).toContainText("Line 3 · campaign: No campaign is called “No such campaign”");
  await expect(upload).toContainText("Line 4 · date:");
  await expect(upload.getByRole("button", { name: /Add \d+ spend entries/ })).toHaveCount(0);

  const good = "campaign,date,amount,note\nLinkedIn – Autumn 2026,2026-11-02,1200,Sponsored posts\nLinkedIn – Autumn 2026,2026-11-09,800,\n";
  await upload.getByLabel("Spend file").setInputFiles({ name: "spend.csv", mimeType: "text/csv", buffer: Buffer.from(good) });
  await expect(upload.getByRole("status")).toContainText("2 good lines");
  await upload.getByRole("button", { name: "Add 2 spend entries" }).click();
  await expect(page.getByRole("status").filter({ hasText: "2 spend entries added" })).toBeVisible();
  await page.getByRole("button", { name: "Spend of LinkedIn – Autumn 2026" }).click();
  await expect(page.getByRole("region", { name: "Spend: LinkedIn – Autumn 2026" })).toContainText("Sponsored posts");
});

test("a manager reads campaigns but cannot change them", async ({ page }) => {
  await signIn(page, "morgan");
  await page.goto("/campaigns");
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Campaigns", level: 1 })).toBeVisible();
  await expect(page.getByRole("heading", { name: "New campaign" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Edit / })).toHaveCount(0);
});
