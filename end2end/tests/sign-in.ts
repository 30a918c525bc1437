// Signing in through the real sign-in page, shared by the specs.
import { expect, type Page } from "@playwright/test";

/** The password of every demo account (see the README). */
export const DEMO_PASSWORD = "closeloop-demo";

/** Signs in as a demo user ("dana", "morgan", "eleanor", …) and waits for the start page. */
export async function signIn(page: Page, who: string, next?: string) {
  await page.goto(next ? `/signin?next=${encodeURIComponent(next)}` : "/signin");
  await page.getByLabel("E-mail").fill(`${who}@closeloop.example`);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  // Wait for the landing page itself: `/` forwards to each role's start page, and a test
  // navigating meanwhile would race that forward.
  await page.waitForURL((u) => u.pathname !== "/" && !u.pathname.startsWith("/signin"));
}

/** Waits until a lazily loaded page (every page but the board) is hydrated: before its code
 * chunk arrives its buttons do nothing. */
export async function hydrated(page: Page) {
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
}
