// Two people edit one workflow at the same time, each in their own browser (started by e2e/run.sh
// after scenario.mjs, on the same stack): presence, pointers, live changes both ways, edit locks,
// and what the second one sees when the owner lowers her role and then removes her.
import assert from "node:assert/strict";
import { launch } from "./browser.mjs";
import { SHOTS as shots, WEB, call, openAs as openBrowser, signup as signupAs, steps, typeIn } from "./helpers.mjs";

const browser = await launch();
const pageErrors = [];
let current = [];
const { step, counts } = steps("collab", () => current);

const signup = (name) => signupAs(name, "collaborate please 1");
/** A browser of its own, signed in as the given user. */
const openAs = (session, url) => openBrowser(browser, session, url, pageErrors);

const node = (page, id) => page.locator(`.react-flow__node[data-id="${id}"]`);
const cursorOf = (page, name) => page.getByLabel(`${name}'s pointer`);

try {
  let ada, bea, workflowId, a, b;

  await step("Ada shares a workflow with Bea as an editor", async () => {
    ada = await signup("Ada Analyst");
    bea = await signup("Bea Builder");
    const created = await call("POST", "/workflows", ada.token, {
      apiVersion: "workflowcontrol.io/v1",
      kind: "Workflow",
      metadata: { name: "Shared sales", description: "", tags: [] },
      spec: {
        schedule: null, timezone: "UTC", catchup: false, maxActiveRuns: 1, params: {},
        defaults: { retries: 1, retryDelaySeconds: 300 },
        tasks: [{ id: "csv", type: "extract.csv", config: { source: "sales/2024.csv" }, dependsOn: [] }],
      },
      layout: { nodes: { csv: { x: 0, y: 0 } } },
    });
    workflowId = created.id;
    await call("POST", `/workflows/${workflowId}/collaborators`, ada.token, { email: bea.user.email, role: "edit" });
  });

  await step("both open it and see each other", async () => {
    const url = `${WEB}/workflows/${workflowId}`;
    [a, b] = await Promise.all([openAs(ada, url), openAs(bea, url)]);
    current = [a, b];
    for (const p of current) await p.getByTestId("live-state").filter({ hasText: "All changes saved" }).waitFor({ timeout: 15000 });
    await a.getByTestId("avatars").getByLabel("Bea Builder").waitFor();
    await b.getByTestId("avatars").getByLabel("Ada Analyst").waitFor();
    await b.getByTestId("avatars").getByLabel("Bea Builder (you)").waitFor();
  });

  await step("Ada sees Bea's pointer move over the canvas", async () => {
    const box = await b.locator(".react-flow__pane").boundingBox();
    await b.mouse.move(box.x + 300, box.y + 300);
    await b.mouse.move(box.x + 320, box.y + 310, { steps: 3 });
    const pointer = cursorOf(a, "Bea Builder");
    await pointer.waitFor();
    const before = await pointer.evaluate((el) => el.style.transform);
    await b.mouse.move(box.x + 600, box.y + 200, { steps: 5 });
    await a.waitForFunction((t) => document.querySelector('[aria-label="Bea Builder\'s pointer"]')?.style.transform !== t, before);
    await a.screenshot({ path: `${shots}collab-01-pointer.png` });
  });

  await step("Bea adds a step and Ada sees it", async () => {
    await b.locator('[data-testid="palette-transform.filter"]').dragTo(b.locator(".react-flow__pane"), { targetPosition: { x: 420, y: 260 } });
    await node(b, "filter").waitFor();
    await node(a, "filter").waitFor();
    await b.getByTestId("live-state").filter({ hasText: "All changes saved" }).waitFor();
  });

  await step("Ada changes a setting, Bea sees it and finds the step locked by Ada", async () => {
    await node(a, "csv").locator(".head").click();
    await a.getByLabel("Configure csv").waitFor();
    await typeIn(a, a.locator("#root_source"), "sales/live.csv");
    await a.getByTestId("live-state").filter({ hasText: "All changes saved" }).waitFor();
    await node(b, "csv").locator(".head").click();
    await b.getByLabel("Configure csv").waitFor();
    await b.getByTestId("locked-by").filter({ hasText: "Ada Analyst is editing this step" }).waitFor();
    await b.waitForFunction(() => document.querySelector("#root_source")?.value === "sales/live.csv");
    assert.ok(await b.locator("#root_source").isDisabled(), "a step locked by someone else is read-only");
    assert.equal(await b.getByRole("button", { name: "Take over" }).count(), 0, "only managers may take over a lock");
    // Each sees where the other is: Bea's selection is outlined on Ada's canvas with her initials.
    await node(a, "csv").locator(".task-node.remote-selected").getByText("BB").waitFor();
    await node(b, "csv").getByText("Ada Analyst is editing").waitFor();
    await a.screenshot({ path: `${shots}collab-02-ada.png` });
    await b.screenshot({ path: `${shots}collab-03-bea-locked.png` });
  });

  await step("Ada, the owner, takes over a step Bea is editing", async () => {
    await node(b, "filter").locator(".head").click();
    await b.getByLabel("Configure filter").waitFor();
    await node(a, "filter").locator(".head").click();
    await a.getByTestId("locked-by").filter({ hasText: "Bea Builder is editing this step" }).waitFor();
    await a.getByRole("button", { name: "Take over" }).click();
    await a.getByTestId("locked-by").waitFor({ state: "detached" });
    await b.getByTestId("locked-by").filter({ hasText: "Ada Analyst is editing this step" }).waitFor();
    await b.getByText('Ada Analyst took over editing of "filter".').waitFor();
    await b.screenshot({ path: `${shots}collab-04-taken-over.png` });
  });

  await step("both end with the same document as the server", async () => {
    const saved = await call("GET", `/workflows/${workflowId}`, bea.token);
    for (const p of current) {
      await p.getByTestId("live-state").filter({ hasText: "All changes saved" }).waitFor();
      await p.getByTestId("save-status").filter({ hasText: `v${saved.version} ` }).waitFor();
      const ids = await p.locator(".react-flow__node").evaluateAll((els) => els.map((e) => e.getAttribute("data-id")).sort());
      assert.deepEqual(ids, saved.document.spec.tasks.map((t) => t.id).sort());
    }
    assert.equal(saved.document.spec.tasks.find((t) => t.id === "csv").config.source, "sales/live.csv");
    assert.ok(saved.document.spec.tasks.some((t) => t.id === "filter" && t.type === "transform.filter"));
    // The server's document is Ada's own view of it too: the API read with her token is the same.
    assert.deepEqual(await call("GET", `/workflows/${workflowId}`, ada.token).then((d) => d.document), saved.document);
  });

  await step("Bea's role goes down to view: her editor turns read-only at once", async () => {
    await call("PUT", `/workflows/${workflowId}/collaborators/${bea.user.id}`, ada.token, { role: "view" });
    await b.getByTestId("save-status").filter({ hasText: "view" }).waitFor();
    await b.getByText("read-only", { exact: true }).waitFor();
    assert.ok(await b.locator('[data-testid="palette-extract.csv"]').isDisabled(), "a viewer cannot add steps");
    // A viewer still follows the changes live.
    await node(b, "csv").locator(".head").click();
    await node(a, "csv").locator(".head").click();
    await a.getByLabel("Configure csv").waitFor();
    await typeIn(a, a.locator("#root_source"), "sales/for-viewers.csv");
    await b.waitForFunction(() => document.querySelector("#root_source")?.value === "sales/for-viewers.csv");
  });

  await step("Bea loses access: her editor closes and says why", async () => {
    await call("DELETE", `/workflows/${workflowId}/collaborators/${bea.user.id}`, ada.token);
    await b.getByRole("alert").filter({ hasText: "Your access to this workflow was removed" }).waitFor();
    await b.screenshot({ path: `${shots}collab-05-bea-revoked.png` });
    await a.getByTestId("avatars").getByLabel("Bea Builder").waitFor({ state: "detached" });
  });
} catch {
  // reported by step()
} finally {
  if (pageErrors.length) console.log(`page errors:\n${pageErrors.join("\n")}`);
  await browser.close();
  console.log(`e2e collab: ${counts.passed} passed, ${counts.failed} failed`);
  process.exitCode = counts.failed > 0 ? 1 : 0;
}
