// Versions an analyst can read (issue #14), against the real API and PostgreSQL (started by e2e/run.sh): edit,
// name a version, open History, compare two versions (the changed step highlighted on the graph), show the changes
// on the editor's canvas and hide them again, restore one, see "Changes not deployed", deploy with one click and
// read the DAG file the deployment wrote.
import assert from "node:assert/strict";
import { launch } from "./browser.mjs";
import { SHOTS, WEB, call, openAs, signup, steps, typeIn } from "./helpers.mjs";

const browser = await launch();
const errors = [];
let page;
const { step, counts } = steps("history", () => (page ? [page] : []));
const shot = (name) => page.screenshot({ path: `${SHOTS}history-${name}.png` });
const node = (id) => page.locator(`.react-flow__node[data-id="${id}"]`);
const versionRow = (v) => page.locator(`tr[data-version="${v}"]`);

/** Opens the filter step's settings and types into one of its fields with the keyboard; waits until the server has it. */
async function setFilter(field, value) {
  await node("filter").locator(".head").click();
  await page.getByRole("tab", { name: "Step" }).click();
  await page.getByLabel("Configure filter").waitFor();
  await typeIn(page, page.locator(`#root_conditions_0_${field}`), value);
  await page.getByTestId("live-state").filter({ hasText: "All changes saved" }).waitFor();
}

/** Goes to History by its header link, names the current version there, and comes back to the editor. */
async function nameCurrentVersion(name) {
  await page.getByRole("link", { name: "History", exact: true }).click();
  await page.getByRole("heading", { name: /^History/ }).waitFor();
  await typeIn(page, page.getByLabel("Name the current version"), name);
  await page.getByRole("button", { name: "Name version" }).click();
  await page.getByRole("status").filter({ hasText: `is named “${name}”` }).waitFor();
  await page.locator(".tag", { hasText: name }).waitFor();
}

async function backToEditor() {
  await page.getByRole("link", { name: "← Back to the editor" }).click();
  await page.getByTestId("live-state").filter({ hasText: "All changes saved" }).waitFor();
}

try {
  let ada;
  let workflowId;

  await step("Ada opens a valid three-step workflow and deploys it", async () => {
    ada = await signup("Ada Historian", "history please 1");
    const created = await call("POST", "/workflows", ada.token, {
      apiVersion: "workflowcontrol.io/v1",
      kind: "Workflow",
      metadata: { name: "Sales history", description: "", tags: [] },
      spec: {
        schedule: null, timezone: "UTC", catchup: false, maxActiveRuns: 1, params: {},
        defaults: { retries: 1, retryDelaySeconds: 300 },
        tasks: [
          { id: "csv", type: "extract.csv", config: { source: "sales/2024.csv" }, dependsOn: [] },
          { id: "filter", type: "transform.filter", config: { conditions: [{ column: "amount", operator: "gt", value: "0" }] }, dependsOn: ["csv"] },
          { id: "file", type: "load.file", config: { path: "out/sales.csv" }, dependsOn: ["filter"] },
        ],
      },
      layout: { nodes: { csv: { x: 0, y: 0 }, filter: { x: 240, y: 0 }, file: { x: 480, y: 0 } } },
    });
    workflowId = created.id;
    page = await openAs(browser, ada, `${WEB}/workflows/${workflowId}`, errors);
    await page.getByTestId("live-state").filter({ hasText: "All changes saved" }).waitFor();
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    await page.getByTestId("deploy-state").filter({ hasText: "v1:" }).waitFor();
  });

  await step("an edit, and the editor says the deployed version is behind", async () => {
    await setFilter("value", "10");
    const version = (await call("GET", `/workflows/${workflowId}`, ada.token)).version;
    await page.getByTestId("undeployed").filter({ hasText: `Changes not deployed (v${version} vs v1)` }).waitFor();
    await shot("01-undeployed");
  });

  await step("she names the version in History, then edits on: a new version starts", async () => {
    await nameCurrentVersion("Amounts over 10");
    await backToEditor();
    await setFilter("value", "100");
    await nameCurrentVersion("Amounts over 100");
    await backToEditor();
    await setFilter("column", "net_amount");
  });

  let named;
  await step("History lists each version with its author, time, size and deployments", async () => {
    await page.getByRole("link", { name: "History", exact: true }).click();
    const versions = await call("GET", `/workflows/${workflowId}/versions`, ada.token);
    assert.deepEqual(versions.map((v) => v.name), [null, "Amounts over 100", "Amounts over 10", null], "current, two named, the deployed first one");
    named = { ten: versions[2].version, hundred: versions[1].version, current: versions[0].version };
    await versionRow(named.hundred).getByText("Amounts over 100").waitFor();
    await versionRow(named.current).getByRole("cell", { name: "Ada Historian" }).waitFor();
    await versionRow(named.current).getByText("1 changed").waitFor();
    await versionRow(1).getByText("· live").or(versionRow(1).locator(".badge.written, .badge.parsed")).first().waitFor();
    assert.match(await versionRow(named.current).locator("td").nth(3).innerText(), /\d{2}:\d{2} [A-Z+\-0-9:]+/, "a time with its zone");
    await shot("02-versions");
  });

  await step("she compares the two named versions: the filter is highlighted, its value side by side", async () => {
    // The newest two are compared first; she picks the two named ones instead.
    await page.getByLabel(`Compare version ${named.current}`).click();
    await page.getByLabel(`Compare version ${named.ten}`).click();
    await page.getByRole("heading", { name: `Changes from v${named.ten} to v${named.hundred}` }).waitFor();
    await node("filter").locator('.diff-node[data-change="changed"]').waitFor();
    assert.equal(await node("csv").locator(".diff-node").getAttribute("data-change"), "same");
    assert.equal(await node("file").locator(".diff-node").getAttribute("data-change"), "same");
    const row = page.locator('[data-step="filter"] tr', { hasText: "config.conditions" });
    assert.match(await row.locator("td.before").innerText(), /"value":"?10"?\}/);
    assert.match(await row.locator("td.after").innerText(), /"value":"?100"?\}/);
    await shot("03-diff");
  });

  await step("she shows the changes since that version on the editor's canvas, reloads, and hides them", async () => {
    const versionBefore = (await call("GET", `/workflows/${workflowId}`, ada.token)).version;
    await page.getByRole("button", { name: "Show on canvas" }).click();
    const banner = page.getByRole("region", { name: `Changes since v${named.ten}` });
    await banner.locator(".legend").getByText("changed", { exact: true }).waitFor();
    const filterCard = node("filter").locator(".task-node");
    await node("filter").locator('.task-node[data-change="changed"]').waitFor();
    assert.equal(await filterCard.locator(".change-tag").textContent(), "changed", "the step carries the tag the legend shows");
    assert.equal(await node("csv").locator(".task-node").getAttribute("data-change"), null, "an unchanged step is not marked");
    assert.equal(await node("file").locator(".task-node").getAttribute("data-change"), null, "an unchanged step is not marked");
    assert.equal(new URL(page.url()).searchParams.get("changesSince"), String(named.ten), "the address keeps what is shown");
    await shot("03b-changes-on-canvas");

    await page.reload();
    await page.getByTestId("live-state").filter({ hasText: "All changes saved" }).waitFor();
    await node("filter").locator('.task-node[data-change="changed"]').waitFor();

    await banner.getByRole("button", { name: "Hide changes" }).click();
    await banner.waitFor({ state: "detached" });
    await node("filter").locator(".task-node:not([data-change])").waitFor();
    assert.equal(await page.locator(".task-node[data-change]").count(), 0, "no step is marked any more");
    assert.equal(new URL(page.url()).searchParams.has("changesSince"), false, "the address no longer asks for changes");
    assert.equal((await call("GET", `/workflows/${workflowId}`, ada.token)).version, versionBefore, "showing changes edited nothing");

    await page.getByRole("link", { name: "History", exact: true }).click();
    await page.getByRole("heading", { name: /^History/ }).waitFor();
  });

  let restoredAs;
  await step("she restores the first named version as a new version", async () => {
    await page.getByRole("button", { name: `Restore v${named.ten}` }).click();
    const notice = await page.getByRole("status").filter({ hasText: `Version ${named.ten} restored as version` }).innerText();
    restoredAs = Number(/as version (\d+)/.exec(notice)?.[1]);
    assert.ok(restoredAs > named.current, "a restore makes a new version");
    await versionRow(restoredAs).getByText(`restored from v${named.ten}`).waitFor();
    const doc = (await call("GET", `/workflows/${workflowId}`, ada.token)).document;
    const [condition] = doc.spec.tasks.find((t) => t.id === "filter").config.conditions;
    assert.deepEqual([condition.column, String(condition.value)], ["amount", "10"], "the filter of the restored version is back");
    await shot("04-restored");
  });

  await step("back in the editor she deploys with one click, and the notice goes", async () => {
    await backToEditor();
    await page.getByTestId("undeployed").filter({ hasText: `Changes not deployed (v${restoredAs} vs v1)` }).waitFor();
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    await page.getByTestId("deploy-state").filter({ hasText: `v${restoredAs}:` }).waitFor();
    await page.getByTestId("undeployed").waitFor({ state: "detached" });
  });

  await step("she reads the DAG code the deployment wrote, highlighted and read-only", async () => {
    await page.getByRole("button", { name: "DAG code" }).click();
    const dialog = page.getByRole("dialog", { name: `DAG code of version ${restoredAs}` });
    const code = dialog.getByTestId("dag-code");
    await code.waitFor();
    const text = await code.innerText();
    assert.match(text, /with DAG\(/, "the file defines the DAG");
    assert.ok(text.includes(`dag_id="wf_${workflowId.replaceAll("-", "_")}"`), "the DAG is named after the workflow's id");
    assert.ok((await code.locator(".tok-keyword").count()) > 3, "keywords are highlighted");
    assert.ok((await code.locator(".tok-string").count()) > 3, "strings are highlighted");
    assert.equal(await code.locator("[contenteditable], textarea, input").count(), 0, "nothing in the view can be edited");
    await shot("05-dag-code");
    await page.keyboard.press("Escape");
  });
} catch {
  // reported by step()
} finally {
  if (errors.length) console.log(`page errors:\n${errors.join("\n")}`);
  await browser.close();
  console.log(`e2e history: ${counts.passed} passed, ${counts.failed} failed`);
  process.exitCode = counts.failed > 0 || errors.length > 0 ? 1 : 0;
}
