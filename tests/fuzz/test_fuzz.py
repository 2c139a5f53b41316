"""Every parser family fuzzed for a fixed budget: mutated seeds never raise anything but
howsafe's own one-line errors.

Hypothesis drives a byte-level mutator (flip, insert, delete, duplicate, truncate, splice of
another seed) over the kept corpus of each family (``targets.SEEDS``). The budget is a fixed
number of examples per target (``HOWSAFE_FUZZ_EXAMPLES``, default below), not a time, so the run
is the same on a loaded machine. Coverage-guided runs with atheris are in ``test_atheris.py``.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz.targets import TARGETS, TEXT_PARSERS, run_one, seeds
from howsafe import parse

EXAMPLES = int(os.environ.get("HOWSAFE_FUZZ_EXAMPLES", "120"))
MAX_INPUT = 512 * 1024


@st.composite
def mutated(draw: st.DrawFn, family: str) -> bytes:
    corpus = seeds(family)
    data = bytearray(draw(st.sampled_from(corpus)))
    for _ in range(draw(st.integers(0, 8))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "dup", "truncate", "splice", "interesting"]))
        pos = draw(st.integers(0, len(data)))
        if op == "flip" and data:
            at = min(pos, len(data) - 1)
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(max_size=64))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 256))]
        elif op == "dup":
            piece = data[pos : pos + draw(st.integers(1, 4096))]
            data[pos:pos] = piece * draw(st.integers(1, 16))
        elif op == "truncate":
            del data[pos:]
        elif op == "splice":
            other = draw(st.sampled_from(corpus))
            cut = draw(st.integers(0, len(other)))
            data[pos:] = other[cut:]
        elif op == "interesting" and len(data) >= 4:
            at = min(pos, len(data) - 4)
            data[at : at + 4] = draw(st.sampled_from([b"\xff\xff\xff\xff", b"\x00\x00\x00\x80", b"\x7f\xff\xff\xff",
                                                      b"\x00\x00\x00\x00", b"\x01\x00\x00\x00"]))  # fmt: skip
    return bytes(data[:MAX_INPUT])


@pytest.mark.parametrize("family", sorted(TARGETS))
def test_fuzz_target(family: str) -> None:
    @settings(
        max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(mutated(family))
    def run(data: bytes) -> None:
        run_one(family, data)

    run()


@pytest.mark.parametrize("family", sorted(TARGETS))
def test_every_seed_is_handled(family: str) -> None:
    corpus = seeds(family)
    assert corpus != [b""], f"no seeds for {family}"
    for data in corpus:
        run_one(family, data)


@pytest.mark.parametrize("family", sorted(TEXT_PARSERS))
def test_parser_seeds_reach_the_parser(family: str) -> None:
    """Each parser's generated seeds parse to something: mutation starts on the parser's main path,
    not on input it rejects at the first line."""
    parsed = [getattr(parse, TEXT_PARSERS[family])(data) for data in seeds(family)]
    assert parsed and all(_content(r) for r in parsed), family


def _content(result: object) -> object:
    """What a parser found: the mapping, tuple or list it returns, or the filled part of a record."""
    if isinstance(result, parse.GetpropResult):
        return result.properties
    if isinstance(result, parse.BackupState):
        return result.transport
    return result
