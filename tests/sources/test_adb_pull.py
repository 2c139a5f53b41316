"""Pulling installed APKs over adb, against the replay adb server on a real loopback socket.

The phone is a replay recording whose file service serves the real fixture APKs of the tracker
corpus: many-trackers.apk as the base.apk of an installed app, the three-file split set of
com.skyferry.travel as a split app, and single-jpush.apk as a preinstalled app in a data-app folder.
The ``pm list packages -3`` and ``pm path`` replies are rendered in AOSP's format (``package:`` +
id or path; install folders of the ``/data/app/~~RANDOM==/PKG-RANDOM==/`` form Android 11+ uses),
naming the real package ids of those APKs; the random parts are made up here.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import FIXTURES
from howsafe.apk import scan_paths
from howsafe.errors import DeviceDisconnected, InputError, TooLargeError
from howsafe.kb.base import KnowledgeBase
from howsafe.sources.adb import allowed_commands
from howsafe.sources.adb_pull import (
    MANIFEST_NAME,
    PullResult,
    apk_name,
    is_package_name,
    pull_apks,
    pull_commands,
)
from howsafe.sources.adb_transport import AdbFileError, AdbPullTransport, AdbServerTransport, RemoteStat
from howsafe.sources.replay import Recording, ReplayServer, Reply, load_recording

APK = FIXTURES / "apk"
TRUTH = json.loads((APK / "truth.json").read_text(encoding="utf-8"))["entries"]
SPLIT = APK / "trackers" / "split-com.skyferry.travel"

SHOPMATE = "com.brightloop.shopmate"
SKYFERRY = "com.skyferry.travel"
NOTES = "cn.mingtian.expressnotes"
SHOPMATE_DIR = "/data/app/~~q3BzV1xD0f6JvJrQnKc2Ww==/com.brightloop.shopmate-Tz8mXxL1Yq0bS7v3Hn9pKg=="
SKYFERRY_DIR = "/data/app/~~Hk2v9QeR4mT1yWz7LsPaBg==/com.skyferry.travel-0pLx3Vb8Nq5Rc2Dw6Fh1Jw=="
NOTES_PATH = "/product/data-app/ExpressNotes/ExpressNotes.apk"

# remote path -> local fixture file, in `pm path` order (base first)
REMOTE = {
    SHOPMATE: {f"{SHOPMATE_DIR}/base.apk": APK / "trackers" / "many-trackers.apk"},
    SKYFERRY: {
        f"{SKYFERRY_DIR}/base.apk": SPLIT / "base.apk",
        f"{SKYFERRY_DIR}/split_config.arm64_v8a.apk": SPLIT / "split_config.arm64_v8a.apk",
        f"{SKYFERRY_DIR}/split_feature_ads.apk": SPLIT / "split_feature_ads.apk",
    },
    NOTES: {NOTES_PATH: APK / "trackers" / "single-jpush.apk"},
}
ALL_FILES = {remote: local for files in REMOTE.values() for remote, local in files.items()}
# Commands that would change a phone; none may ever be sent.
WRITES = (
    "pm disable",
    "pm uninstall",
    "pm clear",
    "pm install",
    "settings put",
    "rm ",
    "am ",
    "cmd ",
    "setprop",
    "reboot",
    "su",
)


def pm_path(paths: list[str] | dict[str, Path]) -> Reply:
    return Reply(stdout="".join(f"package:{p}\n" for p in paths))


def phone(listing: list[str] | None = None, paths: dict[str, list[str]] | None = None, **extra: Reply) -> Recording:
    """A phone with the three apps installed (or ``listing``/``paths`` overriding them)."""
    listing = list(REMOTE) if listing is None else listing
    paths = {pkg: list(files) for pkg, files in REMOTE.items()} if paths is None else paths
    replies = {"pm list packages -3": Reply(stdout="".join(f"package:{p}\n" for p in listing))}
    replies |= {f"pm path {pkg}": pm_path(p) for pkg, p in paths.items()}
    replies |= extra
    return Recording(serial="replay-pull", replies=replies, files=dict(ALL_FILES))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pull(server: ReplayServer, dest: Path, **kwargs: object) -> PullResult:
    return pull_apks(dest, transport=AdbServerTransport(port=server.port), **kwargs)  # type: ignore[arg-type]


def recvs(server: ReplayServer) -> list[str]:
    return [path for ident, path in server.sync_requests if ident == "RECV"]


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def assert_read_only(server: ReplayServer) -> None:
    sent = list(server.commands)
    assert sent, "nothing was sent"
    rules = pull_commands()
    assert all(rules.is_allowed(c) for c in sent), sent
    assert not [c for c in sent if c.startswith(WRITES)]
    assert {ident for ident, _ in server.sync_requests} <= {"STAT", "STA2", "LST2", "RECV", "QUIT"}
    printed = set(ALL_FILES)  # only paths `pm path` printed are ever read
    assert {path for ident, path in server.sync_requests if ident != "QUIT"} <= printed


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer(phone()) as srv:
        yield srv


def test_every_apk_and_split_arrives_byte_identical_with_a_manifest(server: ReplayServer, tmp_path: Path) -> None:
    dest = tmp_path / "apks"
    steps: list[tuple[str, int, int]] = []
    result = pull(server, dest, observer=lambda s, d, t: steps.append((s, d, t)))

    assert [p.package for p in result.packages] == [SHOPMATE, SKYFERRY, NOTES]
    assert result.failures == ()
    assert files_under(dest) == {
        MANIFEST_NAME,
        f"{SHOPMATE}/base.apk",
        f"{SKYFERRY}/base.apk",
        f"{SKYFERRY}/split_config.arm64_v8a.apk",
        f"{SKYFERRY}/split_feature_ads.apk",
        f"{NOTES}/ExpressNotes.apk",
    }
    for package in result.packages:
        for f in package.files:
            original = REMOTE[package.package][f.remote_path]
            assert f.local_path == dest / package.package / f.name
            assert f.sha256 == sha256(f.local_path) == sha256(original)  # hashed while streaming
            assert f.size == original.stat().st_size and not f.reused
    assert result.files_pulled == 5
    assert result.bytes_pulled == sum(p.stat().st_size for p in ALL_FILES.values())
    # the truth file's own hashes of the fixtures, so a wrong fixture cannot pass either
    assert sha256(dest / SHOPMATE / "base.apk") == TRUTH["trackers/many-trackers.apk"]["sha256"]
    split_truth = TRUTH["trackers/split-com.skyferry.travel/"]["sha256"]
    assert {f.name: f.sha256 for f in result.packages[1].files} == split_truth

    manifest = json.loads((dest / MANIFEST_NAME).read_text(encoding="utf-8"))
    recorded = {pkg: {f["remote"]: f["sha256"] for f in entry["files"]} for pkg, entry in manifest["packages"].items()}
    assert recorded == {pkg: {r: sha256(p) for r, p in files.items()} for pkg, files in REMOTE.items()}
    assert all(entry["complete"] for entry in manifest["packages"].values())

    assert steps[-1] == ("done", 3, 3)
    assert [s for s in steps if s[0] in REMOTE] == [(SHOPMATE, 0, 3), (SKYFERRY, 1, 3), (NOTES, 2, 3)]
    assert_read_only(server)
    assert recvs(server) == list(ALL_FILES)  # each file read once, in pm path order


def test_a_second_run_pulls_nothing(server: ReplayServer, tmp_path: Path) -> None:
    first = pull(server, tmp_path)
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for pkg in first.packages for p in pkg.paths}
    server.sync_requests.clear()

    again = pull(server, tmp_path)

    assert recvs(server) == []  # sizes and mtimes re-checked with STA2, nothing read
    assert again.files_pulled == 0 and again.files_reused == 5 and again.bytes_pulled == 0
    assert [(p.package, p.paths) for p in again.packages] == [(p.package, p.paths) for p in first.packages]
    assert [f.sha256 for p in again.packages for f in p.files] == [f.sha256 for p in first.packages for f in p.files]
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in before} == before  # untouched


def test_a_damaged_local_copy_is_pulled_again(server: ReplayServer, tmp_path: Path) -> None:
    pull(server, tmp_path)
    damaged = tmp_path / SKYFERRY / "split_feature_ads.apk"
    damaged.write_bytes(damaged.read_bytes()[:1000])
    server.sync_requests.clear()

    result = pull(server, tmp_path)

    assert recvs(server) == [f"{SKYFERRY_DIR}/split_feature_ads.apk"]
    assert sha256(damaged) == sha256(SPLIT / "split_feature_ads.apk")
    assert result.files_pulled == 1 and result.files_reused == 4


def test_pulled_folders_scan_as_the_installed_apps(server: ReplayServer, tmp_path: Path) -> None:
    result = pull(server, tmp_path)
    reports = scan_paths(result.scan_paths(), kb=KnowledgeBase())

    assert [(r.package, r.kind, r.error) for r in reports] == [
        (SHOPMATE, "split_dir", None),
        (SKYFERRY, "split_dir", None),
        (NOTES, "apk", None),
    ]
    truth = [
        TRUTH["trackers/many-trackers.apk"],
        TRUTH["trackers/split-com.skyferry.travel/"],
        TRUTH["trackers/single-jpush.apk"],
    ]
    for report, expected in zip(reports, truth, strict=True):
        found = sorted(t.exodus_id for t in report.trackers if t.origin == "exodus" and t.exodus_id)
        assert found == sorted(expected["tracker_ids"]), report.package
        assert report.classes_scanned == expected["class_count"]
    assert len(reports[1].parts) == 3  # the split app is read as one app with all its parts


def test_cable_pulled_mid_file_leaves_no_partial_file_and_the_rerun_resumes(tmp_path: Path) -> None:
    shopmate = (APK / "trackers" / "many-trackers.apk").stat().st_size
    base = (SPLIT / "base.apk").stat().st_size
    cut = shopmate + base + 5000  # inside split_config.arm64_v8a.apk, the second file of the split app
    with (
        ReplayServer(phone(), cut_after_bytes=cut) as srv,
        pytest.raises(DeviceDisconnected, match="run again to resume") as info,
    ):
        pull(srv, tmp_path)
    assert "1 of 3 package(s)" in str(info.value)

    left = files_under(tmp_path)
    assert not [f for f in left if f.endswith(".part")]
    assert f"{SKYFERRY}/split_config.arm64_v8a.apk" not in left  # no truncated APK in place
    assert sha256(tmp_path / SHOPMATE / "base.apk") == sha256(APK / "trackers" / "many-trackers.apk")
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text(encoding="utf-8"))["packages"]
    assert manifest[SHOPMATE]["complete"] is True
    assert manifest[SKYFERRY]["complete"] is False  # base.apk kept on record, the app is incomplete
    assert [f["name"] for f in manifest[SKYFERRY]["files"]] == ["base.apk"]

    with ReplayServer(phone()) as srv:
        result = pull(srv, tmp_path)
        resumed = recvs(srv)
    assert resumed == [
        f"{SKYFERRY_DIR}/split_config.arm64_v8a.apk",
        f"{SKYFERRY_DIR}/split_feature_ads.apk",
        NOTES_PATH,
    ]
    assert result.files_reused == 2 and result.failures == ()
    for package in result.packages:
        for f in package.files:
            assert sha256(f.local_path) == sha256(REMOTE[package.package][f.remote_path])


@pytest.mark.parametrize(
    "hostile",
    [
        "/data/app/com.evil-1/../../../../tmp/owned.apk",
        "../../owned.apk",
        "/data/app/com.evil-1/base.apk/..",
        "/data/app/com.evil-1/.hidden.apk",
        "/data/app/com.evil-1//base.apk",
        "/data/app/com.evil-1/base.apk\rsplit_x.apk",
        "/data/app/com.evil-1/evil.so",
    ],
)
def test_a_hostile_remote_path_is_refused(hostile: str, tmp_path: Path) -> None:
    paths = {pkg: list(files) for pkg, files in REMOTE.items()}
    paths["com.evil"] = [f"{SKYFERRY_DIR}/base.apk", hostile]
    rec = phone(listing=[*REMOTE, "com.evil"], paths=paths)
    rec = replace(rec, files={**rec.files, hostile: b"PK\x03\x04 not for you"})
    dest = tmp_path / "apks"
    with ReplayServer(rec) as srv:
        result = pull(srv, dest)
        touched = {path for _, path in srv.sync_requests}

    assert [f.package for f in result.failures] == ["com.evil"]
    assert "refused" in result.failures[0].reason
    assert hostile not in touched  # never even asked for
    assert [p.package for p in result.packages] == list(REMOTE)  # the others still pulled
    assert set(os.listdir(tmp_path)) == {"apks"}  # nothing written outside dest
    assert not (dest / "com.evil").exists() or not any((dest / "com.evil").iterdir())


def test_a_hostile_package_name_is_never_sent_to_the_phone(tmp_path: Path) -> None:
    evil = ["../../etc", "com.x;reboot", "com.x$(id)", "-f", "com.x/../../y"]
    with ReplayServer(phone(listing=[*evil, SHOPMATE], paths={SHOPMATE: list(REMOTE[SHOPMATE])})) as srv:
        result = pull(srv, tmp_path)
        sent = list(srv.commands)
    assert sent == ["pm list packages -3", f"pm path {SHOPMATE}"]
    assert {f.reason for f in result.failures} == {"refused: not a valid Android package name"}
    assert [f.package for f in result.failures] == evil
    assert [p.package for p in result.packages] == [SHOPMATE]
    assert files_under(tmp_path) == {MANIFEST_NAME, f"{SHOPMATE}/base.apk"}


def test_package_names_that_would_share_a_folder_are_refused(tmp_path: Path) -> None:
    """`manifest.json` is a valid package id; `Com.Brightloop.Shopmate` is the same folder on macOS."""
    twin = "Com.Brightloop.Shopmate"
    listing = [SHOPMATE, "manifest.json", twin]
    notes = list(REMOTE[NOTES])
    paths = {SHOPMATE: list(REMOTE[SHOPMATE]), "manifest.json": notes, twin: notes}
    with ReplayServer(phone(listing=listing, paths=paths)) as srv:
        result = pull(srv, tmp_path)
    assert [p.package for p in result.packages] == [SHOPMATE]
    assert [f.package for f in result.failures] == ["manifest.json", twin]
    assert json.loads((tmp_path / MANIFEST_NAME).read_text(encoding="utf-8"))["packages"].keys() == {SHOPMATE}


def test_a_file_the_phone_will_not_send_fails_only_its_package(tmp_path: Path) -> None:
    rec = phone()
    missing = f"{SKYFERRY_DIR}/split_feature_ads.apk"
    rec = replace(rec, files={k: v for k, v in rec.files.items() if k != missing})
    with ReplayServer(rec) as srv:
        result = pull(srv, tmp_path)
    assert [(f.package, f.remote_path) for f in result.failures] == [(SKYFERRY, missing)]
    assert "does not exist" in result.failures[0].reason
    assert [p.package for p in result.packages] == [SHOPMATE, NOTES]
    assert result.scan_paths() == [tmp_path / SHOPMATE, tmp_path / NOTES]


def test_a_file_that_changes_during_the_pull_is_not_kept(tmp_path: Path) -> None:
    """An app updated mid-pull: the bytes read no longer match the size STAT announced."""
    on_phone = tmp_path / "phone-base.apk"
    on_phone.write_bytes((SPLIT / "base.apk").read_bytes())
    remote = f"{SKYFERRY_DIR}/base.apk"

    class UpdatedMidway(AdbServerTransport):
        def stat(self, serial: str, path: str) -> RemoteStat:
            st = super().stat(serial, path)
            if path == remote:  # the phone rewrites the file right after answering STAT
                on_phone.write_bytes(on_phone.read_bytes() + b"\0" * 4096)
            return st

    dest = tmp_path / "apks"
    rec = replace(phone(listing=[SKYFERRY]), files={**ALL_FILES, remote: on_phone})
    with ReplayServer(rec) as srv:
        result = pull_apks(dest, transport=UpdatedMidway(port=srv.port))
    assert [(f.package, f.remote_path) for f in result.failures] == [(SKYFERRY, remote)]
    assert "changed while it was pulled" in result.failures[0].reason
    assert not (dest / SKYFERRY / "base.apk").exists()
    assert not [f for f in files_under(dest) if f.endswith(".part")]


def test_files_over_the_size_bound_are_not_pulled(server: ReplayServer, tmp_path: Path) -> None:
    limit = 20_000  # single-jpush.apk (16,725 bytes) fits, the others do not
    result = pull(server, tmp_path, max_file_bytes=limit)
    assert [p.package for p in result.packages] == [NOTES]
    assert {f.package for f in result.failures} == {SHOPMATE, SKYFERRY}
    assert all("over the limit" in f.reason for f in result.failures)
    assert not [f for f in files_under(tmp_path) if f.startswith((SHOPMATE, SKYFERRY))]


def test_the_transport_stops_reading_at_the_bound_and_maps_refusals(server: ReplayServer) -> None:
    adb = AdbServerTransport(port=server.port)
    assert isinstance(adb, AdbPullTransport)
    got = bytearray()
    remote = f"{SHOPMATE_DIR}/base.apk"
    with pytest.raises(TooLargeError):
        adb.pull("replay-pull", remote, got.extend, max_bytes=100_000 - 53_589 + 1000)
    assert len(got) <= 100_000 - 53_589 + 1000
    with pytest.raises(AdbFileError, match="No such file"):
        adb.pull("replay-pull", "/data/app/nothing/base.apk", got.extend, max_bytes=1 << 20)
    st = adb.stat("replay-pull", remote)
    assert st.is_file and st.size == 53_589
    assert not adb.stat("replay-pull", "/data/app/nothing/base.apk").exists


def test_an_old_phone_without_stat_v2_or_shell_v2_is_pulled_with_stat_v1(tmp_path: Path) -> None:
    with ReplayServer(replace(phone(), features=())) as srv:
        result = pull(srv, tmp_path)
        idents = {ident for ident, _ in srv.sync_requests}
    assert "STAT" in idents and "STA2" not in idents
    assert result.files_pulled == 5 and result.failures == ()
    assert sha256(tmp_path / SKYFERRY / "base.apk") == sha256(SPLIT / "base.apk")


def test_an_old_phone_unplugged_during_the_listing_is_caught(tmp_path: Path) -> None:
    """Without shell v2 a cut listing looks complete; the pull must not carry on from it."""
    with (
        ReplayServer(replace(phone(), features=()), fail_after=0) as srv,
        pytest.raises(DeviceDisconnected, match="went away"),
    ):
        pull(srv, tmp_path)
    assert files_under(tmp_path) == set()


def test_an_app_update_replaces_its_files_and_drops_a_removed_split(server: ReplayServer, tmp_path: Path) -> None:
    pull(server, tmp_path)
    # After an update Android installs into a new random folder; here the ads feature was removed.
    new_dir = "/data/app/~~Zr8nW2kQ0vY5tLx1Pc7Hdg==/com.skyferry.travel-Me4Ua9Ks2Bo6Xi3Tf8Gw5A=="
    new = {
        f"{new_dir}/base.apk": SPLIT / "base.apk",
        f"{new_dir}/split_config.arm64_v8a.apk": SPLIT / "split_config.arm64_v8a.apk",
    }
    rec = phone(listing=[SKYFERRY], paths={SKYFERRY: list(new)})
    rec = replace(rec, files={**rec.files, **new})
    with ReplayServer(rec) as srv:
        result = pull(srv, tmp_path)
        read = recvs(srv)
    assert read == list(new)  # a new remote path is a new file, even with the same name and size
    assert sorted(os.listdir(tmp_path / SKYFERRY)) == ["base.apk", "split_config.arm64_v8a.apk"]
    assert [f.remote_path for f in result.packages[0].files] == list(new)


def test_explicit_packages_skip_the_listing(server: ReplayServer, tmp_path: Path) -> None:
    result = pull(server, tmp_path, packages=[SKYFERRY, "org.not.installed", "bad;name"])
    assert list(server.commands)[:1] == [f"pm path {SKYFERRY}"]
    assert not [c for c in server.commands if c.startswith("pm list")]
    assert not [c for c in server.commands if "bad" in c]
    assert [p.package for p in result.packages] == [SKYFERRY]
    reasons = {f.package: f.reason for f in result.failures}
    assert set(reasons) == {"org.not.installed", "bad;name"}
    assert reasons["org.not.installed"].startswith("not installed")


def test_a_second_android_user_is_handled_with_user_0(tmp_path: Path) -> None:
    denied = Reply(
        stderr="\nException occurred while executing 'list':\njava.lang.SecurityException: "
        "Shell does not have permission to access user 10\n",
        exit_code=255,
    )
    rec = phone(
        **{
            "pm list packages -3": denied,  # type: ignore[arg-type]
            "pm list packages -3 --user 0": Reply(stdout=f"package:{SHOPMATE}\n"),
            f"pm path --user 0 {SHOPMATE}": pm_path(list(REMOTE[SHOPMATE])),
        }
    )
    with ReplayServer(rec) as srv:
        result = pull(srv, tmp_path)
        sent = list(srv.commands)
    assert sent == ["pm list packages -3", "pm list packages -3 --user 0", f"pm path --user 0 {SHOPMATE}"]
    assert [p.package for p in result.packages] == [SHOPMATE]


def test_all_packages_mode_lists_every_installed_package(tmp_path: Path) -> None:
    system_app = "/system/priv-app/QuietNotes/QuietNotes.apk"
    rec = phone(
        **{
            "pm list packages": Reply(stdout=f"package:{SHOPMATE}\npackage:org.quietcraft.notes\n"),  # type: ignore[arg-type]
            "pm path org.quietcraft.notes": pm_path([system_app]),
        }
    )
    rec = replace(rec, files={**rec.files, system_app: APK / "trackers" / "clean-app.apk"})
    with ReplayServer(rec) as srv:
        result = pull(srv, tmp_path, third_party_only=False)
        sent = list(srv.commands)
    assert sent == ["pm list packages", f"pm path {SHOPMATE}", "pm path org.quietcraft.notes"]
    assert [f.remote_path for p in result.packages for f in p.files] == [*REMOTE[SHOPMATE], system_app]
    assert sha256(tmp_path / "org.quietcraft.notes" / "QuietNotes.apk") == sha256(APK / "trackers" / "clean-app.apk")


def test_a_recording_folder_can_serve_files(tmp_path: Path) -> None:
    """`python -m howsafe.sources.replay FOLDER` recordings may carry APKs (manifest "files")."""
    folder = tmp_path / "rec"
    folder.mkdir()
    (folder / "shopmate-base.apk").write_bytes((APK / "trackers" / "many-trackers.apk").read_bytes())
    remote = next(iter(REMOTE[SHOPMATE]))
    (folder / "manifest.json").write_text(
        json.dumps(
            {
                "serial": "rec-1",
                "commands": {
                    "pm list packages -3": {"stdout": f"package:{SHOPMATE}\n"},
                    f"pm path {SHOPMATE}": {"stdout": f"package:{remote}\n"},
                },
                "files": {remote: "../shopmate-base.apk"},  # only the file name counts: never leaves the folder
            }
        )
    )
    with ReplayServer(load_recording(folder)) as srv:
        result = pull(srv, tmp_path / "out")
    assert result.packages[0].files[0].sha256 == TRUTH["trackers/many-trackers.apk"]["sha256"]


def test_the_pull_allowlist_is_read_only_and_separate_from_collection() -> None:
    rules = pull_commands()
    templates = [*rules.list_third_party, *rules.list_all, *rules.path]
    for cmd in templates:
        assert cmd.startswith(("pm list packages", "pm path ")), cmd
        assert not any(ch in cmd for ch in ";|&><`$\n"), cmd
    assert rules.is_allowed(f"pm path {SKYFERRY}") and rules.is_allowed(f"pm path --user 0 {SKYFERRY}")
    for bad in (
        "pm path com.x;reboot",
        "pm path ../x",
        "pm uninstall com.x",
        "pm path com.x com.y",
        "pm list packages -3; rm -rf /sdcard",
    ):
        assert not rules.is_allowed(bad), bad
    # collect --adb never sends pm path (the snapshot does not need the files)
    assert not [c for c in allowed_commands() if c.startswith("pm path")]


def test_name_checks() -> None:
    assert apk_name(f"{SKYFERRY_DIR}/split_config.arm64_v8a.apk") == "split_config.arm64_v8a.apk"
    assert apk_name("/system/priv-app/Tag/Tag.apk") == "Tag.apk"
    for bad in ("/a/../b.apk", "b.apk", "/a/b.txt", "/a/.b.apk", "/a/b\x00.apk", "/" + "a" * 1100 + ".apk"):
        with pytest.raises(ValueError):
            apk_name(bad)
    assert is_package_name("com.miui.analytics") and is_package_name("android")
    for bad in ("", "1com.x", "com..x", "com.x.", ".com", "com/x", "com.x ", "a" * 256):
        assert not is_package_name(bad), bad


def test_an_unwritable_destination_is_one_clear_error(server: ReplayServer, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(InputError, match="cannot create the APK folder"):
        pull(server, blocker / "apks")
    assert server.commands == []
