"""``howsafe corpus report``: εxodus-style statistics over a results dataset, with DuckDB.

Answers: how many apps, how many could not be read (and why); tracker prevalence overall, per
category and per signer (the certificate that signed the apps: one vendor or developer); the most
requested permissions; the apps that carry each tracker; with traffic captures in the corpus, the
top hosts overall, by owner and by server country (bytes, packets, flows). This module only computes
the figures (:class:`CorpusStats`); the report layer lays them out (``render_as("corpus", fmt, stats)``:
text, JSON, or one offline HTML page with inline SVG charts).

Apps are counted once per content (sha256); a row with an error (unreadable, or a partial file)
whose path was scanned again in a later run is stale and counted by the later row only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from howsafe.corpus.store import existing_parts
from howsafe.errors import InputError

TOP = 25
APPS_PER_TRACKER = 20


@dataclass
class CorpusStats:
    """The figures of one results dataset; table rows are dicts keyed by column name. Strings
    (paths, package ids, tracker names, hosts) are as the corpus holds them: untrusted."""

    source: str
    rows: int = 0
    apps: int = 0
    apps_ok: int = 0
    apps_with_trackers: int = 0
    distinct_packages: int = 0
    dex_bytes: int = 0
    snapshots: int = 0
    errors: list[tuple[str, int]] = field(default_factory=list)
    trackers: list[dict[str, Any]] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(default_factory=list)
    signers: list[dict[str, Any]] = field(default_factory=list)
    permissions: list[dict[str, Any]] = field(default_factory=list)
    apps_per_tracker: list[dict[str, Any]] = field(default_factory=list)
    grades: list[dict[str, Any]] = field(default_factory=list)
    captures: int = 0
    captures_read: int = 0
    top_hosts: list[dict[str, Any]] = field(default_factory=list)
    hosts_by_owner: list[dict[str, Any]] = field(default_factory=list)
    hosts_by_country: list[dict[str, Any]] = field(default_factory=list)


def _connect(results: str) -> Any:
    import duckdb

    parts = existing_parts(results)
    if not parts:
        raise InputError(f"{results}: no results parts (run `howsafe corpus scan ... --out {results}` first)")
    con = duckdb.connect(":memory:")
    if "://" in results and not results.startswith("file://"):
        # an object store: read the needed columns through fsspec (DuckDB needs no credentials of its own)
        import pyarrow as pa
        import pyarrow.parquet as pq

        from howsafe.corpus.store import _fs

        fs, _ = _fs(results)
        tables = []
        for part in parts:  # parts of older versions may lack newer columns
            cols = [c for c in pq.read_schema(part, filesystem=fs).names if c != "report_json"]
            tables.append(pq.read_table(part, columns=cols, filesystem=fs))
        con.register("raw_arrow", pa.concat_tables(tables, promote_options="default"))
        con.execute("CREATE VIEW raw_all AS SELECT * FROM raw_arrow")
    else:
        con.read_parquet(parts, union_by_name=True).create_view("raw_all")
    have = {str(r[0]) for r in con.execute("DESCRIBE raw_all").fetchall()}
    if "scanned_at" in have:
        con.execute("CREATE VIEW raw AS SELECT * FROM raw_all")
    else:  # a dataset written before the column existed
        con.execute("CREATE VIEW raw AS SELECT *, NULL::DOUBLE AS scanned_at FROM raw_all")
    # one row per content; a row with an error is stale (dropped) when its path was read later
    # (an unreadable file now readable, a partial download completed) or, for a row that could
    # not be read at all, when the same path has a row with content
    con.execute(
        """
        CREATE VIEW rows AS
        SELECT * FROM raw r
        WHERE r.error IS NULL
           OR NOT EXISTS (
               SELECT 1 FROM raw n
               WHERE n.path = r.path AND n.key <> r.key
                 AND ((r.sha256 IS NULL AND n.sha256 IS NOT NULL)
                      OR coalesce(n.scanned_at, 0) > coalesce(r.scanned_at, 0))
           )
        """
    )
    con.execute("CREATE VIEW apps AS SELECT * FROM rows WHERE record = 'app'")
    con.execute("CREATE VIEW ok AS SELECT * FROM apps WHERE error IS NULL")
    return con


def _dicts(cur: Any) -> list[dict[str, Any]]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def collect_stats(results: str, *, top: int = TOP) -> CorpusStats:
    con = _connect(results)
    st = CorpusStats(source=results)
    one = con.execute(
        """
        SELECT (SELECT count(*) FROM rows), (SELECT count(*) FROM apps), (SELECT count(*) FROM ok),
               (SELECT count(*) FROM ok WHERE len(tracker_names) > 0),
               (SELECT count(DISTINCT package) FROM ok), (SELECT coalesce(sum(dex_bytes), 0) FROM ok),
               (SELECT count(*) FROM rows WHERE record = 'snapshot')
        """
    ).fetchone()
    assert one is not None
    st.rows, st.apps, st.apps_ok, st.apps_with_trackers, st.distinct_packages, st.dex_bytes, st.snapshots = (
        int(x or 0) for x in one
    )
    st.errors = [
        (str(e), int(n))
        for e, n in con.execute(
            "SELECT error, count(*) AS n FROM rows WHERE error IS NOT NULL GROUP BY error ORDER BY n DESC, error"
        ).fetchall()
    ]
    denom = max(st.apps_ok, 1)
    st.trackers = _dicts(
        con.execute(
            """
        WITH t AS (SELECT sha256, unnest(trackers) AS t FROM ok)
        SELECT t.name AS tracker, any_value(t.exodus_id) AS exodus_id, any_value(t.company) AS company,
               count(DISTINCT sha256) AS apps, round(100.0 * count(DISTINCT sha256) / ?, 1) AS share
        FROM t GROUP BY t.name ORDER BY apps DESC, tracker LIMIT ?
        """,
            [denom, top],
        )
    )
    st.categories = _dicts(
        con.execute(
            """
        WITH t AS (SELECT sha256, unnest(trackers) AS t FROM ok),
             c AS (SELECT sha256, unnest(t.categories) AS category FROM t)
        SELECT category, count(DISTINCT sha256) AS apps, round(100.0 * count(DISTINCT sha256) / ?, 1) AS share
        FROM c GROUP BY category ORDER BY apps DESC, category LIMIT ?
        """,
            [denom, top],
        )
    )
    st.signers = _dicts(
        con.execute(
            """
        SELECT signer_sha256[1] AS signer, count(*) AS apps,
               count(*) FILTER (WHERE len(tracker_names) > 0) AS apps_with_trackers,
               round(100.0 * count(*) FILTER (WHERE len(tracker_names) > 0) / count(*), 1) AS share,
               round(avg(len(tracker_names)), 2) AS mean_trackers,
               string_agg(DISTINCT package, ', ' ORDER BY package) AS packages
        FROM ok WHERE len(signer_sha256) > 0
        GROUP BY signer ORDER BY apps DESC, apps_with_trackers DESC, signer LIMIT ?
        """,
            [top],
        )
    )
    for s in st.signers:  # a hostile corpus can hold thousands of packages under one signer
        pk = str(s.get("packages") or "")
        s["packages"] = pk if len(pk) <= 300 else pk[:300] + "…"
    st.permissions = _dicts(
        con.execute(
            """
        WITH p AS (SELECT sha256, unnest(permissions) AS permission FROM ok)
        SELECT permission, count(DISTINCT sha256) AS apps, round(100.0 * count(DISTINCT sha256) / ?, 1) AS share
        FROM p GROUP BY permission ORDER BY apps DESC, permission LIMIT ?
        """,
            [denom, top],
        )
    )
    st.apps_per_tracker = _dicts(
        con.execute(
            """
        WITH t AS (SELECT coalesce(package, path) AS app, unnest(tracker_names) AS tracker FROM ok)
        SELECT tracker, count(DISTINCT app) AS apps, list(DISTINCT app ORDER BY app)[1:?] AS examples
        FROM t GROUP BY tracker ORDER BY apps DESC, tracker LIMIT ?
        """,
            [APPS_PER_TRACKER, top],
        )
    )
    if st.snapshots:
        st.grades = _dicts(
            con.execute(
                "SELECT grade, count(*) AS snapshots FROM rows WHERE record = 'snapshot' AND error IS NULL "
                "GROUP BY grade ORDER BY grade"
            )
        )
    if _has_column(con, "hosts"):
        _capture_stats(con, st, top)
    con.close()
    return st


def _has_column(con: Any, name: str) -> bool:
    return any(str(r[0]) == name for r in con.execute("DESCRIBE rows").fetchall())


def _capture_stats(con: Any, st: CorpusStats, top: int) -> None:
    """Top hosts over the captures (a damaged capture counts with the part read before the damage)."""
    one = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE len(hosts) > 0) FROM rows WHERE record = 'capture'"
    ).fetchone()
    st.captures, st.captures_read = (int(x or 0) for x in one) if one else (0, 0)
    if not st.captures:
        return
    con.execute(
        """
        CREATE VIEW caphosts AS
        WITH h AS (SELECT sha256, unnest(hosts) AS h FROM rows WHERE record = 'capture')
        SELECT sha256, h.host AS host, coalesce(h.owner, 'unknown') AS owner,
               coalesce(h.country, 'unknown') AS country, h.bytes_up + h.bytes_down AS bytes,
               h.packets AS packets, h.flows AS flows
        FROM h
        """
    )
    st.top_hosts = _dicts(
        con.execute(
            """
        SELECT host, any_value(owner) AS owner, string_agg(DISTINCT country, ', ' ORDER BY country) AS countries,
               sum(bytes) AS bytes, round(sum(bytes) / 1e6, 3) AS mb, sum(packets) AS packets,
               sum(flows) AS flows, count(DISTINCT sha256) AS captures
        FROM caphosts GROUP BY host ORDER BY bytes DESC, host LIMIT ?
        """,
            [top],
        )
    )
    st.hosts_by_owner = _dicts(
        con.execute(
            """
        SELECT owner, count(DISTINCT host) AS hosts, sum(bytes) AS bytes, round(sum(bytes) / 1e6, 3) AS mb,
               sum(packets) AS packets, sum(flows) AS flows, count(DISTINCT sha256) AS captures
        FROM caphosts GROUP BY owner ORDER BY bytes DESC, owner LIMIT ?
        """,
            [top],
        )
    )
    st.hosts_by_country = _dicts(
        con.execute(
            """
        SELECT country, count(DISTINCT host) AS hosts, sum(bytes) AS bytes, round(sum(bytes) / 1e6, 3) AS mb,
               sum(packets) AS packets, sum(flows) AS flows, count(DISTINCT sha256) AS captures
        FROM caphosts GROUP BY country ORDER BY bytes DESC, country LIMIT ?
        """,
            [top],
        )
    )
