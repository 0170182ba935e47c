// A stand-in for Airflow 2.10's REST API (/api/v1) for the browser scenario. Like Airflow's DAG processor it imports
// every new or changed DAG file below DAGS_ROOT, against the strict Airflow 2.10 double (airflow/strict_airflow/
// check_dags.py): a file that imports is a parsed DAG; one that does not is an import error with the stack trace
// Airflow records under the file's full path, and its DAG stays unknown (404) or keeps its last good parse with
// has_import_errors (a trigger then answers 400, as 2.10 does). Each triggered run plays queued -> running ->
// success, task after task, with a log per task. Shapes follow tests/WorkflowControl.Airflow.Tests/contract/
// recorded-2.10.0. Usage: DAGS_ROOT=... PORT=... node airflow-stub.mjs, or startAirflowStub() from a test.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const AUTH = `Basic ${Buffer.from("admin:admin").toString("base64")}`;
const QUEUED_MS = 1000; // a run waits this long for the scheduler,
const RUNNING_MS = 4000; // then its tasks run one after another within this time.
const CHECK_DAGS = fileURLToPath(new URL("../../airflow/strict_airflow/check_dags.py", import.meta.url));
const DOCS = "https://airflow.apache.org/docs/apache-airflow/2.10.0/stable-rest-api-ref.html#section/Errors";

const iso = (ms) => (ms === null ? null : new Date(ms).toISOString().replace("Z", "+00:00"));
const problem = (status, title, detail, kind) => [status, { detail, status, title, type: `${DOCS}/${kind}` }];
const notFound = (what) => problem(404, "Not Found", `${what} not found`, "NotFound");

/** Every .py file below root (Airflow lists the dags folder recursively), with its content's hash. */
function listDagFiles(root) {
  const found = [];
  const walk = (dir) => {
    let entries = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== "__pycache__") walk(path);
      else if (entry.isFile() && entry.name.endsWith(".py")) {
        try {
          found.push({ path, hash: createHash("sha256").update(readFileSync(path)).digest("hex") });
        } catch {
          // replaced right now: the next scan sees the new file
        }
      }
    }
  };
  walk(root);
  return found;
}

/** Imports files into the strict Airflow 2.10 double; one JSON line per file, keyed by path. */
function checkDags(python, paths) {
  return new Promise((resolve, reject) => {
    execFile(python, [CHECK_DAGS, "--airflow", "2.10", ...paths], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const results = new Map(stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line)).map((r) => [r.file, r]));
        const missing = paths.filter((p) => !results.has(p));
        if (missing.length > 0) reject(new Error(`check_dags.py gave no answer for ${missing.join(", ")}: ${stderr || error?.message}`));
        else resolve(results);
      });
  });
}

/** Airflow's DAG processor over dagsRoot: which files imported, when, and the import errors of those that did not. */
function dagFolder(dagsRoot, python) {
  /** @type {Map<string, {hash: string, at: number, result: any, errorId: number, lastGood: any}>} */
  const files = new Map();
  let nextErrorId = 0;
  let scanning = Promise.resolve();

  async function scan() {
    const present = listDagFiles(dagsRoot);
    for (const path of files.keys()) if (!present.some((f) => f.path === path)) files.delete(path);
    const changed = present.filter((f) => files.get(f.path)?.hash !== f.hash);
    if (changed.length === 0) return;
    const results = await checkDags(python, changed.map((f) => f.path));
    const at = Date.now();
    for (const { path, hash } of changed) {
      const before = files.get(path);
      const lastGood = before?.result.ok ? before : before?.lastGood ?? null;
      files.set(path, { hash, at, result: results.get(path), errorId: ++nextErrorId, lastGood: lastGood && { ...lastGood, lastGood: null } });
    }
  }

  /** Looks at the folder again, one scan at a time. */
  const refresh = () => (scanning = scanning.then(scan, scan));

  return {
    refresh,
    /** The DAG of dagId as Airflow knows it: its last good parse and whether its file now fails; null when unknown. */
    dag(dagId) {
      for (const [path, parse] of files) {
        if (!path.endsWith(`/${dagId}.py`)) continue;
        const good = parse.result.ok ? parse : parse.lastGood;
        if (good) return { path, parsedAt: good.at, hasImportErrors: !parse.result.ok, dag: good.result.dags[0] ?? null };
      }
      return null;
    },
    importErrors: () => [...files].filter(([, p]) => !p.result.ok).sort(([, a], [, b]) => a.errorId - b.errorId).map(([path, p]) => ({
      filename: path, import_error_id: p.errorId, stack_trace: p.result.stack_trace, timestamp: iso(p.at),
    })),
  };
}

/** Starts the stub; resolves once it listens. */
export async function startAirflowStub({ dagsRoot, port = 0, host = "127.0.0.1", python = process.env.PYTHON ?? "/usr/bin/python3", log = () => {} }) {
  const folder = dagFolder(dagsRoot, python);
  /** @type {Map<string, {dagId: string, runId: string, conf: object, triggeredAt: number, taskIds: string[]}>} */
  const runs = new Map();
  const paused = new Map();

  function dagBody(dagId, known) {
    return {
      dag_display_name: known.dag?.kwargs?.dag_display_name ?? dagId, dag_id: dagId, default_view: "grid", description: null,
      file_token: `${Buffer.from(JSON.stringify(known.path)).toString("base64url")}.stub-signature`, fileloc: known.path,
      has_import_errors: known.hasImportErrors, has_task_concurrency_limits: false, is_active: true, is_paused: paused.get(dagId) ?? true,
      is_subdag: false, last_expired: null, last_parsed_time: iso(known.parsedAt), last_pickled: null, max_active_runs: 16,
      max_active_tasks: 16, max_consecutive_failed_dag_runs: 0, next_dagrun: null, next_dagrun_create_after: null,
      next_dagrun_data_interval_end: null, next_dagrun_data_interval_start: null, owners: ["airflow"], pickle_id: null,
      root_dag_id: null, schedule_interval: null, scheduler_lock: null, tags: [], timetable_description: "stub",
    };
  }

  /** Where a run is now: its state, start and end (ms), and each task's [start, end] window. */
  function progress(run, now = Date.now()) {
    const start = run.triggeredAt + QUEUED_MS;
    const end = start + RUNNING_MS;
    const state = now < start ? "queued" : now < end ? "running" : "success";
    const slot = RUNNING_MS / Math.max(1, run.taskIds.length);
    const windows = run.taskIds.map((taskId, i) => ({ taskId, start: start + i * slot, end: start + (i + 1) * slot }));
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

  async function route(method, path, query, body) {
    let m;
    if (method === "GET" && path === "/api/v1/version") return [200, { version: "2.10.0", git_version: null }];
    if (method === "GET" && path === "/api/v1/health") return [200, { metadatabase: { status: "healthy" }, scheduler: { status: "healthy" } }];
    if (method === "GET" && path === "/api/v1/importErrors") {
      await folder.refresh();
      const list = folder.importErrors();
      const offset = Number(query.get("offset") ?? 0);
      return [200, { import_errors: list.slice(offset, offset + Number(query.get("limit") ?? 100)), total_entries: list.length }];
    }
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
    if ((m = path.match(/^\/api\/v1\/dags\/([^/~]+)$/))) {
      const dagId = m[1];
      await folder.refresh();
      const known = folder.dag(dagId);
      if (!known) return problem(404, "DAG not found", `The DAG with dag_id: ${dagId} was not found`, "NotFound");
      if (method === "PATCH") paused.set(dagId, Boolean(body.is_paused));
      return [200, dagBody(dagId, known)];
    }
    if ((m = path.match(/^\/api\/v1\/dags\/([^/~]+)\/dagRuns$/))) {
      const dagId = m[1];
      await folder.refresh();
      const known = folder.dag(dagId);
      if (!known) return problem(404, "DAG not found", `DAG with dag_id: '${dagId}' not found`, "NotFound");
      if (method === "POST") {
        if (known.hasImportErrors) return problem(400, "DAG cannot be triggered", `DAG with dag_id: '${dagId}' has import errors`, "BadRequest");
        if (runs.has(body.dag_run_id)) return problem(409, "Conflict", `DAGRun with DAG ID: '${dagId}' and DAGRun ID: '${body.dag_run_id}' already exists`, "AlreadyExists");
        const taskIds = (known.dag?.tasks ?? []).map((t) => t.task_id);
        const run = { dagId, runId: body.dag_run_id ?? `manual__${iso(Date.now())}`, conf: body.conf ?? {}, triggeredAt: Date.now(), taskIds };
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
      log(`${req.method} ${req.url} -> ${status}`);
      res.writeHead(status, { "Content-Type": status < 300 ? "application/json" : "application/problem+json" });
      res.end(JSON.stringify(payload));
    });
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  return { url: `http://${host}:${server.address().port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const dagsRoot = process.env.DAGS_ROOT;
  if (!dagsRoot) throw new Error("DAGS_ROOT is required");
  const stub = await startAirflowStub({ dagsRoot, port: Number(process.env.PORT ?? 0), log: console.log });
  console.log(`airflow stub on ${stub.url}, dags in ${dagsRoot}`);
}
