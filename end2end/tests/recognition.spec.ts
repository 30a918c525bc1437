// The leaderboard: a rep sees her team ranked by follow-up first; an admin opens it to the
// whole organisation and exports the figures for payouts.
import { test, expect } from "@playwright/test";
import * as path from "node:path";
import { signIn, hydrated } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");

test("a rep sees her team's leaderboard; an admin widens it and exports it for payouts", async ({ page, browser }) => {
  await signIn(page, "dana");
  await page.goto("/leaderboard");
  await hydrated(page);
  const rows = page.locator(".leaderboard-table tbody tr");
  await expect(rows).toHaveCount(3);
  await expect(page.locator(".leaderboard-table")).toContainText("Dana Whitfield");
  await expect(page.getByText(/Enterprise East · last 30 days/)).toBeVisible();
  await expect(page.getByRole("link", { name: "Export for payouts (CSV)" })).toHaveCount(0);
  // Scores run from best down.
  const scores = (await page.locator(".leaderboard-table tbody td:nth-child(3)").allInnerTexts())
    .map((t) => Number(t))
    .filter((n) => !Number.isNaN(n));
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  await page.screenshot({ path: path.join(shots, "leaderboard.png"), fullPage: false });

  const ctx = await browser.newContext();
  const admin = await ctx.newPage();
  await signIn(admin, "admin");
  await admin.goto("/admin/settings");
  await hydrated(admin);
  const form = admin.getByRole("form", { name: "Leaderboard" });
  await form.getByLabel("Everyone sees every rep").check();
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form.getByRole("status")).toContainText("Saved: Everyone sees every rep");

  await page.reload();
  await expect(rows).toHaveCount(7);

  // The export: one line per rep after the period and the header.
  await admin.goto("/leaderboard?days=90");
  await hydrated(admin);
  const link = admin.getByRole("link", { name: "Export for payouts (CSV)" });
  const csv = await (await admin.request.get((await link.getAttribute("href"))!)).text();
  const lines = csv.trim().split(/\r\n/);
  expect(lines[1]).toMatch(/^rank,rep,team,score,/);
  expect(lines.length).toBe(2 + 7);

  // Off: the rep is told, the admin still sees it.
  await form.page().goto("/admin/settings");
  await hydrated(admin);
  await admin.getByRole("form", { name: "Leaderboard" }).getByLabel(/^Off/).check();
  await admin.getByRole("form", { name: "Leaderboard" }).getByRole("button", { name: "Save" }).click();
  await expect(admin.getByRole("form", { name: "Leaderboard" }).getByRole("status")).toContainText("Saved: Off");
  await page.reload();
  await expect(page.getByRole("alert")).toContainText("The leaderboard is off");
  // Back to the default for the rest of the suite.
  await admin.getByRole("form", { name: "Leaderboard" }).getByLabel("Each team sees its own reps").check();
  await admin.getByRole("form", { name: "Leaderboard" }).getByRole("button", { name: "Save" }).click();
  await expect(admin.getByRole("form", { name: "Leaderboard" }).getByRole("status")).toContainText("Saved: Each team");
  await ctx.close();
});
