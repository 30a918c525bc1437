// The calendar feed: a rep turns it on, gets the address once, and a calendar program (here a
// plain HTTP client without the rep's session) reads their next steps from it; turned off, the
// address answers 404.
import { test, expect, request } from "@playwright/test";
import * as path from "node:path";
import { signIn, hydrated } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");

test("a rep subscribes to their next steps and can end the address", async ({ page }) => {
  await signIn(page, "dana");
  await page.goto("/settings/api-tokens");
  await hydrated(page);
  const panel = page.getByRole("region", { name: "Calendar feed" });
  await expect(panel.getByText("Off")).toBeVisible();
  await panel.getByRole("button", { name: "Turn on" }).click();
  const address = panel.locator(".calendar-url");
  await expect(address).toContainText("/calendar/clc_");
  await expect(panel.getByText("Google Calendar:")).toBeVisible();
  await page.screenshot({ path: path.join(shots, "calendar-feed.png") });
  const url = (await address.innerText()).trim();

  // A calendar program: no cookies, only the address.
  const calendarApp = await request.newContext();
  const feed = await calendarApp.get(url);
  expect(feed.status()).toBe(200);
  expect(feed.headers()["content-type"]).toBe("text/calendar; charset=utf-8");
  const text = await feed.text();
  expect(text).toMatch(/^BEGIN:VCALENDAR\r\n/);
  expect(text).toContain("BEGIN:VEVENT");
  expect(text).toContain("BEGIN:VALARM");
  expect(text).toContain("X-WR-CALNAME:Closeloop: Dana Whitfield");

  // The page says it is on; turning it off ends the address.
  await expect(panel.getByText("On", { exact: true })).toBeVisible();
  await panel.getByRole("button", { name: "Turn off" }).click();
  await expect(panel.getByText("Off", { exact: true })).toBeVisible();
  expect((await calendarApp.get(url)).status()).toBe(404);
  await calendarApp.dispose();
});
