// Pipelines as settings, end to end: an admin adds a second pipeline with its own stages
// (a bad field is named and nothing is saved), reorders a stage and sees the history; a rep
// moves a lead into it from the lead's page, held to the destination stage's rule, and finds it
// on that pipeline's board, switched to by tab (the pipeline is in the URL); the ROI funnel and
// compliance read one pipeline at a time; the admin retires the pipeline once the lead is closed.
import { test, expect } from "@playwright/test";
import * as path from "node:path";
import { signIn, hydrated } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");

test("an admin shapes a second pipeline and a rep works a lead in it", async ({ page, browser }) => {
  await signIn(page, "admin", "/settings/pipelines");
  await page.goto("/settings/pipelines");
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Pipelines & stages" })).toBeVisible();
  await expect(page.getByRole("button", { name: /^Sales/ })).toHaveAttribute("aria-pressed", "true");
  await expect(page.locator(".stage-row")).toHaveCount(7);
  await page.screenshot({ path: path.join(shots, "pipelines-settings.png"), fullPage: true });

  await page.getByRole("button", { name: "+ Add pipeline" }).click();
  const editor = page.getByRole("form", { name: "New pipeline" });
  await editor.getByLabel("Pipeline name").fill("Renewals");
  await editor.getByLabel("Name of stage 1").fill("Due");
  await editor.getByRole("button", { name: "+ Add stage" }).click();
  await editor.getByLabel("Name of stage 2").fill("Proposal");
  await editor.getByLabel("Proposal needs value").check();
  await editor.getByRole("checkbox", { name: "Enterprise East" }).check();
  // A probability over 100 is named by the shared check and nothing is sent.
  await editor.getByLabel("Win probability of stage 2").fill("150");
  await editor.getByRole("button", { name: "Add pipeline" }).click();
  await expect(editor.getByLabel("Win probability of stage 2")).toHaveAttribute("aria-invalid", "true");
  await expect(editor.getByRole("alert").first()).toContainText("whole percent from 0 to 100");
  await expect(page.getByRole("button", { name: /^Renewals/ })).toHaveCount(0);
  await editor.getByLabel("Win probability of stage 2").fill("60");
  await editor.getByRole("button", { name: "Add pipeline" }).click();
  const renewalsTab = page.getByRole("button", { name: /^Renewals/ });
  await expect(renewalsTab).toHaveAttribute("aria-pressed", "true");
  const history = page.getByRole("region", { name: "History" });
  await expect(history).toContainText('Created the pipeline "Renewals"');
  await expect(history).toContainText("Stages: Due → Proposal → Won → Lost");

  // Reorder: Proposal first, saved as the next version.
  const saved = page.getByRole("form", { name: "Renewals" });
  await saved.getByRole("button", { name: "Move Proposal up" }).click();
  await expect(saved.getByLabel("Name of stage 1")).toHaveValue("Proposal");
  await saved.getByRole("button", { name: "Move Proposal down" }).click();
  await expect(saved.getByLabel("Name of stage 1")).toHaveValue("Due");
  await saved.getByLabel("Stale limit of stage 1").fill("10");
  await saved.getByRole("button", { name: "Save pipeline" }).click();
  await expect(history).toContainText('Stale limit of "Due": none → 10 days');
  await expect(history).toContainText("Renewals v2");

  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(shots, "pipelines-settings-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1440, height: 900 });

  // Dana enters a lead, then moves it into Renewals from its page.
  const rep = await browser.newPage();
  await signIn(rep, "dana", "/leads/new");
  await rep.goto("/leads/new");
  await hydrated(rep);
  const name = `Renewal Customer ${Date.now()}`;
  await rep.getByLabel("Name").fill(name);
  await rep.getByLabel("E-mail").fill(`renewal.${Date.now()}@example.com`);
  await rep.getByRole("button", { name: "Save lead" }).click();
  await expect(rep).toHaveURL(/\/leads\/\d+\?from=new$/);
  await hydrated(rep);
  const move = rep.getByRole("region", { name: "Pipeline" });
  // Proposal needs a value, which the new lead has not: refused, saying so.
  await move.getByLabel("Move to another pipeline").selectOption({ label: "Renewals · Proposal" });
  await move.getByRole("button", { name: "Move" }).click();
  await expect(move.getByRole("alert")).toContainText("Proposal needs an estimated value");
  await move.getByLabel("Move to another pipeline").selectOption({ label: "Renewals · Due" });
  await move.getByRole("button", { name: "Move" }).click();
  await expect(rep.locator(".stage-pill")).toHaveText("Due");
  const leadPage = rep.url();

  // The board opens on Sales (East works there first); the Renewals tab shows the lead.
  await rep.goto("/board");
  await hydrated(rep);
  const tabs = rep.getByRole("navigation", { name: "Pipelines" });
  await expect(tabs.getByRole("link", { name: "Sales" })).toHaveAttribute("aria-current", "page");
  await expect(rep.getByRole("listitem", { name: /^Due/ })).toHaveCount(0);
  await tabs.getByRole("link", { name: "Renewals" }).click();
  await expect(rep).toHaveURL(/[?&]pipeline=\d+/);
  await hydrated(rep);
  await expect(tabs.getByRole("link", { name: "Renewals" })).toHaveAttribute("aria-current", "page");
  const due = rep.getByRole("list", { name: "Due leads" });
  await expect(due.getByText(name)).toBeVisible();
  await expect(rep.getByRole("list", { name: "Proposal leads" })).toBeVisible();
  await rep.screenshot({ path: path.join(shots, "board-second-pipeline.png") });
  await rep.setViewportSize({ width: 390, height: 844 });
  await rep.screenshot({ path: path.join(shots, "board-second-pipeline-phone.png") });
  await rep.setViewportSize({ width: 1440, height: 900 });

  // The ROI funnel and compliance read one pipeline at a time, picked by link.
  await page.goto("/roi");
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Funnel · Sales" })).toBeVisible();
  await page.getByRole("navigation", { name: "Pipeline of the funnel" }).getByRole("link", { name: "Renewals" }).click();
  await expect(page).toHaveURL(/[?&]pipeline=\d+/);
  await expect(page.getByRole("heading", { name: "Funnel · Renewals" })).toBeVisible();
  await expect(page.locator(".funnel-table tbody tr").first()).toContainText("Due");
  await page.goto("/compliance");
  await hydrated(page);
  await page.getByRole("navigation", { name: "Pipeline" }).getByRole("link", { name: "Renewals" }).click();
  await expect(page).toHaveURL(/[?&]pipeline=\d+/);
  await expect(page.getByRole("navigation", { name: "Pipeline" }).getByRole("link", { name: "Renewals" })).toHaveAttribute("aria-current", "page");

  // Renewals cannot be retired while Dana's lead is open in it; once it is closed out, it can.
  await page.goto("/settings/pipelines");
  await hydrated(page);
  await page.getByRole("button", { name: /^Renewals/ }).click();
  const retire = page.getByRole("region", { name: "Retire \u201cRenewals\u201d" });
  await retire.getByRole("button", { name: "Retire pipeline…" }).click();
  await retire.getByRole("button", { name: "Retire \u201cRenewals\u201d" }).click();
  await expect(retire.getByRole("alert")).toContainText('"Renewals" has 1 open lead: move it to another pipeline first');
  await rep.goto(leadPage);
  await hydrated(rep);
  const closeOut = rep.getByRole("region", { name: "Close out" });
  await closeOut.getByRole("button", { name: "Lost…" }).click();
  await closeOut.getByLabel("Reason").selectOption({ index: 1 });
  await closeOut.getByRole("button", { name: "Close as lost" }).click();
  await expect(rep.locator(".stage-pill")).toHaveText("Lost");
  await retire.getByRole("button", { name: "Retire \u201cRenewals\u201d" }).click();
  await expect(page.getByRole("button", { name: /^Renewals/ })).toHaveCount(0);
  await expect(history).toContainText('Retired the pipeline "Renewals"');
  await rep.goto("/board");
  await hydrated(rep);
  await expect(rep.getByRole("navigation", { name: "Pipelines" })).toHaveCount(0);
  await rep.close();
});
