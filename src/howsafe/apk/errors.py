"""The per-file error of the APK scanner: a stable code plus one human line (defined in errors.py).

``ApkError`` is a :class:`~howsafe.errors.CorruptInputError` so a caller that does not catch it
still gets the CLI's one-line treatment; the scanner itself turns it into ``AppReport.error``
(data, not a crash) and goes on with the next file.
"""

from __future__ import annotations

from howsafe.errors import APK_ERROR_CODES as ERROR_CODES
from howsafe.errors import ApkError

__all__ = ["ERROR_CODES", "ApkError"]
