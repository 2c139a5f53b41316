"""The per-file error of the APK scanner: a stable code plus one human line.

``ApkError`` is a :class:`~howsafe.errors.CorruptInputError` so a caller that does not catch it
still gets the CLI's one-line treatment; the scanner itself turns it into ``AppReport.error``
(data, not a crash) and goes on with the next file.
"""

from __future__ import annotations

from howsafe.errors import CorruptInputError

#: Error codes a report may carry (the fixture truth's error kinds plus a few of our own).
ERROR_CODES = frozenset(
    {
        "empty_file", "not_a_zip", "bad_zip", "bad_entry_name", "not_an_apk", "zip_bomb", "too_large",
        "too_many_entries", "encrypted_entry", "unsupported_compression", "duplicate_entry",
        "unsafe_entry_name", "nesting_too_deep", "bad_dex_magic", "truncated_dex", "invalid_dex",
        "bad_manifest", "unreadable", "encrypted_bundle",
    }
)


class ApkError(CorruptInputError):
    """An APK (or one of its parts) cannot be analysed; ``code`` says why in one word."""

    def __init__(self, code: str, detail: str) -> None:
        assert code in ERROR_CODES, code
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail

    def __reduce__(self) -> tuple[type[ApkError], tuple[str, str]]:
        return (ApkError, (self.code, self.detail))
