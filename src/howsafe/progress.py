"""The one progress-observer type library code reports through (it never prints).

``observer(step, done, total)``: ``step`` names what is being worked on (a check id, a file name,
a command), ``done`` of ``total`` units are finished. The CLI turns these calls into a progress
bar; library code only calls the observer it was given.
"""

from __future__ import annotations

from collections.abc import Callable

Observer = Callable[[str, int, int], None]
