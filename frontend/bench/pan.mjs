// Benchmark: open a 500-node workflow in real Chromium, then pan it.
// Reports time to interactive (navigation start -> nodes drawn and a click selects a node) and
// frames per second while panning with the mouse. Needs API_URL and WEB_URL (bench/run.sh sets them).
import { launch } from "../e2e/browser.mjs";

const API = process.env.API_URL;
const WEB = process.env.WEB_URL;
const NODES = Number(process.env.NODES ?? 500);
const RUNS = Number(process.env.RUNS ?? 3);

async function call(path, body, token) {
  const r = await fetch(`${API}${path}`, {
    method: body ? "POST" : "GET",
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

/** Chains of one CSV extract followed by filters, laid out in a grid: NODES tasks, all valid. */
function bigWorkflow(n) {
  const tasks = [];
  const nodes = {};
  const chain = 5;
  for (let i = 0; i < n; i++) {
    const c = Math.floor(i / chain);
    const k = i % chain;
    const id = `t${i}`;
    tasks.push(
      k === 0
        ? { id, type: "extract.csv", config: { source: `data/part-${c}.csv` }, dependsOn: [] }
        : { id, type: "transform.filter", config: { conditions: [{ column: "amount", operator: "gt", value: k }] }, dependsOn: [`t${i - 1}`] },
    );
    // Chains side by side in 5 columns, so the whole graph is roughly as wide as it is tall.
    nodes[id] = { x: (c % 5) * 1400 + k * 260, y: Math.floor(c / 5) * 120 };
  }
  return {
    apiVersion: "workflowcontrol.io/v1",
    kind: "Workflow",
    metadata: { name: `Benchmark ${n} nodes`, description: "", tags: ["bench"] },
    spec: { schedule: null, timezone: "UTC", catchup: false, maxActiveRuns: 1, params: {}, defaults: { retries: 1, retryDelaySeconds: 300 }, tasks },
    layout: { nodes },
  };
}

const auth = await call("/auth/signup", { email: `bench-${Date.now()}@example.com`, password: "benchmark password", displayName: "Bench" });
const wf = await call("/workflows", bigWorkflow(NODES), auth.token);
const browser = await launch();
const results = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript((session) => localStorage.setItem("wfc.session", session), JSON.stringify({ token: auth.token, expiresAt: auth.expiresAt, user: auth.user }));
    const page = await context.newPage();
    await page.goto(`${WEB}/workflows/${wf.id}`);
    await page.waitForFunction((n) => document.querySelectorAll(".react-flow__node").length >= n, NODES, { timeout: 60000, polling: "raf" });
    const drawn = await page.evaluate(() => performance.now());
    // Interactive: a click on a node selects it (the editor is responding, not just painted).
    const first = await page.locator(".react-flow__node").first().getAttribute("data-id");
    await page.locator(`.react-flow__node[data-id="${first}"]`).click();
    await page.locator(`.react-flow__node[data-id="${first}"] .task-node.selected`).waitFor();
    const tti = await page.evaluate(() => performance.now());
    const rendered = await page.locator(".react-flow__node").count();

    // Pan: drag the empty pane for ~3 s while counting animation frames.
    const pane = await page.locator(".react-flow__pane").boundingBox();
    await page.evaluate(() => {
      window.__frames = [];
      const tick = (t) => {
        window.__frames.push(t);
        if (!window.__stop) requestAnimationFrame(tick);
      };
      window.__stop = false;
      requestAnimationFrame(tick);
    });
    const x0 = pane.x + pane.width - 40;
    const y0 = pane.y + 40;
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    const started = Date.now();
    let i = 0;
    while (Date.now() - started < 3000) {
      const phase = (i++ % 120) / 120;
      const dx = Math.sin(phase * Math.PI * 2) * 300;
      const dy = Math.cos(phase * Math.PI * 2) * 200;
      await page.mouse.move(x0 - 300 + dx, y0 + 200 + dy);
    }
    await page.mouse.up();
    const frames = await page.evaluate(() => {
      window.__stop = true;
      return window.__frames;
    });
    const gaps = frames.slice(1).map((t, k) => t - frames[k]).sort((a, b) => a - b);
    const seconds = (frames[frames.length - 1] - frames[0]) / 1000;
    const fps = (frames.length - 1) / seconds;
    const p95 = gaps[Math.floor(gaps.length * 0.95)] ?? 0;
    results.push({ run: run + 1, drawnMs: Math.round(drawn), ttiMs: Math.round(tti), renderedNodes: rendered, fps: Math.round(fps * 10) / 10, p95FrameMs: Math.round(p95 * 10) / 10, mouseMoves: i });
    if (run === 0) await page.screenshot({ path: new URL("../e2e-screenshots/bench-500-nodes.png", import.meta.url).pathname });
    await context.close();
  }
} finally {
  await browser.close();
}
console.table(results);
const median = (k) => results.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(results.length / 2)];
console.log(JSON.stringify({ nodes: NODES, medianDrawnMs: median("drawnMs"), medianTtiMs: median("ttiMs"), medianFps: median("fps"), medianP95FrameMs: median("p95FrameMs") }));
