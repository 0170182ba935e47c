// What the browser scenarios share: calling the API, a signed-in browser of its own, typing as a person does,
// named steps that keep a screenshot of each failure.
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

export const WEB = process.env.WEB_URL;
export const API = process.env.API_URL;
/** Kept by CI as artifacts (gitignored). */
export const SHOTS = fileURLToPath(new URL("../e2e-screenshots/", import.meta.url));
await mkdir(SHOTS, { recursive: true });

export async function call(method, path, token, body, headers = {}) {
  const r = await fetch(`${API}${path}`, {
    method,
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path} answered ${r.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

export const signup = (name, password) =>
  call("POST", "/auth/signup", null, { email: `${name.split(" ")[0].toLowerCase()}-${Date.now()}@example.com`, password, displayName: name });

/** A browser context of its own, signed in as the given session; page errors are collected into `errors`. */
export async function openAs(browser, session, url, errors) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript((s) => localStorage.setItem("wfc.session", s), JSON.stringify({ token: session.token, expiresAt: session.expiresAt, user: session.user }));
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on("pageerror", (e) => errors.push(`${session.user.displayName}: ${e}`));
  await page.goto(url);
  return page;
}

/** Types into a field as a person does: click, select what it holds, type, then leave with Tab (which stores it). */
export async function typeIn(page, field, text) {
  await field.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type(text);
  await page.keyboard.press("Tab");
}

/**
 * Named steps for a scenario: each prints ok/FAIL with its time, a failure screenshots the pages `pages()` returns
 * and stops the scenario. `counts` says how many passed and failed.
 */
export function steps(scenario, pages) {
  const counts = { passed: 0, failed: 0 };
  async function step(name, fn) {
    const started = Date.now();
    try {
      await fn();
      counts.passed++;
      console.log(`ok   ${scenario}: ${name} (${Date.now() - started} ms)`);
    } catch (e) {
      counts.failed++;
      console.log(`FAIL ${scenario}: ${name}: ${e instanceof Error ? e.stack : e}`);
      for (const [i, p] of pages().entries()) await p.screenshot({ path: `${SHOTS}failure-${scenario}-${name.replace(/\W+/g, "-")}-${i}.png` }).catch(() => {});
      throw e;
    }
  }
  return { step, counts };
}
