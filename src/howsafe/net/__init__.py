"""Network evidence: who the phone talks to, who owns it, which country, how many bytes, per app.

Readers (``pcapio``, ``csvlog``, ``dnslogs``) turn captures and DNS logs into flows and name
events on a ``Collector``; ``packets`` is the streaming hot path for pcap/pcapng; ``build``
attributes hosts (``attribution``) and freezes everything into a ``NetworkReport``.
"""

from howsafe.net.analyse import analyse_captures, sniff
from howsafe.net.model import AppRef, FileError, Host, IoTDevice, NetworkReport, Skip, Traffic

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
