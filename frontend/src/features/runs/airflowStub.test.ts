// The browser scenario's Airflow 2.10 (e2e/airflow-stub.mjs) parses a DAG file only when Python can import it against
// the strict Airflow double, and lists any other as an import error shaped like Airflow's: so the editor's "live in
// Airflow" never shows for a DAG Airflow would refuse. Needs Debian's /usr/bin/python3, as the API's tests do.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAirflowStub } from "../../../e2e/airflow-stub.mjs";

const GOOD = readFileSync(fileURLToPath(new URL("../../../../tests/WorkflowControl.Dags.Tests/cases/001-minimal-manual.expected.py", import.meta.url)), "utf8");
const AUTH = { Authorization: `Basic ${Buffer.from("admin:admin").toString("base64")}` };

let root: string;
let folder: string;
let stub: Awaited<ReturnType<typeof startAirflowStub>>;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "wfc-airflow-stub-"));
  folder = join(root, "users", "user_0a2b4c6d_8e0f_4a1b_9c2d_3e4f5a6b7c8d");
  mkdirSync(folder, { recursive: true });
  stub = await startAirflowStub({ dagsRoot: root });
});

afterAll(async () => {
  await stub.close();
  rmSync(root, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(stub.url + path, { method, headers: { ...AUTH, "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

async function importErrorOf(path: string): Promise<{ filename: string; stack_trace: string } | undefined> {
  const list = await call("GET", "/api/v1/importErrors?limit=1000");
  return list.body.import_errors.find((e: { filename: string }) => e.filename === path);
}

describe("the e2e Airflow stub", () => {
  it("parses a generated DAG file that imports, at its full path, with the tasks it defines", async () => {
    const path = join(folder, "wf_good.py");
    writeFileSync(path, GOOD);

    const dag = await call("GET", "/api/v1/dags/wf_good");
    const run = await call("POST", "/api/v1/dags/wf_good/dagRuns", { dag_run_id: "wfc_1", conf: {} });
    const tasks = await call("GET", "/api/v1/dags/wf_good/dagRuns/wfc_1/taskInstances");

    expect(dag.status).toBe(200);
    expect(dag.body).toMatchObject({ fileloc: path, has_import_errors: false, dag_display_name: "Minimal" });
    expect(await importErrorOf(path)).toBeUndefined();
    expect(run.status).toBe(200);
    expect(tasks.body.task_instances.map((t: { task_id: string }) => t.task_id)).toEqual(["read_orders", "save_orders"]);
  }, 30000);

  it.each([
    ["a read-only property", "\n    t_read_orders.task_type = 'Csv'\n", "AttributeError: property 'task_type' of 'ExtractStep' object has no setter"],
    ["a syntax error", "\n    t_read_orders = = 1\n", "SyntaxError: invalid syntax"],
  ])("reports a file with %s as an import error shaped like Airflow 2.10's, and no DAG", async (_, broken, lastLine) => {
    const name = `wf_broken_${lastLine.slice(0, 6).toLowerCase()}`;
    const path = join(folder, `${name}.py`);
    writeFileSync(path, GOOD + broken);

    const dag = await call("GET", `/api/v1/dags/${name}`);
    const trigger = await call("POST", `/api/v1/dags/${name}/dagRuns`, { dag_run_id: "wfc_2" });
    const error = await importErrorOf(path);

    expect(dag.status).toBe(404);
    expect(trigger.status).toBe(404);
    expect(error?.stack_trace).toMatch(/^Traceback \(most recent call last\):\n/);
    // The broken line follows the good file and one empty line.
    const brokenLine = GOOD.split("\n").length + 1;
    expect(error?.stack_trace).toContain(`File "${path}", line ${brokenLine}`);
    expect(error?.stack_trace.endsWith(`${lastLine}\n`)).toBe(true);
  }, 30000);

  it("keeps the last good parse of a DAG whose file breaks, flags it and refuses its triggers until it imports again", async () => {
    const path = join(folder, "wf_breaks.py");
    writeFileSync(path, GOOD);
    const parsed = await call("GET", "/api/v1/dags/wf_breaks");

    appendFileSync(path, "import this_module_does_not_exist\n");
    const broken = await call("GET", "/api/v1/dags/wf_breaks");
    const refused = await call("POST", "/api/v1/dags/wf_breaks/dagRuns", { dag_run_id: "wfc_3" });
    writeFileSync(path, GOOD);
    const fixedAgain = await call("GET", "/api/v1/dags/wf_breaks");

    expect(broken.body).toMatchObject({ has_import_errors: true, last_parsed_time: parsed.body.last_parsed_time });
    expect(refused).toMatchObject({ status: 400, body: { title: "DAG cannot be triggered", detail: "DAG with dag_id: 'wf_breaks' has import errors" } });
    expect(fixedAgain.body.has_import_errors).toBe(false);
    expect(await importErrorOf(path)).toBeUndefined();
  }, 30000);
});
