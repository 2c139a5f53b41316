"""One exception tree for the whole package.

::

    HowsafeError                    base; the CLI maps it to exit code 2 and one line
    ├── InputError                  the user's input is unusable (missing file, wrong format)
    │   ├── CorruptInputError       a file is damaged or hostile (bad zip, traversal, bomb)
    │   │   ├── ApkError            an APK cannot be analysed (``code`` says why in one word)
    │   │   └── ArscError           an APK's resource table is damaged or lacks the asked string
    │   ├── TooLargeError           a file exceeds a safety bound
    │   └── UnsafeCommandError      a value must not be sent to the phone (shell injection)
    ├── SourceError                 a device source failed (adb)
    │   ├── NoDeviceError           no phone attached / adb server not running
    │   ├── DeviceDisconnected      the phone went away mid-collection
    │   ├── AdbCommandError         the phone refused to start a command (connection fine)
    │   ├── AdbFileError            the phone would not send one file (connection fine)
    │   └── ApplyInterrupted        the phone went away mid-step of ``harden --apply``
    ├── KnowledgeError              bundled or cached knowledge is missing or invalid
    ├── HardenError                 a hardening step could not be applied or undone
    ├── StoreError                  the fleet server's database is unusable (unreachable, bad URL)
    │   └── NotMigratedError        the database schema is older than this howsafe (or empty)
    ├── PushError                   a fleet server refused an upload or could not be reached
    ├── MissingExtraError           an optional part is not installed (``howsafe[server]``)
    └── ReportError                 a report could not be written

Outside that tree, and never reaching the CLI::

    ValueError
    ├── DnsError                    a DNS message is malformed (bad pointer, label past the end, loop)
    ├── QuicError                   not a decryptable QUIC v1 Initial (lengths, authentication, no ClientHello)
    ├── PayloadError                a ClientHello or request head whose lengths do not fit the data
    ├── PatternError                a STIX2 pattern the reader does not understand (reported and skipped)
    └── RecordError                 a document does not fit a Snapshot/Report record (``where``, ``what``)
    Exception
    └── ApiError                    the fleet server's HTTP API answer: status, stable code, message

The parser errors are raised and caught inside the network and IOC readers (a malformed packet or
pattern is counted or reported, never a traceback); a ``RecordError`` is turned by its reader into a
``CorruptInputError`` naming the file; ``ApiError`` becomes a JSON error response.
Every class lives here; modules that use one import it from here. Exit codes are :class:`ExitCode`.

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


class ReportError(HowsafeError):
    """A report could not be rendered or written."""


#: Error codes an APK report may carry (the fixture truth's error kinds plus a few of our own).
APK_ERROR_CODES = frozenset(
    {
        "empty_file",
        "not_a_zip",
        "bad_zip",
        "bad_entry_name",
        "not_an_apk",
        "zip_bomb",
        "too_large",
        "too_many_entries",
        "encrypted_entry",
        "unsupported_compression",
        "duplicate_entry",
        "unsafe_entry_name",
        "nesting_too_deep",
        "bad_dex_magic",
        "truncated_dex",
        "invalid_dex",
        "bad_manifest",
        "unreadable",
        "encrypted_bundle",
    }
)


class ApkError(CorruptInputError):
    """An APK (or one of its parts) cannot be analysed; ``code`` says why in one word."""

    def __init__(self, code: str, detail: str) -> None:
        assert code in APK_ERROR_CODES, code
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail

    def __reduce__(self) -> tuple[type[ApkError], tuple[str, str]]:
        return (ApkError, (self.code, self.detail))


class ArscError(CorruptInputError):
    """The resource table is damaged, hostile, or does not hold a string for the asked id."""


class UnsafeCommandError(InputError):
    """A value would have to be sent to the phone but is not allowed (possible shell injection)."""


class AdbCommandError(SourceError):
    """The phone refused to start a command (the connection itself is fine)."""


class AdbFileError(SourceError):
    """The phone would not send one file (no such file, permission denied, a broken sync reply);
    the connection to the phone itself is fine."""


class ApplyInterrupted(SourceError):
    """The phone went away mid-step: the step's outcome is unknown (undo checks it)."""


class HardenError(HowsafeError):
    """A step could not be applied or undone; the run stopped there (the journal says what was done)."""


class StoreError(HowsafeError):
    """The fleet server's database is unreachable, unmigrated or otherwise unusable."""


class NotMigratedError(StoreError):
    """The database schema is older than this howsafe (or empty)."""


class PushError(HowsafeError):
    """A fleet server refused an upload or could not be reached."""


class MissingExtraError(HowsafeError):
    """An optional part of howsafe is not installed."""


# --- outside the HowsafeError tree (see the module docstring) ---


class DnsError(ValueError):
    """The message is malformed (bad pointer, label past the end, loop)."""


class QuicError(ValueError):
    """Not a decryptable QUIC v1 Initial (bad lengths, failed authentication, no ClientHello)."""


class PayloadError(ValueError):
    """A ClientHello or request head whose lengths do not fit the data."""


class PatternError(ValueError):
    """A pattern this reader does not understand (reported and skipped)."""


class RecordError(ValueError):
    """A document that does not fit its record type (``howsafe.model``): a wrong type, a missing
    or an unknown field.

    ``where`` is the path of the problem (``packages.3.uid``; ``settings[...]`` for a value under a
    mapping key the decoder does not name; ``top level``) and ``what`` the reason, so the reader
    can say in one line which file is wrong and where."""

    def __init__(self, where: str, what: str) -> None:
        super().__init__(f"at {where}: {what}")
        self.where = where
        self.what = what


class ApiError(Exception):
    """An API failure with a stable machine-readable code (the fleet server answers it as JSON)."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
