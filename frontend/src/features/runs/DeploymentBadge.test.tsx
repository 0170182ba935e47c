import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { DeploymentBadge } from "./DeploymentBadge";

const words = "Line 52 of the DAG file: AttributeError: property 'task_type' of 'ExtractStep' object has no setter";

describe("DeploymentBadge", () => {
  it("shows Airflow's import error in words beside the state, not folded away", () => {
    const html = renderToStaticMarkup(<DeploymentBadge deployment={{ version: 3, state: "import_error", message: words }} />);

    expect(html).toContain("v3: Airflow import error");
    expect(html).toContain(`data-testid="deploy-error"`);
    expect(html).toContain("Line 52 of the DAG file: AttributeError: property &#x27;task_type&#x27; of &#x27;ExtractStep&#x27; object has no setter");
    expect(html).not.toContain("<details");
    expect(html).not.toContain("<pre");
  });

  it("never says live in Airflow for a deployment Airflow refused, and shows no error for a parsed one", () => {
    const refused = renderToStaticMarkup(<DeploymentBadge deployment={{ version: 2, state: "import_error", message: null }} />);
    const parsed = renderToStaticMarkup(<DeploymentBadge deployment={{ version: 2, state: "parsed", message: null }} />);

    expect(refused).not.toContain("live in Airflow");
    expect(refused).toContain("Airflow gave no reason.");
    expect(parsed).toContain("v2: live in Airflow");
    expect(parsed).not.toContain("deploy-error");
  });

  it("says a DAG paused in Airflow is paused, with an Unpause button only for people who may run it", () => {
    const deployment = { version: 4, state: "parsed" as const, message: null, pausedInAirflow: true };
    const mayRun = renderToStaticMarkup(<DeploymentBadge deployment={deployment} onUnpause={() => {}} />);
    const viewer = renderToStaticMarkup(<DeploymentBadge deployment={deployment} />);
    const running = renderToStaticMarkup(<DeploymentBadge deployment={{ ...deployment, pausedInAirflow: false }} onUnpause={() => {}} />);

    expect(mayRun).toContain("Paused in Airflow");
    expect(mayRun).toContain(">Unpause</button>");
    expect(viewer).toContain("Paused in Airflow");
    expect(viewer).not.toContain("Unpause");
    expect(running).not.toContain("Paused in Airflow");
  });
});
