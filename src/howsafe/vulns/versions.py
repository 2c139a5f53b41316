"""Android release strings and the version phrases bulletins use, normalised so they compare.

Devices report ``ro.build.version.release`` as "8.1.0", "9", "12" (also for 12L, told apart by
SDK 32). Bulletins write "7.0, 7.1.1, 7.1.2, 8.0, 8.1", and the 2015 ones "5.1 and below",
"5.0 and above", "5.0 - 6.0", "4.4, 5.0, and 5.1". Both sides are normalised the same way:

* a trailing ".0" third part is dropped ("8.1.0" -> "8.1"); from Android 9 on, a ".0" minor is
  dropped too ("9.0" -> "9");
* SDK 32 is "12L" whatever the release string says;
* a bulletin token below 6.0 with two parts names the family ("5.1" covers "5.1.1", "4.4" covers
  "4.4.4"): that is how the 2015-16 bulletins were written; from 6.0 on tokens are exact
  ("6.0" does not cover "6.0.1", which bulletins list separately);
* bounds ("<=5.1", ">=5.0") and ranges ("5.0-6.0") compare on (major, minor).

Tokens are kept as short strings ("7.1.1", "<=5.1", ">=5.0", "5.0-6.0") so the shipped DB stays
plain JSON.
"""

from __future__ import annotations

import re

_NUM = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,9}){0,2}")
SDK_12L = 32


def normalise_release(release: str | None, sdk: int | None = None) -> str | None:
    """Canonical release string of a device ("8.1.0" -> "8.1", SDK 32 -> "12L"), None if unknown."""
    if sdk == SDK_12L:
        return "12L"
    if not release:
        return None
    text = release.strip()
    if text.upper() in {"12L", "12.1"}:
        return "12L"
    m = _NUM.match(text)
    if not m:
        return None
    return _canon(m.group(0))


def _canon(version: str) -> str:
    parts = version.split(".")
    if len(parts) == 3 and parts[2] == "0":
        parts = parts[:2]
    if len(parts) >= 2 and int(parts[0]) >= 9 and parts[1:] == ["0"]:
        parts = parts[:1]
    return ".".join(parts)


def _key(version: str) -> tuple[int, int]:
    if version == "12L":
        return (12, 1)
    parts = [int(p) for p in version.split(".")[:2]]
    return (parts[0], parts[1] if len(parts) > 1 else 0)


def parse_versions(text: str) -> tuple[str, ...] | None:
    """Version tokens of a bulletin cell; None when the cell does not restrict releases."""
    t = " ".join(text.replace("*", " ").split()).lower()
    if not t or t in {"none", "all", "n/a", "-"} or "kernel" in t:
        return None
    nums = [_canon(v) for v in _NUM.findall(t)]
    if not nums:
        return None
    if "and below" in t or "and earlier" in t:
        return (f"<={nums[0]}",)
    if "and above" in t or "and later" in t:
        return (f">={nums[0]}",)
    if re.search(r"\d\s*-\s*\d", t) and len(nums) == 2:
        return (f"{nums[0]}-{nums[1]}",)
    seen: list[str] = []
    for n in nums:
        if n not in seen:
            seen.append(n)
    return tuple(seen)


def token_matches(token: str, release: str) -> bool:
    """Does one bulletin token cover the (normalised) device release?"""
    if token.startswith("<="):
        return _key(release) <= _key(token[2:])
    if token.startswith(">="):
        return _key(release) >= _key(token[2:])
    if "-" in token:
        lo, hi = token.split("-", 1)
        return _key(lo) <= _key(release) <= _key(hi)
    if token == release:
        return True
    parts = token.split(".")
    if len(parts) == 2 and not token.endswith("L") and int(parts[0]) < 6:
        return release.startswith(token + ".")
    return False


def versions_match(tokens: tuple[str, ...] | None, release: str) -> bool:
    """True when an entry with ``tokens`` applies to ``release`` (None applies to all)."""
    if tokens is None:
        return True
    return any(token_matches(tok, release) for tok in tokens)
