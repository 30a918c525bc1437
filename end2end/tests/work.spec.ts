// The rep's fast paths on the board: keyboard pick-up moves, quick log in two interactions,
// the drawer's edit with field errors, a conflict with its reconcile prompt, filters kept in
// the URL, and paging a long column.
import { test, expect, type Page, type Locator } from "@playwright/test";
import * as path from "node:path";
import { signIn } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");

function column(page: Page, name: string): Locator {
  return page.getByRole("listitem", { name, exact: true });
}

function cards(col: Locator): Locator {
  return col.locator("li.card");
}

async function openBoard(page: Page, who = "morgan", query = "") {
  await signIn(page, who);
  await page.goto(`/board${query}`);
  await expect(page.getByRole("heading", { name: "Pipeline" })).toBeVisible();
  await expect(page.locator(".live").getByText("Live", { exact: true })).toBeVisible();
}

test("Space picks a card up, arrows choose the stage, Space drops and Escape cancels", async ({ page }) => {
  await openBoard(page);
  const fresh = column(page, "New");
  // The policy wants a next step on every lead that moves.
  const card = cards(fresh).filter({ hasNotText: "No next step" }).first();
  const id = await card.getAttribute("data-lead-id");
  const title = await card.locator(".card-title").innerText();

  await card.focus();
  await page.keyboard.press("Space");
  await expect(page.getByRole("status").filter({ hasText: `Picked up ${title}` })).toBeVisible();
  await page.keyboard.press("ArrowRight");
  await expect(column(page, "Contacted")).toHaveClass(/column-over/);
  await page.keyboard.press("Escape");
  await expect(page.getByRole("status").filter({ hasText: "cancelled" })).toBeVisible();
  await expect(fresh.locator(`[data-lead-id="${id}"]`)).toBeVisible();

  await fresh.locator(`[data-lead-id="${id}"]`).focus();
  await page.keyboard.press("Space");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("Space");
  const moved = column(page, "Contacted").locator(`[data-lead-id="${id}"]`);
  await expect(moved).toBeVisible();
  await expect(moved).toBeFocused();
  await expect(page.getByRole("status").filter({ hasText: `Moved ${title} to Contacted` })).toBeVisible();
});

test("a call with its next step is logged in two keystrokes from the card", async ({ page }) => {
  await openBoard(page);
  // A lead without a next step (earlier tests plan some of them): Contacted first.
  let card = cards(column(page, "Contacted")).filter({ hasText: "No next step" }).first();
  for (const name of ["Contacted", "New", "Qualified", "Quoted", "Negotiating"]) {
    const found = cards(column(page, name)).filter({ hasText: "No next step" });
    if ((await found.count()) > 0) {
      card = found.first();
      break;
    }
  }
  const id = await card.getAttribute("data-lead-id");

  await card.focus();
  await page.keyboard.press("c"); // 1: open the quick log on Call
  const drawer = page.getByRole("dialog", { name: "Lead" });
  await expect(drawer.getByRole("radio", { name: /Call/ })).toHaveAttribute("aria-checked", "true");
  await expect(drawer.getByRole("radio", { name: /Tomorrow/ })).toHaveAttribute("aria-checked", "true");
  await page.keyboard.press("3"); // 2: "No answer" saves the call and the next step

  await expect(drawer.locator(".timeline-item").first()).toContainText("Call · No answer");
  await expect(drawer.getByText(/Next step: Call/)).toBeVisible();
  await page.screenshot({ path: path.join(shots, "drawer.png") });
  const onBoard = page.locator(`li.card[data-lead-id="${id}"]`);
  // The next-step chip leads the card's chips (the score follows).
  await expect(onBoard.locator(".chip").first()).toHaveText(/Call · tomorrow/);

  // Escape closes the drawer and gives focus back to the card.
  await page.keyboard.press("Escape");
  await expect(drawer).toHaveCount(0);
  await expect(onBoard).toBeFocused();

  // With the mouse it is also two: click the card, click the outcome.
  const other = cards(column(page, "Qualified")).first();
  const otherId = await other.getAttribute("data-lead-id");
  await other.click();
  await drawer.getByRole("button", { name: /Left message/ }).click();
  await expect(drawer.locator(".timeline-item").first()).toContainText("Call · Left message");
  await expect(page.locator(`li.card[data-lead-id="${otherId}"] .chip`).first()).toHaveText(/Call · tomorrow/);
});

test("an edit with a bad e-mail names the field and saves nothing; a good one shows in history", async ({ page }) => {
  await openBoard(page);
  const card = cards(column(page, "New")).first();
  await card.click();
  const drawer = page.getByRole("dialog", { name: "Lead" });
  await drawer.getByRole("button", { name: "Edit" }).click();
  await drawer.getByLabel("E-mail").fill("not-an-address");
  await drawer.getByLabel("Phone").fill("+1 555 0100 200");
  await drawer.getByRole("button", { name: "Save" }).click();
  const email = drawer.getByLabel("E-mail");
  await expect(email).toHaveAttribute("aria-invalid", "true");
  await expect(drawer.locator("#email-error")).not.toBeEmpty();
  await page.screenshot({ path: path.join(shots, "drawer-edit-error.png") });

  await email.fill("buyer@example.com");
  await drawer.getByRole("button", { name: "Save" }).click();
  await expect(drawer.getByText("Edited details")).toBeVisible();
  await expect(drawer.locator(".details")).toContainText("buyer@example.com");
});

test("a move on a lead someone else changed shows what changed and moves again on request", async ({ page }) => {
  // This board hears nothing live, so its card goes stale.
  await page.route("**/api/v1/events**", (route) => route.abort());
  await signIn(page, "morgan");
  await page.goto("/board");
  const fresh = column(page, "New");
  const card = cards(fresh).filter({ hasNotText: "No value" }).filter({ hasNotText: "No next step" }).first();
  await expect(card).toBeVisible();
  const id = await card.getAttribute("data-lead-id");

  // Someone else raises the value meanwhile.
  const origin = new URL(page.url()).origin;
  const lead = await (await page.request.get(`/api/v1/leads/${id}`)).json();
  const patched = await page.request.patch(`/api/v1/leads/${id}`, {
    headers: { Origin: origin },
    data: { version: lead.version, contact_name: lead.contact_name, value: "987,654" },
  });
  expect(patched.status()).toBe(200);

  await card.focus();
  await page.keyboard.press("Shift+ArrowRight");
  const problem = page.locator(`li.card[data-lead-id="${id}"] .card-error`);
  await expect(problem).toContainText("Someone else changed this lead");
  await expect(problem).toContainText("Value:");
  await expect(problem).toContainText("$987,654");
  await page.screenshot({ path: path.join(shots, "board-conflict.png") });
  await problem.getByRole("button", { name: "Move to Contacted again" }).click();
  await expect(column(page, "Contacted").locator(`[data-lead-id="${id}"]`)).toBeVisible();
});

test("filters live in the URL and survive a reload", async ({ page }) => {
  await openBoard(page);
  await page.getByRole("combobox", { name: "Owner" }).selectOption({ label: "Dana Whitfield" });
  await expect(page).toHaveURL(/owner=\d+/);
  // The unfiltered cards stay up until the filtered board arrives: wait for it to settle.
  const all = page.locator("li.card");
  await expect(page.locator('li.card:not([aria-label*="owner Dana Whitfield"])')).toHaveCount(0);
  await expect(all.first()).toBeVisible();
  for (const label of await all.evaluateAll((els) => els.map((e) => e.getAttribute("aria-label")))) {
    expect(label).toContain("owner Dana Whitfield");
  }
  await page.getByRole("searchbox", { name: "Search" }).fill("zz-no-such-lead");
  await page.getByRole("searchbox", { name: "Search" }).press("Enter");
  await expect(page).toHaveURL(/q=zz-no-such-lead/);
  await expect(page.locator("li.card")).toHaveCount(0);
  await page.screenshot({ path: path.join(shots, "board-filtered.png") });

  await page.reload();
  await expect(page.getByRole("combobox", { name: "Owner" })).toHaveValue(/\d+/);
  await expect(page.getByRole("searchbox", { name: "Search" })).toHaveValue("zz-no-such-lead");
  await expect(page.locator("li.card")).toHaveCount(0);
  await page.getByRole("link", { name: "Clear filters" }).click();
  await expect(page).toHaveURL(/\/board$/);
  await expect(page.locator("li.card").first()).toBeVisible();
});

test("a long column pages from the server and counts stay exact", async ({ page }) => {
  await openBoard(page, "eleanor");
  const fresh = column(page, "New");
  const total = Number(await fresh.locator(".column-count").innerText());
  expect(total).toBeGreaterThan(50);
  await expect(cards(fresh)).toHaveCount(50);
  await fresh.getByRole("button", { name: "Show more" }).click();
  await expect(cards(fresh)).toHaveCount(Math.min(100, total));
  await expect(fresh.locator(".column-count")).toHaveText(String(total));
  const ids = await cards(fresh).evaluateAll((els) => els.map((e) => e.getAttribute("data-lead-id")));
  expect(new Set(ids).size).toBe(ids.length);
});

test("cards show what the team's follow-up policy flags, in words, also to screen readers", async ({ page }) => {
  await openBoard(page);
  const badges = page.locator("li.card .chip-policy");
  await expect(badges.first()).toBeVisible();
  const labels = new Set(await badges.allInnerTexts());
  const known = ["SLA at risk", "SLA breached", "Stale", "No close reason", "Missing for this stage"];
  for (const l of labels) {
    expect(known.some((k) => l.trim().endsWith(k)), `badge text ${JSON.stringify(l)}`).toBe(true);
  }
  // The demo has a handful of first touches overdue (two of them Luis's, on this board) and
  // some of his leads gone stale.
  expect([...labels].some((l) => l.includes("SLA breached"))).toBe(true);
  expect([...labels].some((l) => l.includes("Stale"))).toBe(true);
  // The card's accessible name carries the badge too, and the badge explains itself on hover.
  const flagged = page.locator("li.card", { has: page.locator(".chip-sla-breached") }).first();
  await expect(flagged).toHaveAttribute("aria-label", /SLA breached/);
  await expect(flagged.locator(".chip-sla-breached")).toHaveAttribute("title", /Not contacted within/);
});

test("a quick log keeps a meeting booked for a later day unless the rep picks a new one", async ({ page }) => {
  await openBoard(page);
  const card = cards(column(page, "Qualified")).filter({ hasNotText: "No value" }).first();
  const id = await card.getAttribute("data-lead-id");
  // A meeting is booked four days out (at noon UTC, so it is a later day everywhere in UTC).
  const origin = new URL(page.url()).origin;
  const lead = await (await page.request.get(`/api/v1/leads/${id}`)).json();
  const day = new Date(Date.now() + 4 * 86_400_000);
  day.setUTCHours(12, 0, 0, 0);
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const booked = `Meeting on ${months[day.getUTCMonth()]} ${day.getUTCDate()}`;
  const planned = await page.request.put(`/api/v1/leads/${id}/next-step`, {
    headers: { Origin: origin, "If-Match": `"v${lead.version}"` },
    data: { kind: "meeting", due_at: day.getTime(), note: "Demo with their IT" },
  });
  expect(planned.status()).toBe(200);

  const onBoard = page.locator(`li.card[data-lead-id="${id}"]`);
  await expect(onBoard.locator(".chip").first()).toContainText("Meeting");
  await onBoard.focus();
  await page.keyboard.press("c");
  const drawer = page.getByRole("dialog", { name: "Lead" });
  // The booked meeting is the default, and the drawer says so.
  const keep = drawer.getByRole("radio", { name: `Keep: ${booked}` });
  await expect(keep).toHaveAttribute("aria-checked", "true");
  await expect(drawer.getByRole("radio", { name: /Tomorrow/ })).toHaveAttribute("aria-checked", "false");
  await expect(drawer.getByText(`Keeps the booked ${booked}; pick a day to replace it.`)).toBeVisible();
  await page.keyboard.press("1"); // Reached: saves the call, keeps the meeting
  await expect(drawer.locator(".timeline-item").first()).toContainText("Call · Reached");
  await expect(drawer.getByText(/Next step: Meeting/)).toBeVisible();
  const after = await (await page.request.get(`/api/v1/leads/${id}`)).json();
  expect(after.next_step.kind).toBe("meeting");
  expect(after.next_step.due_at).toBe(day.getTime());
});
