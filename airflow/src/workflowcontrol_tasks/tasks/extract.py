"""Extraction tasks: CSV files, REST APIs, PostgreSQL queries, web pages, FTP and SFTP servers."""
from __future__ import annotations

import csv
import io
import json
import logging
import time
from collections.abc import Iterable

from typing import Any
from urllib.parse import urljoin

import pandas as pd

from .. import netguard
from ..clients import ftp as ftp_client
from ..clients import sftp as sftp_client
from ..clients.postgres import pg_connect, pg_message
from ..config import Config
from ..context import Inputs, TaskContext
from ..errors import ConfigError, LimitExceededError, SecretError, TaskError
from ..paths import confined
from . import task_type
from .common import coerce

log = logging.getLogger(__name__)

CHUNK_ROWS = 500_000
_PANDAS_LOGICAL = {"integer": "integer", "number": "number", "boolean": "boolean", "string": "string"}


def _limits(cfg: Config) -> netguard.Limits:
    return netguard.Limits(max_bytes=int(cfg["max_download_mb"]) * 1024 * 1024,
                           timeout_seconds=float(cfg["timeout_seconds"]))


# ---- CSV ----------------------------------------------------------------------------------------------------

@task_type("extract.csv")
def extract_csv(ctx: TaskContext, cfg: Config, inputs: Inputs) -> dict[str, Any]:
    source: str = cfg["source"]
    if source.lower().startswith(("http://", "https://")):
        fetched = netguard.fetch(netguard.new_session(), "GET", source, field="source", limits=_limits(cfg))
        handle: Any = io.BytesIO(fetched.body)
    else:
        path = confined(ctx.owner_folder() / "files", source, "source")
        if not path.is_file():
            raise TaskError(f"file '{source}' was not found in your data folder", field="source")
        handle = path
    types: dict[str, str] = cfg["types"] or {}
    names = cfg["column_names"] or None
    options: dict[str, Any] = {
        "sep": cfg["delimiter"], "encoding": cfg["encoding"], "header": 0 if cfg["header"] else None,
        "names": names, "skiprows": cfg["skip_rows"] or None, "on_bad_lines": cfg["on_bad_lines"],
        "dtype": {name: str for name in types}, "keep_default_na": True, "na_values": cfg["null_values"] or None,
        "quotechar": '"', "skipinitialspace": False,
    }
    if ctx.preview:
        options["nrows"] = ctx.preview_limit
    else:
        options["chunksize"] = CHUNK_ROWS
    writer = ctx.table_writer()
    try:
        chunks = pd.read_csv(handle, **options)
        expected: dict[str, str] | None = None
        for chunk in ([chunks] if ctx.preview else chunks):
            if names is None and not cfg["header"]:
                chunk.columns = [f"column_{i + 1}" for i in range(len(chunk.columns))]
            for column, type_name in types.items():
                if column not in chunk.columns:
                    raise TaskError(f"column '{column}' is not in the file", field=f"types.{column}")
                chunk[column] = coerce(chunk[column], type_name, f"types.{column}")
            expected = expected or {c: _logical(chunk[c]) for c in chunk.columns}
            _align_chunk(chunk, expected)
            writer.write(chunk)
    except (pd.errors.ParserError, csv.Error) as exc:
        writer.abort()
        raise TaskError(f"the file is not valid CSV: {str(exc).strip().splitlines()[-1]}", field="source") from None
    except UnicodeDecodeError:
        writer.abort()
        raise TaskError(f"the file is not encoded as {cfg['encoding']}", field="encoding") from None
    except pd.errors.EmptyDataError:
        writer.abort()
        raise TaskError("the file is empty", field="source") from None
    except BaseException:
        writer.abort()
        raise
    return ctx.table_ref(writer)


def _logical(series: pd.Series) -> str:
    from ..storage import logical_type

    return logical_type(series)


def _align_chunk(chunk: pd.DataFrame, expected: dict[str, str]) -> None:
    """Later chunks keep the first chunk's column types (an integer column with a gap becomes nullable)."""
    for column, logical in expected.items():
        if column in chunk.columns and _logical(chunk[column]) != logical and logical in _PANDAS_LOGICAL:
            chunk[column] = coerce(chunk[column], logical, "source")


# ---- REST ---------------------------------------------------------------------------------------------------

def _dig(document: Any, path: str, field: str) -> Any:
    current = document
    for part in [p for p in path.split(".") if p]:
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            raise TaskError(f"the response has no '{path}' (stopped at '{part}')", field=field)
    return current


def _auth(ctx: TaskContext, cfg: Config, headers: dict[str, str], query: dict[str, Any]) -> Any:
    kind = cfg["auth"]
    if kind == "none":
        return None
    if not cfg["auth_secret"]:
        raise ConfigError("name the secret that holds the credentials", field="auth_secret")
    value = ctx.secret(cfg["auth_secret"], "auth_secret")
    if kind == "bearer":
        headers["Authorization"] = f"Bearer {value}"
    elif kind == "basic":
        user, _, password = value.partition(":")
        return (user, password)
    elif kind == "header":
        headers[cfg["auth_name"] or "X-API-Key"] = value
    elif kind == "query":
        query[cfg["auth_name"] or "api_key"] = value
    return None


@task_type("extract.rest")
def extract_rest(ctx: TaskContext, cfg: Config, inputs: Inputs) -> dict[str, Any]:
    headers = {str(k): str(v) for k, v in (cfg["headers"] or {}).items()}
    query: dict[str, Any] = dict(cfg["query"] or {})
    auth = _auth(ctx, cfg, headers, query)
    session = netguard.new_session()
    pagination, max_pages = cfg["pagination"], 1 if ctx.preview else int(cfg["max_pages"])
    url: str | None = cfg["url"]
    page = int(cfg["start_page"])
    if pagination == "page" and cfg["page_size_param"]:
        query[cfg["page_size_param"]] = cfg["page_size"]
    writer = ctx.table_writer()
    try:
        for number in range(max_pages):
            if pagination == "page":
                query[cfg["page_param"]] = page
            body = cfg["body"] if cfg["method"] == "POST" else None
            response = netguard.fetch(session, cfg["method"], url or "", field="url", limits=_limits(cfg),
                                      headers=headers, params=query, json=body, auth=auth)
            document = response.json()
            records = _dig(document, cfg["records_path"], "records_path") if cfg["records_path"] else document
            if isinstance(records, dict):
                records = [records]
            if not isinstance(records, list):
                raise TaskError("the records are not a list", field="records_path")
            log.info("Page %d: %d record(s)", number + 1, len(records))
            if records:
                frame = pd.json_normalize(records, sep="_")
                writer.write(frame.head(ctx.preview_limit) if ctx.preview else frame)
            if not records:
                break
            if pagination == "page":
                page += 1
                if cfg["page_size_param"] and len(records) < int(cfg["page_size"]):
                    break
            elif pagination == "cursor":
                cursor = _dig(document, cfg["cursor_path"], "cursor_path") if cfg["cursor_path"] else None
                if cursor in (None, ""):
                    break
                query[cfg["cursor_param"]] = cursor
            elif pagination == "link":
                url = response.links.get("next")
                if not url:
                    break
                query = {k: v for k, v in query.items() if k == (cfg["auth_name"] or "api_key") and cfg["auth"] == "query"}
            else:
                break
            if cfg["delay_seconds"]:
                time.sleep(float(cfg["delay_seconds"]))
    except BaseException:
        writer.abort()
        raise
    return ctx.table_ref(writer)


# ---- PostgreSQL query ---------------------------------------------------------------------------------------

_PG_INTEGER, _PG_NUMBER, _PG_BOOL, _PG_DATE, _PG_TS, _PG_TSTZ = {20, 21, 23, 26}, {700, 701, 1700}, {16}, {1082}, \
    {1114}, {1184}


def _typed_frame(rows: list[tuple[Any, ...]], description: Any) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=[column.name for column in description])
    for index, column in enumerate(description):
        name, code = column.name, column.type_code
        series = frame.iloc[:, index]
        if code in _PG_INTEGER:
            frame[name] = pd.array(series.tolist(), dtype="Int64")
        elif code in _PG_NUMBER:
            frame[name] = pd.to_numeric(series.map(lambda v: None if v is None else float(v)), errors="coerce")
        elif code in _PG_BOOL:
            frame[name] = pd.array(series.tolist(), dtype="boolean")
        elif code in _PG_TSTZ:
            frame[name] = pd.to_datetime(series, utc=True)
        elif code in _PG_TS:
            frame[name] = pd.to_datetime(series)
        elif code not in _PG_DATE:
            frame[name] = series.map(lambda v: v if v is None or isinstance(v, str) else
                                     json.dumps(v, default=str) if isinstance(v, (dict, list)) else str(v))
    return frame


@task_type("extract.database")
def extract_database(ctx: TaskContext, cfg: Config, inputs: Inputs) -> dict[str, Any]:
    import psycopg2

    connection = pg_connect(ctx.secret(cfg["connection_secret"], "connection_secret"), cfg["timeout_seconds"],
                            "connection_secret")
    writer = ctx.table_writer()
    try:
        connection.set_session(readonly=True)
        with connection.cursor(name="workflowcontrol_extract") as cursor:
            cursor.itersize = int(cfg["fetch_rows"])
            params = cfg["parameters"] or None  # bound by the driver, never pasted into the SQL text
            cursor.execute(cfg["query"], params)
            limit = ctx.preview_limit
            while True:
                rows = cursor.fetchmany(min(int(cfg["fetch_rows"]), limit) if limit else int(cfg["fetch_rows"]))
                if not rows and writer.schema is not None:
                    break
                writer.write(_typed_frame(rows, cursor.description))
                log.info("Fetched %d rows so far", writer.rows)
                if not rows or (limit and writer.rows >= limit):
                    break
        connection.rollback()
    except psycopg2.Error as exc:
        writer.abort()
        raise TaskError(f"the query failed: {pg_message(exc)}", field="query") from None
    except BaseException:
        writer.abort()
        raise
    finally:
        connection.close()
    return ctx.table_ref(writer)


# ---- Web scraping -------------------------------------------------------------------------------------------

def _scrape_page(html: str, base_url: str, cfg: Config) -> tuple[list[dict[str, Any]], str | None]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    try:
        rows = soup.select(cfg["row_selector"])
    except Exception:  # soupsieve raises its own SelectorSyntaxError
        raise ConfigError("is not a valid CSS selector", field="row_selector") from None
    records = []
    for row in rows:
        record: dict[str, Any] = {}
        for spec in cfg["fields"]:
            node = row.select_one(spec["selector"]) if spec.get("selector") else row
            attribute = spec.get("attribute") or "text"
            if node is None:
                value = None
            elif attribute == "text":
                value = node.get_text(" ", strip=True)
            else:
                value = node.get(attribute)
                if isinstance(value, list):
                    value = " ".join(value)
                if attribute in ("href", "src") and value:
                    value = urljoin(base_url, value)
            record[spec["name"]] = value
        records.append(record)
    next_url = None
    if cfg["next_selector"]:
        link = soup.select_one(cfg["next_selector"])
        if link is not None and link.get("href"):
            next_url = urljoin(base_url, str(link.get("href")))
    return records, next_url


@task_type("extract.web")
def extract_web(ctx: TaskContext, cfg: Config, inputs: Inputs) -> dict[str, Any]:
    session = netguard.new_session()
    headers = {"User-Agent": cfg["user_agent"]}
    url: str | None = cfg["url"]
    seen: set[str] = set()
    all_records: list[dict[str, Any]] = []
    pages = 1 if ctx.preview else int(cfg["max_pages"])
    for number in range(pages):
        if not url or url in seen:
            break
        if number and cfg["delay_seconds"]:
            time.sleep(float(cfg["delay_seconds"]))  # politeness between pages of the same site
        seen.add(url)
        response = netguard.fetch(session, "GET", url, field="url", limits=_limits(cfg), headers=headers)
        records, url = _scrape_page(response.text, response.url, cfg)
        log.info("Page %d (%s): %d row(s)", number + 1, response.url, len(records))
        all_records.extend(records)
    columns = [spec["name"] for spec in cfg["fields"]]
    frame = pd.DataFrame.from_records(all_records, columns=columns)
    return ctx.write_table(frame.head(ctx.preview_limit) if ctx.preview else frame)


# ---- FTP and SFTP -------------------------------------------------------------------------------------------

def _host_key_check(ctx: TaskContext, cfg: Config, address: str) -> sftp_client.HostKeyCheck:
    """The step's pinned key, else the owner's known_hosts secret, else (when enabled) keys learned on first use."""
    try:
        known_hosts = ctx.secret(sftp_client.KNOWN_HOSTS_SECRET, "host_key")
    except SecretError:
        known_hosts = ""
    learned = ctx.owner_folder() / "_state" / "sftp_known_hosts" if sftp_client.trust_on_first_use() else None
    return sftp_client.HostKeyCheck(sftp_client.host_names(cfg["host"], address, int(cfg["port"] or 22)),
                                    cfg["host_key"] or "", known_hosts, learned)


@task_type("extract.ftp")
def extract_ftp(ctx: TaskContext, cfg: Config, inputs: Inputs) -> dict[str, Any]:
    port = int(cfg["port"] or (21 if cfg["protocol"] == "ftp" else 22))
    address = netguard.resolve_allowed(cfg["host"], port, "host")
    password = ctx.secret(cfg["password_secret"], "password_secret") if cfg["password_secret"] else ""
    username, directory, pattern = cfg["username"], cfg["directory"], cfg["pattern"]
    timeout = float(cfg["timeout_seconds"])
    if cfg["protocol"] == "ftp":
        listing = ftp_client.matching_files(address, port, username or "anonymous", password, directory, pattern,
                                            timeout)
    else:
        listing = sftp_client.matching_files(address, port, username, password, _host_key_check(ctx, cfg, address),
                                             directory, pattern, timeout)
    folder = ctx.output_path("d", "_files").with_suffix("")
    folder.mkdir(parents=True, exist_ok=True)
    budget = int(cfg["max_download_mb"]) * 1024 * 1024
    deadline = time.monotonic() + float(cfg["timeout_seconds"])
    downloaded: list[dict[str, Any]] = []
    for name, retrieve in listing:
        if len(downloaded) >= int(cfg["max_files"]):
            log.warning("Stopping at max_files=%s", cfg["max_files"])
            break
        if name in (".", "..") or "/" in name or "\\" in name:
            continue
        target = folder / name
        size = 0
        with open(target, "wb") as handle:
            def sink(chunk: bytes) -> None:
                nonlocal size, budget
                size += len(chunk)
                budget -= len(chunk)
                if budget < 0:
                    raise LimitExceededError(f"downloads exceed {cfg['max_download_mb']} MB", field="max_download_mb")
                if time.monotonic() > deadline:
                    raise LimitExceededError(f"downloads took longer than {cfg['timeout_seconds']} s",
                                             field="timeout_seconds")
                handle.write(chunk)
            retrieve(sink)
        log.info("Downloaded %s (%d bytes)", name, size)
        downloaded.append({"file": name, "bytes": size, "path": str(target)})
    if cfg["parse"] == "files":
        return ctx.write_table(pd.DataFrame(downloaded, columns=["file", "bytes", "path"]))
    return ctx.write_table(_concat_csv_files(downloaded, cfg["delimiter"]))


def _concat_csv_files(files: Iterable[dict[str, Any]], delimiter: str) -> pd.DataFrame:
    frames = []
    for item in files:
        try:
            frame = pd.read_csv(item["path"], sep=delimiter)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            raise TaskError(f"{item['file']} is not valid CSV: {str(exc).splitlines()[-1]}", field="pattern") from None
        frame.insert(0, "source_file", item["file"])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"source_file": []})


