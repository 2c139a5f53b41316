"""Phones for the harden tests: replay recordings rendered from real device folders of the test data.

- Xiaomi China ROM: ``xiaomi-sheng-OS2.0.205.0.VNXCNXM`` (HyperOS CN, live getprop; no public package
  list exists for a China ROM among the fixtures, so its plan holds the settings steps);
- Xiaomi Global ROM: ``redmi-garnet-OS2.0.205.0.VNRMIXM`` (HyperOS Global firmware dump, 229 packages);
- Samsung: ``samsung-a02-A022FXXU2BUK2`` (One UI firmware dump);
- Pixel: ``google-redfin-7005429`` (stock firmware dump).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import DEVICES
from howsafe.engine import Auditor
from howsafe.harden import Plan, build_plan
from howsafe.harden.model import Level
from howsafe.kb import KnowledgeBase
from howsafe.score import load_profile
from howsafe.sources.adb import collect_adb
from howsafe.sources.adb_transport import AdbServerTransport
from howsafe.sources.replay import Recording, ReplayServer, recording_from_device_folder

CHINA = "xiaomi-sheng-OS2.0.205.0.VNXCNXM"
GLOBAL = "redmi-garnet-OS2.0.205.0.VNRMIXM"
SAMSUNG = "samsung-a02-A022FXXU2BUK2"
PIXEL = "google-redfin-7005429"
PHONES = (CHINA, GLOBAL, SAMSUNG, PIXEL)
NOW = dt.datetime(2026, 1, 15, tzinfo=dt.UTC)


def recording(name: str) -> Recording:
    return recording_from_device_folder(DEVICES / name)


def transport(server: ReplayServer) -> AdbServerTransport:
    return AdbServerTransport("127.0.0.1", server.port, timeout=10)


def plan_over_adb(server: ReplayServer, *, level: Level = "safe", profile: str = "everyday") -> Plan:
    """Read the replayed phone over TCP adb, audit it and plan: what `howsafe harden --adb` does."""
    kb = KnowledgeBase.default()
    snap = collect_adb(server.devices[0].serial, transport=transport(server))
    auditor = Auditor(kb)
    report = auditor.run(auditor.context(snap), load_profile(profile))
    return build_plan(snap, kb, load_profile(profile), report.findings, level=level, now=NOW)


def device_dir(name: str) -> Path:
    return DEVICES / name
