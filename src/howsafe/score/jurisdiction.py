"""Foreign jurisdiction is relative to the owner's home country (docs/jurisdiction.md).

Findings say where data is held with ``jurisdiction:XX`` tags (ISO 3166 alpha-2 codes), from a
China-market ROM, a vendor's regional hosting, a cloud service or the registration country of a
server seen in a capture. A profile whose ``[jurisdiction]`` table says ``relative = true`` (the
government profile) reads them against the owner's home country:

- a country other than home is *foreign*: the finding gains ``jurisdiction:foreign``, its severity
  is raised to at least the profile's ``foreign_min_severity`` and its summary says why;
- the home country itself is not foreign: its ``jurisdiction:XX`` tag is replaced by
  ``jurisdiction:home`` so that a per-country weight does not count the owner's own state;
- without a home country every jurisdiction counts as foreign, and the verdict says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from msgspec.structs import replace

from howsafe.errors import InputError
from howsafe.kb import tomlcache
from howsafe.model import Finding, Outcome, Severity
from howsafe.score.profile import Profile

_CC = re.compile(r"^[A-Z]{2}$")
_TAG = "jurisdiction:"
_NOT_COUNTRIES = frozenset({"foreign", "home"})
_COUNTRIES_TOML = Path(__file__).resolve().parents[1] / "kb" / "data" / "domains" / "countries.toml"


def normalise_country(value: str) -> str:
    """An ISO 3166-1 alpha-2 code in upper case (``de`` -> ``DE``); anything else is a usage error."""
    cc = value.strip().upper()
    if not _CC.match(cc):
        raise InputError(f"--country needs a two-letter ISO 3166 country code such as DE or US, not {value!r}")
    return cc


@cache
def _names() -> dict[str, str]:
    try:
        raw = tomlcache.loads(_COUNTRIES_TOML.read_bytes(), f"jurisdiction:{_COUNTRIES_TOML.name}")
    except (OSError, ValueError):
        return {}
    return {cc: str(v.get("name", cc)) for cc, v in raw.get("country", {}).items() if isinstance(v, dict)}


def country_name(cc: str) -> str:
    """A readable name for a code (the code itself when the knowledge base has no name)."""
    name = _names().get(cc)
    return f"{name} ({cc})" if name else cc


def _countries(f: Finding) -> list[str]:
    return [t[len(_TAG) :] for t in f.tags if t.startswith(_TAG) and t[len(_TAG) :] not in _NOT_COUNTRIES]


def apply_home_country(findings: Sequence[Finding], profile: Profile, home: str | None) -> tuple[list[Finding], str]:
    """Findings re-read against ``home`` for a relative-jurisdiction profile, and a verdict note."""
    if not profile.jurisdiction_relative:
        return list(findings), ""
    floor = profile.foreign_min_severity or Severity.HIGH
    out: list[Finding] = []
    foreign_seen: set[str] = set()
    for f in findings:
        countries = _countries(f)
        if f.outcome is not Outcome.FAIL or not countries:
            out.append(f)
            continue
        foreign = [c for c in countries if c != home]
        if not foreign:
            tags = (*(t for t in f.tags if t != f"{_TAG}{home}"), f"{_TAG}home")
            out.append(replace(f, tags=tags))
            continue
        foreign_seen.update(foreign)
        tags = (*(t for t in f.tags if t != f"{_TAG}{home}"), f"{_TAG}foreign")
        severity = f.severity if f.severity.rank >= floor.rank else floor
        where = ", ".join(country_name(c) for c in foreign)
        relative = f"foreign to your home country {country_name(home)}" if home else "home country not set"
        note = (
            f" Data held under the jurisdiction of {where} ({relative}): at least {floor.value} "
            f"for the {profile.id} profile."
        )
        out.append(replace(f, tags=tags, severity=severity, summary=f.summary + note))
    if not foreign_seen:
        if home is None:
            return out, (
                "Home country not set: any data flow to another state's jurisdiction would count as foreign "
                "(set it with `howsafe profile --country CC` or `howsafe audit --country CC`)."
            )
        return out, ""
    where = ", ".join(country_name(c) for c in sorted(foreign_seen))
    if home is None:
        return out, (
            f"Data held under the jurisdiction of {where}; your home country is not set, so every state counts "
            "as foreign (set it with `howsafe profile --country CC` or `howsafe audit --country CC`)."
        )
    return out, (
        f"Data held under a foreign state's jurisdiction ({where}), foreign to your home country "
        f"{country_name(home)}: counted as at least {floor.value} for this profile."
    )


__all__ = ["apply_home_country", "country_name", "normalise_country"]
