// A stand-in for Airflow 2.10's REST API (/api/v1) for the browser scenario: it "parses" the DAG files the API writes
// under DAGS_ROOT and plays each triggered run queued -> running -> success, task after task, with a log per task.
// Shapes follow tests/WorkflowControl.Airflow.Tests/contract/recorded-2.10.0. Usage: DAGS_ROOT=... PORT=... node airflow-stub.mjs
import { createServer } from "node:http";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const DAGS_ROOT = process.env.DAGS_ROOT;
const PORT = Number(process.env.PORT ?? 0);
const AUTH = `Basic ${Buffer.from("admin:admin").toString("base64")}`;
const QUEUED_MS = 1000; // a run waits this long for the scheduler,
const RUNNING_MS = 4000; // then its tasks run one after another within this time.

/** @type {Map<string, {dagId: string, runId: string, conf: object, triggeredAt: number}>} */
const runs = new Map();
const paused = new Map();

/** The DAG file the API wrote for dagId (users/user_<owner>/<dagId>.py), or null before it exists. */
function dagFile(dagId) {
  const users = join(DAGS_ROOT, "users");
  let owners = [];
  try {
    owners = readdirSync(users);
  } catch {
    return null;
  }
  for (const owner of owners) {
    const path = join(users, owner, `${dagId}.py`);
    try {
      return { path, mtime: statSync(path).mtimeMs, text: readFileSync(path, "utf8") };
    } catch {
      // not this owner's
    }
  }
  return null;
}

const taskIds = (dagId) => [...(dagFile(dagId)?.text ?? "").matchAll(/^\s*task_id="([^"]+)",/gm)].map((m) => m[1]);
const iso = (ms) => (ms === null ? null : new Date(ms).toISOString().replace("Z", "+00:00"));

function dag(dagId, file) {
  return {
    dag_display_name: dagId, dag_id: dagId, default_view: "grid", description: null,
    file_token: `${Buffer.from(JSON.stringify(file.path)).toString("base64url")}.stub-signature`, fileloc: file.path,
    has_import_errors: false, has_task_concurrency_limits: false, is_active: true, is_paused: paused.get(dagId) ?? true,
    is_subdag: false, last_expired: null, last_parsed_time: iso(Date.now()), last_pickled: null, max_active_runs: 16,
    max_active_tasks: 16, max_consecutive_failed_dag_runs: 0, next_dagrun: null, next_dagrun_create_after: null,
    next_dagrun_data_interval_end: null, next_dagrun_data_interval_start: null, owners: ["airflow"], pickle_id: null,
    root_dag_id: null, schedule_interval: null, scheduler_lock: null, tags: [], timetable_description: "stub",
  };
}

/** Where a run is now: its state, start and end (ms), and each task's [start, end] window. */
function progress(run, now = Date.now()) {
  const tasks = taskIds(run.dagId);
  const start = run.triggeredAt + QUEUED_MS;
  const end = start + RUNNING_MS;
  const state = now < start ? "queued" : now < end ? "running" : "success";
  const slot = RUNNING_MS / Math.max(1, tasks.length);
  const windows = tasks.map((taskId, i) => ({ taskId, start: start + i * slot, end: start + (i + 1) * slot }));
  return { state, start: now < start ? null : start, end: state === "success" ? end : null, windows };
}

function dagRun(run) {
  const p = progress(run);
  const logical = iso(run.triggeredAt);
  return {
    conf: run.conf, dag_id: run.dagId, dag_run_id: run.runId, data_interval_end: logical, data_interval_start: logical,
    end_date: iso(p.end), execution_date: logical, external_trigger: true, last_scheduling_decision: iso(p.end),
    logical_date: logical, note: null, run_type: "manual", start_date: iso(p.start), state: p.state,
  };
}

function taskInstances(run, now = Date.now()) {
  return progress(run, now).windows.map((w, i) => {
    // Like real Airflow: state null until the scheduler has looked at the task.
    const state = now >= w.end ? "success" : now >= w.start ? "running" : null;
    return {
      dag_id: run.dagId, dag_run_id: run.runId, duration: state === "success" ? (w.end - w.start) / 1000 : null,
      end_date: state === "success" ? iso(w.end) : null, execution_date: iso(run.triggeredAt), executor: null,
      executor_config: "{}", hostname: "airflow-stub", map_index: -1, max_tries: 0, note: null, operator: "PythonOperator",
      pid: 1000 + i, pool: "default_pool", pool_slots: 1, priority_weight: 1, queue: "default", queued_when: iso(run.triggeredAt),
      rendered_fields: {}, rendered_map_index: null, sla_miss: null, start_date: state === "success" || state === "running" ? iso(w.start) : null,
      state, task_display_name: w.taskId, task_id: w.taskId, trigger: null, triggerer_job: null, try_number: 1, unixname: "airflow",
    };
  });
}

/** 2.10's log body: a Python repr of [(host, text)] and a token whose payload says whether the log is complete. */
function taskLog(run, taskId) {
  const w = progress(run).windows.find((x) => x.taskId === taskId);
  const text = `[${iso(w.start)}] {taskinstance.py:2809} INFO - Starting attempt 1 of 1\n`
    + `[${iso(w.start)}] {stub} INFO - Stub Airflow ran task ${taskId} of ${run.dagId}, run ${run.runId}\n`
    + `[${iso(w.end)}] {taskinstance.py:340} INFO - Marking task as SUCCESS. dag_id=${run.dagId}, task_id=${taskId}\n`;
  const repr = text.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n");
  const finished = Date.now() >= w.end;
  const token = `${Buffer.from(JSON.stringify({ end_of_log: finished, log_pos: text.length })).toString("base64url")}.stub-signature`;
  return { content: `[('airflow-stub', '${repr}')]`, continuation_token: token };
}

const notFound = (what) => [404, { detail: `${what} not found`, status: 404, title: "Not Found", type: "https://airflow.apache.org/docs/apache-airflow/2.10.0/stable-rest-api-ref.html#section/Errors/NotFound" }];

async function route(method, path, query, body) {
  let m;
  if (method === "GET" && path === "/api/v1/version") return [200, { version: "2.10.0", git_version: null }];
  if (method === "GET" && path === "/api/v1/health") return [200, { metadatabase: { status: "healthy" }, scheduler: { status: "healthy" } }];
  if (method === "GET" && path === "/api/v1/importErrors") return [200, { import_errors: [], total_entries: 0 }];
  if (method === "POST" && path === "/api/v1/dags/~/dagRuns/list") {
    const endGte = body.end_date_gte ? Date.parse(body.end_date_gte) : null;
    const list = [...runs.values()].filter((r) => (body.dag_ids ?? []).includes(r.dagId)).map(dagRun)
      .filter((r) => !body.states || body.states.includes(r.state))
      .filter((r) => endGte === null || (r.end_date !== null && Date.parse(r.end_date) >= endGte));
    const offset = body.page_offset ?? 0;
    return [200, { dag_runs: list.slice(offset, offset + (body.page_limit ?? 100)), total_entries: list.length }];
  }
  if (method === "POST" && path === "/api/v1/dags/~/dagRuns/~/taskInstances/list") {
    const list = [...runs.values()].filter((r) => (body.dag_ids ?? []).includes(r.dagId) && (body.dag_run_ids ?? []).includes(r.runId)).flatMap((r) => taskInstances(r));
    return [200, { task_instances: list, total_entries: list.length }];
  }
  if ((m = path.match(/^\/api\/v1\/dags\/([^/]+)$/))) {
    const dagId = m[1];
    const file = dagFile(dagId);
    if (!file) return notFound(`DAG with dag_id: '${dagId}'`);
    if (method === "PATCH") paused.set(dagId, Boolean(body.is_paused));
    return [200, dag(dagId, file)];
  }
  if ((m = path.match(/^\/api\/v1\/dags\/([^/]+)\/dagRuns$/))) {
    const dagId = m[1];
    if (!dagFile(dagId)) return notFound(`DAG with dag_id: '${dagId}'`);
    if (method === "POST") {
      if (runs.has(body.dag_run_id)) return [409, { detail: `DAGRun with DAG ID: '${dagId}' and DAGRun ID: '${body.dag_run_id}' already exists`, status: 409, title: "Conflict", type: "about:blank" }];
      const run = { dagId, runId: body.dag_run_id ?? `manual__${iso(Date.now())}`, conf: body.conf ?? {}, triggeredAt: Date.now() };
      runs.set(run.runId, run);
      return [200, dagRun(run)];
    }
    const list = [...runs.values()].filter((r) => r.dagId === dagId).sort((a, b) => b.triggeredAt - a.triggeredAt).map(dagRun);
    const offset = Number(query.get("offset") ?? 0);
    return [200, { dag_runs: list.slice(offset, offset + Number(query.get("limit") ?? 100)), total_entries: list.length }];
  }
  if ((m = path.match(/^\/api\/v1\/dags\/([^/]+)\/dagRuns\/([^/]+)(\/taskInstances(?:\/([^/]+)\/logs\/(\d+))?)?$/))) {
    const [, dagId, runId, tis, taskId] = m;
    const run = runs.get(runId);
    if (!run || run.dagId !== dagId) return notFound(`DAGRun with DAG ID: '${dagId}' and DagRun ID: '${runId}'`);
    if (!tis) return [200, dagRun(run)];
    if (!taskId) {
      const list = taskInstances(run);
      return [200, { task_instances: list, total_entries: list.length }];
    }
    if (!progress(run).windows.some((w) => w.taskId === taskId)) return notFound(`Task instance ${taskId}`);
    return [200, taskLog(run, taskId)];
  }
  return notFound(`${method} ${path}`);
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    const url = new URL(req.url, "http://stub");
    let status;
    let payload;
    if (req.headers.authorization !== AUTH) {
      [status, payload] = [401, { detail: null, status: 401, title: "Unauthorized", type: "about:blank" }];
    } else {
      try {
        const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
        [status, payload] = await route(req.method, decodeURIComponent(url.pathname), url.searchParams, body);
      } catch (e) {
        [status, payload] = [500, { detail: String(e), status: 500, title: "Internal Server Error", type: "about:blank" }];
      }
    }
    console.log(`${req.method} ${req.url} -> ${status}`);
    res.writeHead(status, { "Content-Type": status < 300 ? "application/json" : "application/problem+json" });
    res.end(JSON.stringify(payload));
  });
});
server.listen(PORT, "127.0.0.1", () => console.log(`airflow stub on http://127.0.0.1:${server.address().port}, dags in ${DAGS_ROOT}`));
