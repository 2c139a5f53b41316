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
    """Base of every knowledge-file model: frozen, and unknown keys are an error (typos show)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class FileMeta(KbModel):
    """The ``[meta]`` table: where the facts come from and under which licence."""

    licence: str
    source: str | None = None
    reference: str | None = None


M = TypeVar("M", bound=KbModel)


def load_toml_model(kb: KnowledgeBase, name: str, model: type[M]) -> M:
    """``kb/data/<name>`` validated as ``model``, once per knowledge base."""

    def _load() -> M:
        raw = load_kb_toml(kb, name)
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise KnowledgeError(f"{name} is invalid: {where}: {first['msg']}") from exc

    return kb.memo(f"model:{name}", _load)


# --- Tables read on first use with tomllib (kb/tables.py): validated in the tests, not at run time ---


class LifecycleProduct(KbModel):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    brands: list[str] = Field(min_length=1)


class LifecycleProductsFile(KbModel):
    """``lifecycle/products.toml``: the endoflife.date products that list phones, and their brands."""

    meta: FileMeta
    product: list[LifecycleProduct] = Field(min_length=1)


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


class DomainListsFile(KbModel):
    """``domains/lists.toml``: how the vendor domain lists and εxodus categories are read, and
    which owners make phones."""

    meta: FileMeta
    lists: dict[str, DomainList]
    owners: dict[str, str]
    exodus_purpose: dict[str, Literal["ads", "analytics", "telemetry"]]
    phone_vendors: dict[str, PhoneVendor] = Field(min_length=1)
