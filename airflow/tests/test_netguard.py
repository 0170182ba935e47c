"""The outbound guard: private and local addresses, redirects and slow servers, whichever task asks."""
from __future__ import annotations

import json
import threading

import pytest

from workflowcontrol_tasks import netguard
from workflowcontrol_tasks.errors import TaskError, UnsafeTargetError


def _json(payload: object) -> tuple[int, dict, bytes]:
    return 200, {"Content-Type": "application/json"}, json.dumps(payload).encode()


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


@pytest.mark.parametrize("host", ["10.1.2.3", "127.0.0.1", "::1", "169.254.169.254", "::ffff:127.0.0.1"])
def test_non_public_addresses_are_refused_naming_the_field(data_root, host: str) -> None:
    with pytest.raises(UnsafeTargetError, match="WORKFLOWCONTROL_ALLOWED_HOSTS") as error:
        netguard.resolve_allowed(host, 80, "host")
    assert error.value.field == "host"


@pytest.mark.parametrize("allowed", ["127.0.0.1", "127.0.0.0/8", "LocalHost."])
def test_the_allow_list_takes_addresses_networks_and_names(data_root, monkeypatch, allowed: str) -> None:
    monkeypatch.setenv("WORKFLOWCONTROL_ALLOWED_HOSTS", f" other.example , {allowed}")
    host = "localhost" if allowed.lower().startswith("localhost") else "127.0.0.1"
    assert netguard.resolve_allowed(host, 80, "host") in ("127.0.0.1", "::1")


def test_a_public_address_needs_no_allow_list(data_root) -> None:
    assert netguard.resolve_allowed("93.184.215.14", 443, "url") == "93.184.215.14"


def test_a_redirect_to_an_allowed_server_is_followed_and_a_post_becomes_a_get(http_server, allow_localhost) -> None:
    http_server.routes["/old"] = lambda h: (302, {"Location": "/new"}, b"")
    http_server.routes["/new"] = lambda h: _json({"method": h.command})
    fetched = netguard.fetch(netguard.new_session(), "POST", http_server.url("/old"), json={"a": 1})
    assert fetched.url == http_server.url("/new") and fetched.json() == {"method": "GET"}


def test_an_answer_over_the_size_cap_is_refused_whatever_its_declared_length(http_server, allow_localhost) -> None:
    http_server.routes["/big"] = lambda h: (200, {"Content-Type": "text/plain"}, b"x" * 5000)
    with pytest.raises(TaskError, match="larger than the 1000 byte limit") as error:
        netguard.fetch(netguard.new_session(), "GET", http_server.url("/big"), field="source",
                       limits=netguard.Limits(max_bytes=1000))
    assert error.value.field == "source"


def test_an_error_status_is_a_task_error_with_the_status(http_server, allow_localhost) -> None:
    http_server.routes["/gone"] = lambda h: (410, {}, b"")
    with pytest.raises(TaskError, match="answered HTTP 410"):
        netguard.fetch(netguard.new_session(), "GET", http_server.url("/gone"))
