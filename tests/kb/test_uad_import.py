"""``howsafe kb import-uad``: a user's own UAD list is validated, stored locally and consulted."""

from __future__ import annotations

import json

import pytest

from conftest import DATA
from howsafe.cli import main
from howsafe.errors import InputError
from howsafe.kb import KnowledgeBase
from howsafe.kb.packages import lookup, package_db
from howsafe.kb.uad_import import UAD_SOURCE_LABEL, import_path, import_uad, load_imported

UAD_FILE = DATA / "oem" / "uad_lists_ng.json"


def _unbundled_uad_id() -> str:
    db = package_db(KnowledgeBase())
    uad = json.loads(UAD_FILE.read_bytes())
    return next(pid for pid, e in uad.items() if e["list"] == "Carrier" and db.lookup(pid) is None)


def test_import_then_lookup_uses_the_users_copy() -> None:
    pid = _unbundled_uad_id()
    assert lookup(KnowledgeBase(), pid) is None
    result = import_uad(UAD_FILE)
    assert result.imported > 5000 and result.path == import_path() and result.path.is_file()
    info = lookup(KnowledgeBase(), pid)
    assert info is not None
    assert info.matched_by == "uad-import" and info.sources == (UAD_SOURCE_LABEL,)
    assert info.role == "carrier" and info.confidence == "medium"
    bundled = lookup(KnowledgeBase(), "com.miui.analytics")
    assert bundled is not None and bundled.matched_by == "exact" and UAD_SOURCE_LABEL in bundled.sources


def test_the_import_maps_removal_levels() -> None:
    import_uad(UAD_FILE)
    imported = load_imported()
    assert imported["com.miui.rom"].removal_level == "never"
    assert imported["com.miui.analytics"].removal_level == "safe"


@pytest.mark.parametrize(
    "content",
    [b"not json", b"[]", b'{"a": 1}', json.dumps({"com.x": {"list": "Nope", "removal": "Safe"}}).encode()],
)
def test_a_file_that_is_not_a_uad_list_is_refused(tmp_path, content: bytes) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    with pytest.raises(InputError):
        import_uad(bad)
    assert not import_path().exists()


def test_cli_import_uad_and_lookup_json(capsys: pytest.CaptureFixture[str]) -> None:
    pid = _unbundled_uad_id()
    assert main(["kb", "import-uad", str(UAD_FILE)]) == 0
    assert "imported" in capsys.readouterr().out
    assert main(["kb", "lookup", "--format", "json", pid]) == 0
    (obj,) = json.loads(capsys.readouterr().out)["packages"]
    assert obj["id"] == pid and obj["sources"] == [UAD_SOURCE_LABEL]


def test_cli_import_uad_of_a_missing_file_is_one_line_exit_2(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["kb", "import-uad", str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("howsafe: error:") and err.count("\n") == 1


def test_an_oversized_file_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    from howsafe.errors import TooLargeError
    from howsafe.kb import uad_import

    monkeypatch.setattr(uad_import, "MAX_UAD_BYTES", 1024)
    with pytest.raises(TooLargeError):
        import_uad(UAD_FILE)


def test_a_damaged_local_copy_is_ignored_not_fatal() -> None:
    path = import_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{damaged")
    assert load_imported() == {}
    info = lookup(KnowledgeBase(), "com.miui.analytics")
    assert info is not None and UAD_SOURCE_LABEL not in info.sources


def _uad_entry(description: str) -> str:
    return f'{{"list": "Oem", "removal": "Recommended", "description": "{description}"}}'


@pytest.mark.parametrize(
    ("name", "content", "expect"),
    [
        ("deep", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        ("deep-object", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "nested too deeply"),
        (
            "digits",
            b'{"com.a.b": {"list": "Oem", "removal": "Recommended", "n": ' + b"9" * 5000 + b"}}",
            "invalid JSON",
        ),
    ],
)
def test_hostile_json_is_one_line_and_leaves_no_part_file(  # type: ignore[no-untyped-def]
    tmp_path, capsys, name, content, expect
) -> None:
    bad = tmp_path / f"{name}.json"
    bad.write_bytes(content)
    assert main(["kb", "import-uad", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expect in err and "Traceback" not in err
    assert not list(import_path().parent.glob("*.part")) if import_path().parent.exists() else True
    assert not import_path().exists()


def test_a_lone_surrogate_is_stored_as_a_replacement_character(capsys) -> None:  # type: ignore[no-untyped-def]
    # \ud800 is valid JSON escape syntax but not a Unicode character: it cannot be written as UTF-8.
    doc = (
        "{"
        + ", ".join(f'"com.example.app{i}": ' + _uad_entry("bad \\ud800 text" if i == 0 else "ok") for i in range(3))
        + ', "com.\\udc80.evil": '
        + _uad_entry("x")
        + "}"
    )
    src = import_path().parent / "src.json"
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_text(doc, encoding="ascii")
    assert main(["kb", "import-uad", str(src)]) == 0
    assert "imported 3 packages" in capsys.readouterr().out
    imported = load_imported()
    assert imported["com.example.app0"].description == "bad \ufffd text"
    assert not list(import_path().parent.glob("*.part"))
