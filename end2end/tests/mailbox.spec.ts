// The shared mailbox end to end, against a real IMAP server (Debian's Dovecot on loopback,
// started here by scripts/imap-server): an admin connects it; a rep's e-mail to a lead's
// contact, with the mailbox in BCC, becomes a touch that clears the card's "SLA at risk" badge
// live; a stranger's message waits in the rep's "To file" list and becomes a lead in one click.
import { test, expect, type Page } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { signIn, hydrated } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");
const script = path.resolve(__dirname, "../../scripts/imap-server");
const USER = "leads@closeloop.example";
const PASSWORD = "e2e-imap-secret";

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, "127.0.0.1", () => {
      c.end();
      resolve(true);
    });
    c.on("error", () => resolve(false));
  });
}

let dovecot: ChildProcess | undefined;
let dir = "";
let port = 0;
let delivered = 0;

/** Drops a message into the mailbox as a new file. */
function deliver(raw: string) {
  delivered += 1;
  const name = `${Date.now()}.M${delivered}P${process.pid}.e2e`;
  fs.writeFileSync(path.join(dir, "Maildir/tmp", name), raw.replace(/\n/g, "\r\n"));
  fs.renameSync(path.join(dir, "Maildir/tmp", name), path.join(dir, "Maildir/new", name));
}

test.beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "closeloop-e2e-imap-"));
  port = await freePort();
  dovecot = spawn("bash", [script, dir, String(port), USER, PASSWORD], { detached: true, stdio: "ignore" });
  for (let i = 0; i < 200 && !(await listening(port)); i++) await new Promise((r) => setTimeout(r, 50));
  expect(await listening(port)).toBe(true);
});

test.afterAll(async () => {
  if (dovecot?.pid) process.kill(-dovecot.pid, "SIGKILL");
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Inside Sales works around the clock with a 16-hour first-touch SLA, at risk from 1 %:
 * every untouched lead of Jordan's older than ten minutes (the demo's fresh inquiries are 15
 * minutes to a few hours old) and younger than 16 hours is "SLA at risk", at any time of day. */
async function tightenInsideSales(page: Page) {
  await signIn(page, "tom");
  await page.goto("/settings/policy");
  await hydrated(page);
  const form = page.locator("form.policy-form");
  await expect(form.getByRole("heading", { name: "Inside Sales" })).toBeVisible();
  await form.getByLabel("Within (business minutes)").fill("960");
  await form.getByLabel("At risk from (%)").fill("1");
  for (const day of ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]) {
    await form.getByRole("checkbox", { name: day }).check();
    await form.getByLabel(`${day} opens`).fill("00:00");
    await form.getByLabel(`${day} closes`).fill("24:00");
  }
  await form.getByRole("button", { name: "Preview" }).click();
  await expect(form.getByRole("status", { name: "Preview" })).toContainText(/Would flag/);
  await form.getByRole("button", { name: /Save as version/ }).click();
  await expect(page.getByRole("status").filter({ hasText: /Saved version \d+/ })).toBeVisible();
}

test("an e-mail a rep sends with the mailbox in BCC clears 'SLA at risk'; a stranger's becomes a lead in one click", async ({ browser }) => {
  // The admin connects the mailbox; the settings are tried before they are saved.
  const admin = await browser.newPage();
  await signIn(admin, "admin", "/admin/mailbox");
  await admin.goto("/admin/mailbox");
  await hydrated(admin);
  const form = admin.locator("form.mailbox-form");
  await form.getByLabel("IMAP server").fill("127.0.0.1");
  await form.getByLabel("Encryption").selectOption("none");
  await form.getByLabel("Port", { exact: true }).fill(String(port));
  await form.getByLabel("User name").fill(USER);
  await form.getByLabel("Password or app password").fill("wrong password");
  await form.getByRole("button", { name: "Connect" }).click();
  await expect(form.getByLabel("Password or app password")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByRole("alert")).toContainText("refused this user name and password");
  await form.getByLabel("Password or app password").fill(PASSWORD);
  await form.getByRole("button", { name: "Connect" }).click();
  await expect(admin.getByText("Connected", { exact: true })).toBeVisible();
  await expect(admin.getByText(`${USER} on 127.0.0.1:${port}`)).toBeVisible();

  const setup = await browser.newPage();
  await tightenInsideSales(setup);
  await setup.close();

  // Jordan's board: an untouched lead at risk, with an e-mail address.
  const rep = await browser.newPage();
  await signIn(rep, "jordan");
  await rep.goto("/board");
  await expect(rep.locator(".live").getByText("Live", { exact: true })).toBeVisible();
  const atRisk = rep.locator("li.card", { has: rep.locator(".chip-sla-at-risk") });
  await expect(atRisk.first()).toBeVisible();
  let id = "";
  let email = "";
  for (const card of await atRisk.all()) {
    const leadId = (await card.getAttribute("data-lead-id")) ?? "";
    const lead = await (await rep.request.get(`/api/v1/leads/${leadId}`)).json();
    if (lead.email) {
      id = leadId;
      email = lead.email;
      break;
    }
  }
  expect(email).not.toBe("");
  const card = rep.locator(`li.card[data-lead-id="${id}"]`);
  await expect(card.locator(".chip-sla-at-risk")).toHaveCount(1);

  // Jordan writes to the contact from his own mail program, the shared mailbox in BCC.
  const date = new Date(Date.now() - 60_000).toUTCString().replace("GMT", "+0000");
  deliver(`From: Jordan Blake <jordan@closeloop.example>
To: ${email}
Bcc: ${USER}
Subject: Following up on your inquiry
Message-ID: <e2e-touch-${Date.now()}@closeloop.example>
Date: ${date}
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Thanks for getting in touch. Do you have time for a call on Thursday?
`);
  // Read within seconds (every 2 s here, 30 s by default): the badge goes, live.
  await expect(card.locator(".chip-sla-at-risk")).toHaveCount(0, { timeout: 20_000 });
  await rep.reload();
  await expect(rep.locator(`li.card[data-lead-id="${id}"]`)).toBeVisible();
  await expect(rep.locator(`li.card[data-lead-id="${id}"] .chip-sla-at-risk`)).toHaveCount(0);

  // On the lead: an e-mail touch by Jordan, with the message a click away.
  await rep.goto(`/leads/${id}`);
  await hydrated(rep);
  const touch = rep.locator(".timeline-item", { hasText: "Following up on your inquiry" });
  await expect(touch.locator(".timeline-title")).toHaveText("E-mail");
  await expect(touch).toContainText("Following up on your inquiry — Thanks for getting in touch.");
  await expect(touch).toContainText("Jordan Blake");
  await touch.getByRole("link", { name: "Read the e-mail" }).click();
  await expect(rep.getByRole("heading", { name: "Following up on your inquiry" })).toBeVisible();
  await expect(rep.locator(".mail-body")).toContainText("call on Thursday");
  await expect(rep.getByText("Logged as an e-mail touch")).toBeVisible();
  await rep.screenshot({ path: path.join(shots, "mail-message.png") });

  // A stranger writes to Jordan: it waits for him, and one click makes it a lead.
  deliver(`From: Lin Wei <lin.wei@harbour-freight.example>
To: jordan@closeloop.example
Cc: ${USER}
Subject: Quote for 40 scanners
Message-ID: <e2e-stranger-${Date.now()}@harbour-freight.example>
Date: ${new Date().toUTCString().replace("GMT", "+0000")}

Hello, could you send us a quote for 40 scanners with a 3-year warranty?
`);
  await rep.setViewportSize({ width: 390, height: 844 });
  const item = rep.locator(".mail-item", { hasText: "Quote for 40 scanners" });
  await expect(async () => {
    await rep.goto("/mail");
    await hydrated(rep);
    await expect(item).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(item).toContainText("Lin Wei <lin.wei@harbour-freight.example>");
  await expect(item).toContainText("could you send us a quote for 40 scanners");
  await rep.screenshot({ path: path.join(shots, "mail-to-file-phone.png"), fullPage: true });
  await item.getByRole("button", { name: "Make it a lead" }).click();
  await expect(rep.getByRole("status").filter({ hasText: "Lead saved." })).toBeVisible();
  await expect(rep.getByText("Nothing to file")).toBeVisible();
  await rep.getByRole("link", { name: "Open it" }).click();
  await expect(rep.getByText("Lin Wei").first()).toBeVisible();

  // The admin sees what was filed, not the messages.
  await admin.reload();
  await hydrated(admin);
  await expect(admin.locator(".mailbox-count-touch dd")).toHaveText("1");
  await expect(admin.locator(".mailbox-count-filed dd")).toHaveText("1");
  await admin.screenshot({ path: path.join(shots, "mailbox-admin.png"), fullPage: true });
  await admin.setViewportSize({ width: 390, height: 844 });
  await admin.screenshot({ path: path.join(shots, "mailbox-admin-phone.png"), fullPage: true });
  // Disconnected, nothing more is read.
  await admin.getByRole("button", { name: "Disconnect" }).click();
  await expect(admin.getByText("Not connected")).toBeVisible();
  await rep.close();
  await admin.close();
});
