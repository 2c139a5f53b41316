"""One validation style for the knowledge data files: msgspec structs, read once per knowledge base.

Each TOML file under ``kb/data`` that a loader in ``kb/`` reads has a model here or beside its
loader. :func:`load_toml_model` parses the file and validates it; any problem (a missing key, a
wrong type, an unknown key) becomes one :class:`~howsafe.errors.KnowledgeError` naming the file
and the place, and the validated object is memoised on the :class:`~howsafe.kb.KnowledgeBase`.

Why msgspec and not pydantic (issue 13, start-up cost): importing pydantic's model machinery was
about 450M of the ~2,030M instructions of a whole ``howsafe audit`` (valgrind callgrind), and every
audit validates several of these files. Measured the same way on 5 December, loading the knowledge
an audit reads (permissions, root tools, cloud services, never-list, China-ROM rules, vendor
settings, profile questions, the compiled package database) went from 1,134M instructions with
pydantic to 570M with msgspec (Python's own start-up is 40M of each).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final, Literal, TypeVar

import msgspec

from howsafe.errors import KnowledgeError
from howsafe.kb.base import KnowledgeBase
from howsafe.kb.tomlfile import load_kb_toml


class KbModel(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Base of every knowledge-file model: frozen, and unknown keys are an error (typos show).

    Each subclass repeats ``frozen=True, kw_only=True``: msgspec inherits ``frozen`` (and
    ``forbid_unknown_fields``) but mypy's dataclass view of a struct does not, and ``kw_only``
    applies only to the fields a class itself defines. Keyword-only fields are what the pydantic
    models had, and let a required field follow one with a default."""


class KbRecord(msgspec.Struct, frozen=True):
    """Base of the records a loader builds in memory from files it has already validated (package
    answers, removal groups, ROM markets ...): never decoded from a file, so no key checking.

    msgspec records rather than frozen dataclasses because an audit imports every loader, and
    CPython 3.11 builds a dataclass by compiling each generated method from source (~3.7M
    instructions a class) where msgspec builds a record type in C. Subclasses repeat
    ``frozen=True`` for mypy, as with :class:`KbModel`."""


M = TypeVar("M", bound=KbModel)

END: Final = r"(?!\n)$"
"""The end of a ``Meta(pattern=...)``: msgspec matches with Python's :mod:`re`, whose ``$`` also
matches before a final newline; pydantic's (Rust) ``$`` did not, so ``"abc\\n"`` stays refused."""


def validate(raw: object, model: type[M]) -> M:
    """``raw`` (parsed TOML or JSON) as ``model``; raises :class:`msgspec.ValidationError`.

    Strict (msgspec's default): no value is coerced into another type (``"1"`` is not an int, ``1``
    not a bool), which the shipped files never need."""
    return msgspec.convert(raw, model)


class FileMeta(KbModel, frozen=True, kw_only=True):
    """The ``[meta]`` table: where the facts come from and under which licence."""

    licence: str
    source: str | None = None
    reference: str | None = None


# --- Rendering msgspec's one error as ``where: what`` ---

_ANY: Final = object()  # msgspec's ``[...]``: a value of a dict, whose key it does not name
# patterns as strings, compiled (and cached by re) only when a file is bad: no cost at start-up
_PATH_STEP = r"\.([^.\[]+)|\[(\d+)\]|\[\.\.\.\]"
_UNKNOWN = r"Object contains unknown field `(.*)`"
_MISSING = r"Object missing required field `(.*)`"


def _path_tokens(path: str) -> list[object]:
    out: list[object] = []
    for m in re.finditer(_PATH_STEP, path):
        out.append(m.group(1) if m.group(1) is not None else int(m.group(2)) if m.group(2) is not None else _ANY)
    return out


def _get(node: Any, keys: list[Any]) -> Any:
    for k in keys:
        node = node[k]
    return node


def _replace(node: Any, keys: list[Any], value: object) -> Any:
    """A copy of ``node`` with the value at ``keys`` replaced (only the containers on the way copied)."""
    if not keys:
        return value
    copy: Any = dict(node) if isinstance(node, dict) else list(node)
    copy[keys[0]] = _replace(node[keys[0]], keys[1:], value)
    return copy


def _locate(raw: object, model: type[KbModel], text: str, tokens: list[object]) -> list[str]:
    """The path of ``tokens`` with each dict key msgspec left out (``[...]``) found again.

    msgspec reports the first bad value of a dict without its key. The key is the first one whose
    item alone, with the rest of the document unchanged, gives the same error: validation stops at
    the first problem, so every item before it passed. Only runs for a file that is already bad."""
    out: list[str] = []
    keys: list[Any] = []
    lost = False
    for tok in tokens:
        if tok is not _ANY:
            out.append(str(tok))
            keys.append(tok)
            continue
        found: object = _ANY
        if not lost:
            try:
                node = _get(raw, keys)
            except (LookupError, TypeError):
                node = None
            for key, value in node.items() if isinstance(node, dict) else ():
                trial = _replace(raw, keys, {key: value})
                try:
                    validate(trial, model)
                except msgspec.ValidationError as exc:
                    if str(exc) == text:
                        found, raw = key, trial
                        break
        if found is _ANY:
            lost = True
            out.append("[...]")
        else:
            out.append(str(found))
            keys.append(found)
    return out


def first_error(exc: msgspec.ValidationError, raw: object, model: type[KbModel]) -> str:
    """``where: what`` of the problem msgspec found in ``raw`` validated as ``model``
    (``android.3.eol: Expected `str`, got `int```, ``group.0.chekc: unknown key``).

    The same spirit as pydantic's ``loc: msg``: a dotted path with list indexes and dict keys."""
    text = str(exc)
    what, sep, at = text.rpartition(" - at ")
    if not sep:
        what, at = text, ""
    is_key = at.startswith("`key` in ")
    tokens = _path_tokens(at.removeprefix("`key` in ").strip("`").removeprefix("$"))
    if is_key:
        tokens.append(_ANY)
    for pattern, words in ((_UNKNOWN, "unknown key"), (_MISSING, "missing required key")):
        if m := re.fullmatch(pattern, what):
            tokens.append(m.group(1))
            what = words
    where = ".".join(_locate(raw, model, text, tokens)) or "top level"
    return f"{where}: {'key ' if is_key else ''}{what}"


def load_toml_model(kb: KnowledgeBase, name: str, model: type[M]) -> M:
    """``kb/data/<name>`` validated as ``model``, once per knowledge base."""

    def _load() -> M:
        raw = load_kb_toml(kb, name)
        try:
            return validate(raw, model)
        except msgspec.ValidationError as exc:
            raise KnowledgeError(f"{name} is invalid: {first_error(exc, raw, model)}") from exc

    return kb.memo(f"model:{name}", _load)


# --- Files read on first use with tomllib or json: validated in the tests and by the commands that
# install a new copy, not at run time ---


class ExodusTracker(KbModel, frozen=True, kw_only=True, forbid_unknown_fields=False):
    """One record of the εxodus tracker list (reports.exodus-privacy.eu.org/api/trackers).

    εxodus's own format: ``howsafe kb update`` checks a new list with it before installing it (the
    readers in apk.trackerdb and net.attribution do not validate). Fields εxodus adds later are
    ignored (an unknown key is not a typo here)."""

    id: Annotated[int, msgspec.Meta(ge=0)]  # strict like every field: "7" and true are refused
    name: Annotated[str, msgspec.Meta(min_length=1)]
    code_signature: str = ""
    network_signature: str = ""
    categories: list[str] = []
    website: str | None = None
    creation_date: str | None = None


class ExodusTrackersFile(KbModel, frozen=True, kw_only=True, forbid_unknown_fields=False):
    """``trackers/exodus_trackers.json``: ``{"trackers": {"<id>": {...}}}``."""

    trackers: dict[str, ExodusTracker]


class LifecycleProduct(KbModel, frozen=True, kw_only=True):
    id: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9-]+" + END)]
    brands: Annotated[list[str], msgspec.Meta(min_length=1)]


class LifecycleProductsFile(KbModel, frozen=True, kw_only=True):
    """``lifecycle/products.toml``: the endoflife.date products that list phones, and their brands."""

    meta: FileMeta
    product: Annotated[list[LifecycleProduct], msgspec.Meta(min_length=1)]


EolDate = str | bool
"""An end date as endoflife.date gives it: an ISO date, ``true`` (ended, date not published) or ``false``."""


class LifecycleRow(KbModel, frozen=True, kw_only=True):
    """One release cycle of an endoflife.date product (Android, a phone model, a Linux branch)."""

    cycle: str
    label: str | None = None
    release: str | None = None
    eol: EolDate | None = None
    eoas: EolDate | None = None
    api: str | None = None
    codename: str | None = None
    models: list[str] = []  # Samsung SM- model codes from the model's support-page link


class KernelBranch(KbModel, frozen=True, kw_only=True):
    """An Android common kernel branch from AOSP ``kernel-lifetimes.xml``."""

    branch: str
    version: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,4}\.[0-9]{1,4}" + END)]
    launch: str
    eol: str
    min_android_release: str


class LifecycleFile(KbModel, frozen=True, kw_only=True):
    """``lifecycle/lifecycle.json``: end of support of Android releases, phone models and kernels.

    Also the check ``howsafe kb update`` runs on a refreshed copy before it replaces anything."""

    schema_version: Literal[1] = msgspec.field(name="schema")  # required: no default, named "schema" in the file
    source: str
    licence: str
    generated: str | None = None  # set on a copy refreshed by `howsafe kb update`
    android: Annotated[list[LifecycleRow], msgspec.Meta(min_length=1)]
    devices: dict[str, list[LifecycleRow]]
    kernel: list[KernelBranch]
    linux: list[LifecycleRow] = []


class LifecycleCorrection(KbModel, frozen=True, kw_only=True):
    was: str  # the value the source still carries
    eol: str
    source: str


class LifecycleCorrectionsFile(KbModel, frozen=True, kw_only=True):
    """``lifecycle/corrections.json``: Android end-of-support dates the security bulletins contradict."""

    about: str
    android: dict[str, LifecycleCorrection]


class XiaomiRegionsFile(KbModel, frozen=True, kw_only=True):
    """``identity/xiaomi_regions.toml``: the region letters of Xiaomi build numbers."""

    meta: FileMeta
    regions: Annotated[dict[str, str], msgspec.Meta(min_length=1)]


class SocVendor(KbModel, frozen=True, kw_only=True):
    name: str
    bulletin: str
    declared: list[str]
    platform: str


class SocVendorsFile(KbModel, frozen=True, kw_only=True):
    """``soc/vendors.toml``: the one SoC vendor table (device identity and vulnerability matching)."""

    meta: FileMeta
    vendor: list[SocVendor]


class BulletinVendor(KbModel, frozen=True, kw_only=True):
    key: str
    name: str
    role: Literal["soc", "oem", "part"]
    brands: list[str] = []
    prefix_only: bool = False


class ComponentWords(KbModel, frozen=True, kw_only=True):
    type_phrases: list[tuple[str, Literal["RCE", "EoP", "ID", "DoS"]]]
    not_phone: list[str]
    media: list[str]
    framework: list[str]


class BulletinComponentsFile(KbModel, frozen=True, kw_only=True):
    """``vulns/components.toml``: vendors and component groups of the security bulletins."""

    meta: FileMeta
    vendor: list[BulletinVendor]
    severity: dict[str, Literal["critical", "high", "medium", "low"]]
    words: ComponentWords


class DomainList(KbModel, frozen=True, kw_only=True):
    source: str
    url: str
    purpose: Literal["telemetry", "ads"]
    purpose_needs_tag: str | None = None


class PhoneVendor(KbModel, frozen=True, kw_only=True):
    source: Annotated[str, msgspec.Meta(pattern=r"^https://")]


DomainPurpose = Literal[
    "telemetry", "ads", "analytics", "push", "cloud", "update", "cdn", "app-api", "connectivity",
    "time", "iot", "dns", "store", "social", "video", "maps",
]  # fmt: skip


class DomainEntry(KbModel, frozen=True, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1)]
    owner: str | None = None
    purpose: DomainPurpose | None = None
    source: Annotated[str, msgspec.Meta(min_length=1)]
    whole_suffix: bool = False


class DomainVendorsFile(KbModel, frozen=True, kw_only=True):
    """``domains/vendors.toml``: howsafe's own owner/purpose entries and the vendors' opt-out menus."""

    domain: list[DomainEntry]
    optout: dict[str, dict[str, str]] = {}


class Country(KbModel, frozen=True, kw_only=True):
    name: str
    severity: Literal["info", "low", "medium", "high", "critical"]
    why: str
    source: str


class CountriesFile(KbModel, frozen=True, kw_only=True):
    """``domains/countries.toml``: how much data sent to a server registered in a country weighs."""

    default: Literal["info", "low", "medium", "high", "critical"]
    country: dict[str, Country]


class DomainListsFile(KbModel, frozen=True, kw_only=True):
    """``domains/lists.toml``: how the vendor domain lists and εxodus categories are read, and
    which owners make phones."""

    meta: FileMeta
    lists: dict[str, DomainList]
    owners: dict[str, str]
    exodus_purpose: dict[str, Literal["ads", "analytics", "telemetry"]]
    phone_vendors: Annotated[dict[str, PhoneVendor], msgspec.Meta(min_length=1)]
