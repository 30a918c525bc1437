// Accessibility: axe-core (WCAG 2.x A and AA rules) finds no violations on the screens reps
// and managers work in all day.
import { test, expect, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { signIn, hydrated } from "./sign-in";

async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  return result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`,
  );
}

test("My day, the board and the lead drawer have no axe violations", async ({ page }) => {
  await signIn(page, "dana");
  await expect(page).toHaveURL(/\/today$/);
  await hydrated(page);
  await expect(page.locator("li.queue-item").first()).toBeVisible();
  expect(await violations(page)).toEqual([]);

  await page.goto("/board");
  await expect(page.locator(".live").getByText("Live", { exact: true })).toBeVisible();
  expect(await violations(page)).toEqual([]);

  await page.locator("li.card").first().click();
  await expect(page.getByRole("dialog", { name: "Lead" }).locator(".quick-log")).toBeVisible();
  expect(await violations(page)).toEqual([]);
});

test("a review, as its manager and as the rep, has no axe violations", async ({ page }) => {
  await signIn(page, "morgan");
  await page.goto("/review");
  await hydrated(page);
  expect(await violations(page)).toEqual([]);
  await page.getByRole("link", { name: "Kim Osei" }).click();
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Review: Kim Osei" })).toBeVisible();
  await page.getByRole("button", { name: "Start review" }).click();
  await expect(page.getByRole("form", { name: "Add an action" })).toBeVisible();
  expect(await violations(page)).toEqual([]);
});
