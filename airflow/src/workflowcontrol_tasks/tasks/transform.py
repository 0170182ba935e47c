"""Transformation tasks: clean, join, filter, pivot/unpivot and cohort harmonization."""
from __future__ import annotations

import logging
from typing import Any


import pandas as pd

from .. import storage
from ..config import Config
from ..context import Inputs, TaskContext
from ..errors import ConfigError, TaskError
from . import task_type
from .common import coerce, combined_mask, distinct, each_text, require_columns, stream_map

log = logging.getLogger(__name__)


# ---- clean --------------------------------------------------------------------------------------------------

def _text_columns(frame: pd.DataFrame, chosen: list[str] | None) -> list[str]:
    if chosen:
        return chosen
    return [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c].dtype)]


def _clean(frame: pd.DataFrame, cfg: Config) -> pd.DataFrame:
    """Cleans a frame read without the columns `drop_columns` names (checked by the caller)."""
    frame = frame.copy(deep=False)  # columns are replaced, never changed in place
    if cfg["trim"]:
        for column in _text_columns(frame, None):
            frame[column] = each_text(frame[column], str.strip)
    case = cfg["case"]
    if case != "none":
        columns = _text_columns(frame, cfg["case_columns"])
        require_columns(frame, columns, "case_columns")
        method = {"lower": str.lower, "upper": str.upper, "title": str.title}[case]
        for column in columns:
            frame[column] = each_text(frame[column], method)
    for column, type_name in (cfg["types"] or {}).items():
        require_columns(frame, [column], f"types.{column}")
        frame[column] = coerce(frame[column], type_name, f"types.{column}")
    null_columns = list(cfg["null_columns"] or []) or list(frame.columns)
    require_columns(frame, null_columns, "null_columns")
    if cfg["empty_strings_as_null"]:
        for column in _text_columns(frame, None):
            frame[column] = each_text(frame[column], lambda text: None if text == "" else text)
    if cfg["null_action"] == "drop":
        frame = frame.dropna(subset=null_columns)
    elif cfg["null_action"] == "fill":
        if cfg["fill_value"] is None:
            raise ConfigError("give the value that replaces missing values", field="fill_value")
        for column in null_columns:
            frame[column] = _fill(frame[column], cfg["fill_value"])
    if cfg["deduplicate"]:
        subset = list(cfg["dedupe_columns"] or []) or None
        require_columns(frame, subset or [], "dedupe_columns")
        frame = frame.drop_duplicates(subset=subset, keep="first")
    rename = dict(cfg["rename"] or {})
    require_columns(frame, list(rename), "rename")
    names = [rename.get(column, column) for column in frame.columns]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:  # two columns of one name would fail later, far from the cause
        raise ConfigError(f"renaming gives two columns named '{twice[0]}'; drop or rename the existing one too",
                          field="rename")
    return frame.rename(columns=rename)


def _fill(series: pd.Series, value: Any) -> pd.Series:
    if not series.isna().any():
        return series
    kind = storage.logical_type(series)
    if kind in ("integer", "number") and not isinstance(value, (int, float)):
        raise TaskError(f"column '{series.name}' is numeric; fill value {value!r} is not a number", field="fill_value")
    filled = series.fillna(value)
    return filled.astype("int64") if kind == "integer" and isinstance(value, int) else filled


@task_type("transform.clean")
def transform_clean(ctx: TaskContext, cfg: Config, inputs: Inputs) -> dict[str, Any]:
    source = inputs.one("data")
    names = source.column_names()
    drop = list(cfg["drop_columns"] or [])
    require_columns(names, drop, "drop_columns")
    kept = [name for name in names if name not in drop] if drop else None  # dropped columns are never read
    if cfg["deduplicate"]:  # duplicates can span batches, so this option needs the whole table
        return ctx.write_table(_clean(source.frame(kept), cfg))
    return stream_map(ctx, source, lambda chunk: _clean(chunk, cfg), kept)


# ---- join ---------------------------------------------------------------------------------------------------

def _nullable_if_either(left: pd.DataFrame, lkey: str, right: pd.DataFrame,
                        rkey: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """pandas cannot match a nullable number key (integers with gaps, read in batches) with a NumPy one: both become
    nullable."""
    nullable = {"int64": "Int64", "float64": "Float64"}
    lnull, rnull = (pd.api.types.is_extension_array_dtype(f[k].dtype) for f, k in ((left, lkey), (right, rkey)))
    if lnull and not rnull and str(right[rkey].dtype) in nullable:
        right = right.assign(**{rkey: right[rkey].astype(nullable[str(right[rkey].dtype)])})
    elif rnull and not lnull and str(left[lkey].dtype) in nullable:
        left = left.assign(**{lkey: left[lkey].astype(nullable[str(left[lkey].dtype)])})
    return left, right


@task_type("transform.join")
def transform_join(ctx: TaskContext, cfg: Config, inputs: Inputs) -> dict[str, Any]:
    left, right = inputs.one("left").frame(), inputs.one("right").frame()
    left_keys = list(cfg["left_keys"])
    right_keys = list(cfg["right_keys"] or []) or left_keys
    if len(left_keys) != len(right_keys):
        raise ConfigError("needs as many keys as left_keys", field="right_keys")
    require_columns(left, left_keys, "left_keys")
    require_columns(right, right_keys, "right_keys")
    for lkey, rkey in zip(left_keys, right_keys):
        lkind, rkind = storage.logical_type(left[lkey]), storage.logical_type(right[rkey])
        if {lkind, rkind} <= {"integer", "number"}:
            left, right = _nullable_if_either(left, lkey, right, rkey)
            continue
        if lkind != rkind:
            raise TaskError(f"key '{lkey}' is {lkind} on the left but '{rkey}' is {rkind} on the right; "
                            "convert one with a cleaning task", field="right_keys")
    joined = left.merge(right, how=cfg["how"], left_on=left_keys, right_on=right_keys,
                        suffixes=(cfg["left_suffix"], cfg["right_suffix"]), copy=False)
    log.info("Joined %d x %d rows -> %d rows (%s)", len(left), len(right), len(joined), cfg["how"])
    return ctx.write_table(joined)


# ---- filter -------------------------------------------------------------------------------------------------

@task_type("transform.filter")
def transform_filter(ctx: TaskContext, cfg: Config, inputs: Inputs) -> dict[str, Any]:
    conditions, combine = cfg["conditions"], cfg["combine"]
    keep_matching = cfg["keep"] == "matching"

    def step(chunk: pd.DataFrame) -> pd.DataFrame:
        mask = combined_mask(chunk, conditions, combine, "conditions")
        return chunk[mask if keep_matching else ~mask]

    return stream_map(ctx, inputs.one("data"), step)


# ---- pivot / unpivot ----------------------------------------------------------------------------------------

@task_type("transform.pivot")
def transform_pivot(ctx: TaskContext, cfg: Config, inputs: Inputs) -> dict[str, Any]:
    source = inputs.one("data")
    names = source.column_names()  # each mode reads only the columns it names
    if cfg["mode"] == "unpivot":
        ids = list(cfg["id_columns"] or [])
        require_columns(names, ids, "id_columns")
        values = list(cfg["value_columns"] or []) or [c for c in names if c not in ids]
        require_columns(names, values, "value_columns")
        frame = source.frame(distinct(ids, values))
        result = frame.melt(id_vars=ids, value_vars=values, var_name=cfg["variable_name"], value_name=cfg["value_name"])
        return ctx.write_table(result)
    index, values = list(cfg["index"] or []), list(cfg["values"] or [])
    if not cfg["columns"]:
        raise ConfigError("name the column whose values become new columns", field="columns")
    if not index:
        raise ConfigError("name at least one column that identifies a row", field="index")
    require_columns(names, index, "index")
    require_columns(names, [cfg["columns"]], "columns")
    require_columns(names, values, "values")
    aggregation = cfg["aggregation"]
    if aggregation != "count" and not values:
        raise ConfigError("name the column(s) to aggregate", field="values")
    frame = source.frame(distinct(index, [cfg["columns"]], values))
    if aggregation == "count" and not values:
        result = frame.pivot_table(index=index, columns=cfg["columns"], aggfunc="size", fill_value=0)
    else:
        result = frame.pivot_table(index=index, columns=cfg["columns"], values=values, aggfunc=aggregation,
                                   fill_value=cfg["fill_value"], dropna=False)
    if isinstance(result.columns, pd.MultiIndex):
        if len(values) == 1:
            result.columns = [str(c[-1]) for c in result.columns]
        else:
            result.columns = ["_".join(str(p) for p in c) for c in result.columns]
    else:
        result.columns = [str(c) for c in result.columns]
    return ctx.write_table(result.reset_index())


# ---- cohort harmonization -----------------------------------------------------------------------------------

CONVERSIONS: dict[str, tuple[float, float]] = {  # value * factor + offset
    "lb_to_kg": (0.45359237, 0.0), "kg_to_lb": (1 / 0.45359237, 0.0),
    "in_to_cm": (2.54, 0.0), "cm_to_in": (1 / 2.54, 0.0),
    "f_to_c": (5 / 9, -32 * 5 / 9), "c_to_f": (9 / 5, 32.0),
    "glucose_mg_dl_to_mmol_l": (1 / 18.0156, 0.0), "glucose_mmol_l_to_mg_dl": (18.0156, 0.0),
    "g_l_to_g_dl": (0.1, 0.0), "g_dl_to_g_l": (10.0, 0.0),
}


def _harmonize_one(frame: pd.DataFrame, spec: dict[str, Any], cfg: Config, position: int,
                   unmapped: list[dict[str, Any]]) -> pd.DataFrame:
    field = f"sources[{position}]"
    cohort = spec.get("cohort") or f"cohort_{position + 1}"
    mapping: dict[str, str] = spec.get("columns") or {}
    result = pd.DataFrame(index=frame.index)
    for target in cfg["target_columns"]:
        name, type_name = target["name"], target.get("type", "string")
        source_name = mapping.get(name, name)
        if source_name not in frame.columns:
            if name in mapping:
                raise TaskError(f"cohort '{cohort}' has no column '{source_name}'", field=f"{field}.columns.{name}")
            result[name] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
            continue
        series = frame[source_name]
        value_map = (cfg["value_maps"] or {}).get(name)
        if value_map:
            as_text = series.map(lambda v: None if v is None or v != v else str(v))
            known = as_text.isin(list(value_map)) | as_text.isna()
            for value, count in as_text[~known].value_counts().items():
                unmapped.append({"cohort": cohort, "column": name, "value": value, "rows": int(count)})
            series = as_text.map(lambda v: value_map.get(v, v) if v is not None else None)
            if cfg["unmapped"] == "null":
                series = series.where(known, None)
        series = coerce(series, type_name, f"{field}.columns.{name}") if type_name else series
        conversion = (spec.get("conversions") or {}).get(name)
        if conversion:
            unit = conversion.get("unit", "custom")
            factor, offset = (conversion.get("factor", 1.0), conversion.get("offset", 0.0)) if unit == "custom" \
                else CONVERSIONS[unit]
            if storage.logical_type(series) not in ("integer", "number"):
                raise TaskError(f"column '{name}' of cohort '{cohort}' is not numeric, cannot convert units",
                                field=f"{field}.conversions.{name}")
            series = series.astype("float64") * factor + offset
        result[name] = series
    result.insert(0, cfg["cohort_column"], cohort)
    return result


@task_type("transform.harmonize")
def transform_harmonize(ctx: TaskContext, cfg: Config, inputs: Inputs) -> dict[str, Any]:
    cohorts = inputs.many("cohorts")
    sources = list(cfg["sources"])
    if len(sources) != len(cohorts):
        raise ConfigError(f"describe each connected cohort: {len(cohorts)} connected, {len(sources)} described",
                          field="sources")
    targets = [target["name"] for target in cfg["target_columns"]]
    if cfg["cohort_column"] in targets:  # it would stand twice in the result, or replace harmonized values
        raise ConfigError(f"'{cfg['cohort_column']}' is also a target column; choose another name for the column "
                          "recording the source cohort", field="cohort_column")
    unmapped: list[dict[str, Any]] = []
    parts = [_harmonize_one(item.frame(), spec, cfg, i, unmapped)
             for i, (item, spec) in enumerate(zip(cohorts, sources))]
    result = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    report = pd.DataFrame(unmapped, columns=["cohort", "column", "value", "rows"])
    report_path = ctx.output_path(storage.EXTENSIONS[storage.DEFAULT_FORMAT], "_unmapped")
    storage.write_table(report, report_path)
    for row in unmapped:
        log.warning("Unmapped value in cohort %s, column %s: %r (%d rows)", row["cohort"], row["column"], row["value"],
                    row["rows"])
    return {**ctx.write_table(result), "unmapped": {"path": str(report_path), "values": len(unmapped)}}


