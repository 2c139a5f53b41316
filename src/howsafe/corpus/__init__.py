"""Corpus scale: scan thousands to millions of APKs (and saved device snapshots) on Dask.

- :mod:`inputs`  what to scan: a local folder, an object-store URL (fsspec) or a manifest of paths;
- :mod:`worker`  one item -> one row (hash, scan, every failure a row with its error); no Dask here;
- :mod:`store`   the Parquet dataset written in parts (flat memory, atomic parts, resumable);
- :mod:`run`     the Dask orchestration (a LocalCluster of processes, or an existing scheduler);
- :mod:`report`  DuckDB queries over the results and their text / JSON / HTML renderings.

Everything here needs the ``corpus`` extra (dask, distributed, pyarrow, duckdb, fsspec); the
modules import them lazily so that the rest of howsafe never pays for them.
"""

from __future__ import annotations

__all__: list[str] = []
