"""Reading a JSON document of records when one record is nested too deeply for Python's parser.

``json.loads`` gives up on the whole document with ``RecursionError`` when any value is nested
deeper than the interpreter's recursion limit (a STIX2 bundle with one object 100,000 levels
deep). :func:`load_members` reads the top-level object member by member and the array under
``key`` element by element, so that only the too-deep element is lost: its end is found with a
flat scan (no recursion, linear in its length) and the caller reports it.
"""

from __future__ import annotations

import json
import re

from howsafe.errors import CorruptInputError

_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")
_STRUCT = re.compile(r'["\[\]{}]')
_STRING_TAIL = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def skip_value(text: str, pos: int) -> int:
    """Index just past the JSON array or object starting at ``pos`` (strings respected, no
    recursion); raises CorruptInputError when it never closes."""
    depth = 0
    i = pos
    while True:
        m = _STRUCT.search(text, i)
        if m is None:
            raise CorruptInputError("JSON ends inside a nested value")
        ch, at = m.group(), m.start()
        if ch == '"':
            tail = _STRING_TAIL.match(text, at + 1)
            if tail is None:
                raise CorruptInputError("JSON ends inside a string")
            i = tail.end()
            continue
        depth += 1 if ch in "[{" else -1
        i = at + 1
        if depth == 0:
            return i


def _value(text: str, pos: int) -> tuple[object, int, bool]:
    """(value, end, too_deep): a too-deep array/object is skipped and returned as None."""
    try:
        value, end = _DECODER.raw_decode(text, pos)
    except RecursionError:
        if text[pos : pos + 1] not in ("[", "{"):
            raise CorruptInputError("JSON nested too deeply") from None
        return None, skip_value(text, pos), True
    except ValueError as exc:
        raise CorruptInputError(f"not valid JSON ({str(exc)[:200]})") from exc
    return value, end, False


def _skip_ws(text: str, pos: int) -> int:
    m = _WS.match(text, pos)
    return m.end() if m else pos


def load_members(text: str, key: str) -> tuple[dict[str, object], list[object], int]:
    """The top-level object (members too deep to parse left out), the elements of its array
    ``key`` that could be parsed, and how many elements were skipped for being too deep."""
    i = _skip_ws(text, 0)
    if text[i : i + 1] != "{":
        raise CorruptInputError("not a JSON object")
    top: dict[str, object] = {}
    elements: list[object] = []
    skipped = 0
    i = _skip_ws(text, i + 1)
    if text[i : i + 1] == "}":
        return top, elements, skipped
    while True:
        name, i, _ = _value(text, i)
        if not isinstance(name, str):
            raise CorruptInputError("not valid JSON (an object key is not a string)")
        i = _skip_ws(text, i)
        if text[i : i + 1] != ":":
            raise CorruptInputError("not valid JSON (no ':' after a key)")
        i = _skip_ws(text, i + 1)
        if name == key and text[i : i + 1] == "[":
            i = _skip_ws(text, i + 1)
            if text[i : i + 1] == "]":
                i += 1
            else:
                while True:
                    element, i, deep = _value(text, i)
                    if deep:
                        skipped += 1
                    else:
                        elements.append(element)
                    i = _skip_ws(text, i)
                    sep = text[i : i + 1]
                    i = _skip_ws(text, i + 1)
                    if sep == "]":
                        break
                    if sep != ",":
                        raise CorruptInputError("not valid JSON (no ',' or ']' in an array)")
            top[name] = elements
        else:
            value, i, deep = _value(text, i)
            if not deep:
                top[name] = value
        i = _skip_ws(text, i)
        sep = text[i : i + 1]
        i = _skip_ws(text, i + 1)
        if sep == "}":
            break
        if sep != ",":
            raise CorruptInputError("not valid JSON (no ',' or '}' in an object)")
    if i < len(text):
        raise CorruptInputError("not valid JSON (extra data after the object)")
    return top, elements, skipped
