"""The one place where raw command outputs become a Snapshot.

Every source (a live phone over adb, an androidqf acquisition, a bugreport, a folder of saved
outputs) gathers text under the canonical keys below and calls :func:`snapshot_from_outputs`, so
the same quirk is handled once and every source yields the same record.

Canonical keys (all optional; a missing key becomes an entry in ``Snapshot.missing``):

========================  ==========================================================
``getprop``               ``getprop``
``packages``              ``pm list packages`` with any of ``-f -i -U -u``
``packages_disabled``     ``pm list packages -d`` (marks those disabled, others enabled)
``packages_system``       ``pm list packages -s`` (marks system apps, others not)
``packages_third_party``  ``pm list packages -3`` (marks user apps, others system;
                          ``packages_thirdparty`` is accepted too)
``packages_installed``    plain ``pm list packages`` (without ``-u``: those missing from it were
                          uninstalled for the user and are marked installed=False, enabled=False)
``settings_global``       ``settings list global`` (same for ``_secure`` / ``_system``)
``dumpsys_package``       ``dumpsys package``
``dumpsys``               full ``dumpsys``: split into services, used where no
                          ``dumpsys_<service>`` key was given
``dumpsys_accessibility`` ``dumpsys accessibility`` (``_device_policy``, ``_notification``,
                          ``_backup`` likewise)
``getenforce``            ``getenforce``
``ps``                    ``ps -A`` (or ``ps``)
``proc_version``          ``cat /proc/version``
``root_binaries``         newline list of paths where a root binary was found (empty = none)
========================  ==========================================================
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping

from msgspec.structs import replace

from howsafe.model import Backup, Missing, Package, Process, Snapshot, SourceInfo, SpecialAccess
from howsafe.parse.app_ids import SECTIONS as APP_ID_SECTIONS
from howsafe.parse.app_ids import app_ids_in
from howsafe.parse.dumpsys import (
    parse_accessibility,
    parse_backup,
    parse_device_policy,
    parse_notification_listeners,
    split_dumpsys,
)
from howsafe.parse.dumpsys_package import DumpsysPackage, parse_dumpsys_package
from howsafe.parse.getprop import parse_getprop
from howsafe.parse.misc import parse_getenforce, parse_kernel_version, parse_root_binaries
from howsafe.parse.pm_list import PmPackage, parse_pm_list
from howsafe.parse.ps import parse_ps
from howsafe.parse.settings import parse_settings
from howsafe.sources.identity import device_from_properties, integrity_from_properties
from howsafe.sources.redact import redact_mapping

log = logging.getLogger(__name__)

NOT_IN_SOURCE = "not in the source"
SETTINGS_NAMESPACES = ("global", "secure", "system")
_SYSTEM_PARTITIONS = (
    "/system/", "/product/", "/vendor/", "/system_ext/", "/odm/", "/apex/", "/mi_ext/", "/my_",
    "/oem/", "/cust/", "/preload/", "/hw_product/", "/version/", "/prism/", "/optics/",
)  # fmt: skip

# Mainline module metadata package: its version names the Google Play system update level.
_MAINLINE_IDS = ("com.google.android.modulemetadata", "com.android.modulemetadata")


def _get(outputs: Mapping[str, str], key: str) -> str | None:
    value = outputs.get(key)
    return value if value is not None else None


def _id_set(text: str | None) -> set[str] | None:
    return None if text is None else set(parse_pm_list(text))


def _system_from_path(paths: tuple[str, ...]) -> bool | None:
    """True when an APK lives on a read-only system partition; None otherwise (an updated
    system app lives in /data/app too, so /data says nothing)."""
    if paths and all(p.startswith(_SYSTEM_PARTITIONS) for p in paths):
        return True
    return None


def _build_packages(
    listed: dict[str, PmPackage] | None,
    dumped: dict[str, DumpsysPackage] | None,
    *,
    disabled: set[str] | None,
    system: set[str] | None,
    thirdparty: set[str] | None,
    tz: dt.tzinfo | None,
    installed: set[str] | None = None,
) -> tuple[Package, ...] | None:
    if listed is None and dumped is None:
        return None
    ids: list[str] = list(listed) if listed is not None else list(dumped or {})
    if listed is not None and dumped is not None:
        ids.extend(i for i in dumped if i not in listed and dumped[i].installed is not False)
    out: list[Package] = []
    for pkg_id in ids:
        pm = (listed or {}).get(pkg_id)
        ds = (dumped or {}).get(pkg_id)
        paths = pm.apk_paths if pm and pm.apk_paths else ()
        if not paths and ds and ds.code_path:
            paths = (ds.code_path,)
        is_system: bool | None = ds.system if ds else None
        if system is not None:
            is_system = pkg_id in system
        elif thirdparty is not None:
            is_system = pkg_id not in thirdparty
        if is_system is None:
            is_system = _system_from_path(paths)
        enabled: bool | None = ds.enabled if ds else None
        if disabled is not None:
            enabled = pkg_id not in disabled
        # `pm list packages -u` also lists apps removed for the user (pm uninstall --user 0, the
        # usual debloat); the plain list does not. Absent from it means: kept on /system, not active.
        is_installed: bool | None = ds.installed if ds else None
        if installed is not None:
            is_installed = pkg_id in installed
            if not is_installed:
                enabled = False
        version_code = ds.version_code if ds and ds.version_code is not None else None
        if version_code is None and pm is not None:
            version_code = pm.version_code
        out.append(
            Package(
                id=pkg_id,
                version_code=version_code,
                version_name=ds.version_name if ds else None,
                installer=(pm.installer if pm and pm.installer else (ds.installer if ds else None)),
                uid=(pm.uid if pm and pm.uid is not None else (ds.uid if ds else None)),
                system=is_system,
                enabled=enabled,
                installed=is_installed,
                first_install=_with_tz(ds.first_install, tz) if ds else None,
                last_update=_with_tz(ds.last_update, tz) if ds else None,
                apk_paths=paths,
                granted_permissions=ds.granted_permissions if ds else None,
                requested_permissions=ds.requested_permissions if ds else None,
                target_sdk=ds.target_sdk if ds else None,
            )
        )
    return tuple(out)


def _with_tz(value: dt.datetime | None, tz: dt.tzinfo | None) -> dt.datetime | None:
    if value is None or tz is None:
        return value
    return value.replace(tzinfo=tz)


def _device_tz(props: Mapping[str, str]) -> dt.tzinfo | None:
    """The phone's zone (``persist.sys.timezone``) so dumpsys wall times become instants."""
    name = (props.get("persist.sys.timezone") or "").strip()
    if not name:
        return None
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        log.debug("unknown device time zone %r; install times stay naive", name)
        return None


def snapshot_from_outputs(outputs: Mapping[str, str], *, source: SourceInfo, redact: bool = True) -> Snapshot:
    """Parse every output present, derive device identity and integrity, record what is missing."""
    missing: list[Missing] = []

    props: dict[str, str] = {}
    getprop_text = _get(outputs, "getprop")
    if getprop_text is None:
        missing.append(Missing(item="properties", reason=NOT_IN_SOURCE))
    else:
        parsed = parse_getprop(getprop_text)
        props = parsed.properties
        if parsed.truncated:
            missing.append(Missing(item="properties", reason="getprop output was cut off; the last entry is lost"))
        if not props:
            missing.append(Missing(item="properties", reason="getprop output held no properties"))

    settings: dict[str, dict[str, str]] = {}
    for ns in SETTINGS_NAMESPACES:
        text = _get(outputs, f"settings_{ns}")
        if text is None:
            missing.append(Missing(item=f"settings.{ns}", reason=NOT_IN_SOURCE))
        else:
            settings[ns] = parse_settings(text)

    sections: dict[str, str] = {}
    full = _get(outputs, "dumpsys")
    if full is not None:
        sections = split_dumpsys(full)

    def service(name: str) -> str | None:
        direct = _get(outputs, f"dumpsys_{name}")
        return direct if direct is not None else sections.get(name)

    pm_text = _get(outputs, "packages")
    listed = parse_pm_list(pm_text) if pm_text is not None else None
    pkg_dump = service("package")
    dumped = parse_dumpsys_package(pkg_dump) if pkg_dump is not None else None
    if dumped is not None and not dumped:
        dumped = None
    if listed is None and dumped is None:
        missing.append(Missing(item="packages", reason=NOT_IN_SOURCE))
    if pkg_dump is None:
        missing.append(Missing(item="dumpsys.package", reason=NOT_IN_SOURCE))
    packages = _build_packages(
        listed,
        dumped,
        disabled=_id_set(_get(outputs, "packages_disabled")),
        system=_id_set(_get(outputs, "packages_system")),
        thirdparty=_id_set(_get(outputs, "packages_third_party") or _get(outputs, "packages_thirdparty")),
        tz=_device_tz(props),
        installed=_id_set(_get(outputs, "packages_installed")),
    )

    secure = settings.get("secure", {})
    acc_text = service("accessibility")
    accessibility: tuple[str, ...] | None = None
    if acc_text is not None:
        accessibility = parse_accessibility(acc_text)
    elif "enabled_accessibility_services" in secure:
        accessibility = tuple(s for s in secure["enabled_accessibility_services"].split(":") if "/" in s)
    else:
        missing.append(Missing(item="special_access.accessibility_services", reason=NOT_IN_SOURCE))
    dp_text = service("device_policy")
    admins = parse_device_policy(dp_text) if dp_text is not None else None
    if admins is None:
        missing.append(Missing(item="special_access.device_admins", reason=NOT_IN_SOURCE))
    nl_text = service("notification")
    listeners: tuple[str, ...] | None = None
    if nl_text is not None:
        listeners = parse_notification_listeners(nl_text)
    elif "enabled_notification_listeners" in secure:
        listeners = tuple(s for s in secure["enabled_notification_listeners"].split(":") if "/" in s)
    else:
        missing.append(Missing(item="special_access.notification_listeners", reason=NOT_IN_SOURCE))
    special = SpecialAccess(
        accessibility_services=accessibility,
        device_admins=admins,
        notification_listeners=listeners,
        default_sms=secure.get("sms_default_application") or None,
        default_dialer=secure.get("dialer_default_application") or None,
    )

    bk_text = service("backup")
    if bk_text is not None:
        state = parse_backup(bk_text)
        backup = Backup(enabled=state.enabled, transport=state.transport, source="dumpsys backup")
    elif "backup_enabled" in secure or "backup_transport" in secure:
        flag = secure.get("backup_enabled")
        backup = Backup(
            enabled=None if flag is None else flag.strip() == "1",
            transport=secure.get("backup_transport") or None,
            source="settings secure",
        )
    else:
        backup = Backup()
        missing.append(Missing(item="backup", reason=NOT_IN_SOURCE))

    enforce_text = _get(outputs, "getenforce")
    enforce = parse_getenforce(enforce_text) if enforce_text is not None else None
    if enforce_text is None:
        missing.append(Missing(item="selinux", reason=NOT_IN_SOURCE))

    ps_text = _get(outputs, "ps")
    processes: tuple[Process, ...] | None = None
    if ps_text is None:
        missing.append(Missing(item="processes", reason=NOT_IN_SOURCE))
    else:
        processes = tuple(Process(pid=r.pid, ppid=r.ppid, user=r.user, name=r.name) for r in parse_ps(ps_text))

    app_ids_seen: dict[str, tuple[str, ...]] = {}
    for name in APP_ID_SECTIONS:
        text = service(name)
        if text:
            ids = app_ids_in(text, name)
            if ids:
                app_ids_seen[name] = ids

    kv_text = _get(outputs, "proc_version")
    kernel = parse_kernel_version(kv_text) if kv_text is not None else None
    if kv_text is None:
        missing.append(Missing(item="kernel", reason=NOT_IN_SOURCE))

    rb_text = _get(outputs, "root_binaries")
    root = parse_root_binaries(rb_text) if rb_text is not None else None
    if rb_text is None:
        missing.append(Missing(item="root_binaries", reason=NOT_IN_SOURCE))

    device = device_from_properties(props, kernel=kernel)
    if packages:
        for mid in _MAINLINE_IDS:
            meta = next((p for p in packages if p.id == mid and p.version_name), None)
            if meta is not None:
                device = replace(device, mainline_version=meta.version_name)
                break
    integrity = integrity_from_properties(props, getenforce=enforce, root_binaries=root)

    if redact:
        props = redact_mapping(props)
        settings = {ns: redact_mapping(table) for ns, table in settings.items()}

    return Snapshot(
        source=source,
        device=device,
        integrity=integrity,
        properties=props,
        settings=settings,
        packages=packages,
        processes=processes,
        app_ids_seen=app_ids_seen,
        special_access=special,
        backup=backup,
        missing=tuple(missing),
        redacted=redact,
    )
