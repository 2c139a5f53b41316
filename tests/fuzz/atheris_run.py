"""Coverage-guided fuzzing of one target with atheris (libFuzzer), for a fixed number of runs.

Usage: ``python tests/fuzz/atheris_run.py FAMILY CORPUS_DIR [libFuzzer options]``. The seeds of
the family are written into ``CORPUS_DIR`` first (new inputs that add coverage land there too).
Exit status 0 means no crash; libFuzzer prints ``Done N runs`` on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

with atheris.instrument_imports(include=["howsafe"]):
    import howsafe.apk.arsc
    import howsafe.apk.axml
    import howsafe.apk.dex
    import howsafe.apk.signer
    import howsafe.apk.zipread
    import howsafe.iocs.stix
    import howsafe.net.analyse
    import howsafe.net.packets
    import howsafe.net.pcapio
    import howsafe.parse
    import howsafe.sources.assemble
    import howsafe.sources.bugreport
    import howsafe.sources.containers
    import howsafe.sources.redact
    import howsafe.sources.snapshot  # noqa: F401

from fuzz.targets import TARGETS, run_one, seeds


def main() -> None:
    family, corpus = sys.argv[1], Path(sys.argv[2])
    if family not in TARGETS:
        raise SystemExit(f"unknown target {family!r}; one of {', '.join(sorted(TARGETS))}")
    corpus.mkdir(parents=True, exist_ok=True)
    for i, data in enumerate(seeds(family)):
        (corpus / f"seed-{i}").write_bytes(data)

    def one_input(data: bytes) -> None:
        run_one(family, data)

    atheris.Setup([sys.argv[0], str(corpus), *sys.argv[3:]], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
