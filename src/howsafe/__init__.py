"""howsafe: how safe is this Android phone, for me?

Reads a phone's state (live over adb, or from a saved dump), gathers evidence, and answers with a
verdict that fits the owner's threat profile. Offline by default: nothing here opens a network
connection except the explicit ``howsafe kb update`` and ``howsafe iocs update`` commands.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
