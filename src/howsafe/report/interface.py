"""The formatter interface: one protocol for every output format of every command.

A formatter turns one kind of document (an audit :class:`~howsafe.model.Report`, a comparison, a
vulnerability assessment, app scan results, knowledge-base look-ups) into the text of one format.
Formatters only lay out: they never score or judge, and every device string they show passes
through :mod:`howsafe.report.sanitize` (JSON and SARIF keep strings verbatim, escaped by the
encoder). Which formatter serves which (document, format) pair is a table in
:mod:`howsafe.report.formats`, not an if-chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from howsafe.model import Snapshot


@dataclass(frozen=True)
class RenderOptions:
    """What a formatter may be told besides the document.

    ``snapshot`` adds device details to the human formats of a report; ``color`` and ``width``
    only affect ``text``; ``tool`` names the producing tool in machine formats.
    """

    snapshot: Snapshot | None = None
    color: bool = False
    width: int = 100
    tool: str = ""


class Formatter(Protocol):
    """``formatter(document, options) -> str``: one document in one format."""

    def __call__(self, doc: Any, options: RenderOptions, /) -> str: ...
