"""Run exodus-core 1.3.15's tracker detection offline on one input (a helper of bench_dex.py).

Usage: python apk_exodus_run.py TRACKERS_JSON PATH   -> one JSON line on stdout.

Same steps as ``exodus_core.analysis.static_analysis.StaticAnalysis`` (androguard APK load,
``dexdump`` per DEX, its class regex, one ``re.search`` per tracker), except the tracker list is
loaded from the given file instead of the network. A split folder is analysed as exodus-core
would see it: its base.apk only.
"""

from __future__ import annotations

import json
import sys
import time
from collections import namedtuple
from pathlib import Path


def main() -> None:
    t0 = time.perf_counter()
    from exodus_core.analysis.static_analysis import StaticAnalysis

    t_import = time.perf_counter() - t0
    db_path, target = Path(sys.argv[1]), Path(sys.argv[2])
    if target.is_dir():
        target = target / "base.apk"
    t1 = time.perf_counter()
    if target.suffix == ".apk":
        sa = StaticAnalysis(str(target))  # androguard parse, as exodus does for an APK
    else:
        sa = StaticAnalysis()
        sa.apk_path = str(target)
    t_parse = time.perf_counter() - t1
    data = json.loads(db_path.read_text(encoding="utf-8"))
    tracker = None
    sa.signatures = []
    for rec in data["trackers"].values():
        tracker = namedtuple("tracker", rec.keys())(*rec.values())
        sa.signatures.append(tracker)
    sa._compile_signatures()
    t2 = time.perf_counter()
    classes = sa.get_embedded_classes()
    t_classes = time.perf_counter() - t2
    t3 = time.perf_counter()
    found = sa.detect_trackers_in_list(classes)
    t_match = time.perf_counter() - t3
    print(
        json.dumps(
            {
                "ids": sorted(t.id for t in found),
                "classes": len(classes),
                "timing": {"import": t_import, "apk_parse": t_parse, "classes": t_classes, "match": t_match},
            }
        )
    )


if __name__ == "__main__":
    main()
