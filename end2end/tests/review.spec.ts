// One-on-one review: a manager runs it with a rep, adds an action on one of the rep's leads,
// and the rep, with the same review open on her own screen, sees the action appear live and
// finds it as the lead's next step.
import { test, expect } from "@playwright/test";
import * as path from "node:path";
import { signIn, hydrated } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");

test("a manager runs a review, adds an action, and the rep sees it appear as a next step", async ({ page, browser }) => {
  await signIn(page, "morgan");
  await page.goto("/review");
  await hydrated(page);
  await page.getByRole("link", { name: "Dana Whitfield" }).click();
  await expect(page).toHaveURL(/\/review\/\d+$/);
  await hydrated(page);
  const repUrl = page.url();
  await expect(page.getByRole("heading", { name: "Review: Dana Whitfield" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Scorecard, 30 days" })).toBeVisible();
  await expect(page.getByRole("heading", { name: /^What changed since / })).toBeVisible();

  // Dana opens the same review on her own screen, read-only.
  const other = await browser.newContext();
  const rep = await other.newPage();
  await signIn(rep, "dana");
  await rep.goto(repUrl);
  await hydrated(rep);
  await expect(rep.getByText("read-only, updates as your manager types")).toBeVisible();
  await expect(rep.getByText("No review is running now.")).toBeVisible();

  await page.getByRole("button", { name: "Start review" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Review started" })).toBeVisible();
  const notes = page.getByRole("textbox", { name: "Notes" });
  await notes.fill("Qualified is thin; two quotes are waiting on the customer.");
  await notes.press("Control+Enter");
  await expect(page.getByRole("status").filter({ hasText: "Notes saved" })).toBeVisible();

  // A bad action is refused by field; then a real one on one of Dana's leads.
  const form = page.getByRole("form", { name: "Add an action" });
  await form.getByRole("button", { name: "Add action" }).click();
  await expect(form.getByRole("alert")).toContainText("text");
  const text = `Book the site visit ${Date.now() % 100000}`;
  await form.getByLabel("Action").fill(text);
  // The lead picker: sorted by title, each lead with its stage, searchable.
  const lead = form.getByRole("combobox", { name: /^Lead/ });
  await lead.click();
  const listbox = form.getByRole("listbox");
  await expect(listbox.getByRole("option").nth(1)).toBeVisible();
  const titles = (await listbox.locator(".lead-picker-title").allTextContents()).map((t) => t.toLowerCase());
  expect(titles.length).toBeGreaterThan(1);
  expect(titles.every((t, i) => i === 0 || titles[i - 1] <= t)).toBe(true);
  const option = listbox.getByRole("option").nth(1);
  const leadId = await option.getAttribute("data-lead-id");
  const leadTitle = (await option.locator(".lead-picker-title").textContent())!.trim();
  await expect(option.locator(".lead-picker-detail")).toContainText(/New|Contacted|Qualified|Quoted|Negotiating/);
  await lead.fill(leadTitle);
  await expect(listbox.getByRole("option").first()).toContainText(leadTitle);
  await listbox.locator(`[data-lead-id="${leadId}"]`).click();
  await expect(form.locator(".lead-picker-chosen")).toContainText(leadTitle);
  await form.getByRole("radio", { name: "In 3 days" }).click();
  await form.getByRole("button", { name: "Add action" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Action added" })).toBeVisible();
  await expect(page.locator(".review-action").filter({ hasText: text })).toContainText(leadTitle);

  // Dana's screen follows within a few seconds: notes and the action.
  await expect(rep.getByLabel("Notes", { exact: true })).toContainText("Qualified is thin", { timeout: 10_000 });
  await expect(rep.locator(".review-action").filter({ hasText: text })).toBeVisible({ timeout: 10_000 });
  // And the action is that lead's next step.
  const detail = await (await rep.request.get(`/api/v1/leads/${leadId}`)).json();
  expect(detail.next_step.note).toBe(text);
  await page.screenshot({ path: path.join(shots, "review.png"), fullPage: false });

  await page.getByRole("button", { name: "Finish review" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Review finished" })).toBeVisible();
  await expect(page.getByRole("heading", { name: /^Actions from the review of / })).toBeVisible();
  await expect(page.getByRole("button", { name: "Start review" })).toBeVisible();
  await other.close();
});
