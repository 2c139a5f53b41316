"""The one Jinja2 environment of every HTML page howsafe writes: the reports and the fleet dashboard.

- Autoescaping is always on: every template writes HTML, and no device string is ever marked safe.
- ``clean`` (the shared sanitiser) is a global and a filter, for templates that bound a value's
  length or want it said explicitly.
- ``finalize`` runs on every ``{{ ... }}`` value before it is escaped: a string loses its control,
  bidi and line-break characters (shown as escapes, as ``clean`` does, but not shortened), so a
  template that forgets ``clean`` still cannot pass a terminal escape, a right-to-left override or
  a forged line break to the page. Markup built by the template itself (macro calls, ``caller()``)
  keeps its line breaks and is otherwise treated the same way. Other values (numbers, ``None``)
  are left to Jinja.
"""

from __future__ import annotations

import jinja2
from markupsafe import Markup

from howsafe.report.sanitize import clean, escape_controls


def finalize(value: object) -> object:
    """A template value as it may reach the page (see the module docstring)."""
    if isinstance(value, Markup):
        # already markup the template built; escaping control characters adds no markup to it
        return Markup(escape_controls(str(value), keep_lines=True))  # noqa: S704
    if isinstance(value, str):
        return clean(value, limit=None)
    return value


def environment(loader: jinja2.BaseLoader, *, strict: bool = True) -> jinja2.Environment:
    """An environment for the templates ``loader`` finds; ``strict`` makes an undefined name an
    error instead of an empty string."""
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,  # every template writes HTML; never mark device strings safe
        undefined=jinja2.StrictUndefined if strict else jinja2.Undefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=finalize,
    )
    env.globals["clean"] = clean
    env.filters["clean"] = clean
    return env
