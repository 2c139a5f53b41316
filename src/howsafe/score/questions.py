"""The profile questions as data (``score/profiles/questions.toml``), validated once.

msgspec structs like the knowledge files' (:mod:`howsafe.kb.schema`): every audit reads this file,
and pydantic's import was about a third of an audit's start-up (issue 13)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import msgspec

from howsafe.errors import KnowledgeError
from howsafe.kb import tomlcache
from howsafe.kb.schema import KbModel, first_error, validate

QUESTIONS_FILE = Path(__file__).resolve().parent / "profiles" / "questions.toml"


class Question(KbModel, frozen=True, kw_only=True):
    """One yes/no question; ``profile`` is where a "yes" leads, ``because`` says why in plain words."""

    key: str
    text: str
    profile: str
    because: str


class WhoChoice(KbModel, frozen=True, kw_only=True):
    """One answer to "who might want your data?" and the profile it calls for."""

    key: str
    profile: str
    because: str


class Questions(KbModel, frozen=True, kw_only=True):
    order: tuple[str, ...]
    question: tuple[Question, ...]
    who: tuple[WhoChoice, ...]


@cache
def load_questions(path: Path = QUESTIONS_FILE) -> Questions:
    try:
        raw = tomlcache.loads(path.read_bytes(), f"questions:{path.name}")
    except (OSError, ValueError) as exc:
        raise KnowledgeError(f"profile questions {path.name} are missing or invalid: {exc}") from exc
    try:
        return validate(raw, Questions)
    except msgspec.ValidationError as exc:
        raise KnowledgeError(
            f"profile questions {path.name} are missing or invalid: {first_error(exc, raw, Questions)}"
        ) from exc
