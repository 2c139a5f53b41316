"""The knowledge base: data files with provenance, loaded lazily and injected into checks.

Every dataset lives in ``kb/data`` (bundled, with a ``source`` for each entry) and may be
superseded by a newer copy in the user cache written by ``howsafe kb update``. Domain modules
(``howsafe.kb.packages``, ``howsafe.vulns.db``, ``howsafe.apk.trackers``, ``howsafe.net.owners``)
own their parsing; this module only finds files and memoises loaded objects so that one audit
loads each dataset once.
"""

from howsafe.kb.base import KnowledgeBase, bundled_data_dir, user_cache_dir

__all__ = ["KnowledgeBase", "bundled_data_dir", "user_cache_dir"]
