"""Network evidence: who the phone talks to, who owns it, which country, how many bytes, per app.

Readers (``pcapio``, ``csvlog``, ``dnslogs``) turn captures and DNS logs into flows and name
events on a ``Collector``; ``packets`` is the streaming hot path for pcap/pcapng; ``build``
attributes hosts (``attribution``) and freezes everything into a ``NetworkReport``.

Importing the package imports none of them: the names below load their module on first use, so
that a check needing only ``howsafe.net.model`` does not pay for the packet readers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from howsafe._lazy import lazy_attributes

if TYPE_CHECKING:
    from howsafe.net.analyse import analyse_captures, sniff
    from howsafe.net.model import AppRef, FileError, Host, IoTDevice, NetworkReport, Skip, Traffic

_WHERE = {
    "analyse_captures": "howsafe.net.analyse",
    "sniff": "howsafe.net.analyse",
    **dict.fromkeys(
        ("AppRef", "FileError", "Host", "IoTDevice", "NetworkReport", "Skip", "Traffic"), "howsafe.net.model"
    ),
}

__all__ = [
    "AppRef",
    "FileError",
    "Host",
    "IoTDevice",
    "NetworkReport",
    "Skip",
    "Traffic",
    "analyse_captures",
    "sniff",
]


__getattr__ = lazy_attributes(__name__, _WHERE, globals())
