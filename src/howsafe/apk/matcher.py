"""Match class names against every tracker signature in one pass.

One automaton over all signatures (Aho-Corasick via ``pyahocorasick`` when installed, else one
combined regular expression of literal-escaped signatures as a filter, then exact substring tests on
the few candidate classes). Both give the same answer: every (class, signature) pair where the
signature is a literal substring of the dotted class name. Never a loop of hundreds of regexes.

The "doubtful hit" rule: εxodus semantics are plain substrings, so an app whose OWN package
contains a short signature (``com.tunecraft.player`` contains Tune's ``com.tune``) is reported as
using Tune. When every matching class lies in the app's own package and the signature only occurs
inside that package name, the hit is kept (εxodus would report it) with confidence ``low`` and the
reason spelled out.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from howsafe.apk.model import TrackerHit
from howsafe.apk.trackerdb import TrackerDB, TrackerDef

#: Evidence kept per tracker (the count is always exact).
MAX_EVIDENCE = 10
_SEP = "\n"

try:  # optional C automaton; measured in bench/bench_dex.py
    import ahocorasick  # type: ignore[import-not-found,unused-ignore]

    HAVE_AHOCORASICK = True
except ImportError:  # pragma: no cover - exercised when the extra is not installed
    HAVE_AHOCORASICK = False


@dataclass
class _Acc:
    classes: list[str]
    count: int
    sigs: set[str]
    positions: set[int]


class Matcher:
    """Built once per tracker DB; ``match(names, package)`` is then pure and thread/process safe."""

    def __init__(self, db: TrackerDB, *, engine: str = "auto") -> None:
        self.db = db
        owners: dict[str, list[int]] = {}
        for i, t in enumerate(db.trackers):
            for s in t.signatures:
                owners.setdefault(s, []).append(i)
        self.owners = owners
        self.signatures = sorted(owners, key=len, reverse=True)
        if engine == "auto":
            engine = "ahocorasick" if HAVE_AHOCORASICK else "regex"
        self.engine = engine
        if engine == "ahocorasick":
            auto = ahocorasick.Automaton()
            for s in self.signatures:
                auto.add_word(s, s)
            auto.make_automaton()
            self._auto = auto
        else:
            self._regex = re.compile("|".join(re.escape(s) for s in self.signatures))

    # -- raw pairs ---------------------------------------------------------------------------
    def pairs(self, names: Sequence[str]) -> list[tuple[int, str]]:
        """Every (class index, signature) with the signature a substring of that class name."""
        if not names:
            return []
        if self.engine == "ahocorasick":
            text = _SEP.join(names)
            hits = list(self._auto.iter(text))
            if not hits:
                return []
            # Start offset of each name in ``text`` (each is followed by one separator).
            starts = [0, *accumulate(len(n) + 1 for n in names)]
            return [(bisect_right(starts, end) - 1, sig) for end, sig in hits]
        search = self._regex.search
        out: list[tuple[int, str]] = []
        for i, n in enumerate(names):
            if search(n) is not None:
                out.extend((i, s) for s in self.signatures if s in n)
        return out

    # -- trackers ----------------------------------------------------------------------------
    def match(self, names: Sequence[str], package: str | None = None) -> tuple[TrackerHit, ...]:
        """Trackers whose signatures occur in ``names`` (defined classes, dotted)."""
        acc: dict[int, _Acc] = {}
        seen: set[tuple[int, int]] = set()
        for ci, sig in self.pairs(names):
            for ti in self.owners[sig]:
                a = acc.get(ti)
                if a is None:
                    a = acc[ti] = _Acc([], 0, set(), set())
                a.sigs.add(sig)
                if (ti, ci) in seen:
                    continue
                seen.add((ti, ci))
                a.count += 1
                a.positions.add(ci)
                if len(a.classes) < MAX_EVIDENCE:
                    a.classes.append(names[ci])
        hits = [self._hit(self.db.trackers[ti], a, names, package) for ti, a in acc.items()]
        hits.sort(key=lambda h: (h.exodus_id is None, h.exodus_id or 0, h.name))
        return tuple(hits)

    @staticmethod
    def _hit(t: TrackerDef, a: _Acc, names: Sequence[str], package: str | None) -> TrackerHit:
        confidence: str = "high"
        reason = ""
        if package:
            own = package + "."
            all_own = all(names[ci].startswith(own) for ci in a.positions)
            inside_pkg = all(s in package or own.startswith(s) for s in a.sigs)
            if all_own and inside_pkg:
                confidence = "low"
                sig_list = ", ".join(sorted(a.sigs))
                reason = (
                    f"signature {sig_list} only matched the app's own package {package}; "
                    f"no class of the {t.name} SDK itself was found (εxodus substring semantics)"
                )
        return TrackerHit(
            name=t.name,
            exodus_id=t.exodus_id,
            categories=t.categories,
            company=t.company,
            origin="exodus" if t.origin == "exodus" else "howsafe",
            signatures=tuple(sorted(a.sigs)),
            classes=tuple(a.classes),
            class_count=a.count,
            confidence=confidence,  # type: ignore[arg-type]
            reason=reason,
            website=t.website,
            country=t.country,
        )
