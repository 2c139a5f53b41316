"""One name for a device in every output: brand and market name (or model), the brand said once.

Real fixtures: a Xiaomi whose market name lacks the brand, a Redmi whose market name starts with
it, a Samsung without a market name, a Pixel, and a Redmi whose model equals its market name.
The text, Markdown and HTML titles show the same name; the JSON report carries it as
``device.display_name``.
"""

from __future__ import annotations

import html
import json

import pytest

from conftest import DEVICES
from howsafe.cli.collect import summary_line
from howsafe.compare import device_label
from howsafe.model import DeviceSummary, Report, from_builtins
from howsafe.report import render
from howsafe.report.layout import device_title
from report.report_helpers import audit, snapshot_from_folder

CASES = [
    ("xiaomi-cas-V12.0.15.0.QJJCNXM", "Xiaomi Mi 10 Ultra", "Xiaomi Mi 10 Ultra (M2007J1SC)"),
    ("redmi-garnet-OS2.0.205.0.VNRMIXM", "Redmi Note 13 Pro 5G", "Redmi Note 13 Pro 5G (2312DRA50G)"),
    ("samsung-a02-A022FXXU2BUK2", "samsung SM-A022F", "samsung SM-A022F"),
    ("google-oriole-13277524", "google Pixel 6", "google Pixel 6"),
    ("redmi-begonia-21.11.17", "Redmi Note 8 Pro", "Redmi Note 8 Pro"),  # model = market name: said once
]


@pytest.fixture(scope="module", params=CASES, ids=[c[0].split("-")[0] + "-" + c[0].split("-")[1] for c in CASES])
def case(request: pytest.FixtureRequest) -> tuple[Report, str, str, str]:
    folder, name, title = request.param
    snap = snapshot_from_folder(DEVICES / folder)
    assert snap.device.display_name() == name
    assert device_label(snap).startswith(name) and summary_line(snap).startswith(name)
    return audit(snap), folder, name, title


def test_every_format_names_the_device_the_same_way(case: tuple[Report, str, str, str]) -> None:
    report, _, name, title = case
    assert device_title(report).startswith(title + " · ")
    assert json.loads(render(report, "json"))["device"]["display_name"] == name
    text = render(report, "text")
    assert title in " ".join(text.split())  # the terminal layout may wrap the line
    md = render(report, "md")
    assert md.splitlines()[0].startswith(f"# howsafe report: {title} · ")
    page = html.unescape(render(report, "html"))
    assert f"<h1>howsafe report: {title} · " in page
    for out in (text, md, page):
        assert "Redmi Redmi" not in out and "Xiaomi Xiaomi" not in out


def test_a_report_without_display_name_gets_it_on_reading() -> None:
    """JSON reports written before the field existed still read, and get the same name."""
    old = {
        "brand": "Redmi",
        "model": "M2101K7AG",
        "marketname": "Redmi Note 10",
        "device": "sunny",
        "rom": "MIUI",
        "rom_version": None,
        "android_release": "11",
        "sdk": 30,
        "security_patch": None,
        "source": "firmware",
        "partial": True,
    }
    assert from_builtins(old, DeviceSummary).display_name == "Redmi Note 10"
    assert from_builtins({**old, "marketname": None, "model": None}, DeviceSummary).display_name == "sunny"
