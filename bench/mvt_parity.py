"""Side-by-side: which indicators MVT matches on an androidqf acquisition that howsafe does not.

Runs ``mvt-android check-androidqf -i BUNDLE -o OUT FOLDER`` and ``howsafe audit FOLDER --iocs
BUNDLE --format json`` on the same folder and the same bundles, then compares the indicators each
one matched (MVT's ``alerts.json`` ``matched_indicator`` values; howsafe's ``compromise.iocs``
findings). Expected: nothing MVT matches is missing from howsafe. Indicators only howsafe matched
are listed too (howsafe also reads ``processes.json`` and the appops section of ``dumpsys.txt``,
which MVT's androidqf modules do not).

MVT is not a dependency of howsafe: install it in its own virtual environment, outside the
checkout, and pass its ``mvt-android`` with ``--mvt``::

    python3 -m venv /tmp/mvt-venv && /tmp/mvt-venv/bin/pip install mvt
    python bench/mvt_parity.py --example /tmp/parity        # writes an acquisition + bundle, compares
    python bench/mvt_parity.py ACQUISITION_FOLDER --iocs BUNDLE.stix2 --mvt /tmp/mvt-venv/bin/mvt-android
    python bench/mvt_parity.py ACQUISITION_FOLDER --seed --mvt /tmp/mvt-venv/bin/mvt-android

``--example DIR`` writes the acquisition and the MVT-format bundle the tests use
(``tests/iocs/test_mvt_parity.py``: every indicator kind MVT checks on androidqf data).
``--seed`` adds a bundle of indicators drawn from the acquisition's own files, so that a real
acquisition (MVT's ``tests/artifacts/androidqf``, say) exercises every kind too.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# MVT's indicator buckets -> howsafe's types (MVT keeps all certificate digests in one bucket,
# and IPv4 addresses with the domains).
_MVT_TYPES = {
    "app_ids": "app:id", "app_cert_hashes": "app:cert", "files_sha256": "file:hashes.sha256",
    "files_sha1": "file:hashes.sha1", "files_md5": "file:hashes.md5", "file_paths": "file:path",
    "file_names": "file:name", "processes": "process:name", "domains": "domain-name:value",
    "urls": "url:value", "emails": "email-addr:value", "android_property_names": "android-property:name",
}  # fmt: skip


def _key(kind: str, value: str) -> tuple[str, str]:
    if kind.startswith("app:cert"):
        kind = "app:cert"
    if kind in ("ipv4-addr:value",):
        kind = "domain-name:value"
    case_blind = kind.startswith(("app:", "file:hashes", "domain", "email", "android-property"))
    return kind, value.lower() if case_blind else value


def mvt_matches(mvt: str, folder: Path, bundles: list[Path], out: Path) -> set[tuple[str, str]]:
    cmd = [mvt, "check-androidqf", "-o", str(out)]
    for b in bundles:
        cmd += ["-i", str(b)]
    cmd.append(str(folder))
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    alerts = out / "alerts.json"
    if not alerts.is_file():
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-5:])
        raise SystemExit(f"MVT wrote no alerts.json (exit {proc.returncode}):\n{tail}")
    found: set[tuple[str, str]] = set()
    for alert in json.loads(alerts.read_text(encoding="utf-8")):
        ind = alert.get("matched_indicator") or {}
        if ind.get("value"):
            found.add(_key(_MVT_TYPES.get(ind.get("type", ""), ind.get("type", "")), ind["value"]))
    return found


def howsafe_matches(folder: Path, bundles: list[Path]) -> set[tuple[str, str]]:
    cmd = [sys.executable, "-m", "howsafe", "audit", str(folder), "--format", "json", "--profile", "at-risk"]
    for b in bundles:
        cmd += ["--iocs", str(b)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"howsafe exited {proc.returncode}: {proc.stderr.strip()}")
    report = json.loads(proc.stdout)
    found: set[tuple[str, str]] = set()
    for f in report["findings"]:
        if f["check"] != "compromise.iocs" or f["outcome"] != "fail":
            continue
        for e in f["evidence"]:
            if e["kind"] == "indicator":
                found.add(_key(e["key"], e["value"]))
    return found


def write_example(where: Path) -> tuple[Path, list[Path]]:
    sys.path.insert(0, str(REPO / "tests"))
    from iocs.test_mvt_parity import PATTERNS, acquisition, bundle

    where.mkdir(parents=True, exist_ok=True)
    folder = acquisition(where / "androidqf")
    # MVT refuses a whole bundle with an AND pattern (it splits the pattern on '='), so the
    # comparison bundle holds the single-comparison patterns only.
    b = where / "spy.stix2"
    b.write_text(json.dumps(bundle("SpyFamily", list(PATTERNS.values()))), encoding="utf-8")
    return folder, [b]


def seed_bundle(folder: Path, out: Path) -> Path:
    """A bundle of indicators drawn from the acquisition itself (so each kind MVT checks has
    something to match): package ids, APK hashes and certificate digests from packages.json,
    a folder, a file name and a hash from files.json, process names from the process list
    (a kernel thread, a name at the 16-character truncation), and a property name."""
    sys.path.insert(0, str(REPO / "tests"))
    from iocs.test_mvt_parity import bundle

    pats: list[str] = []
    pkgs = json.loads((folder / "packages.json").read_text(encoding="utf-8"))
    for pkg in pkgs[:2]:
        pats.append(f"[app:id='{pkg['name']}']")
        for f in pkg.get("files", [])[:1]:
            for algo in ("sha256", "sha1", "md5"):
                if f.get(algo):
                    pats.append(f"[file:hashes.{algo}='{f[algo]}']")
            for algo in ("Md5", "Sha1", "Sha256"):
                if (f.get("certificate") or {}).get(algo):
                    pats.append(f"[app:cert.{algo.lower()}='{f['certificate'][algo]}']")
    files_json = folder / "files.json"
    if files_json.is_file():
        text = files_json.read_text(encoding="utf-8")
        try:
            entries = json.loads(text)
        except ValueError:
            entries = [json.loads(line) for line in text.splitlines() if line.strip()]
        paths = [e["path"] for e in entries if e.get("path")]
        if paths:
            pats.append(f"[file:path='{paths[-1].rsplit('/', 1)[0]}/']")
            pats.append(f"[file:name='{paths[0].rsplit('/', 1)[-1]}']")
        hashed = [e for e in entries if e.get("sha256")]
        if hashed:
            pats.append(f"[file:hashes.sha256='{hashed[0]['sha256']}']")
    for name in ("ps.txt", "processes.txt"):
        ps = folder / name
        if ps.is_file():
            names = [line.split()[-1] for line in ps.read_text(encoding="utf-8").splitlines()[1:] if line.split()]
            kernel = next((n.strip("[]") for n in names if n.startswith("[") and "/" not in n), None)
            long16 = next((n for n in names if len(n.rsplit("/", 1)[-1]) == 16), None)
            if kernel:
                pats.append(f"[process:name='{kernel}']")
            if long16:
                pats.append(f"[process:name='{long16.rsplit('/', 1)[-1]}.extra']")
            break
    getprop = folder / "getprop.txt"
    if getprop.is_file():
        first = getprop.read_text(encoding="utf-8").split("]", 1)[0].lstrip("[")
        pats.append(f"[android-property:name='{first}']")
    out.write_text(json.dumps(bundle("SeededFromTheAcquisition", pats)), encoding="utf-8")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?", type=Path, help="androidqf acquisition folder")
    ap.add_argument("--iocs", action="append", type=Path, default=[], help="STIX2 bundle (repeatable)")
    ap.add_argument("--mvt", default="mvt-android", help="the mvt-android executable (its own venv)")
    ap.add_argument("--example", type=Path, help="write the test acquisition and bundle here and use them")
    ap.add_argument(
        "--seed", action="store_true", help="also compare a bundle of indicators drawn from the acquisition itself"
    )
    a = ap.parse_args()
    if a.example:
        folder, bundles = write_example(a.example)
    elif a.folder and (a.iocs or a.seed):
        folder, bundles = a.folder, a.iocs
    else:
        ap.error("give FOLDER with --iocs and/or --seed, or --example DIR")
    with tempfile.TemporaryDirectory() as tmp:
        if a.seed:
            bundles = [*bundles, seed_bundle(folder, Path(tmp) / "seeded.stix2")]
        mvt = mvt_matches(a.mvt, folder, bundles, Path(tmp) / "mvt-out")
        ours = howsafe_matches(folder, bundles)
    missing = sorted(mvt - ours)
    extra = sorted(ours - mvt)
    print(f"MVT matched {len(mvt)} indicators; howsafe matched {len(ours)}.")
    print(f"Matched by MVT, not by howsafe: {len(missing)}")
    for kind, value in missing:
        print(f"  {kind} {value}")
    print(f"Matched by howsafe only: {len(extra)}")
    for kind, value in extra:
        print(f"  {kind} {value}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
