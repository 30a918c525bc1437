// Quotas, end to end: a manager opens Quotas from the Manage menu, sets her rep's monthly won
// value (a bad target is named first), and the rep sees it on My day with its pace; the
// leaderboard carries it; leadership reads quotas without a form; a rep has no quotas page.
import { test, expect } from "@playwright/test";
import * as path from "node:path";
import { signIn, hydrated } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");

test("a manager sets her rep's quota and the rep sees it on My day", async ({ page, browser }) => {
  await signIn(page, "morgan", "/today");
  await hydrated(page);
  await page.locator("details.manage-menu > summary").click();
  await page.locator(".manage-menu .menu-panel").getByRole("link", { name: "Quotas" }).click();
  await expect(page).toHaveURL(/\/quotas$/);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Quotas", level: 1 })).toBeVisible();
  const table = page.locator(".quotas-table");
  // Her team and herself; not another team's reps; her own row has no "Set".
  await expect(table.locator("tbody th").filter({ hasText: "Dana Whitfield" })).toBeVisible();
  await expect(table.locator("tbody th").filter({ hasText: "Morgan Reyes" })).toBeVisible();
  await expect(table.locator("tbody th").filter({ hasText: "Sam Carter" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Set Morgan Reyes's won value" })).toHaveCount(0);
  // The demo's quota for Dana: $250,000 a month, with a bar and its pace.
  const danaRow = table.locator("tbody tr").filter({ hasText: "Dana Whitfield" });
  await expect(danaRow.getByRole("meter").first()).toHaveAttribute("aria-label", /Won value · \w+ \d{4}: .* of \$250,000 won/);

  // "Set" picks Dana and the measure and puts the cursor on the target.
  await page.getByRole("button", { name: "Set Dana Whitfield's won value" }).click();
  const form = page.locator(".quota-form");
  await expect(form.getByLabel("Target")).toBeFocused();
  await expect(form.getByLabel("Person").locator("option:checked")).toHaveText("Dana Whitfield");
  await page.keyboard.type("lots");
  await form.getByRole("button", { name: "Save quota" }).click();
  await expect(form.getByRole("alert").filter({ hasText: "Enter an amount" })).toBeVisible();
  await expect(form.getByLabel("Target")).toHaveAttribute("aria-invalid", "true");
  await form.getByLabel("Target").fill("300,000");
  await form.getByRole("button", { name: "Save quota" }).click();
  await expect(form.getByRole("status")).toContainText(/Saved: Dana Whitfield's won value from \w{3} \d{4}: \$300,000 a month\./);
  await expect(danaRow.getByRole("meter").first()).toHaveAttribute("aria-label", /of \$300,000 won/);
  await expect(page.locator(".quota-recent")).toContainText("Dana Whitfield");
  await expect(page.locator(".quota-recent")).toContainText("set by Morgan Reyes");
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(shots, "quotas.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(shots, "quotas-phone.png"), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: 1440, height: 900 });

  // The leaderboard carries each rep's quotas.
  await page.goto("/leaderboard");
  await hydrated(page);
  await expect(page.locator(".leaderboard-table tr").filter({ hasText: "Dana Whitfield" }).locator(".quota-chip").first()).toContainText("of $300,000");

  // Dana sees it on My day.
  const dana = await browser.newPage();
  await signIn(dana, "dana", "/today");
  await hydrated(dana);
  const quotas = dana.getByRole("region", { name: "Your quotas" });
  await expect(quotas).toContainText("of $300,000 won");
  await expect(quotas).toContainText(/target met|on pace|behind pace/);
  await dana.screenshot({ path: path.join(shots, "today-quotas.png") });
  // A rep has no quotas page, and no link to one.
  await expect(dana.getByRole("link", { name: "Quotas" })).toHaveCount(0);
  const resp = await dana.goto("/quotas");
  expect(resp?.status()).toBe(403);
  await dana.close();
});

test("leadership reads every quota and sets none", async ({ page }) => {
  await signIn(page, "eleanor");
  await page.goto("/quotas");
  await hydrated(page);
  await expect(page.locator(".quotas-table tbody th").filter({ hasText: "Sam Carter" })).toBeVisible();
  await expect(page.locator(".quota-form")).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Set / })).toHaveCount(0);
});
