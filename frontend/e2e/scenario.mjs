// The analyst's path through the editor against the real API and PostgreSQL (started by e2e/run.sh).
import { mkdir, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { launch } from "./browser.mjs";

const WEB = process.env.WEB_URL;
const shots = fileURLToPath(new URL("../e2e-screenshots/", import.meta.url));
await rm(shots, { recursive: true, force: true });
await mkdir(shots, { recursive: true });

const browser = await launch();
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
page.setDefaultTimeout(15000);
const consoleErrors = [];
page.on("pageerror", (e) => consoleErrors.push(String(e)));
// Anything the page's Content-Security-Policy blocks is reported on the console; the scenario must cause none.
const cspViolations = [];
page.on("console", (m) => m.type() === "error" && /Content Security Policy/i.test(m.text()) && cspViolations.push(m.text()));
// AJV compiling a schema in the page needs eval, which that policy refuses: the editor's checks must come built.
const schemaCompiles = [];
page.on("console", (m) => /compiling schema|unsafe-eval/i.test(m.text()) && schemaCompiles.push(m.text().slice(0, 200)));

let passed = 0;
let failed = 0;
/** A failing step is counted; a soft one lets the scenario go on (the next steps do not depend on it). */
async function step(name, fn, { soft = false } = {}) {
  const started = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e instanceof Error ? e.stack : e}`);
    await page.screenshot({ path: `${shots}failure-${name.replace(/\W+/g, "-")}.png` }).catch(() => {});
    if (!soft) throw e;
  }
}
const shot = (name) => page.screenshot({ path: `${shots}${name}.png` });

async function dragTask(typeId, x, y) {
  const pane = page.locator(".react-flow__pane");
  await page.locator(`[data-testid="palette-${typeId}"]`).dragTo(pane, { targetPosition: { x, y } });
}

async function connect(from, to) {
  const s = await page.locator(`.react-flow__node[data-id="${from}"] .react-flow__handle.source`).boundingBox();
  const t = await page.locator(`.react-flow__node[data-id="${to}"] .react-flow__handle.target`).first().boundingBox();
  await page.mouse.move(s.x + s.width / 2, s.y + s.height / 2);
  await page.mouse.down();
  await page.mouse.move((s.x + t.x) / 2, (s.y + t.y) / 2, { steps: 5 });
  await page.mouse.move(t.x + t.width / 2, t.y + t.height / 2, { steps: 5 });
  await page.mouse.up();
}

/** Types into a field as a person does: click it, select what it holds, type, and (unless told not to) leave it with Tab. */
async function typeIn(field, text, { leave = true, p = page } = {}) {
  await field.click();
  await p.keyboard.press("ControlOrMeta+a");
  await p.keyboard.type(text);
  if (leave) await p.keyboard.press("Tab");
}

async function openNode(id) {
  await page.locator(`.react-flow__node[data-id="${id}"] .head`).click();
  await page.getByRole("tab", { name: "Step" }).click();
  await page.getByLabel(`Configure ${id}`).waitFor();
}

/** Polls until check returns something truthy (the server gets live changes a moment after they are made). */
async function until(check, what, timeout = 10000) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The version the header shows (every live change makes one). */
async function shownVersion(p = page) {
  const text = await p.getByTestId("save-status").innerText();
  return Number(/v(\d+)/.exec(text)?.[1]);
}

const email = `analyst-${Date.now()}@example.com`;
let lastRunId = "";
let workflowUrl = "";
let deployedVersion = 0;

try {
  await step("sign up and land on an empty dashboard", async () => {
    await page.goto(`${WEB}/signup`);
    await shot("01-signup");
    await typeIn(page.getByLabel("Your name"), "Ada Analyst");
    await typeIn(page.getByLabel("E-mail"), email);
    await typeIn(page.getByLabel("Password"), "correct horse battery");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "Workflows" }).waitFor();
  });

  await step("the empty dashboard helps a first-time user", async () => {
    await page.getByRole("heading", { name: "Build your first pipeline" }).waitFor({ timeout: 5000 });
    await shot("02-dashboard-empty");
  }, { soft: true });

  await step("session survives a reload", async () => {
    await page.reload();
    await page.getByRole("heading", { name: "Workflows" }).waitFor();
    await page.getByText("Ada Analyst").waitFor();
  });

  await step("create a blank workflow", async () => {
    await page.getByRole("button", { name: "New workflow" }).click();
    await page.waitForURL(/\/workflows\/[0-9a-f-]+$/);
    workflowUrl = page.url();
    await page.locator('[data-testid="palette-extract.csv"]').waitFor();
  });

  await step("drag an extract, a filter and an export onto the canvas", async () => {
    await dragTask("extract.csv", 110, 200);
    await dragTask("transform.filter", 340, 300);
    await dragTask("load.file", 570, 200);
    for (const id of ["csv", "filter", "file"]) await page.locator(`.react-flow__node[data-id="${id}"]`).waitFor();
  });

  await step("connect them; a loop is refused", async () => {
    await connect("csv", "filter");
    await connect("filter", "file");
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 2);
    // file -> csv would need an input on a source; filter's single input is taken: nothing new appears.
    await connect("file", "filter");
    await page.waitForTimeout(300);
    assert.equal(await page.locator(".react-flow__edge").count(), 2, "a refused connection must not add an edge");
  });

  await step("configure the extract and the export", async () => {
    await openNode("csv");
    await typeIn(page.locator("#root_source"), "sales/2024.csv");
    await openNode("file");
    await typeIn(page.locator("#root_path"), "out/positive-sales.csv");
    // Selecting one step after another shows one form: the selected step's, not stale copies of the others'.
    assert.equal(await page.getByLabel("Configure file").getByRole("textbox", { name: "Step id" }).count(), 1, "one Step id field");
    assert.equal(await page.getByRole("textbox", { name: "Step id" }).count(), 1, "no other step's form left behind");
  });

  await step("a number over its field's limit, typed into a step's form, is explained under that field", async () => {
    await openNode("csv");
    const field = page.locator("#root_max_download_mb");
    await typeIn(field, "5000");
    // The editor's own schema check, in the form's words (the server's validation words it otherwise).
    await page.locator("#root_max_download_mb__error").filter({ hasText: "Maximum download (MB) must be 2048 or less." }).waitFor({ timeout: 5000 });
    await page.locator('.react-flow__node[data-id="csv"] .task-node.invalid').waitFor();
    await shot("03a-field-over-limit");
    await typeIn(field, "100");
    await page.locator("#root_max_download_mb__error").filter({ hasText: "2048" }).waitFor({ state: "detached" });
    assert.deepEqual(schemaCompiles, [], "no schema is compiled in the page (the policy refuses it)");
  });

  await step("the filter shows a validation error until it has a condition", async () => {
    await openNode("filter");
    await page.locator('.react-flow__node[data-id="filter"] .task-node.invalid').waitFor();
    await page.getByTestId("validity").filter({ hasText: "problem" }).waitFor();
    await shot("03-editor-invalid");
    await page.getByLabel("Configure filter").locator(".btn-add").first().click();
    await typeIn(page.locator("#root_conditions_0_column"), "amount");
    await page.locator("#root_conditions_0_operator").selectOption("gt");
    await typeIn(page.locator("#root_conditions_0_value"), "0");
    await page.getByTestId("validity").filter({ hasText: "valid" }).waitFor({ timeout: 10000 });
    assert.equal(await page.locator(".task-node.invalid").count(), 0, "no node is marked invalid once fixed");
  });

  await step("each node says what it is set to do", async () => {
    await page.locator('.react-flow__node[data-id="filter"]').getByTestId("node-summary").filter({ hasText: "amount gt 0" }).waitFor();
    await page.locator('.react-flow__node[data-id="csv"]').getByTestId("node-summary").filter({ hasText: "sales/2024.csv" }).waitFor();
    await page.locator('.react-flow__node[data-id="file"]').getByTestId("node-summary").filter({ hasText: "out/positive-sales.csv" }).waitFor();
  });

  await step("settings: typed with the keyboard, the schedule shows its next five runs", async () => {
    await page.getByRole("tab", { name: /Settings/ }).click();
    await typeIn(page.getByLabel("Name", { exact: true }), "Positive sales");
    await page.getByLabel("Schedule").selectOption("cron");
    // Each half-typed value ("1", "15 7", "America/New_") would be refused by the server: nothing is stored until the field is left.
    await typeIn(page.getByLabel("Cron expression"), "15 7 * * 1-5");
    await typeIn(page.getByLabel("Time zone"), "America/New_York");
    await page.getByText("Next five runs (America/New_York):").waitFor();
    await page.getByTestId("next-runs").locator("li").nth(4).filter({ hasText: "07:15" }).waitFor();
    // A new workflow runs its connected steps together, as one Airflow task.
    assert.equal(await page.getByLabel("Run steps together (faster)").isChecked(), true, "new workflows are fused");
    await shot("04-editor-settings");
  });

  await step("an invalid schedule stays in its field with the reason under it, and is not saved", async () => {
    const cron = page.getByLabel("Cron expression");
    await typeIn(cron, "15 7 * *");
    await page.getByRole("alert").filter({ hasText: "not a five-field cron expression" }).waitFor();
    assert.equal(await cron.inputValue(), "15 7 * *", "what was typed stays on screen");
    assert.equal(await cron.getAttribute("aria-invalid"), "true");
    await page.getByTestId("live-state").filter({ hasText: "All changes saved" }).waitFor();
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem("wfc.session")).token);
    const saved = await (await fetch(`${process.env.API_URL}/workflows/${workflowUrl.split("/").pop()}`, { headers: { Authorization: `Bearer ${token}` } })).json();
    assert.equal(saved.document.spec.schedule, "15 7 * * 1-5", "the invalid schedule was not saved");
    await shot("04b-invalid-cron");
    await typeIn(cron, "15 7 * * 1-5");
    await page.getByRole("alert").filter({ hasText: "not a five-field cron expression" }).waitFor({ state: "detached" });
  });

  await step("every change is saved as it is made", async () => {
    // Live editing: no Save button; the header says when the server has every change.
    await page.getByTestId("live-state").filter({ hasText: "All changes saved" }).waitFor();
    assert.equal(await page.getByRole("button", { name: "Save", exact: true }).count(), 0, "live editing has nothing to save by hand");
    await shot("05-editor-saved");
  });

  await step("Ctrl+S while typing stores the field and says it is saved", async () => {
    await typeIn(page.getByLabel("Description", { exact: true }), "Sales with a positive amount", { leave: false });
    await page.keyboard.press("ControlOrMeta+s");
    await page.getByRole("status").filter({ hasText: "Saved: the server has every change" }).waitFor();
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem("wfc.session")).token);
    const saved = await (await fetch(`${process.env.API_URL}/workflows/${workflowUrl.split("/").pop()}`, { headers: { Authorization: `Bearer ${token}` } })).json();
    assert.equal(saved.document.metadata.description, "Sales with a positive amount");
    await page.keyboard.press("Tab");
  });

  await step("reload and find it unchanged", async () => {
    await page.reload();
    await page.locator('.react-flow__node[data-id="file"]').waitFor();
    // React Flow draws edges once it has measured the nodes, a frame or two after they appear.
    await page.locator(".react-flow__edge").nth(1).waitFor();
    assert.equal(await page.locator(".react-flow__edge").count(), 2);
    assert.equal(await page.locator(".react-flow__node").count(), 3);
    await openNode("filter");
    assert.equal(await page.locator("#root_conditions_0_column").inputValue(), "amount");
    assert.equal(await page.locator("#root_conditions_0_value").inputValue(), "0");
    await openNode("csv");
    assert.equal(await page.locator("#root_source").inputValue(), "sales/2024.csv");
    await page.getByRole("tab", { name: /Settings/ }).click();
    assert.equal(await page.getByLabel("Cron expression").inputValue(), "15 7 * * 1-5");
    assert.equal(await page.getByLabel("Time zone").inputValue(), "America/New_York");
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "Positive sales");
    await page.getByTestId("validity").filter({ hasText: "valid" }).waitFor();
    await shot("06-editor-reloaded");
  });

  await step("data preview: a missing file is explained", async () => {
    await openNode("csv");
    await page.getByLabel("Configure csv").getByRole("button", { name: "Preview data" }).click();
    const preview = page.getByRole("region", { name: "Data preview" });
    await preview.getByRole("alert").filter({ hasText: "file 'sales/2024.csv' was not found in your data folder" }).waitFor({ timeout: 30000 });
  });

  await step("a file dropped on the CSV step is uploaded into the data folder and read by the step", async () => {
    const drop = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(["region,amount\nnorth,5\nsouth,-3\n"], "2024.csv", { type: "text/csv" }));
      return transfer;
    });
    const node = page.locator('.react-flow__node[data-id="csv"]');
    await node.dispatchEvent("dragenter", { dataTransfer: drop });
    await node.dispatchEvent("dragover", { dataTransfer: drop });
    await node.dispatchEvent("drop", { dataTransfer: drop });
    const files = page.getByRole("table", { name: "Files in the data folder" });
    await files.getByRole("row", { name: /^2024\.csv\b/ }).waitFor();
    await node.getByTestId("node-summary").filter({ hasText: /^2024\.csv/ }).waitFor();
    await shot("06a-dropped-file");
  });

  await step("a file chosen in the Files tab is uploaded, and picked in the CSV step", async () => {
    await page.getByRole("tab", { name: "Files" }).click();
    const chooser = page.waitForEvent("filechooser");
    await page.getByRole("button", { name: "Upload files" }).click();
    await (await chooser).setFiles({ name: "regions.csv", mimeType: "text/csv", buffer: Buffer.from("region,manager\nnorth,Ada\n") });
    await page.getByRole("table", { name: "Files in the data folder" }).getByRole("row", { name: /^regions\.csv\b/ }).waitFor();
    await openNode("csv");
    const picks = page.getByRole("group", { name: "Your files for this field" });
    await picks.getByRole("button", { name: "regions.csv" }).click();
    await until(async () => (await page.locator("#root_source").inputValue()) === "regions.csv", "the picked file is the source");
    await picks.getByRole("button", { name: "2024.csv" }).click();
    await until(async () => (await page.locator("#root_source").inputValue()) === "2024.csv", "the first file is the source again");
  });

  await step("a path out of the data folder, typed by keyboard, is explained under the field and never run", async () => {
    await typeIn(page.locator("#root_source"), "../../etc/passwd");
    const form = page.getByLabel("Configure csv");
    await form.getByText('A path may not go up a folder with ".."').waitFor();
    await page.getByTestId("validity").filter({ hasText: "problem" }).waitFor();
    await shot("06b-path-refused");
    await typeIn(page.locator("#root_source"), "2024.csv");
    await page.getByTestId("validity").filter({ hasText: "valid" }).waitFor();
    await openNode("filter");
    await typeIn(page.locator("#root_conditions_0_value"), "abc");
    await page.getByLabel("Configure filter").getByText('"is greater than" needs a number or a date (YYYY-MM-DD); "abc" is neither.').waitFor();
    await typeIn(page.locator("#root_conditions_0_value"), "0");
    await page.getByTestId("validity").filter({ hasText: "valid" }).waitFor();
  });

  await step("after a preview of the CSV step, the filter's column is picked from its columns", async () => {
    await openNode("csv");
    await page.getByLabel("Configure csv").getByRole("button", { name: "Preview data" }).click();
    await page.getByRole("region", { name: "Data preview" }).getByRole("table", { name: "Columns" }).getByRole("row", { name: "amount integer" }).waitFor({ timeout: 30000 });
    await openNode("filter");
    const picks = page.getByRole("group", { name: "Columns of csv for this field" });
    await picks.getByRole("button", { name: "region" }).click();
    await until(async () => (await page.locator("#root_conditions_0_column").inputValue()) === "region", "the picked column is set");
    await picks.getByRole("button", { name: "amount" }).click();
    await until(async () => (await page.locator("#root_conditions_0_column").inputValue()) === "amount", "the column is amount again");
  });

  await step("data preview: the rows and column types show in the wide panel", async () => {
    const preview = page.getByRole("region", { name: "Data preview" });
    await openNode("filter");
    await preview.getByRole("button", { name: "Preview" }).click();
    const rows = preview.getByRole("table", { name: "Preview rows" });
    await rows.waitFor({ timeout: 30000 });
    assert.deepEqual(await rows.locator("tbody tr").allInnerTexts(), ["north\t5"], "the filter keeps positive amounts of the sample");
    await preview.getByRole("table", { name: "Columns" }).getByRole("row", { name: "amount integer" }).waitFor();
    // Under the canvas, as wide as the editor: not squeezed into the sidebar.
    const box = await preview.boundingBox();
    assert.ok(box.width > 1000, `the preview is ${box.width} px wide`);
    await shot("06a-preview");
  });

  await step("deploy writes the DAG file and shows its state", async () => {
    deployedVersion = await shownVersion();
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    await page.getByTestId("deploy-state").filter({ hasText: `v${deployedVersion}:` }).waitFor();
    const state = await page.getByTestId("deploy-state").innerText();
    // Without an Airflow to parse it the file stays "written"; with one it moves on to parsed or import error.
    assert.match(state, /written|live in Airflow|import error/);
    await shot("06b-deployed");
  });

  await step("Airflow parses the deployed DAG", async () => {
    await page.getByTestId("deploy-state").filter({ hasText: `v${deployedVersion}: live in Airflow` }).waitFor({ timeout: 20000 });
    await shot("06c-parsed");
  });

  await step("start a run and watch every task on the graph turn green", async () => {
    await page.getByRole("tab", { name: "Run" }).click();
    await page.getByRole("button", { name: "Start run" }).click();
    const current = page.getByRole("region", { name: "Current run" });
    // The stub runs the run's tasks over a few seconds; here one Airflow task runs all three steps, so all three
    // show as running at once before they turn green.
    await page.locator(".task-node.state-running").nth(2).waitFor({ timeout: 20000 });
    await shot("06d-running");
    await current.getByTestId("run-state").filter({ hasText: "success" }).waitFor({ timeout: 30000 });
    for (const id of ["csv", "filter", "file"]) await page.locator(`.react-flow__node[data-id="${id}"] .task-node.state-success`).waitFor();
    assert.equal(await page.locator(".task-node:not(.state-success)").count(), 0, "every step of the fused run is green");
    for (const id of ["csv", "filter", "file"]) {
      const row = current.getByRole("row", { name: new RegExp(`^${id}\\b`) });
      await row.getByText("success").waitFor();
      // The three steps ran together, as one Airflow task named after the first and the last.
      await row.getByText("csv__to__file").waitFor();
    }
    lastRunId = (await current.getByTestId("run-id").getAttribute("title")) ?? "";
    assert.match(lastRunId, /^wfc_/, "the run shows its Airflow run id");
    await shot("06e-run-success");
  });

  await step("open a task's log", async () => {
    await page.getByRole("region", { name: "Current run" }).getByRole("row", { name: /^filter\b/ }).getByRole("button", { name: "Log" }).click();
    const log = page.getByRole("region", { name: "Log of filter" });
    // A step of a fused run has the log of the Airflow task it ran in.
    await log.getByTestId("log-content").filter({ hasText: `Stub Airflow ran task csv__to__file of ` }).waitFor();
    assert.match(await log.getByTestId("log-content").innerText(), /Marking task as SUCCESS\. dag_id=wf_\w+, task_id=csv__to__file/);
    await log.getByText("steps run together in Airflow task").waitFor();
    await log.getByText("Following while the task runs").waitFor({ state: "detached" });
    await shot("06f-task-log");
  });

  await step("the run's outputs list each step's rows, columns and files, with a chart shown inline", async () => {
    // The stub Airflow runs no task: what the task library writes into the run's folder is put there as it would.
    const { user } = await page.evaluate(() => JSON.parse(localStorage.getItem("wfc.session")));
    const workflowId = /workflows\/([0-9a-f-]{36})/.exec(page.url())?.[1];
    assert.match(lastRunId, /^[A-Za-z0-9_.-]+$/, "the run's folder is named as its id");
    const folder = `${process.env.SHARED_DATA}/${user.id}/${workflowId}/${lastRunId}`;
    await mkdir(`${folder}/_steps`, { recursive: true });
    await writeFile(`${folder}/csv.wct`, Buffer.alloc(64));
    // A 1x1 PNG.
    await writeFile(`${folder}/filter.png`, Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==", "base64"));
    await writeFile(`${folder}/_steps/csv__to__file.json`, JSON.stringify({ steps: {
      csv: { state: "success", rows: 2, columns: 2, seconds: 0.1, error: null, result: { path: "csv.wct", rows: 2, format: "wctable", schema: [{ name: "region", type: "string" }, { name: "amount", type: "integer" }] } },
      filter: { state: "success", rows: 1, columns: 2, seconds: 0.1, error: null, result: null },
      file: { state: "success", rows: 1, columns: null, seconds: 0.1, error: null, result: null } } }));
    await page.getByRole("tab", { name: "Outputs" }).click();
    const outputs = page.getByRole("region", { name: "Run outputs" });
    await outputs.getByTestId("output-csv").getByText("2 rows, 2 columns").waitFor();
    const filter = outputs.getByTestId("output-filter");
    await filter.getByText("filter.png").waitFor();
    await filter.getByRole("button", { name: "Show chart" }).click();
    await filter.getByRole("img", { name: "Chart filter.png" }).waitFor();
    const download = page.waitForEvent("download");
    await filter.getByRole("button", { name: "Download" }).click();
    assert.equal((await download).suggestedFilename(), "filter.png");
    await shot("06f-run-outputs");
  });

  await step("clicking a step after the run opens its log in the panel under the canvas, which can be made taller", async () => {
    await page.locator('.react-flow__node[data-id="csv"] .head').click();
    const log = page.getByRole("region", { name: "Log of csv" });
    await log.getByTestId("log-content").filter({ hasText: "Stub Airflow ran task csv__to__file of " }).waitFor();
    // Its output beside the log.
    await page.getByRole("region", { name: "Outputs of csv" }).getByText("2 rows, 2 columns").waitFor();
    assert.ok((await log.boundingBox()).width > 1000, "the log has the editor's width");
    const panel = page.getByRole("region", { name: "Results panel" });
    const before = await panel.boundingBox();
    const edge = await page.getByRole("separator", { name: "Resize the results panel" }).boundingBox();
    await page.mouse.move(edge.x + edge.width / 2, edge.y + edge.height / 2);
    await page.mouse.down();
    await page.mouse.move(edge.x + edge.width / 2, edge.y - 120, { steps: 6 });
    await page.mouse.up();
    const after = await panel.boundingBox();
    assert.ok(after.height >= before.height + 100, `the panel grew from ${before.height} to ${after.height} px`);
    await shot("06g-node-log");
    // Back to its height, then out of the way.
    await page.mouse.move(edge.x + edge.width / 2, edge.y - 120);
    await page.mouse.down();
    await page.mouse.move(edge.x + edge.width / 2, edge.y + edge.height / 2, { steps: 6 });
    await page.mouse.up();
    await page.getByRole("button", { name: "Hide the results panel" }).click();
    await log.waitFor({ state: "detached" });
  });

  await step("undo a deletion, copy and paste, arrange", async () => {
    await page.locator('.react-flow__node[data-id="file"] .head').click();
    await page.keyboard.press("Delete");
    await page.locator('.react-flow__node[data-id="file"]').waitFor({ state: "detached" });
    await page.keyboard.press("Control+z");
    await page.locator('.react-flow__node[data-id="file"]').waitFor();
    // The edge is drawn a frame after its node, once the node has been measured.
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 2, null, { timeout: 3000 })
      .catch(() => assert.fail("undo restores the connection too"));
    // Copy and paste everything, then undo the paste.
    await page.keyboard.press("Control+a");
    await page.keyboard.press("Control+c");
    await page.keyboard.press("Control+v");
    await page.locator('.react-flow__node[data-id="filter_copy"]').waitFor();
    assert.equal(await page.locator(".react-flow__node").count(), 6);
    for (const id of ["csv", "filter", "file"]) {
      const original = await page.locator(`.react-flow__node[data-id="${id}"]`).boundingBox();
      const copy = await page.locator(`.react-flow__node[data-id="${id}_copy"]`).boundingBox();
      const apart = copy.y >= original.y + original.height || copy.x >= original.x + original.width || copy.x + copy.width <= original.x;
      assert.ok(apart, `the copy of ${id} does not lie on it: ${JSON.stringify({ original, copy })}`);
    }
    assert.equal(await page.locator(".react-flow__edge").count(), 4, "pasted steps keep their connections");
    await page.keyboard.press("Control+z");
    await page.locator('.react-flow__node[data-id="filter_copy"]').waitFor({ state: "detached" });
    // Arrange lays the chain out left to right.
    await page.getByRole("button", { name: "Arrange" }).click();
    await page.waitForFunction(() => {
      const x = (id) => document.querySelector(`.react-flow__node[data-id="${id}"]`)?.getBoundingClientRect().x ?? 0;
      const y = (id) => document.querySelector(`.react-flow__node[data-id="${id}"]`)?.getBoundingClientRect().y ?? 0;
      return x("csv") < x("filter") && x("filter") < x("file") && Math.abs(y("csv") - y("file")) < 2;
    });
    await page.keyboard.press("?");
    await page.getByRole("heading", { name: "Keyboard shortcuts" }).waitFor();
    await shot("07-shortcuts");
    await page.keyboard.press("Escape");
  });

  await step("a colleague's save through the API shows up at once and my change stays on top", async () => {
    await page.getByTestId("live-state").filter({ hasText: "All changes saved" }).waitFor();
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem("wfc.session")).token);
    const id = workflowUrl.split("/").pop();
    const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
    const current = await (await fetch(`${process.env.API_URL}/workflows/${id}`, { headers })).json();
    const theirs = { ...current.document, metadata: { ...current.document.metadata, description: "Changed by a colleague" } };
    const put = await fetch(`${process.env.API_URL}/workflows/${id}`, { method: "PUT", headers: { ...headers, "If-Match": `"${current.version}"` }, body: JSON.stringify(theirs) });
    assert.equal(put.status, 200, "the colleague's save is accepted");
    await openNode("file");
    await typeIn(page.locator("#root_path"), "out/mine.csv");
    await page.getByRole("tab", { name: /Settings/ }).click();
    await page.waitForFunction(() => [...document.querySelectorAll("textarea")].some((t) => t.value === "Changed by a colleague"));
    const saved = await until(async () => {
      const d = await (await fetch(`${process.env.API_URL}/workflows/${id}`, { headers })).json();
      return d.document.spec.tasks.find((t) => t.id === "file").config.path === "out/mine.csv" && d;
    }, "the server has my change");
    assert.equal(saved.document.metadata.description, "Changed by a colleague", "my change did not undo theirs");
    await page.getByTestId("live-state").filter({ hasText: "All changes saved" }).waitFor();
    await page.getByTestId("save-status").filter({ hasText: `v${saved.version} ` }).waitFor();
  });

  await step("without the live connection, a save over someone else's newer version shows both changes and keeps mine", async () => {
    await page.getByTestId("live-state").filter({ hasText: "All changes saved" }).waitFor();
    // A browser that cannot reach the hub falls back to saving by hand with If-Match.
    const session = await page.evaluate(() => localStorage.getItem("wfc.session"));
    const offline = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await offline.route(/\/hubs\//, (route) => route.abort());
    await offline.addInitScript((s) => localStorage.setItem("wfc.session", s), session);
    const op = await offline.newPage();
    op.setDefaultTimeout(15000);
    await op.goto(workflowUrl);
    await op.getByRole("button", { name: "Save", exact: true }).waitFor();
    const token = JSON.parse(session).token;
    const id = workflowUrl.split("/").pop();
    const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
    const current = await (await fetch(`${process.env.API_URL}/workflows/${id}`, { headers })).json();
    const theirs = { ...current.document, metadata: { ...current.document.metadata, description: "Changed again by a colleague" } };
    const put = await fetch(`${process.env.API_URL}/workflows/${id}`, { method: "PUT", headers: { ...headers, "If-Match": `"${current.version}"` }, body: JSON.stringify(theirs) });
    assert.equal(put.status, 200, "the colleague's save is accepted");
    await op.locator('.react-flow__node[data-id="file"] .head').click();
    await op.getByLabel("Configure file").waitFor();
    await typeIn(op.locator("#root_path"), "out/by-hand.csv", { p: op });
    await op.getByRole("button", { name: "Save", exact: true }).click();
    await op.getByRole("heading", { name: "Someone else saved this workflow" }).waitFor();
    await op.getByRole("region", { name: "Their changes" }).getByText("Changed again by a colleague").waitFor();
    await op.getByRole("region", { name: "Your changes" }).getByText("out/by-hand.csv").waitFor();
    await op.screenshot({ path: `${shots}07b-conflict.png` });
    await op.getByRole("button", { name: "Apply my changes on top of theirs" }).click();
    await op.getByRole("button", { name: "Save", exact: true }).click();
    await op.getByTestId("save-status").filter({ hasText: `v${current.version + 2} · saved` }).waitFor();
    const saved = await (await fetch(`${process.env.API_URL}/workflows/${id}`, { headers })).json();
    assert.equal(saved.document.metadata.description, "Changed again by a colleague");
    assert.equal(saved.document.spec.tasks.find((t) => t.id === "file").config.path, "out/by-hand.csv");
    await offline.close();
    // The live page follows the save made by hand.
    await page.getByRole("tab", { name: "Step" }).click();
    await openNode("file");
    await page.waitForFunction(() => document.querySelector("#root_path")?.value === "out/by-hand.csv");
  });

  await step("a viewer sees the workflow read-only", async () => {
    const api = process.env.API_URL;
    const ownerToken = await page.evaluate(() => JSON.parse(localStorage.getItem("wfc.session")).token);
    const viewerEmail = `viewer-${Date.now()}@example.com`;
    const viewer = await (await fetch(`${api}/auth/signup`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: viewerEmail, password: "viewer password 1", displayName: "Vic Viewer" }) })).json();
    const id = workflowUrl.split("/").pop();
    const added = await fetch(`${api}/workflows/${id}/collaborators`, { method: "POST", headers: { Authorization: `Bearer ${ownerToken}`, "Content-Type": "application/json" }, body: JSON.stringify({ email: viewerEmail, role: "view" }) });
    assert.ok(added.ok, `sharing answered ${added.status}`);
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await other.addInitScript((session) => localStorage.setItem("wfc.session", session), JSON.stringify({ token: viewer.token, expiresAt: viewer.expiresAt, user: viewer.user }));
    const vp = await other.newPage();
    await vp.goto(workflowUrl);
    await vp.locator('.react-flow__node[data-id="file"]').waitFor();
    await vp.getByTestId("save-status").filter({ hasText: "view" }).waitFor();
    assert.ok(await vp.getByRole("button", { name: "Save", exact: true }).isDisabled(), "a viewer cannot save");
    assert.equal(await vp.getByRole("button", { name: "Deploy", exact: true }).count(), 0, "a viewer has no deploy button");
    assert.ok(await vp.locator('[data-testid="palette-extract.csv"]').isDisabled(), "a viewer cannot add steps");
    await vp.locator('.react-flow__node[data-id="csv"] .head').click();
    assert.ok(await vp.locator("#root_source").isDisabled(), "a viewer cannot change settings");
    await vp.getByRole("tab", { name: "Run" }).click();
    assert.ok(await vp.getByRole("button", { name: "Start run" }).isDisabled(), "a viewer cannot start runs");
    await vp.screenshot({ path: `${shots}08b-viewer.png` });
    await other.close();
  });

  await step("collaborators dialog and dashboard list", async () => {
    await page.getByRole("button", { name: "Share" }).click();
    await page.getByRole("heading", { name: "People with access" }).waitFor();
    await page.getByText(email).waitFor();
    await shot("08-collaborators");
    // Nobody signed up with this address: the e-mail field says so.
    await typeIn(page.getByLabel("Invite by e-mail"), `nobody-${Date.now()}@example.com`, { leave: false });
    await page.getByRole("button", { name: "Give access" }).click();
    await page.getByRole("alert").filter({ hasText: /^No account has the e-mail nobody-/ }).waitFor();
    assert.equal(await page.getByLabel("Invite by e-mail").getAttribute("aria-invalid"), "true");
    await page.keyboard.press("Escape");
    await page.getByLabel("Back to workflows").click();
    await page.getByRole("link", { name: "Positive sales" }).waitFor();
    const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: "Positive sales" }) });
    await row.getByText("in Airflow").waitFor();
    await row.getByText("success", { exact: true }).waitFor();
    assert.notEqual(await row.locator("td").nth(5).innerText(), "none", "a deployed, scheduled workflow shows its next run");
    // Every time names its zone; one workflow is one workflow.
    for (const cell of [row.locator("td").nth(5), row.locator("td").nth(6)]) assert.match(await cell.innerText(), /\d{2}:\d{2} [A-Z][A-Za-z0-9+:-]*$/);
    await page.getByText(/· 1 workflow$/).waitFor();
    await shot("09-dashboard");
    await page.getByLabel("State").selectOption({ label: "Last run failed" });
    await page.getByText("No workflow matches these filters").waitFor();
    await page.getByLabel("State").selectOption({ label: "Last run succeeded" });
    await page.getByRole("link", { name: "Positive sales" }).waitFor();
  }, { soft: true });

  await step("history page: who started each run, and a click opens the run", async () => {
    await page.goto(`${workflowUrl}/runs`);
    await page.getByRole("heading", { name: /Run history/ }).waitFor();
    const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: lastRunId, exact: true }) });
    await row.getByText("success", { exact: true }).waitFor();
    await row.getByRole("cell", { name: "You", exact: true }).waitFor();
    await shot("10-history");
    // Clicking a run used to freeze the tab (the table re-rendered without end).
    await row.getByRole("link", { name: lastRunId, exact: true }).click();
    await page.getByRole("heading", { name: `Run ${lastRunId}` }).waitFor();
    await page.getByTestId("run-starter").filter({ hasText: "by you" }).waitFor();
    // The timeline shows Airflow's tasks: the one task that ran the three steps, and which steps those were.
    const timeline = page.getByRole("table", { name: "Task timeline" });
    await timeline.getByText("steps csv → filter → file").waitFor();
    await timeline.getByRole("button", { name: "csv__to__file", exact: true }).click();
    await page.getByRole("region", { name: "Log of csv__to__file" }).getByTestId("log-content").filter({ hasText: "Stub Airflow ran task csv__to__file" }).waitFor();
    await shot("10b-run-detail");
  });

  await step("API token is shown once", async () => {
    await page.goto(`${WEB}/tokens`);
    await typeIn(page.getByLabel("Name"), "ci-deploy", { leave: false });
    await page.getByRole("button", { name: "Create token" }).click();
    const token = await page.getByTestId("new-token").innerText();
    assert.ok(token.length > 20, "a token is shown");
    await shot("11-tokens");
    await page.reload();
    await page.getByRole("cell", { name: "ci-deploy", exact: true }).waitFor();
    assert.equal(await page.getByTestId("new-token").count(), 0, "the token is not shown again");
  });

  await step("create a workflow from the example; it is valid as it is", async () => {
    await page.goto(WEB);
    await page.getByRole("button", { name: "New from example" }).click();
    await page.waitForURL(/\/workflows\/[0-9a-f-]+$/);
    await page.locator('.react-flow__node[data-id="load"]').waitFor();
    assert.equal(await page.locator(".react-flow__edge").count(), 2);
    await page.getByTestId("validity").filter({ hasText: "valid" }).waitFor();
    await shot("12-example");
  });

  await step("a step dropped at the palette's edge lies wholly on the canvas", async () => {
    await dragTask("transform.clean", 4, 160);
    const clean = page.locator('.react-flow__node[data-id="clean"]');
    await clean.waitFor();
    const canvas = await page.getByTestId("canvas").boundingBox();
    const box = await clean.boundingBox();
    assert.ok(box.x >= canvas.x && box.x + box.width <= canvas.x + canvas.width, `inside the canvas: node ${JSON.stringify(box)}, canvas ${JSON.stringify(canvas)}`);
    await clean.locator(".head").click();
    await page.getByLabel("Configure clean").waitFor();
  });

  await step("a join names its two inputs at its ports", async () => {
    await dragTask("transform.join", 500, 420);
    const join = page.locator('.react-flow__node[data-id="join"]');
    await join.waitFor();
    const handles = join.locator(".react-flow__handle.target");
    assert.equal(await handles.count(), 2);
    for (const [i, title] of ["Left table", "Right table"].entries()) {
      const label = join.getByText(title, { exact: true });
      await label.waitFor();
      const l = await label.boundingBox();
      const h = await handles.nth(i).boundingBox();
      // Just above its port and to the left of it, where the connection comes in.
      assert.ok(l.x + l.width <= h.x + h.width && l.y + l.height <= h.y + h.height && l.y + l.height >= h.y - 6, `${title} sits at port ${i + 1}: label ${JSON.stringify(l)}, port ${JSON.stringify(h)}`);
    }
    await shot("13-join-ports");
  });

  await step("pages carry nosniff and a strict policy with frame-ancestors 'none', and the whole scenario broke none of it", async () => {
    const response = await page.goto(`${WEB}/`);
    const headers = response.headers();
    assert.equal(headers["x-content-type-options"], "nosniff");
    assert.match(headers["content-security-policy"], /frame-ancestors 'none'/);
    assert.match(headers["content-security-policy"], /script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    assert.doesNotMatch(headers["content-security-policy"], /unsafe-eval/);
    await page.getByRole("button", { name: "New from example" }).waitFor();
    assert.deepEqual(cspViolations, []);
  });

  await step("sign out", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to WorkflowControl" }).waitFor();
    await page.goto(workflowUrl);
    await page.waitForURL(/\/signin/);
    await typeIn(page.getByLabel("E-mail"), email);
    await typeIn(page.getByLabel("Password"), "not my password", { leave: false });
    await page.keyboard.press("Enter");
    await page.getByRole("alert").filter({ hasText: "Wrong e-mail or password." }).waitFor();
    assert.equal(await page.getByText("You are signed out").count(), 0);
  });
} catch {
  // reported by step()
} finally {
  if (consoleErrors.length) console.log(`page errors:\n${consoleErrors.join("\n")}`);
  await browser.close();
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}
