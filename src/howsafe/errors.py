"""One exception tree for the whole package.

::

    HowsafeError                    base; the CLI maps it to exit code 2 and one line
    ├── InputError                  the user's input is unusable (missing file, wrong format)
    │   ├── CorruptInputError       a file is damaged or hostile (bad zip, traversal, bomb)
    │   └── TooLargeError           a file exceeds a safety bound
    ├── SourceError                 a device source failed (adb)
    │   ├── NoDeviceError           no phone attached / adb server not running
    │   └── DeviceDisconnected      the phone went away mid-collection
    ├── KnowledgeError              bundled or cached knowledge is missing or invalid
    ├── NetworkDisabledError        something tried to use the network outside an explicit update
    └── ReportError                 a report could not be written

Library errors (zipfile, json, OSError) are re-raised as one of these with ``from`` so the cause
stays visible in logs while the user sees one clear line.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Every command's exit codes (README.md "Exit codes")."""

    OK = 0
    """The command ran; nothing at or above the profile's threshold."""
    FINDINGS = 1
    """The command ran and found problems at or above the threshold."""
    USAGE = 2
    """Usage or input error: one line on stderr, never a traceback."""
    NOT_ENOUGH_EVIDENCE = 3
    """The input lacks the minimum evidence for a verdict."""
    INTERNAL = 4
    """An unexpected internal error (one line and where the details were logged)."""
    INTERRUPTED = 130


class HowsafeError(Exception):
    """Base of every error howsafe raises on purpose."""

    exit_code = 2


class InputError(HowsafeError):
    """The input given by the user cannot be used."""


class CorruptInputError(InputError):
    """A file is damaged, truncated or hostile."""


class TooLargeError(InputError):
    """A file or an inflated member exceeds a safety bound."""


class SourceError(HowsafeError):
    """A live device source failed."""


class NoDeviceError(SourceError):
    """No phone is reachable through adb."""


class DeviceDisconnected(SourceError):
    """The phone disconnected while it was being read."""


class KnowledgeError(HowsafeError):
    """Knowledge base data is missing or invalid."""


class NetworkDisabledError(HowsafeError):
    """Network use was attempted outside an explicit update command."""


class ReportError(HowsafeError):
    """A report could not be rendered or written."""

