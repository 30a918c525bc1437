// Outbound webhooks end to end: an admin adds an endpoint (a receiver started here on
// loopback, so private addresses must be allowed for it), sees the signing secret once; a lead
// a rep enters arrives at the receiver signed as Standard Webhooks do; the delivery log shows
// it delivered.
import { test, expect } from "@playwright/test";
import * as crypto from "node:crypto";
import * as http from "node:http";
import * as path from "node:path";
import { signIn, hydrated } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");

type Received = { id: string; timestamp: string; signature: string; body: string };

test("an admin connects an endpoint and a new lead reaches it, signed", async ({ page, browser }) => {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({
        id: String(req.headers["webhook-id"]),
        timestamp: String(req.headers["webhook-timestamp"]),
        signature: String(req.headers["webhook-signature"]),
        body,
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}/hooks/closeloop`;

  await signIn(page, "admin", "/admin/webhooks");
  await page.goto("/admin/webhooks");
  await hydrated(page);
  const form = page.locator("form.webhook-form");
  await form.getByLabel("Endpoint address").fill(url);
  await form.getByLabel("Description (optional)").fill("Order system");
  await form.getByRole("checkbox", { name: "Lead created" }).check();
  // A loopback address is refused until private addresses are allowed for the endpoint.
  await form.getByRole("button", { name: "Add endpoint" }).click();
  await expect(form.getByLabel("Endpoint address")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByRole("alert").first()).toContainText("https://");
  await form.getByRole("checkbox", { name: /Allow private and local addresses/ }).check();
  await form.getByRole("button", { name: "Add endpoint" }).click();
  await expect(page.getByText("Copy the signing secret now")).toBeVisible();
  const secret = ((await page.locator("code.secret").textContent()) ?? "").trim();
  expect(secret).toMatch(/^whsec_/);
  const endpoint = page.getByRole("region", { name: "Order system" });
  await expect(endpoint).toContainText("Lead created");
  await expect(endpoint).toContainText("Nothing sent yet.");

  // Dana enters a lead; within seconds the receiver has it.
  const rep = await browser.newPage();
  await signIn(rep, "dana", "/leads/new");
  await rep.goto("/leads/new");
  await hydrated(rep);
  const name = `Webhook Tester ${Date.now()}`;
  await rep.getByLabel("Name").fill(name);
  await rep.getByLabel("E-mail").fill(`hook.${Date.now()}@example.com`);
  await rep.getByRole("button", { name: "Save lead" }).click();
  await expect(rep).toHaveURL(/\/leads\/\d+\?from=new$/);
  const leadId = Number(new URL(rep.url()).pathname.split("/").pop());
  await rep.close();

  await expect(() => expect(received.some((r) => r.body.includes(name))).toBe(true)).toPass({ timeout: 20_000 });
  const got = received.find((r) => r.body.includes(name))!;
  const payload = JSON.parse(got.body);
  expect(payload.type).toBe("lead.created");
  expect(payload.data.lead.id).toBe(leadId);
  expect(payload.data.lead.owner.name).toBe("Dana Whitfield");
  expect(got.id).toBe(`evt_${payload.data.event_id}`);
  // The signature, checked as a receiver would.
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const expected = crypto.createHmac("sha256", key).update(`${got.id}.${got.timestamp}.${got.body}`).digest("base64");
  expect(got.signature).toBe(`v1,${expected}`);
  expect(Math.abs(Number(got.timestamp) - Date.now() / 1000)).toBeLessThan(300);

  // The log shows it delivered, with the receiver's answer.
  await page.reload();
  await hydrated(page);
  const row = endpoint.getByRole("row", { name: new RegExp(`#${leadId}`) });
  await expect(row).toContainText("Delivered");
  await expect(row).toContainText("204");
  await page.screenshot({ path: path.join(shots, "webhooks.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(shots, "webhooks-phone.png"), fullPage: true });

  // Re-sent: the same webhook-id again.
  const before = received.length;
  await row.getByRole("button", { name: "Re-send" }).click();
  await expect(() => expect(received.length).toBeGreaterThan(before)).toPass({ timeout: 20_000 });
  expect(received[received.length - 1].id).toBe(got.id);
  server.close();
});
