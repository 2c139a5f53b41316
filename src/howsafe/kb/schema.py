"""One validation style for the knowledge data files: pydantic models, read once per knowledge base.

Each TOML file under ``kb/data`` that a loader in ``kb/`` reads has a model here or beside its
loader. :func:`load_toml_model` parses the file and validates it; any problem (a missing key, a
wrong type, an unknown key) becomes one :class:`~howsafe.errors.KnowledgeError` naming the file,
and the validated object is memoised on the :class:`~howsafe.kb.KnowledgeBase`.
"""

from __future__ import annotations

from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from howsafe.errors import KnowledgeError
from howsafe.kb.base import KnowledgeBase
from howsafe.kb.tomlfile import load_kb_toml


class KbModel(BaseModel):
    """Base of every knowledge-file model: frozen, and unknown keys are an error (typos show).

    Validators are built on first use (``defer_build``): a model that only the tests or an update
    command validate costs an audit nothing."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class FileMeta(KbModel):
    """The ``[meta]`` table: where the facts come from and under which licence."""

    licence: str
    source: str | None = None
    reference: str | None = None


M = TypeVar("M", bound=KbModel)


def first_error(exc: ValidationError) -> str:
    """``where: what`` of the first problem pydantic found (``android.3.eol: Input should be ...``)."""
    first = exc.errors()[0]
    return ".".join(str(p) for p in first["loc"]) + f": {first['msg']}"


def load_toml_model(kb: KnowledgeBase, name: str, model: type[M]) -> M:
    """``kb/data/<name>`` validated as ``model``, once per knowledge base."""

    def _load() -> M:
        raw = load_kb_toml(kb, name)
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            raise KnowledgeError(f"{name} is invalid: {first_error(exc)}") from exc

    return kb.memo(f"model:{name}", _load)


# --- Files read on first use with tomllib or json: validated in the tests and by the commands that
# install a new copy, not at run time ---


class ExodusTracker(KbModel):
    """One record of the εxodus tracker list (reports.exodus-privacy.eu.org/api/trackers).

    εxodus's own format: ``howsafe kb update`` checks a new list with it before installing it (the
    readers in apk.trackerdb and net.attribution do not validate). Fields εxodus adds later are
    ignored (an unknown key is not a typo here)."""

    model_config = ConfigDict(extra="ignore")  # merged with KbModel's (frozen, built on first use)

    id: int = Field(strict=True, ge=0)
    name: str = Field(min_length=1)
    code_signature: str = ""
    network_signature: str = ""
    categories: list[str] = []
    website: str | None = None
    creation_date: str | None = None


class ExodusTrackersFile(KbModel):
    """``trackers/exodus_trackers.json``: ``{"trackers": {"<id>": {...}}}``."""

    model_config = ConfigDict(extra="ignore")  # merged with KbModel's (frozen, built on first use)

    trackers: dict[str, ExodusTracker]


class LifecycleProduct(KbModel):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    brands: list[str] = Field(min_length=1)


class LifecycleProductsFile(KbModel):
    """``lifecycle/products.toml``: the endoflife.date products that list phones, and their brands."""

    meta: FileMeta
    product: list[LifecycleProduct] = Field(min_length=1)


EolDate = str | bool
"""An end date as endoflife.date gives it: an ISO date, ``true`` (ended, date not published) or ``false``."""


class LifecycleRow(KbModel):
    """One release cycle of an endoflife.date product (Android, a phone model, a Linux branch)."""

    cycle: str
    label: str | None = None
    release: str | None = None
    eol: EolDate | None = None
    eoas: EolDate | None = None
    api: str | None = None
    codename: str | None = None
    models: list[str] = []  # Samsung SM- model codes from the model's support-page link


class KernelBranch(KbModel):
    """An Android common kernel branch from AOSP ``kernel-lifetimes.xml``."""

    branch: str
    version: str = Field(pattern=r"^[0-9]{1,4}\.[0-9]{1,4}$")
    launch: str
    eol: str
    min_android_release: str


class LifecycleFile(KbModel):
    """``lifecycle/lifecycle.json``: end of support of Android releases, phone models and kernels.

    Also the check ``howsafe kb update`` runs on a refreshed copy before it replaces anything."""

    schema_version: Literal[1] = Field(alias="schema")
    source: str
    licence: str
    generated: str | None = None  # set on a copy refreshed by `howsafe kb update`
    android: list[LifecycleRow] = Field(min_length=1)
    devices: dict[str, list[LifecycleRow]]
    kernel: list[KernelBranch]
    linux: list[LifecycleRow] = []


class LifecycleCorrection(KbModel):
    was: str  # the value the source still carries
    eol: str
    source: str


class LifecycleCorrectionsFile(KbModel):
    """``lifecycle/corrections.json``: Android end-of-support dates the security bulletins contradict."""

    about: str
    android: dict[str, LifecycleCorrection]


class XiaomiRegionsFile(KbModel):
    """``identity/xiaomi_regions.toml``: the region letters of Xiaomi build numbers."""

    meta: FileMeta
    regions: dict[str, str] = Field(min_length=1)


class SocVendor(KbModel):
    name: str
    bulletin: str
    declared: list[str]
    platform: str


class SocVendorsFile(KbModel):
    """``soc/vendors.toml``: the one SoC vendor table (device identity and vulnerability matching)."""

    meta: FileMeta
    vendor: list[SocVendor]


class BulletinVendor(KbModel):
    key: str
    name: str
    role: Literal["soc", "oem", "part"]
    brands: list[str] = []
    prefix_only: bool = False


class ComponentWords(KbModel):
    type_phrases: list[tuple[str, Literal["RCE", "EoP", "ID", "DoS"]]]
    not_phone: list[str]
    media: list[str]
    framework: list[str]


class BulletinComponentsFile(KbModel):
    """``vulns/components.toml``: vendors and component groups of the security bulletins."""

    meta: FileMeta
    vendor: list[BulletinVendor]
    severity: dict[str, Literal["critical", "high", "medium", "low"]]
    words: ComponentWords


class DomainList(KbModel):
    source: str
    url: str
    purpose: Literal["telemetry", "ads"]
    purpose_needs_tag: str | None = None


class PhoneVendor(KbModel):
    source: str = Field(pattern=r"^https://")


DomainPurpose = Literal[
    "telemetry", "ads", "analytics", "push", "cloud", "update", "cdn", "app-api", "connectivity",
    "time", "iot", "dns", "store", "social", "video", "maps",
]  # fmt: skip


class DomainEntry(KbModel):
    name: str = Field(min_length=1)
    owner: str | None = None
    purpose: DomainPurpose | None = None
    source: str = Field(min_length=1)
    whole_suffix: bool = False


class DomainVendorsFile(KbModel):
    """``domains/vendors.toml``: howsafe's own owner/purpose entries and the vendors' opt-out menus."""

    domain: list[DomainEntry]
    optout: dict[str, dict[str, str]] = {}


class Country(KbModel):
    name: str
    severity: Literal["info", "low", "medium", "high", "critical"]
    why: str
    source: str


class CountriesFile(KbModel):
    """``domains/countries.toml``: how much data sent to a server registered in a country weighs."""

    default: Literal["info", "low", "medium", "high", "critical"]
    country: dict[str, Country]


class DomainListsFile(KbModel):
    """``domains/lists.toml``: how the vendor domain lists and εxodus categories are read, and
    which owners make phones."""

    meta: FileMeta
    lists: dict[str, DomainList]
    owners: dict[str, str]
    exodus_purpose: dict[str, Literal["ads", "analytics", "telemetry"]]
    phone_vendors: dict[str, PhoneVendor] = Field(min_length=1)
