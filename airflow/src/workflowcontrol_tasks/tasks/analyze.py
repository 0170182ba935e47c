"""Analysis tasks: machine-learning pipeline, charts, descriptive statistics and HTML reports."""
from __future__ import annotations

import base64
import html
import json
import logging
from typing import Any

import numpy as np
import pandas as pd

from .. import storage
from ..config import Config
from ..context import Inputs, TaskContext, TaskInput
from ..errors import ConfigError, TaskError
from . import task_type
from .common import distinct, require_columns

log = logging.getLogger(__name__)


# ---- machine learning ---------------------------------------------------------------------------------------

def _model(problem: str, name: str, seed: int) -> Any:
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor, RandomForestClassifier, \
        RandomForestRegressor
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    models = {
        ("classification", "linear"): lambda: LogisticRegression(max_iter=1000),
        ("classification", "random_forest"): lambda: RandomForestClassifier(n_estimators=100, random_state=seed),
        ("classification", "gradient_boosting"): lambda: GradientBoostingClassifier(random_state=seed),
        ("classification", "knn"): lambda: KNeighborsClassifier(),
        ("regression", "linear"): lambda: LinearRegression(),
        ("regression", "random_forest"): lambda: RandomForestRegressor(n_estimators=100, random_state=seed),
        ("regression", "gradient_boosting"): lambda: GradientBoostingRegressor(random_state=seed),
        ("regression", "knn"): lambda: KNeighborsRegressor(),
    }
    return models[(problem, name)]()


@task_type("analyze.ml")
def analyze_ml(ctx: TaskContext, cfg: Config, inputs: Inputs) -> dict[str, Any]:
    import joblib
    from sklearn import metrics
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    frame = inputs.one("data").frame()
    target = cfg["target"]
    require_columns(frame, [target], "target")
    features = list(cfg["features"] or []) or [c for c in frame.columns if c != target]
    require_columns(frame, features, "features")
    labelled = frame[frame[target].notna()]
    if len(labelled) < 4:
        raise TaskError(f"needs at least 4 rows with a value in '{target}', found {len(labelled)}", field="target")
    x = labelled[features].copy()
    numeric = [c for c in features if storage.logical_type(x[c]) in ("integer", "number", "boolean")]
    categorical = [c for c in features if c not in numeric]
    for column in numeric:
        x[column] = x[column].astype("float64")
    for column in categorical:
        x[column] = x[column].astype(object).where(x[column].notna(), "missing").astype(str)
    preprocess = ColumnTransformer([
        ("numeric", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), numeric),
        ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
    ])
    problem = cfg["problem"]
    y = labelled[target]
    y = y.astype(str) if problem == "classification" else y.astype("float64")
    pipeline = Pipeline([("prepare", preprocess), ("model", _model(problem, cfg["model"], int(cfg["random_state"])))])
    stratify = y if problem == "classification" and y.value_counts().min() >= 2 else None
    try:
        x_train, x_test, y_train, y_test = train_test_split(
            x, y, test_size=float(cfg["test_size"]), random_state=int(cfg["random_state"]), stratify=stratify)
    except ValueError:
        x_train, x_test, y_train, y_test = train_test_split(
            x, y, test_size=float(cfg["test_size"]), random_state=int(cfg["random_state"]))
    try:
        pipeline.fit(x_train, y_train)
    except ValueError as exc:
        raise TaskError(f"the model could not be trained: {str(exc).splitlines()[0][:200]}", field="model") from None
    predicted = pipeline.predict(x_test)
    if problem == "classification":
        scores = {"accuracy": metrics.accuracy_score(y_test, predicted),
                  "f1_macro": metrics.f1_score(y_test, predicted, average="macro")}
    else:
        scores = {"r2": metrics.r2_score(y_test, predicted), "mae": metrics.mean_absolute_error(y_test, predicted),
                  "rmse": float(np.sqrt(metrics.mean_squared_error(y_test, predicted)))}
    scores = {k: round(float(v), 6) for k, v in scores.items()}
    scores.update({"train_rows": len(x_train), "test_rows": len(x_test)})
    log.info("Model %s (%s) metrics: %s", cfg["model"], problem, scores)
    model_path = ctx.output_path("joblib", "_model")
    joblib.dump(pipeline, model_path)
    metrics_path = ctx.output_path("json", "_metrics")
    metrics_path.write_text(json.dumps(scores, indent=1), encoding="utf-8")
    out = frame.copy()
    all_x = frame[features].copy()
    for column in numeric:
        all_x[column] = all_x[column].astype("float64")
    for column in categorical:
        all_x[column] = all_x[column].astype(object).where(all_x[column].notna(), "missing").astype(str)
    out[cfg["prediction_column"]] = pipeline.predict(all_x)
    split = pd.Series("unlabelled", index=frame.index, dtype=object)
    split[x_train.index] = "train"
    split[x_test.index] = "test"
    out["split"] = split
    return {**ctx.write_table(out), "model": str(model_path), "metrics": scores}


# ---- charts -------------------------------------------------------------------------------------------------

def _figure(frame: pd.DataFrame, cfg: Config) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kind, x, ys = cfg["kind"], cfg["x"], list(cfg["y"] or [])
    require_columns(frame, ([x] if x else []) + ys + ([cfg["group_by"]] if cfg["group_by"] else []), "y")
    if kind in ("bar", "line", "scatter") and (not x or not ys):
        raise ConfigError(f"a {kind} chart needs an x column and at least one y column", field="y" if x else "x")
    if kind in ("histogram", "box") and not ys:
        raise ConfigError(f"a {kind} chart needs at least one y column", field="y")
    figure, axes = plt.subplots(figsize=(float(cfg["width"]), float(cfg["height"])), dpi=100)
    if kind == "bar":
        data = frame.groupby(x)[ys].agg(cfg["aggregation"]) if cfg["aggregation"] != "none" else frame.set_index(x)[ys]
        data.plot.bar(ax=axes)
    elif kind == "line":
        frame.sort_values(x).plot.line(x=x, y=ys, ax=axes)
    elif kind == "scatter":
        for y in ys:
            axes.scatter(frame[x], frame[y], label=y, s=12)
        axes.set_xlabel(x)
        axes.legend()
    elif kind == "histogram":
        frame[ys].plot.hist(ax=axes, bins=int(cfg["bins"]), alpha=0.7)
    else:
        if cfg["group_by"]:
            frame.boxplot(column=ys, by=cfg["group_by"], ax=axes)
        else:
            frame[ys].plot.box(ax=axes)
    axes.set_title(cfg["title"] or "")
    figure.tight_layout()
    return figure


def save_reproducibly(figure: Any, path: Any, fmt: str) -> None:
    """The same chart gives the same bytes: an SVG's element ids come from a fixed salt instead of a random one and
    it names no date; a PNG names no software version."""
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "workflowcontrol"}):
        figure.savefig(path, format=fmt, metadata={"Date": None} if fmt == "svg" else {"Software": None})


@task_type("analyze.chart")
def analyze_chart(ctx: TaskContext, cfg: Config, inputs: Inputs) -> dict[str, Any]:
    import matplotlib.pyplot as plt

    source = inputs.one("data")
    named = distinct([cfg["x"]] if cfg["x"] else [], cfg["y"] or [], [cfg["group_by"]] if cfg["group_by"] else [])
    require_columns(source.column_names(), named, "y")
    frame = source.frame(named)  # a chart draws only the columns it names
    figure = _figure(frame, cfg)
    written = {}
    try:
        for fmt in (["png", "svg"] if cfg["format"] == "both" else [cfg["format"]]):
            path = ctx.output_path(fmt)
            save_reproducibly(figure, path, fmt)
            written[fmt] = str(path)
    finally:
        plt.close(figure)
    main = written.get("png") or written["svg"]
    return {"path": main, "rows": len(frame), "schema": [], "format": "png" if "png" in written else "svg",
            "files": written}


# ---- descriptive statistics ---------------------------------------------------------------------------------

def _describe(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    rows = []
    for column in columns:
        series = frame[column]
        kind = storage.logical_type(series)
        row: dict[str, Any] = {"column": column, "type": kind, "count": int(series.notna().sum()),
                               "nulls": int(series.isna().sum()), "unique": int(series.nunique(dropna=True))}
        if kind in ("integer", "number") and series.notna().any():
            numbers = series.astype("float64")
            row.update({"mean": numbers.mean(), "std": numbers.std(), "min": numbers.min(),
                        "p25": numbers.quantile(0.25), "median": numbers.median(), "p75": numbers.quantile(0.75),
                        "max": numbers.max()})
        elif series.notna().any():
            top = series.astype(str).where(series.notna()).value_counts()
            row.update({"top": str(top.index[0]), "top_count": int(top.iloc[0])})
            if kind in ("date", "timestamp"):
                row.update({"first": str(series.min()), "last": str(series.max())})
        rows.append(row)
    return rows


STAT_COLUMNS = ["column", "type", "count", "nulls", "unique", "mean", "std", "min", "p25", "median", "p75", "max",
                "top", "top_count", "first", "last"]


@task_type("analyze.describe")
def analyze_describe(ctx: TaskContext, cfg: Config, inputs: Inputs) -> dict[str, Any]:
    source = inputs.one("data")
    names = source.column_names()
    groups = list(cfg["group_by"] or [])
    require_columns(names, groups, "group_by")
    columns = list(cfg["columns"] or []) or [c for c in names if c not in groups]
    require_columns(names, columns, "columns")
    frame = source.frame(distinct(groups, columns))
    if not groups:
        stats = pd.DataFrame(_describe(frame, columns))
    else:
        parts = []
        for key, part in frame.groupby(groups, dropna=False):
            key = key if isinstance(key, tuple) else (key,)
            for row in _describe(part, columns):
                parts.append({**dict(zip(groups, key)), **row})
        stats = pd.DataFrame(parts)
    ordered = groups + [c for c in STAT_COLUMNS if c in stats.columns]
    for column in ("mean", "std", "min", "p25", "median", "p75", "max"):
        if column in stats.columns:
            stats[column] = stats[column].astype("float64")
    return ctx.write_table(stats[ordered] if len(stats) else stats)


# ---- HTML report --------------------------------------------------------------------------------------------

def _table_html(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, escape=True, na_rep="", border=0, classes="data")


def _section(item: TaskInput, cfg: Config) -> str:
    title = html.escape(item.task_id)
    suffix = item.path.suffix.lower()
    if suffix in (".png", ".svg"):
        data = base64.b64encode(item.path.read_bytes()).decode("ascii")
        mime = "image/png" if suffix == ".png" else "image/svg+xml"
        return f'<section><h2>{title}</h2><img alt="{title}" src="data:{mime};base64,{data}"></section>'
    if not item.is_table:
        return f"<section><h2>{title}</h2><p>{html.escape(item.path.name)}</p></section>"
    frame = item.frame(limit=int(cfg["max_rows"]) if not cfg["include_statistics"] else None)
    body = f"<p>{len(frame)} rows, {len(frame.columns)} columns</p>"
    body += _table_html(frame.head(int(cfg["max_rows"])))
    if cfg["include_statistics"] and len(frame.columns):
        stats = pd.DataFrame(_describe(frame, list(frame.columns)))
        body += "<h3>Statistics</h3>" + _table_html(stats.round(4))
    return f"<section><h2>{title}</h2>{body}</section>"


STYLE = ("body{font-family:system-ui,sans-serif;margin:2rem;color:#1f2937}table.data{border-collapse:collapse;"
         "font-size:.85rem}table.data td,table.data th{border:1px solid #d1d5db;padding:.25rem .5rem}"
         "img{max-width:100%}section{margin-bottom:2rem}")


@task_type("analyze.report")
def analyze_report(ctx: TaskContext, cfg: Config, inputs: Inputs) -> dict[str, Any]:
    sections = [_section(item, cfg) for item in inputs.many("sources")]
    if not sections:
        raise TaskError("connect at least one upstream task whose results the report shows", field="dependsOn")
    title = html.escape(cfg["title"])
    intro = f"<p>{html.escape(cfg['introduction'])}</p>" if cfg["introduction"] else ""
    document = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
                f"<style>{STYLE}</style></head><body><h1>{title}</h1>{intro}"
                f"<p>Run {html.escape(ctx.run_id)}</p>{''.join(sections)}</body></html>")
    path = ctx.output_path("html")
    path.write_text(document, encoding="utf-8")
    return ctx.file_ref(path, "html", None)
