import { renderToStaticMarkup } from "react-dom/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AirflowUnreachableNote, fetchRunList } from "./runList";

const page = { items: [{ runId: "wfc_1", state: "running", runType: "manual", logicalDate: null, startedAt: null, endedAt: null, triggeredBy: null, version: 1 }], total: 1 };

function answer(headers: Record<string, string>) {
  vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify(page), { status: 200, headers: { "Content-Type": "application/json", ...headers } })));
}

describe("run history list", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("notices when the API answered from its database because Airflow is unreachable", async () => {
    answer({ "Airflow-Unreachable": "Airflow is not reachable right now; these are the runs as WorkflowControl saw them last." });

    const list = await fetchRunList("wf-1");

    expect(list.airflowUnreachable).toBe(true);
    expect(list.runs.map((r) => r.runId)).toEqual(["wfc_1"]);
  });

  it("takes an answer without the header as Airflow's", async () => {
    answer({});

    expect((await fetchRunList("wf-1")).airflowUnreachable).toBe(false);
  });

  it("shows the note only while the list is WorkflowControl's last view", () => {
    expect(renderToStaticMarkup(<AirflowUnreachableNote shown />)).toContain("Airflow is unreachable: showing WorkflowControl&#x27;s last view");
    expect(renderToStaticMarkup(<AirflowUnreachableNote shown={false} />)).toBe("");
  });
});
