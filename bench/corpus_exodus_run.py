"""Run exodus-core 1.3.15's static analysis over many inputs in ONE process (a helper of bench_corpus.py).

Usage: python corpus_exodus_run.py TRACKERS_JSON PATH...   -> one JSON line per input on stdout.

Per input: the steps ``exodus_core.analysis.static_analysis.StaticAnalysis`` takes (androguard APK
load, ``dexdump`` per DEX, its class regex, one ``re.search`` per tracker), with the tracker list read
from the given file instead of the network. Imports and signature compilation are paid once, as a
long-running exodus worker would. A split folder is what exodus-core sees of it: its base.apk; a bundle
(.apks/.xapk/.apkm) is not an APK to exodus-core and is skipped.
"""

from __future__ import annotations

import json
import sys
import time
from collections import namedtuple
from pathlib import Path


def main() -> None:
    from exodus_core.analysis.static_analysis import StaticAnalysis

    db_path = Path(sys.argv[1])
    data = json.loads(db_path.read_text(encoding="utf-8"))
    signatures = []
    for rec in data["trackers"].values():
        signatures.append(namedtuple("tracker", rec.keys())(*rec.values()))
    template = StaticAnalysis()
    template.signatures = signatures
    template._compile_signatures()
    for arg in sys.argv[2:]:
        target = Path(arg)
        if target.is_dir():
            target = target / "base.apk"
        if target.suffix.lower() != ".apk":
            print(json.dumps({"path": arg, "skipped": "not an APK for exodus-core"}), flush=True)
            continue
        t0 = time.perf_counter()
        try:
            sa = StaticAnalysis(str(target))
            sa.signatures = template.signatures
            sa.compiled_tracker_signature = template.compiled_tracker_signature
            found = sa.detect_trackers_in_list(sa.get_embedded_classes())
            out = {"path": arg, "ids": sorted(t.id for t in found)}
        except Exception as exc:  # exodus-core's own failure on a hostile file is a data point
            out = {"path": arg, "error": f"{type(exc).__name__}: {exc}"[:200]}
        out["seconds"] = time.perf_counter() - t0
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
