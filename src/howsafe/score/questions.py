"""The profile questions as data (``score/profiles/questions.toml``), validated once."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from howsafe.errors import KnowledgeError

QUESTIONS_FILE = Path(__file__).resolve().parent / "profiles" / "questions.toml"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Question(_Model):
    """One yes/no question; ``profile`` is where a "yes" leads, ``because`` says why in plain words."""

    key: str
    text: str
    profile: str
    because: str


class WhoChoice(_Model):
    """One answer to "who might want your data?" and the profile it calls for."""

    key: str
    profile: str
    because: str


class Questions(_Model):
    order: tuple[str, ...]
    question: tuple[Question, ...]
    who: tuple[WhoChoice, ...]


@cache
def load_questions(path: Path = QUESTIONS_FILE) -> Questions:
    try:
        return Questions.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise KnowledgeError(f"profile questions {path.name} are missing or invalid: {exc}") from exc
