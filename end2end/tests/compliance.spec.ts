// Compliance: a manager compares the team's reps, opens one, and follows a number to the leads
// behind it; a rep sees their own scorecard, the same figures.
import { test, expect } from "@playwright/test";
import * as path from "node:path";
import { signIn, hydrated } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");

test("a manager follows a rep's number to the leads behind it; the rep sees the same scorecard", async ({ page, browser }) => {
  await signIn(page, "morgan");
  await page.getByRole("link", { name: "Compliance" }).click();
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Follow-up compliance" })).toBeVisible();
  await expect(page.getByText(/Score = 30% × first touch within SLA/)).toBeVisible();
  const reps = page.locator("table.score-table", { has: page.locator("caption", { hasText: "Reps" }) });
  const rows = reps.locator("tbody tr");
  expect(await rows.count()).toBeGreaterThan(1);
  // Reps are ranked by score, best first.
  const scores = (await reps.locator("td.score").allInnerTexts()).map(Number);
  expect(scores.every((s, i) => i === 0 || s <= scores[i - 1])).toBe(true);
  await expect(page.locator("table.trend-table tbody tr")).toHaveCount(8);
  await page.screenshot({ path: path.join(shots, "compliance.png"), fullPage: true });

  // The period lives in the URL.
  await page.getByRole("link", { name: "90 days" }).click();
  await expect(page).toHaveURL(/days=90/);
  await expect(page.getByText(/Last 90 days/)).toBeVisible();

  // Dana's row, then her scorecard; its "next step planned" figure opens the leads behind it.
  const dana = rows.filter({ hasText: "Dana Whitfield" });
  const danaScore = await dana.locator("td.score").innerText();
  await dana.getByRole("link", { name: "Dana Whitfield" }).click();
  await expect(page.getByRole("heading", { name: "Dana Whitfield: follow-up scorecard" })).toBeVisible();
  await expect(page.locator(".score-number")).toHaveText(danaScore);
  const nextStep = page.locator("tr", { has: page.getByRole("rowheader", { name: "Next step planned" }) });
  const figure = await nextStep.locator("small").innerText(); // e.g. "31/40"
  const [met, counted] = figure.split("/").map(Number);
  await nextStep.getByRole("link").click();
  await expect(page.getByRole("heading", { name: "Leads behind the number" })).toBeVisible();
  const expected = met < counted ? counted - met : counted;
  await expect(page.locator("table tbody tr")).toHaveCount(expected);
  await expect(page.locator("table tbody tr").first().getByRole("link")).toHaveAttribute("href", /\/leads\/\d+/);

  // Dana sees exactly that score as her own.
  const rep = await browser.newPage();
  await signIn(rep, "dana");
  await rep.goto("/compliance?days=90");
  await hydrated(rep);
  await expect(rep.getByRole("heading", { name: "Your follow-up scorecard" })).toBeVisible();
  await expect(rep.locator(".score-number")).toHaveText(danaScore);
  await rep.close();
});
