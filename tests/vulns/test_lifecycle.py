"""End of support from the bundled endoflife.date and kernel-lifetimes data; unknown stays unknown."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from conftest import DATA, DEVICES
from howsafe.kb import KnowledgeBase
from howsafe.kb.lifecycle import LIFECYCLE_NAME, load_lifecycle
from howsafe.sources import load_path
from howsafe.vulns.eol_source import parse_api_json, parse_product_markdown
from howsafe.vulns.lifecycle import android_eol, build_lifecycle, device_eol, dumps_lifecycle, kernel_eol

LIFE = DATA / "lifecycle"
TODAY = dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def doc() -> dict[str, object]:
    return load_lifecycle(KnowledgeBase())


def test_rebuild_matches_shipped_file() -> None:
    products = {p.stem: p.read_bytes() for p in sorted((LIFE / "endoflife" / "products").glob("*.md"))}
    rebuilt = dumps_lifecycle(build_lifecycle(products, (LIFE / "kernel-lifetimes.xml").read_text()))
    shipped = KnowledgeBase().find(LIFECYCLE_NAME)
    assert shipped is not None
    assert rebuilt == shipped.read_text(encoding="utf-8"), "run scripts/build_lifecycle.py"


def test_android_release_end_of_life(doc: dict[str, object]) -> None:
    nine = android_eol(doc, "9", TODAY)
    assert nine is not None and nine.ended and nine.eol == dt.date(2022, 1, 1)
    assert android_eol(doc, "7.1.1", TODAY).eol == dt.date(2019, 10, 1)  # type: ignore[union-attr]
    assert android_eol(doc, "12L", TODAY).eol == dt.date(2025, 3, 3)  # type: ignore[union-attr]
    fifteen = android_eol(doc, "15", TODAY)
    assert fifteen is not None and fifteen.ended is False
    assert android_eol(doc, "4.2", TODAY).ended is True  # type: ignore[union-attr]  # eol: true, no date
    # before its end-of-life date a release is still supported
    assert android_eol(doc, "9", dt.date(2021, 12, 31)).ended is False  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("folder", "subject", "eol"),
    [
        ("google-redfin-7005429", "Pixel 5", dt.date(2023, 11, 5)),
        ("samsung-a02-A022FXXU2BUK2", "Galaxy A02", dt.date(2024, 3, 5)),  # SM-A022F via its support page
        ("samsung-starqltechn-G9600ZCS9FVA4", "Galaxy S9", dt.date(2022, 4, 5)),  # SM-G9600 (China)
        ("samsung-a55x-A5560ZCU7BYDB", "Galaxy A55 5G", dt.date(2029, 3, 11)),
    ],
)
def test_device_end_of_updates_when_the_data_names_the_model(
    doc: dict[str, object], folder: str, subject: str, eol: dt.date
) -> None:
    st = device_eol(doc, load_path(DEVICES / folder), TODAY)
    assert st is not None and (st.subject, st.eol) == (subject, eol)
    assert st.ended is (eol <= TODAY)


@pytest.mark.parametrize(
    "folder", ["xiaomi-cas-V12.0.15.0.QJJCNXM", "oneplus-OnePlus6T-1812111152", "huawei-HWHMA-200C00R2"]
)
def test_device_end_of_updates_unknown_is_never_guessed(doc: dict[str, object], folder: str) -> None:
    assert device_eol(doc, load_path(DEVICES / folder), TODAY) is None


def test_kernel_branches(doc: dict[str, object]) -> None:
    st = kernel_eol(doc, "4.14.117-perf+", "10", TODAY)
    assert st is not None and st.ended and st.eol == dt.date(2024, 1, 1)
    st = kernel_eol(doc, "5.10.43-android12-9", "12", TODAY)
    assert st is not None and st.ended is False and st.eol == dt.date(2027, 7, 1)
    st = kernel_eol(doc, "3.18.31", "7.1.1", TODAY)
    assert st is not None and st.ended is True  # older than every listed branch
    assert kernel_eol(doc, "not a version", None, TODAY) is None


def test_api_json_and_product_page_give_the_same_rows() -> None:
    page = (LIFE / "endoflife" / "products" / "android.md").read_text(encoding="utf-8")
    rows = parse_product_markdown(page)
    # the API serves the same facts as JSON: cycle/eol/releaseDate/...
    api = json.dumps(
        [
            {
                "cycle": r["releaseCycle"],
                "eol": r.get("eol"),
                "releaseDate": r.get("releaseDate"),
                "codename": r.get("codename"),
                "apiVersion": r.get("apiVersion"),
            }
            for r in rows
        ]
    )
    again = parse_api_json(api)
    assert [(r["releaseCycle"], r["eol"]) for r in again] == [(r["releaseCycle"], r.get("eol")) for r in rows]


def test_malformed_product_data_is_rejected() -> None:
    with pytest.raises(ValueError):
        parse_product_markdown("---\ntitle: x\n---\n")
    with pytest.raises(ValueError):
        parse_api_json(b'{"not": "a list"}')


def test_android_8_1_support_ended_with_the_2021_10_bulletin() -> None:
    from howsafe.kb import KnowledgeBase, bundled_data_dir

    doc = load_lifecycle(KnowledgeBase(bundled_data_dir(), None))
    st = android_eol(doc, "8.1", dt.date(2021, 6, 1))
    assert st is not None and st.ended is False  # still in the 2021-06 bulletin
    st = android_eol(doc, "8.1", dt.date(2022, 1, 1))
    assert st is not None and st.ended is True and st.eol == dt.date(2021, 10, 1)
    assert "source.android.com" in st.source


def test_end_of_support_dates_agree_with_the_last_bulletin_that_lists_the_release() -> None:
    # Where the bulletin data is complete (up to 2023-03), no bulletin lists a release after its end
    # of support (that is how the 8.1 date was found wrong), and the end follows the last bulletin
    # that lists it within a quarter (a month may simply have had no flaw for that release).
    from howsafe.kb import KnowledgeBase, bundled_data_dir
    from howsafe.vulns.db import load_db

    kb = KnowledgeBase(bundled_data_dir(), None)
    db, doc = load_db(kb), load_lifecycle(kb)
    last: dict[str, dt.date] = {}
    for e in db.entries:
        if e.bulletin[:4].isdigit() and e.versions:
            day = dt.date.fromisoformat(e.bulletin)
            for v in e.versions:
                if v[:1].isdigit() and "-" not in v:
                    last[v] = max(last.get(v, day), day)
    checked = 0
    for release in ("7.0", "7.1.1", "8.0", "8.1", "9", "10"):
        st = android_eol(doc, release, dt.date(2026, 1, 1))
        assert st is not None and st.eol is not None, release
        gap = (st.eol.year * 12 + st.eol.month) - (last[release].year * 12 + last[release].month)
        assert 0 <= gap <= 3, f"Android {release}: end of support {st.eol}, last bulletin listing it {last[release]}"
        checked += 1
    assert checked == 6
