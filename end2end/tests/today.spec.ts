// My day: a rep lands on it, works through the queue with the keyboard alone, and the page
// reads well at phone width.
import { test, expect, type Page } from "@playwright/test";
import * as path from "node:path";
import { signIn, hydrated } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");

const rows = (page: Page) => page.locator("li.queue-item");

/** The lead ids on the queue, top to bottom. */
async function queueIds(page: Page): Promise<string[]> {
  return rows(page).evaluateAll((els) => els.map((e) => e.getAttribute("data-lead-id") ?? ""));
}

/** Moves the keyboard down the queue (J) until the focused row's reason is `why`. */
async function jTo(page: Page, why: string) {
  for (let i = 0; i < 200; i++) {
    const cls = await page.evaluate(() => document.activeElement?.className ?? "");
    if (cls.includes(`why-${why}`)) return;
    await page.keyboard.press("j");
  }
  throw new Error(`no ${why} row on the queue`);
}

async function focusedId(page: Page): Promise<string> {
  return page.evaluate(() => document.activeElement?.getAttribute("data-lead-id") ?? "");
}

test("a rep lands on My day and clears three items with the keyboard alone", async ({ page }) => {
  // Dana, the demo's rep, is on top of her leads: a short day.
  await signIn(page, "dana");
  await expect(page).toHaveURL(/\/today$/);
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Dana");
  await expect(page.getByRole("list", { name: "Your numbers" })).toContainText("Follow-up score");
  await page.screenshot({ path: path.join(shots, "today.png"), fullPage: false });

  // Luis is slipping: a longer day, worked through from the keyboard.
  await page.context().clearCookies();
  await signIn(page, "luis");
  await expect(page).toHaveURL(/\/today$/);
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Luis");
  const start = await rows(page).count();
  expect(start).toBeGreaterThan(3);
  // The first lead has the focus: the keyboard works at once.
  await expect(rows(page).first()).toBeFocused();

  // 1. A first touch overdue: C opens the lead with a call, 1 logs "reached" (next step
  //    tomorrow), and the lead leaves the day.
  await jTo(page, "breached");
  const first = await focusedId(page);
  await page.keyboard.press("c");
  const drawer = page.getByRole("dialog", { name: "Lead" });
  await expect(drawer.locator(".quick-log")).toBeFocused();
  await page.keyboard.press("1");
  await expect(drawer).toHaveCount(0);
  await expect(page.getByRole("status").filter({ hasText: /updated · next step [\w ]+ on / })).toBeVisible();
  await expect.poll(() => queueIds(page)).not.toContain(first);
  // Focus is back on the queue, ready for the next one.
  await expect(page.locator("li.queue-item:focus")).toHaveCount(1);

  // 2. An overdue next step: T moves it to tomorrow.
  await page.waitForTimeout(1_500);
  await expect(page.locator("li.queue-item:focus")).toHaveCount(1);
  await page.keyboard.press("Home");
  await jTo(page, "overdue");
  const second = await focusedId(page);
  await page.keyboard.press("t");
  await expect(page.getByRole("status").filter({ hasText: "next step" })).toContainText("tomorrow");
  await expect.poll(() => queueIds(page)).not.toContain(second);

  // 3. Snooze another with a reason: Z, 1 ("Waiting on them"), W (next week), Enter. (The
  //    change from step 2 also comes back on the live feed and re-reads the day a second
  //    later; let that settle so the next keys land on the list as it will stay.)
  await page.waitForTimeout(1_500);
  await expect(page.locator("li.queue-item:focus")).toHaveCount(1);
  await page.keyboard.press("Home");
  await jTo(page, "overdue");
  const third = await focusedId(page);
  expect(third).not.toBe("");
  await page.keyboard.press("z");
  const dialog = page.getByRole("dialog", { name: /^Snooze / });
  await expect(dialog).toBeFocused();
  // Enter without a reason is refused by name.
  await page.keyboard.press("Enter");
  await expect(dialog.getByRole("alert")).toContainText("reason");
  await page.keyboard.press("1");
  await page.keyboard.press("w");
  await expect(dialog.getByRole("radio", { name: /Next week/ })).toHaveAttribute("aria-checked", "true");
  await page.keyboard.press("Enter");
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole("status").filter({ hasText: "snoozed to" })).toBeVisible();
  await expect.poll(() => queueIds(page)).not.toContain(third);
  expect(await rows(page).count()).toBe(start - 3);

  // The snooze is in the lead's history with its reason.
  const detail = await (await page.request.get(`/api/v1/leads/${third}/timeline`)).json();
  const snoozed = detail.timeline.find((e: { title: string }) => e.title.startsWith("Snoozed to"));
  expect(snoozed?.detail).toBe("Waiting on them");

  // ? lists the keys; Escape closes the list.
  await page.keyboard.press("?");
  const keys = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(keys).toContainText("Snooze with a reason");
  await page.keyboard.press("Escape");
  await expect(keys).toHaveCount(0);
});

test("My day works at phone width", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, "luis");
  await expect(page).toHaveURL(/\/today$/);
  await hydrated(page);
  await expect(rows(page).first()).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  // Tapping the row's main action opens the lead.
  await rows(page).first().locator(".button-primary").click();
  await expect(page.getByRole("dialog").first()).toBeVisible();
  await page.keyboard.press("Escape");
  await page.screenshot({ path: path.join(shots, "today-phone.png"), fullPage: false });
});

test("marketing has no My day", async ({ page }) => {
  await signIn(page, "riley");
  const resp = await page.goto("/today");
  expect(resp?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Not available to your role" })).toBeVisible();
});

test("X closes the selected lead out as lost with a reason, from the keyboard", async ({ page }) => {
  await signIn(page, "kim");
  await expect(page).toHaveURL(/\/today$/);
  await hydrated(page);
  await expect(rows(page).first()).toBeFocused();
  await page.keyboard.press("j");
  const id = await focusedId(page);
  expect(id).not.toBe("");
  await page.keyboard.press("x");
  const dialog = page.getByRole("dialog", { name: /^Close out .* as lost$/ });
  await expect(dialog).toBeFocused();
  // 3 picks the third reason, "Bought elsewhere"; Enter closes the lead out.
  await page.keyboard.press("3");
  await expect(dialog.getByRole("radio", { name: /Bought elsewhere/ })).toBeChecked();
  await page.keyboard.press("Enter");
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole("status").filter({ hasText: "closed out as lost" })).toBeVisible();
  await expect.poll(() => queueIds(page)).not.toContain(id);
  const lead = await (await page.request.get(`/api/v1/leads/${id}`)).json();
  expect(lead.close_reason).toBe("bought_elsewhere");
  expect(lead.closed_at).not.toBeNull();
});
