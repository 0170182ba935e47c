"""REST, scraping, PostgreSQL, FTP and SFTP extraction against real local servers; SSRF refusals."""
from __future__ import annotations

import json
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from workflowcontrol_tasks.errors import TaskError, UnsafeTargetError


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


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x", "http://[::1]:9/x", "http://169.254.169.254/latest/meta-data",
                                 "http://10.0.0.1/x", "http://192.168.1.1/x", "http://localhost:9/x",
                                 "http://0.0.0.0:9/x", "http://100.100.100.200/x", "file:///etc/passwd",
                                 "http://user:pw@example.com/"])
def test_ssrf_targets_are_refused_without_an_allow_list(harness, url: str) -> None:
    with pytest.raises(UnsafeTargetError) as error:
        harness.run("extract.rest", {"url": url})
    assert error.value.field == "url"


def test_redirect_to_a_refused_address_is_refused(harness, http_server, allow_localhost) -> None:
    http_server.routes["/hop"] = lambda h: (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b"")
    http_server.routes["/hop-loop"] = lambda h: (302, {"Location": f"http://127.0.0.2:{http_server.port}/x"}, b"")
    with pytest.raises(UnsafeTargetError, match="169.254.169.254"):
        harness.run("extract.rest", {"url": http_server.url("/hop")})
    with pytest.raises(UnsafeTargetError, match="127.0.0.2"):
        harness.run("extract.web", {"url": http_server.url("/hop-loop"), "row_selector": "p",
                                    "fields": [{"name": "t"}]})


def test_slow_response_hits_the_time_cap(harness, http_server, allow_localhost) -> None:
    answer = threading.Event()

    def never_in_time(handler):
        # Holds the answer until the test is over: only the library's own time cap can end the request.
        answer.wait(timeout=30)
        return _json([])

    http_server.routes["/slow"] = never_in_time
    try:
        with pytest.raises(TaskError, match="did not answer within 1 s"):
            harness.run("extract.rest", {"url": http_server.url("/slow"), "timeout_seconds": 1})
    finally:
        answer.set()


PAGE = """<html><body><table>{rows}</table>{next}</body></html>"""


def test_scraping_follows_next_links_politely(harness, http_server, allow_localhost) -> None:
    def page(number: int):
        rows = "".join(f'<tr class="item"><td class="name">Item {number}-{i}</td>'
                       f'<td><a href="/detail/{number}{i}">more</a></td></tr>' for i in range(2))
        nxt = f'<a class="next" href="/page{number + 1}">next</a>' if number < 3 else ""
        return lambda h: (200, {"Content-Type": "text/html"}, PAGE.format(rows=rows, next=nxt).encode())

    for number in (1, 2, 3):
        http_server.routes[f"/page{number}"] = page(number)
    started = time.monotonic()
    ref = harness.run("extract.web", {"url": http_server.url("/page1"), "row_selector": "tr.item",
                                      "fields": [{"name": "name", "selector": "td.name"},
                                                 {"name": "link", "selector": "a", "attribute": "href"}],
                                      "next_selector": "a.next", "delay_seconds": 0.2, "max_pages": 5})
    frame = harness.read(ref)
    assert time.monotonic() - started >= 0.4
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
