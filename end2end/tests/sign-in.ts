// Signing in through the real sign-in page, shared by the specs.
import { expect, type Page } from "@playwright/test";

/** The password of every demo account (see the README). */
export const DEMO_PASSWORD = "closeloop-demo";

/** Signs in as a demo user ("dana", "morgan", "eleanor", …) and waits for the start page. */
export async function signIn(page: Page, who: string, next?: string) {
  // The suite signs in from one address many times a minute; when the server's per-address
  // throttle answers "try again in N seconds", wait as a person would and try again (on a
  // freshly loaded form, so the old message cannot be mistaken for a new one).
  for (let attempt = 0; ; attempt++) {
    await page.goto(next ? `/signin?next=${encodeURIComponent(next)}` : "/signin");
    // Hydrated first: a click before that posts the form natively, and a refusal then lands
    // on the server function's own address instead of showing the message on the form.
    await hydrated(page);
    await page.getByLabel("E-mail").fill(`${who}@closeloop.example`);
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    const throttled = page.getByRole("alert").filter({ hasText: "Too many sign-in attempts" });
    // Wait for the landing page itself: `/` forwards to each role's start page, and a test
    // navigating meanwhile would race that forward.
    const landed = page
      .waitForURL(
        (u) => u.pathname !== "/" && !u.pathname.startsWith("/signin") && !u.pathname.startsWith("/api/"),
      )
      .then(() => "landed" as const);
    const refused = throttled.waitFor().then(
      () => "throttled" as const,
      () => "gone" as const,
    );
    if ((await Promise.race([landed, refused])) === "landed" || attempt >= 3) {
      await landed;
      return;
    }
    landed.catch(() => {}); // abandoned: this attempt was refused
    const text = (await throttled.textContent()) ?? "";
    const seconds = Number(/in (\d+) second/.exec(text)?.[1] ?? "5");
    await page.waitForTimeout((seconds + 1) * 1000);
  }
}

/** Waits until a lazily loaded page (every page but the board) is hydrated: before its code
 * chunk arrives its buttons do nothing. */
export async function hydrated(page: Page) {
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
}
