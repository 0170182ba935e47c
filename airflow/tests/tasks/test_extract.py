"""Extraction on real files and real local servers: CSV (hostile and huge inputs too), REST, scraping,
PostgreSQL, FTP and SFTP."""
from __future__ import annotations

import datetime as dt
import json
import time
import types
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from workflowcontrol_tasks.errors import TaskError, UnsafeTargetError
from workflowcontrol_tasks.tasks import extract


def test_reads_delimiter_encoding_and_declared_types(harness) -> None:
    (harness.files() / "sales.csv").write_bytes(
        "id;name;amount;day;paid\n1;Müller;10,5;2024-01-02;yes\n2;Ørsted;;2024-01-03;no\n".encode("latin-1",
                                                                                                  "replace"))
    ref = harness.run("extract.csv", {"source": "sales.csv", "delimiter": ";", "encoding": "latin-1",
                                      "types": {"day": "date", "paid": "boolean", "id": "integer"}})
    frame = harness.read(ref)
    assert ref["rows"] == 2
    assert frame["name"].tolist()[0] == "Müller"
    assert frame["day"].tolist() == [dt.date(2024, 1, 2), dt.date(2024, 1, 3)]
    assert frame["paid"].tolist() == [True, False]
    assert {c["name"]: c["type"] for c in ref["schema"]} == {
        "id": "integer", "name": "string", "amount": "string", "day": "date", "paid": "boolean"}


def test_headerless_file_gets_the_given_names_and_skips_rows(harness) -> None:
    (harness.files() / "raw.csv").write_text("# exported\n1,a\n2,b\n")
    ref = harness.run("extract.csv", {"source": "raw.csv", "header": False, "column_names": ["n", "letter"],
                                      "skip_rows": 1})
    assert harness.read(ref).to_dict("list") == {"n": [1, 2], "letter": ["a", "b"]}


def test_malformed_csv_names_the_line_or_skips_it(harness) -> None:
    (harness.files() / "bad.csv").write_text("a,b\n1,2\n3,4,5\n6,7\n")
    with pytest.raises(TaskError) as error:
        harness.run("extract.csv", {"source": "bad.csv"})
    assert error.value.field == "source" and "line 3" in error.value.problem
    ref = harness.run("extract.csv", {"source": "bad.csv", "on_bad_lines": "skip"})
    assert harness.read(ref)["a"].tolist() == [1, 6]


@pytest.mark.parametrize("source", ["../other/secret.csv", "/etc/passwd", "a/../../x.csv", "C:\\x.csv"])
def test_paths_outside_the_data_folder_are_refused(harness, source: str) -> None:
    with pytest.raises(UnsafeTargetError) as error:
        harness.run("extract.csv", {"source": source})
    assert error.value.field == "source"


def test_symlink_in_the_data_folder_is_refused(harness, tmp_path: Path) -> None:
    outside = tmp_path / "outside.csv"
    outside.write_text("a\n1\n")
    (harness.files() / "link.csv").symlink_to(outside)
    with pytest.raises(UnsafeTargetError, match="symbolic links"):
        harness.run("extract.csv", {"source": "link.csv"})


def test_url_source_needs_an_allowed_host(harness, http_server, monkeypatch) -> None:
    http_server.routes["/data.csv"] = lambda h: (200, {"Content-Type": "text/csv"}, b"x,y\n1,2\n")
    with pytest.raises(UnsafeTargetError, match="non-public address"):
        harness.run("extract.csv", {"source": http_server.url("/data.csv")})
    monkeypatch.setenv("WORKFLOWCONTROL_ALLOWED_HOSTS", "127.0.0.1")
    ref = harness.run("extract.csv", {"source": http_server.url("/data.csv")})
    assert harness.read(ref).to_dict("list") == {"x": [1], "y": [2]}


def test_download_over_the_size_cap_is_refused(harness, http_server, allow_localhost) -> None:
    http_server.routes["/big.csv"] = lambda h: (200, {}, b"a\n" + b"1\n" * 700_000)
    with pytest.raises(TaskError, match="byte limit"):
        harness.run("extract.csv", {"source": http_server.url("/big.csv"), "max_download_mb": 1})


def test_preview_reads_only_the_first_rows(harness) -> None:
    (harness.files() / "many.csv").write_text("n\n" + "".join(f"{i}\n" for i in range(1000)))
    ref = harness.run("extract.csv", {"source": "many.csv"}, preview_limit=5)
    assert ref["rows"] == 5


def test_gap_in_an_integer_column_after_the_first_chunk_keeps_integers(harness, monkeypatch) -> None:
    from workflowcontrol_tasks.tasks import extract

    monkeypatch.setattr(extract, "CHUNK_ROWS", 2)
    (harness.files() / "gap.csv").write_text("n,s\n1,a\n2,b\n,c\n4,d\n")
    frame = harness.read(harness.run("extract.csv", {"source": "gap.csv"}))
    assert str(frame["n"].dtype) == "Int64"
    assert frame["n"].tolist()[:2] == [1, 2] and frame["n"].isna().tolist() == [False, False, True, False]


def _json(payload: object, headers: dict | None = None) -> tuple[int, dict, bytes]:
    return 200, {"Content-Type": "application/json", **(headers or {})}, json.dumps(payload).encode()


def _query(handler) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(handler.path).query).items()}


def test_rest_page_pagination_records_path_and_bearer_secret(harness, http_server, allow_localhost) -> None:
    def items(handler):
        page = int(_query(handler)["page"])
        if handler.headers.get("Authorization") != "Bearer tok-123":
            return 401, {}, b"{}"
        return _json({"data": {"items": [{"id": page * 10 + i, "meta": {"ok": True}} for i in range(2 if page < 3 else 1)]}})

    http_server.routes["/items"] = items
    harness.secret("api_token", "tok-123")
    ref = harness.run("extract.rest", {"url": http_server.url("/items"), "records_path": "data.items",
                                       "pagination": "page", "page_size_param": "size", "page_size": 2,
                                       "auth": "bearer", "auth_secret": "api_token", "query": {"region": "eu"}})
    frame = harness.read(ref)
    assert frame["id"].tolist() == [10, 11, 20, 21, 30]
    assert frame["meta_ok"].tolist() == [True] * 5
    assert all("region=eu" in r["path"] and "size=2" in r["path"] for r in http_server.requests)


def test_rest_cursor_and_link_pagination(harness, http_server, allow_localhost) -> None:
    def cursor(handler):
        position = int(_query(handler).get("after", 0))
        return _json({"rows": [{"n": position}], "next": position + 1 if position < 2 else None})

    def linked(handler):
        page = int(_query(handler).get("p", 1))
        link = {"Link": f'<{http_server.url("/linked")}?p={page + 1}>; rel="next"'} if page < 3 else {}
        return _json([{"p": page}], link)

    http_server.routes.update({"/cursor": cursor, "/linked": linked})
    ref = harness.run("extract.rest", {"url": http_server.url("/cursor"), "records_path": "rows",
                                       "pagination": "cursor", "cursor_param": "after", "cursor_path": "next"})
    assert harness.read(ref)["n"].tolist() == [0, 1, 2]
    ref = harness.run("extract.rest", {"url": http_server.url("/linked"), "pagination": "link"}, task_id="linked")
    assert harness.read(ref)["p"].tolist() == [1, 2, 3]


PAGE = """<html><body><table>{rows}</table>{next}</body></html>"""


def test_scraping_follows_next_links_politely(harness, http_server, allow_localhost, monkeypatch) -> None:
    def page(number: int):
        rows = "".join(f'<tr class="item"><td class="name">Item {number}-{i}</td>'
                       f'<td><a href="/detail/{number}{i}">more</a></td></tr>' for i in range(2))
        nxt = f'<a class="next" href="/page{number + 1}">next</a>' if number < 3 else ""
        return lambda h: (200, {"Content-Type": "text/html"}, PAGE.format(rows=rows, next=nxt).encode())

    for number in (1, 2, 3):
        http_server.routes[f"/page{number}"] = page(number)
    # The pauses are recorded, not slept: what is checked is the politeness asked for, not how fast this machine is.
    pauses: list[float] = []
    clock = types.SimpleNamespace(**{name: getattr(time, name) for name in dir(time) if not name.startswith("_")})
    clock.sleep = pauses.append
    monkeypatch.setattr(extract, "time", clock)
    ref = harness.run("extract.web", {"url": http_server.url("/page1"), "row_selector": "tr.item",
                                      "fields": [{"name": "name", "selector": "td.name"},
                                                 {"name": "link", "selector": "a", "attribute": "href"}],
                                      "next_selector": "a.next", "delay_seconds": 0.2, "max_pages": 5})
    frame = harness.read(ref)
    assert pauses == [0.2, 0.2], "one pause before each page after the first"
    assert frame["name"].tolist() == ["Item 1-0", "Item 1-1", "Item 2-0", "Item 2-1", "Item 3-0", "Item 3-1"]
    assert frame["link"].iloc[0] == http_server.url("/detail/10")
    assert [r["headers"]["User-Agent"] for r in http_server.requests][0] == "WorkflowControl scraper"


@pytest.fixture()
def sales_db(postgres, harness, allow_localhost):
    postgres.query("DROP TABLE IF EXISTS sales; CREATE TABLE sales (id int, region text, amount numeric, "
                   "day date, at timestamptz, ok boolean); INSERT INTO sales VALUES "
                   "(1, 'eu', 10.5, '2024-01-01', '2024-01-01 10:00+00', true), "
                   "(2, 'us', NULL, NULL, NULL, NULL), (3, 'eu', 7, '2024-01-03', '2024-01-03 00:00+00', false)")
    harness.secret("warehouse", postgres.dsn("hunter2-password"))
    return postgres


def test_database_query_binds_parameters_and_keeps_types(harness, sales_db) -> None:
    ref = harness.run("extract.database", {"connection_secret": "warehouse",
                                           "query": "SELECT * FROM sales WHERE region = %(region)s ORDER BY id",
                                           "parameters": {"region": "{{ params.region }}"}},
                      params={"region": "eu"})
    frame = harness.read(ref)
    assert frame["id"].tolist() == [1, 3]
    assert {c["name"]: c["type"] for c in ref["schema"]} == {
        "id": "integer", "region": "string", "amount": "number", "day": "date", "at": "timestamp", "ok": "boolean"}


def test_sql_injection_in_a_parameter_is_only_a_value(harness, sales_db) -> None:
    ref = harness.run("extract.database", {"connection_secret": "warehouse",
                                           "query": "SELECT id FROM sales WHERE region = %(region)s",
                                           "parameters": {"region": "eu' OR '1'='1"}})
    assert ref["rows"] == 0
    ref = harness.run("extract.database", {"connection_secret": "warehouse",
                                           "query": "SELECT id FROM sales WHERE region = %(r)s",
                                           "parameters": {"r": "x'; DROP TABLE sales; --"}}, task_id="second")
    assert ref["rows"] == 0 and sales_db.query("SELECT count(*) FROM sales") == [(3,)]


def test_queries_are_read_only_time_limited_and_errors_hide_sql_and_password(harness, sales_db) -> None:
    with pytest.raises(TaskError) as error:
        harness.run("extract.database", {"connection_secret": "warehouse",
                                         "query": "WITH d AS (DELETE FROM sales RETURNING id) SELECT id FROM d"})
    assert "data-modifying" in error.value.problem
    sales_db.query("CREATE SEQUENCE IF NOT EXISTS counter")
    with pytest.raises(TaskError, match="read-only transaction"):
        harness.run("extract.database", {"connection_secret": "warehouse", "query": "SELECT nextval('counter')"})
    with pytest.raises(TaskError):
        harness.run("extract.database", {"connection_secret": "warehouse", "query": "DELETE FROM sales"})
    with pytest.raises(TaskError) as error:
        harness.run("extract.database", {"connection_secret": "warehouse", "query": "SELECT pg_sleep(5)",
                                         "timeout_seconds": 1})
    assert "statement timeout" in error.value.problem and error.value.field == "query"
    with pytest.raises(TaskError) as error:
        harness.run("extract.database", {"connection_secret": "warehouse", "query": "SELEKT secret_column"})
    assert "secret_column" not in str(error.value) and "hunter2" not in str(error.value)
    assert "syntax error" in error.value.problem
    assert sales_db.query("SELECT count(*) FROM sales") == [(3,)]


def test_unknown_or_invalid_secret_names_are_refused(harness) -> None:
    for name in ("../../etc/passwd", "Warehouse", "missing"):
        with pytest.raises(TaskError) as error:
            harness.run("extract.database", {"connection_secret": name, "query": "SELECT 1"})
        assert error.value.field == "connection_secret"


@pytest.mark.parametrize("dsn", ["postgresql://postgres:hunter2@127.0.0.1:{port}/postgres",
                                 "postgresql://postgres:hunter2@localhost:{port}/postgres",
                                 "postgresql://postgres:hunter2@127.0.0.1:{port},[::1]:{port}/postgres",
                                 "host=db.example.com hostaddr=127.0.0.1 port={port} password=hunter2 dbname=postgres",
                                 "host={socket} port={port} password=hunter2 dbname=postgres",
                                 "postgresql://postgres:hunter2@/postgres",
                                 "service=warehouse password=hunter2"])
def test_database_hosts_are_refused_without_the_allow_list(harness, postgres, dsn: str) -> None:
    harness.secret("warehouse", dsn.format(port=postgres.port, socket="/var/run/postgresql"))
    with pytest.raises(UnsafeTargetError) as error:
        harness.run("extract.database", {"connection_secret": "warehouse", "query": "SELECT 1"})
    assert error.value.field == "connection_secret" and "hunter2" not in str(error.value)


def test_a_loopback_database_is_reached_once_an_administrator_allows_it(harness, postgres, monkeypatch) -> None:
    harness.secret("warehouse", postgres.dsn())
    with pytest.raises(UnsafeTargetError, match="resolves to a non-public address"):
        harness.run("extract.database", {"connection_secret": "warehouse", "query": "SELECT 1 AS one"})
    monkeypatch.setenv("WORKFLOWCONTROL_ALLOWED_HOSTS", "127.0.0.1")
    harness.secret("two_hosts", f"postgresql://postgres@127.0.0.1,127.0.0.2:{postgres.port}/postgres")
    with pytest.raises(UnsafeTargetError, match="127.0.0.2"):  # every host of a multi-host URI is checked
        harness.run("extract.database", {"connection_secret": "two_hosts", "query": "SELECT 1 AS one"})
    monkeypatch.setenv("WORKFLOWCONTROL_ALLOWED_HOSTS", "10.0.0.0/8, 127.0.0.0/8")
    ref = harness.run("extract.database", {"connection_secret": "warehouse", "query": "SELECT 1 AS one"})
    assert harness.read(ref)["one"].tolist() == [1]


def _seed(root) -> None:
    (root / "a.csv").write_text("x,y\n1,2\n")
    (root / "b.csv").write_text("x,y\n3,4\n")
    (root / "notes.txt").write_text("ignore me")


def _sftp_config(server, **extra: object) -> dict:
    return {"protocol": "sftp", "host": "127.0.0.1", "port": server.port, "username": "analyst",
            "password_secret": "sftp_pw", "directory": "/", "pattern": "*.csv", **extra}


def _another_key() -> str:
    import paramiko

    key = paramiko.RSAKey.generate(1024)
    return f"{key.get_name()} {key.get_base64()}"


@pytest.fixture()
def sftp(harness, sftp_server, allow_localhost):
    _seed(sftp_server.root)
    harness.secret("sftp_pw", sftp_server.password)
    return sftp_server


def test_sftp_downloads_matching_files_into_one_table(harness, sftp) -> None:
    frame = harness.read(harness.run("extract.ftp", _sftp_config(sftp, host_key=sftp.host_key + " comment")))
    assert frame.to_dict("list") == {"source_file": ["a.csv", "b.csv"], "x": [1, 3], "y": [2, 4]}
    assert sftp.auth_attempts == ["password"]


@pytest.mark.parametrize("pinned", ["another server's key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKey"])
def test_sftp_with_a_wrong_host_key_sends_no_credentials(harness, sftp, pinned: str) -> None:
    with pytest.raises(UnsafeTargetError) as error:
        harness.run("extract.ftp", _sftp_config(sftp, host_key=_another_key() if pinned.startswith("another") else
                                                pinned))
    assert error.value.field == "host_key"
    assert sftp.auth_attempts == []


def test_sftp_names_the_presented_key_when_it_does_not_match(harness, sftp) -> None:
    with pytest.raises(UnsafeTargetError) as error:
        harness.run("extract.ftp", _sftp_config(sftp, host_key=_another_key()))
    assert "does not match the host key pinned in this step" in error.value.problem
    assert "ssh-rsa SHA256:" in error.value.problem and "no credentials were sent" in error.value.problem


def test_sftp_without_a_known_host_key_is_refused_before_authenticating(harness, sftp) -> None:
    with pytest.raises(UnsafeTargetError) as error:
        harness.run("extract.ftp", _sftp_config(sftp))
    assert error.value.field == "host_key"
    assert "is not known" in error.value.problem and "'known_hosts' secret" in error.value.problem
    assert sftp.auth_attempts == []


def test_sftp_host_keys_come_from_the_owners_known_hosts_secret(harness, sftp) -> None:
    import paramiko

    hashed = paramiko.HostKeys.hash_host(f"[127.0.0.1]:{sftp.port}")
    harness.secret("known_hosts", f"# team servers\nfiles.example.com {_another_key()}\n{hashed} {sftp.host_key}")
    frame = harness.read(harness.run("extract.ftp", _sftp_config(sftp)))
    assert frame["source_file"].tolist() == ["a.csv", "b.csv"]
    sftp.replace_host_key()
    with pytest.raises(UnsafeTargetError, match="does not match your 'known_hosts' secret"):
        harness.run("extract.ftp", _sftp_config(sftp), task_id="again")
    assert sftp.auth_attempts == ["password"]


def test_sftp_trusts_a_first_seen_key_only_when_an_administrator_enables_it(harness, sftp, monkeypatch) -> None:
    monkeypatch.setenv("WORKFLOWCONTROL_SFTP_TRUST_ON_FIRST_USE", "true")
    harness.run("extract.ftp", _sftp_config(sftp))
    harness.run("extract.ftp", _sftp_config(sftp), task_id="same_key")
    assert sftp.auth_attempts == ["password", "password"]
    sftp.replace_host_key()
    with pytest.raises(UnsafeTargetError, match="does not match the key this server presented when it was first"):
        harness.run("extract.ftp", _sftp_config(sftp), task_id="new_key")
    assert sftp.auth_attempts == ["password", "password"]


def test_ftp_downloads_by_pattern_and_lists_files(harness, ftp_server, allow_localhost) -> None:
    _seed(ftp_server.root)
    harness.secret("ftp_pw", ftp_server.password)
    ref = harness.run("extract.ftp", {"protocol": "ftp", "host": "127.0.0.1", "port": ftp_server.port,
                                      "username": "analyst", "password_secret": "ftp_pw", "pattern": "*.csv",
                                      "parse": "files"})
    frame = harness.read(ref)
    assert frame["file"].tolist() == ["a.csv", "b.csv"] and frame["bytes"].tolist() == [8, 8]


def test_ftp_data_connections_go_only_to_the_checked_address(harness, ftp_server, allow_localhost) -> None:
    _seed(ftp_server.root)
    ftp_server.handler.masquerade_address = "127.0.0.2"  # passive replies name another host, as a hostile server may
    harness.secret("ftp_pw", ftp_server.password)
    ref = harness.run("extract.ftp", {"protocol": "ftp", "host": "127.0.0.1", "port": ftp_server.port,
                                      "username": "analyst", "password_secret": "ftp_pw", "pattern": "*.csv"})
    assert harness.read(ref)["source_file"].tolist() == ["a.csv", "b.csv"]


def test_file_servers_on_private_addresses_are_refused_without_allow_list(harness) -> None:
    with pytest.raises(UnsafeTargetError):
        harness.run("extract.ftp", {"protocol": "ftp", "host": "127.0.0.1", "port": 21})
