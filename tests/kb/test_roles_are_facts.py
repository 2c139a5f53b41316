"""Roles are facts (issue 10 §1): "ads" only for packages that show ads or handle an advertising id,
and the known data collectors are classified, with sources."""

from __future__ import annotations

import pytest

from howsafe.kb import KnowledgeBase
from howsafe.kb.packages import lookup


@pytest.mark.parametrize(
    "pid",
    [
        "com.sec.android.app.chromecustomizations",  # partner bookmarks
        "com.sec.android.app.personalization",
        "com.xiaomi.ab",  # Mi Store sign-in and payment
        "com.miui.hybrid.accessory",  # quick-app accessory support
        "com.oppo.partnerbrowsercustomizations",
        "com.motorola.android.providers.chromehomepage",
    ],
)
def test_known_mislabels_are_not_ads(pid: str) -> None:
    info = lookup(KnowledgeBase(), pid)
    assert info is not None and info.matched_by == "exact"
    assert info.role != "ads", pid


@pytest.mark.parametrize(
    ("pid", "role", "data"),
    [
        ("com.LogiaGroup.LogiaDeck", "ads", "app-list"),
        ("com.daemon.shelper", "telemetry", "usage"),
        ("com.sohu.inputmethod.sogou.xiaomi", "cloud", "typed-text"),
        ("com.baidu.input_mi", "cloud", "typed-text"),
        ("com.iflytek.inputmethod.miui", "cloud", "typed-text"),
        ("com.miui.guardprovider", "telemetry", "app-list"),
        ("com.miui.videoplayer", "ads", "usage"),
        ("com.miui.video", "ads", "usage"),
        ("com.miui.yellowpage", "cloud", "call-log"),
        ("com.samsung.android.mapsagent", "ads", "app-list"),
    ],
)
def test_known_data_collectors_are_classified_with_sources(pid: str, role: str, data: str) -> None:
    info = lookup(KnowledgeBase(), pid)
    assert info is not None and info.matched_by == "exact", pid
    assert info.role == role and data in info.data
    assert any(s.startswith("https://") for s in info.sources)


def test_every_ads_entry_says_what_ad_or_promotion_it_carries() -> None:
    """A description of an "ads" package names the ads, promotions, sponsored content or ad id."""
    from howsafe.kb.packages import package_db

    words = (
        "ad",
        "ads",
        "advert",
        "promot",
        "sponsor",
        "recommend",
        "offer",
        "install",
        "monetis",
        "oaid",
        "commercial",
        "partner",
        "carousel",
        "shopping",
        "deal",
        "marketing",
        "coupon",
    )
    missing = [
        pid
        for pid, info in package_db(KnowledgeBase()).exact.items()
        if info.role == "ads"
        and not any(
            w in info.description.lower().replace("-", " ").split() or w in info.description.lower() for w in words
        )
    ]
    assert missing == []
