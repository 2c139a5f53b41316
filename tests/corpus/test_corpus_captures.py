"""Traffic captures in a corpus: the real fixture captures become rows of the hosts contacted (bytes,
packets, owner, server country) equal to the captures' truth and to `howsafe net`; malformed captures
are rows with their error; `corpus report` shows the top hosts overall, by owner and by country."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from apk.apk_truth import APK_SET, bundled_kb
from conftest import FIXTURES
from howsafe.apk.trackerdb import load_tracker_db
from howsafe.cli import main
from howsafe.corpus.inputs import list_items
from howsafe.corpus.store import PartWriter
from howsafe.corpus.worker import TrackerSet, scan_batch
from howsafe.kb import KnowledgeBase
from howsafe.net import analyse_captures

CAPS = FIXTURES / "captures"
TRUTH: dict[str, Any] = json.loads((CAPS / "truth.json").read_text(encoding="utf-8"))["files"]
VALID = ["phone-wifi.pcap", "phone-wifi.pcapng", "pcapdroid-trailer.pcap", "pcapdroid.pcapng", "iot-home.pcap"]


@cache
def _rows() -> dict[str, dict[str, Any]]:
    items = list(list_items(str(CAPS), captures=True))
    rows = scan_batch(items, TrackerSet.of(load_tracker_db(bundled_kb())))
    return {Path(r["path"]).name: r for r in rows}


def test_only_captures_are_listed_and_only_with_the_flag() -> None:
    names = sorted(Path(i.url).name for i in list_items(str(CAPS), captures=True))
    assert names == sorted(p.name for p in CAPS.iterdir() if p.suffix in (".pcap", ".pcapng"))
    assert all(i.record == "capture" for i in list_items(str(CAPS), captures=True))
    assert list(list_items(str(CAPS))) == []  # DNS logs, CSVs and truth.json are never items


@pytest.mark.parametrize("name", VALID)
def test_hosts_equal_the_truth_per_host_and_country(name: str) -> None:
    row = _rows()[name]
    assert row["error"] is None and row["kind"] == name.rsplit(".", 1)[1] and len(row["sha256"]) == 64
    packets: Counter[tuple[str, str | None]] = Counter()
    nbytes: Counter[tuple[str, str | None]] = Counter()
    flows: Counter[tuple[str, str | None]] = Counter()
    for fl in TRUTH[name]["flows"]:
        if fl["category"] == "app":
            key = (fl["host"] or fl["server"][0], fl["server_country"])
            packets[key] += fl["up_pkts"] + fl["down_pkts"]
            nbytes[key] += fl["up_bytes"] + fl["down_bytes"]
            flows[key] += 1
    got = {(h["host"], h["country"]): h for h in row["hosts"]}
    assert set(got) == set(packets) and len(got) >= 10
    for key, h in got.items():
        assert (h["packets"], h["bytes_up"] + h["bytes_down"], h["flows"]) == (packets[key], nbytes[key], flows[key])


@pytest.mark.parametrize("name", ["phone-wifi.pcap", "iot-home.pcap"])
def test_hosts_and_owners_equal_howsafe_net(name: str) -> None:
    """The same reader and attribution as `howsafe net` on the same file."""
    row = _rows()[name]
    net = analyse_captures([CAPS / name], kb=KnowledgeBase.default())
    by_host: dict[str, list[int]] = {}
    for h in row["hosts"]:
        acc = by_host.setdefault(h["host"], [0, 0, 0])
        acc[0] += h["bytes_up"]
        acc[1] += h["bytes_down"]
        acc[2] += h["flows"]
        want = net.host(h["host"])
        assert want is not None and h["named_by"] == want.named_by
        assert h["owner"] == (want.owner if want.named_by != "ip" else None)
    with_traffic = {h.name: [h.bytes_up, h.bytes_down, h.flows] for h in net.hosts if h.flows}
    assert by_host == with_traffic
    assert {h["owner"] for h in row["hosts"]} >= ({"Xiaomi", "Google"} if name.startswith("phone") else {"Xiaomi"})
    report = json.loads(row["report_json"])
    assert [h["name"] for h in report["hosts"]] == [h.name for h in net.hosts]


def test_malformed_captures_are_rows_with_their_error() -> None:
    rows = _rows()
    empty = rows["hostile-empty.pcap"]
    assert (empty["error"], empty["sha256"], empty["hosts"]) == (
        "empty_file",
        TRUTH["hostile-empty.pcap"]["sha256"],
        [],
    )
    cut = rows["hostile-truncated.pcap"]
    assert cut["error"] == "corrupt_capture" and "truncated" in cut["error_detail"]
    valid_part = set(TRUTH["hostile-truncated.pcap"]["partial_results"]["hostnames_in_valid_part"])
    named = {h["host"] for h in cut["hosts"] if h["named_by"] != "ip"}
    assert named and named <= valid_part  # the part before the damage is kept
    bad = rows["hostile-bad-blocklen.pcapng"]
    assert bad["error"] == "corrupt_capture" and "block length" in bad["error_detail"]
    loop = rows["hostile-dns-loop.pcap"]
    assert loop["error"] is None and any("dns-malformed" in w for w in loop["warnings"])


def test_a_file_that_is_not_a_capture(tmp_path: Path) -> None:
    (tmp_path / "fake.pcap").write_bytes((APK_SET / "trackers" / "clean-app.apk").read_bytes())
    [row] = scan_batch(list(list_items(str(tmp_path), captures=True)), TrackerSet.of(load_tracker_db(bundled_kb())))
    assert row["error"] == "not_a_capture" and row["record"] == "capture" and row["sha256"]


def test_report_top_hosts_by_owner_and_country(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(_rows().values())
    apps = scan_batch(list(list_items(str(APK_SET / "trackers"))), TrackerSet.of(load_tracker_db(bundled_kb())))
    out = tmp_path / "r.parquet"
    w = PartWriter(str(out), part_rows=4)
    w.add([*rows, *apps])
    w.close()
    assert main(["corpus", "report", str(out), "--format", "json", "--top", "10000"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["captures"], doc["captures_read"]) == (len(rows), len(rows) - 1)  # the empty one has no host
    assert doc["apps"] == len(apps)  # captures are not apps
    read = [r for r in rows if r["hosts"]]
    for table, col in (("top_hosts", "host"), ("hosts_by_owner", "owner"), ("hosts_by_country", "country")):
        want_bytes: Counter[str] = Counter()
        want_packets: Counter[str] = Counter()
        for r in read:
            for h in r["hosts"]:
                k = h[col] or "unknown"
                want_bytes[k] += h["bytes_up"] + h["bytes_down"]
                want_packets[k] += h["packets"]
        got = {t[col]: (t["bytes"], t["packets"]) for t in doc[table]}
        assert got == {k: (want_bytes[k], want_packets[k]) for k in want_bytes}, table
        assert [t["bytes"] for t in doc[table]] == sorted((t["bytes"] for t in doc[table]), reverse=True)
    top = doc["top_hosts"][0]
    # phone-wifi.pcap, its pcapng copy and the two PCAPdroid files hold the same session
    assert top["captures"] >= 4 and top["owner"] != "unknown"
    assert {"Xiaomi", "Google", "unknown"} <= {o["owner"] for o in doc["hosts_by_owner"]}
    assert {"SG", "US", "CN"} <= {c["country"] for c in doc["hosts_by_country"]}

    assert main(["corpus", "report", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Top hosts" in text and "Hosts by owner" in text and "Hosts by server country" in text
    assert top["host"] in text
    page = tmp_path / "r.html"
    assert main(["corpus", "report", str(out), "--format", "html", "-o", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert "Top hosts (MB)" in html and html.count("<svg") >= 6 and "src=" not in html
