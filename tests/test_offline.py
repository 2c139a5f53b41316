"""Offline by default: an audit (with every optional input) opens no connection beyond loopback."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA, FIXTURES, modules_matching
from howsafe.cli import main


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    attempts: list[Any] = []
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") and self.family != socket.AF_UNIX:
            attempts.append(address)
            raise NetworkUsed(f"connection to {address!r} attempted")
        return real_connect(self, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in (None, "127.0.0.1", "::1", "localhost"):
            attempts.append(("dns", host))
            raise NetworkUsed(f"name lookup of {host!r} attempted")
        return real_getaddrinfo(host, *args, **kwargs)

    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    return attempts


def test_full_audit_makes_no_network_connection(
    no_network: list[Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    rc = main(
        [
            "audit",
            "--demo",
            "--format",
            "html",
            "-o",
            str(out),
            "--capture",
            str(FIXTURES / "captures" / "pcapdroid.pcapng"),
            "--apks",
            str(FIXTURES / "apk" / "trackers" / "many-trackers.apk"),
            "--iocs",
            str(DATA / "iocs" / "2022-06-23_rcs_lab" / "rcs.stix2"),
        ]
    )
    assert rc == 1, capsys.readouterr().err  # the demo phone's patch level alone is a high finding
    assert no_network == []
    # every optional input was really read (else the guard above would prove nothing about it)
    html = out.read_text(encoding="utf-8")
    assert "Tracker contacted: AppsFlyer" in html  # from the capture
    assert "App ships tracker SDKs" in html  # from the APK
    assert "40 indicators from 1 collection (RCSLab)" in html  # from the STIX2 bundle


def test_guard_really_blocks_outside_connections(no_network: list[Any]) -> None:
    # The guard itself must be able to fail, or the test above proves nothing.
    with pytest.raises(NetworkUsed):
        socket.create_connection(("192.0.2.1", 443), timeout=1)
    assert no_network


def test_only_the_http_module_opens_connections() -> None:
    """Every request goes through howsafe.http (the one place that checks schemes and bounds sizes)."""
    pattern = r"\burllib\.request\b|\bhttp\.client\b|\bimport (httpx|requests)\b|\burlopen\("
    assert modules_matching(pattern, owner="http.py") == []
