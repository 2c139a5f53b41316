"""Every command, every format, on input full of hostile strings: nothing reaches the user raw.

A real device folder is loaded, then its identity, properties, package ids and labels are replaced
by strings that try to rewrite a terminal (ANSI CSI/OSC escapes, 8-bit CSI, bell, right-to-left
override), forge report lines (newlines), inject HTML (``<script>``) or Markdown structure
(backticks, links, table pipes, headings). A real APK is copied under a hostile file name, and
``kb lookup`` is asked about a hostile id. Every text, Markdown and HTML output must be free of
control and bidi characters and of live markup; every JSON or SARIF output must be one document
that keeps the hostile values (escaped, so it is just as safe to print on a terminal). The lines
outside the formatters (summary, error and log lines, collect, push, iocs) are in
``test_hostile_side_channels.py``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from msgspec.structs import replace

from conftest import DEVICES, FIXTURES
from hostile_output import assert_no_live_html, assert_terminal_safe
from howsafe.cli import main
from howsafe.model import Package, Snapshot, to_json
from howsafe.report.formats import formats_for
from howsafe.sources import load_path

GARNET = DEVICES / "redmi-garnet-OS2.0.205.0.VNRMIXM"  # firmware: a real package list
PIXEL = DEVICES / "google-oriole-13277524"

ANSI = "\x1b[2J\x1b[31mred"
OSC = "\x1b]0;pwned\x07\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\"
CSI8 = "\x9b31m"
RLO = "\u202egnp.exe"
FORGED = "\nFAKE VERDICT: A, all good"
HTML = "<script>window.__pwned=1</script><img src=x onerror=alert(1)>"
MD = "`code` ``x`y`` # h [a](javascript:alert(1)) ![i](x) | cell | **b** > q"
PAYLOADS = (ANSI, OSC, CSI8, RLO, FORGED, HTML, MD)
ALL = " ".join(PAYLOADS)


def _hostile(snap: Snapshot) -> Snapshot:
    props = dict(snap.properties)
    for key in ("ro.product.model", "ro.product.marketname", "ro.build.fingerprint", "ro.product.brand"):
        props[key] = ALL
    pkgs = (
        *(snap.packages or ()),
        *(
            Package(id=f"com.evil.app{i}{p}", label=f"Free VPN {p}", system=False, enabled=True, installer=p)
            for i, p in enumerate(PAYLOADS)
        ),
    )
    device = replace(
        snap.device,
        brand=OSC,
        model=ALL,
        marketname=f"{ANSI} {RLO} {MD}",
        rom_version=HTML + FORGED,
        build_fingerprint=ALL,
    )
    return replace(snap, properties=props, device=device, packages=pkgs)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("hostile")
    out: dict[str, Path] = {}
    for name, folder in (("a", GARNET), ("b", PIXEL)):
        path = tmp / f"{name}.json"
        path.write_text(to_json(_hostile(load_path(folder))), encoding="utf-8")
        out[name] = path
    apk = tmp / f"app {ANSI.replace(chr(10), ' ')} {RLO} `x` <b>.apk"
    shutil.copy(FIXTURES / "apk" / "trackers" / "many-trackers.apk", apk)
    out["apk"] = apk
    return out


def _commands(inputs: dict[str, Path]) -> list[tuple[str, str, list[str]]]:
    a, b = str(inputs["a"]), str(inputs["b"])
    cap = str(FIXTURES / "captures" / "pcapdroid.pcapng")
    out: list[tuple[str, str, list[str]]] = []
    for fmt in formats_for("report"):
        out.append(("audit", fmt, ["audit", a, "--format", fmt]))
    for fmt in formats_for("compare"):
        out.append(("compare", fmt, ["compare", a, b, a, "--format", fmt]))
    for fmt in formats_for("vulns"):
        out.append(("vulns", fmt, ["vulns", a, "--format", fmt]))
    for fmt in formats_for("kb"):
        out.append(("kb", fmt, ["kb", "lookup", f"com.miui.analytics{ALL}", "com.miui.analytics", "--format", fmt]))
    for fmt in formats_for("apps"):
        out.append(("apps", fmt, ["apps", str(inputs["apk"]), "--jobs", "1", "--format", fmt]))
    for fmt in formats_for("net"):
        out.append(("net", fmt, ["net", cap, "--snapshot", a, "--format", fmt]))
    return out


def test_every_command_and_format_is_covered(inputs: dict[str, Path]) -> None:
    covered = {(cmd, fmt) for cmd, fmt, _ in _commands(inputs)}
    assert {cmd for cmd, _ in covered} == {"audit", "compare", "vulns", "kb", "apps", "net"}
    assert ("apps", "sarif") in covered and ("compare", "html") in covered and ("vulns", "md") in covered


@pytest.mark.timeout(600)
def test_no_hostile_string_reaches_any_output_raw(inputs: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    for cmd, fmt, args in _commands(inputs):
        code = main(args)
        out, err = capsys.readouterr()
        assert code in (0, 1), (cmd, fmt, code, err)
        assert out, (cmd, fmt)
        assert_terminal_safe(err)
        assert_terminal_safe(out)
        if fmt in ("json", "sarif"):
            json.loads(out)  # exactly one JSON document
            if fmt == "json" and cmd in ("audit", "compare", "apps", "kb"):  # (the others show no RLO string)
                assert "\\u202e" in out, (cmd, fmt)  # the value is kept, as an escape
            continue
        if fmt == "html":
            assert_no_live_html(out)
            assert ("&lt;b&gt;" if cmd == "apps" else "&lt;script&gt;") in out, (cmd, fmt)
        elif fmt == "md":
            assert_no_live_html(MarkdownIt("commonmark", {"html": True}).enable("table").render(out))
        if cmd in ("audit", "compare", "vulns") and fmt != "json":
            assert "\\x1b[2J" in out or "\\x1b" in out, (cmd, fmt)  # the escape is shown, not obeyed
