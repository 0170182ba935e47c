"""extract.csv on real files and a real HTTP server, including hostile and huge inputs."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from workflowcontrol_tasks.errors import TaskError, UnsafeTargetError



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
