// Lead scores on the board: sorting by score, the reasons behind a score in the drawer, and
// a lead whose calls went unanswered suggested for closing, done in one click.
import { test, expect, type Page } from "@playwright/test";
import * as path from "node:path";
import { signIn } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");

async function scoresOf(page: Page, column: string): Promise<number[]> {
  const chips = page.getByRole("listitem", { name: column, exact: true }).locator("li.card .chip-score");
  return (await chips.allInnerTexts()).map((t) => Number(t.replace("Score ", "")));
}

test("a rep sorts by score, reads why, and closes a dead lead in one click", async ({ page, baseURL }) => {
  await signIn(page, "dana");
  const headers = { origin: baseURL! };
  // A lead that went silent: entered by Dana, four calls nobody answered.
  const sources = await (await page.request.get("/api/v1/sources")).json();
  const receipt = await (
    await page.request.post("/api/v1/leads", {
      headers,
      data: { source_id: sources[0].id, contact_name: "Sam Silent", email: "sam.silent@quiet.example",
              company: "Quiet Industries", value_cents: 4_500_000, product_interest: "Forklifts" },
    })
  ).json();
  const id = receipt.lead_id;
  let lead = await (await page.request.get(`/api/v1/leads/${id}`)).json();
  const fresh = lead.score as number;
  expect(fresh).toBeGreaterThan(0);
  for (let i = 0; i < 4; i++) {
    const logged = await page.request.post(`/api/v1/leads/${id}/activities`, {
      headers,
      data: { version: lead.version, kind: "call", outcome: "no_answer" },
    });
    expect(logged.status()).toBe(200);
    lead = await logged.json();
  }
  expect(lead.score).toBe(fresh - 15);
  expect(lead.suggest_close).toBe("4 touches in a row got no answer");

  // Best score first, in every open column.
  await page.goto("/board");
  await expect(page.locator(".live").getByText("Live", { exact: true })).toBeVisible();
  await page.getByLabel("Order").selectOption("score");
  await expect(page).toHaveURL(/sort=score/);
  // The URL changes first; the re-ordered column follows when the server answers.
  await expect
    .poll(async () => {
      const scores = await scoresOf(page, "New");
      return scores.length > 1 && scores.every((s, i) => i === 0 || scores[i - 1] >= s);
    })
    .toBe(true);

  // The card says it looks dead; the drawer says why, and closes it in one click.
  await page.goto("/board?sort=score&q=Quiet+Industries");
  await expect(page.locator(".live").getByText("Live", { exact: true })).toBeVisible();
  const card = page.locator(`li.card[data-lead-id="${id}"]`);
  await expect(card).toContainText("Looks dead");
  await expect(card.locator(".chip-score")).toHaveAttribute("title", /−15 4 touches unanswered/);
  await card.click();
  const why = page.getByRole("region", { name: `Score ${fresh - 15} of 100` });
  await expect(why).toContainText("+18 Value $45,000");
  await expect(why).toContainText("−15 4 touches unanswered");
  const suggestion = page.getByRole("region", { name: "Suggestion" });
  await expect(suggestion).toContainText("This lead looks dead. 4 touches in a row got no answer.");
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: path.join(shots, "lead-score.png") });
  await page.getByRole("button", { name: "Close as “No response”" }).click();
  await expect(suggestion).toHaveCount(0);
  const closed = await (await page.request.get(`/api/v1/leads/${id}`)).json();
  expect(closed.close_reason).toBe("no_response");
  expect(closed.score).toBeNull();
});
