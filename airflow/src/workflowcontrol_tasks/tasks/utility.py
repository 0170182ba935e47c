"""Utility tasks: notifications (e-mail, Slack, webhooks) and cohort definitions, sizes and comparisons."""
from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pandas as pd

from .. import paths, storage
from ..clients import smtp, webhook
from ..config import Config
from ..context import Inputs, TaskContext
from ..errors import ConfigError, TaskError
from . import task_type
from .common import combined_mask, distinct, require_columns, stream_map

log = logging.getLogger(__name__)

_RESULT_MACRO = re.compile(r"\{\{\s*results\.([a-z][a-z0-9_]{0,63})\.(rows|path|format)\s*\}\}")


# ---- notifications ------------------------------------------------------------------------------------------

def shown_path(path: str | None, folders: Sequence[Path]) -> str:
    """A result's file as the reader knows it: relative to the first folder that holds it, else its name alone.

    The worker's absolute paths mean nothing to the reader of a notification and reveal the deployment's layout.
    """
    if not path:
        return "unknown"
    for folder in folders:
        try:
            return Path(path).relative_to(folder).as_posix()
        except ValueError:
            continue
    return Path(path).name


def _shown(ref: dict[str, Any], key: str, folders: Sequence[Path]) -> str:
    if key == "path":
        return shown_path(ref.get("path"), folders)
    value = ref.get(key)
    return "unknown" if value is None else str(value)  # charts and reports have no row count


def render_message(text: str, results: dict[str, dict[str, Any]], folders: Sequence[Path] = ()) -> str:
    """{{ results.<task>.rows|path|format }} names an upstream result; anything else stays as written."""

    def substitute(match: re.Match[str]) -> str:
        ref = results.get(match.group(1))
        return match.group(0) if ref is None else _shown(ref, match.group(2), folders)

    return _RESULT_MACRO.sub(substitute, text)


def summary_line(task: str, ref: dict[str, Any], folders: Sequence[Path]) -> str:
    """One result in the summary: its row count when it has one, else the file it wrote."""
    rows = ref.get("rows")
    what = shown_path(ref.get("path"), folders) if rows is None else f"{rows} row{'' if rows == 1 else 's'}"
    return f"- {task}: {what} ({_shown(ref, 'format', folders)})"


def _send_email(ctx: TaskContext, cfg: Config, subject: str, body: str) -> None:
    if not cfg["smtp_secret"] or not cfg["to"]:
        raise ConfigError("e-mail needs the SMTP secret and at least one recipient", field="smtp_secret"
                          if not cfg["smtp_secret"] else "to")
    server = ctx.secret(cfg["smtp_secret"], "smtp_secret")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = cfg["sender"]
    message["To"] = ", ".join(cfg["to"])
    message.set_content(body)
    smtp.send(server, message, float(cfg["timeout_seconds"]), "smtp_secret")
    log.info("E-mail sent to %d recipient(s)", len(cfg["to"]))


def _post_webhook(ctx: TaskContext, cfg: Config, subject: str, body: str) -> None:
    if not cfg["webhook_secret"]:
        raise ConfigError("name the secret that holds the webhook address", field="webhook_secret")
    url = ctx.secret(cfg["webhook_secret"], "webhook_secret")
    payload = {"text": f"*{subject}*\n{body}"} if cfg["channel"] == "slack" else \
        {"subject": subject, "message": body, "run_id": ctx.run_id, "task_id": ctx.task_id}
    webhook.post(url, payload, float(cfg["timeout_seconds"]), "webhook_secret")
    log.info("Webhook (%s) delivered", cfg["channel"])


@task_type("utility.notify")
def utility_notify(ctx: TaskContext, cfg: Config, inputs: Inputs) -> dict[str, Any]:
    results = {item.task_id: item.ref for item in inputs.many("results")}
    folders = [paths.run_dir(ctx.owner_id, ctx.workflow_id, ctx.run_id), ctx.owner_folder() / "files"]
    subject = render_message(cfg["subject"], results, folders)
    body = render_message(cfg["message"], results, folders)
    if cfg["include_summary"] and results:
        lines = [summary_line(task, ref, folders) for task, ref in results.items()]
        body += "\n\nResults:\n" + "\n".join(lines)
    if ctx.preview:
        raise ConfigError("notifications are not previewed", field="channel")
    if cfg["channel"] == "email":
        _send_email(ctx, cfg, subject, body)
    else:
        _post_webhook(ctx, cfg, subject, body)
    path = ctx.output_path("txt")
    path.write_text(f"{subject}\n\n{body}\n", encoding="utf-8")
    return ctx.file_ref(path, "text", None, channel=cfg["channel"])


# ---- cohorts ------------------------------------------------------------------------------------------------

def _cohort_labels(frame: pd.DataFrame, cfg: Config) -> pd.Series:
    labels = pd.Series(cfg["otherwise"] or None, index=frame.index, dtype=object)
    assigned = pd.Series(False, index=frame.index)
    for position, cohort in enumerate(cfg["cohorts"]):
        mask = combined_mask(frame, cohort.get("conditions", []), cohort.get("combine", "and"),
                             f"cohorts[{position}].conditions") & ~assigned
        labels[mask] = cohort["name"]
        assigned |= mask
    return labels


# Columns each result shape writes beside the cohort column.
_RESULT_COLUMNS = {"label": (), "sizes": ("rows", "share"),
                   "compare": ("measure", "rows", "count", "mean", "std", "median", "min", "max",
                               "difference_from_mean_of_cohorts")}


def _check_cohort_column(names: list[str], cfg: Config, measures: list[str]) -> None:
    """Refuse a cohort column that would replace a column this step reads or writes itself.

    Labels written over a condition or measure column would change the data the cohorts are built from (and a
    source cohort recorded upstream, by transform.harmonize for instance, would be lost without a word).
    """
    column = cfg["cohort_column"]
    for position, cohort in enumerate(cfg["cohorts"]):
        for index, condition in enumerate(cohort.get("conditions", [])):
            if condition.get("column") == column:
                raise ConfigError(f"'{column}' is read by cohorts[{position}].conditions[{index}]; "
                                  "choose another name for the cohort column", field="cohort_column")
    if column in measures:
        raise ConfigError(f"'{column}' is one of the compared columns; choose another name for the cohort column",
                          field="cohort_column")
    if column in _RESULT_COLUMNS[cfg["output"]]:
        raise ConfigError(f"'{column}' is a column of the {cfg['output']} result; choose another name for the "
                          "cohort column", field="cohort_column")
    if column in names:
        log.warning("The input's column %s is replaced by the cohort labels", column)


def _compare_measures(frame: pd.DataFrame, cfg: Config) -> list[str]:
    measures = list(cfg["compare_columns"] or []) or [
        c for c in frame.columns if storage.logical_type(frame[c]) in ("integer", "number")]
    require_columns(frame, measures, "compare_columns")
    if not measures:
        raise ConfigError("name at least one numeric column to compare", field="compare_columns")
    return measures


def _condition_columns(cfg: Config) -> list[str]:
    return [condition["column"] for cohort in cfg["cohorts"] for condition in cohort.get("conditions", [])]


@task_type("utility.cohort")
def utility_cohort(ctx: TaskContext, cfg: Config, inputs: Inputs) -> dict[str, Any]:
    source = inputs.one("data")
    names = source.column_names()
    column, output = cfg["cohort_column"], cfg["output"]
    if output == "label":  # row by row: labels stream through batch by batch
        _check_cohort_column(names, cfg, [])
        return stream_map(ctx, source, lambda chunk: chunk.assign(**{column: _cohort_labels(chunk, cfg)}))
    # Sizes and comparisons read only the columns the conditions and the compared measures name (all columns when
    # every numeric one is compared), so names are checked against the whole table first.
    named = list(cfg["compare_columns"] or []) if output == "compare" else []
    require_columns(names, named, "compare_columns")
    for position, cohort in enumerate(cfg["cohorts"]):
        for index, condition in enumerate(cohort.get("conditions", [])):
            require_columns(names, [condition["column"]], f"cohorts[{position}].conditions[{index}]")
    every_measure = output == "compare" and not named
    frame = source.frame(None if every_measure else distinct(_condition_columns(cfg), named, [column]))
    measures = _compare_measures(frame, cfg) if output == "compare" else []
    _check_cohort_column(names, cfg, measures)
    labelled = frame.assign(**{column: _cohort_labels(frame, cfg)})
    members = labelled[labelled[column].notna()]
    if output == "sizes":
        sizes = members.groupby(column, sort=False).size().rename("rows").reset_index()
        sizes["share"] = sizes["rows"] / max(len(frame), 1)
        return ctx.write_table(sizes)
    rows = []
    for name, part in members.groupby(column, sort=False):
        for measure in measures:
            values = part[measure].astype("float64")
            rows.append({column: name, "measure": measure, "rows": len(part), "count": int(values.notna().sum()),
                         "mean": values.mean(), "std": values.std(), "median": values.median(),
                         "min": values.min(), "max": values.max()})
    result = pd.DataFrame(rows)
    if len(result):
        overall = result.groupby("measure")["mean"].transform("mean")
        result["difference_from_mean_of_cohorts"] = result["mean"] - overall
    return ctx.write_table(result)
