"""PostGIS as an output target and an input: ``postgresql://user@host:port/db?table=name``.

The URL is libpq's (``postgresql://`` or ``postgres://``; a password in it, ``PGPASSWORD`` or
``~/.pgpass`` as libpq reads them; other query parameters such as ``sslmode`` passed on) with
one parameter of ours, ``table`` (``name`` or ``schema.name``). Without it a layer goes to the
table of its name (``points``, ``merged``, ``incidents``); with it and several layers, layer
``x`` goes to ``<table>_x``.

Writing (:class:`PostgisTarget`) happens in ONE transaction per call, for every layer:

1. ``pg_try_advisory_xact_lock`` on the table's name: a second writer of the same table while
   the first runs is refused with one line (it never waits, never interleaves);
2. the table is looked up: one that exists is refused unless ``overwrite``;
3. the rows go to a new table under a temporary name (``COPY``), with a ``fid`` key, the
   geometry in ``geom`` (``geometry(Geometry, 4326)``) and a GIST index on it;
4. the old table is dropped and the new one renamed in its place; then ``COMMIT``.

A failure or a kill anywhere before the commit rolls everything back: the old table stays as
it was and no half-written table is left. Readers of the old table are blocked only for the
drop and rename at the end.

Reading (:func:`read_postgis`) gives a GeoDataFrame as reading a GeoPackage does (rows in
``fid`` order, ``fid`` not a column, integers with NULLs as floats, dates as datetimes), so
every reader rule applies after it. psycopg (version 3) is the one dependency; it is imported
only when a URL is used.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import pandas as pd

from incidentmap.errors import (
    InputFileError,
    OutputExistsError,
    OutputWriteError,
    UsageError,
    one_line,
)
from incidentmap.io.frames import safe_frame
from incidentmap.schema import safe_names

__all__ = ["SCHEMES", "PostgisTarget", "is_postgres_url", "masked", "read_postgis"]

#: the URL schemes this module answers
SCHEMES = ("postgresql", "postgres")
#: PostgreSQL's longest identifier, in bytes
MAX_NAME = 63
#: the geometry column and the key written into every table
GEOM, KEY = "geom", "fid"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def is_postgres_url(spec: object) -> bool:
    """Tell whether an input or output names a PostgreSQL database."""
    text = os.fspath(spec) if isinstance(spec, (str, os.PathLike)) else ""
    return isinstance(text, str) and text.split("://", 1)[0].lower() in SCHEMES and "://" in text


def masked(spec: str | os.PathLike[str]) -> str:
    """Return an input or output as a report names it: a database URL without its password.

    A table given in memory (a frame, not a file) is ``<frame>``.
    """
    if not isinstance(spec, (str, os.PathLike)):
        return "<frame>"
    text = os.fspath(spec)
    return _Url(text).name if is_postgres_url(text) else text


def _psycopg() -> Any:
    """Import psycopg, or say in one line how to install it."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - installed with the extra
        msg = "postgresql:// needs psycopg: pip install 'incidentmap[postgis]'"
        raise UsageError(msg, field="output") from exc
    return psycopg


class _Url:
    """A libpq URL split into what libpq reads, our ``table``, and a name safe to print."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        tables = [v for k, v in query if k == "table"]
        self.table = tables[-1] if tables else None
        rest = urlencode([(k, v) for k, v in query if k != "table"])
        self.conninfo = urlunsplit(parts._replace(query=rest, fragment=""))
        self.password = parts.password
        netloc = parts.netloc
        if parts.password is not None:
            user, host = netloc.rsplit("@", 1)
            netloc = f"{user.split(':', 1)[0]}:***@{host}"
        shown = urlencode([(k, "***" if k == "password" else v) for k, v in query])
        self.name = urlunsplit(parts._replace(netloc=netloc, query=shown))
        given = [v for k, v in query if k == "password"]
        self.password = self.password or (given[0] if given else None)

    def masked(self, text: str) -> str:
        """Return ``text`` with the password, if any, replaced by ``***``."""
        return text.replace(self.password, "***") if self.password else text


def _qualified(table: str, where: str) -> tuple[str, str]:
    """Split ``schema.name`` (default schema ``public``); refuse a name SQL would mangle."""
    schema, _, name = table.rpartition(".")
    schema = schema or "public"
    for part in (schema, name):
        if not _NAME.match(part) or len(part.encode()) > MAX_NAME:
            msg = (
                f"{where}: table {table!r} is not a plain SQL name (letters, digits, _; "
                f"at most {MAX_NAME} characters)"
            )
            raise UsageError(msg, field="output")
    return schema, name


@contextmanager
def _connect(url: _Url, what: type[Exception] = OutputWriteError) -> Iterator[Any]:
    """Open a connection (closed on leaving); a database that cannot be reached is one line."""
    psycopg = _psycopg()
    try:
        conn = psycopg.connect(url.conninfo, connect_timeout=10)
    except psycopg.Error as exc:
        text = url.masked(one_line(exc))
        if what is InputFileError:
            raise InputFileError(url.name, f"cannot connect ({text})") from None
        raise what(f"{url.name}: cannot connect ({text})") from None
    try:
        yield conn
    finally:
        conn.close()


class PostgisTarget:
    """A PostGIS database: a table per layer, each written and replaced in one transaction.

    Parameters
    ----------
    url : str
        ``postgresql://user[:password]@host[:port]/db[?table=name]``.
    """

    def __init__(self, url: str) -> None:
        self._url = _Url(url)
        self.name = self._url.name
        self.table = self._url.table
        if self.table is not None:
            _qualified(self.table, self.name)

    def tables(self, layers: list[str]) -> dict[str, tuple[str, str]]:
        """Return each layer's ``(schema, table)``."""
        out = {}
        for layer in layers:
            if self.table is None:
                table = layer
            elif len(layers) == 1:
                table = self.table
            else:
                table = f"{self.table}_{layer}"
            out[layer] = _qualified(table, self.name)
        return out

    def check(self, *, overwrite: bool, layers: int = 1) -> None:
        """Refuse, before any work, a database out of reach or without PostGIS.

        With one layer and ``table`` given, a table that exists is refused too unless
        ``overwrite``.
        """
        with _connect(self._url) as conn:
            if not _has_postgis(conn):
                msg = f"{self.name}: no PostGIS in this database (CREATE EXTENSION postgis)"
                raise OutputWriteError(msg)
            if self.table is not None and layers == 1 and not overwrite:
                schema, name = _qualified(self.table, self.name)
                if _exists(conn, schema, name):
                    raise OutputExistsError(self._exists_msg(schema, name))

    def _exists_msg(self, schema: str, name: str) -> str:
        return f"{self._where(schema, name)} exists; use `overwrite` to replace it"

    def _where(self, schema: str, name: str) -> str:
        base = self.name.split("?", 1)[0]
        return f"{base}?table={name if schema == 'public' else f'{schema}.{name}'}"

    def write_layers(
        self,
        layers: dict[str, Any],
        *,
        overwrite: bool = False,
        csv_safe: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> dict[str, Any]:
        """Write the layers, each to its table, all in one transaction (all or none).

        ``csv_safe`` does not apply (a database holds values, not formulas). ``progress`` is
        called as ``progress(rows_written, rows)``.

        Returns
        -------
        dict
            ``path`` (the URL without its password), ``format`` (``PostGIS``), ``layers``
            (name -> rows), ``at`` (name -> the URL of its table), ``renamed``.
        """
        del csv_safe
        prepared, renamed = _prepared(layers)
        where = self.tables(list(prepared))
        total = sum(len(f) for f in prepared.values())
        done = [0]

        def step(rows: int) -> None:
            done[0] += rows
            if progress is not None:
                progress(done[0], total)

        if progress is not None:
            progress(0, total)
        with _connect(self._url) as conn:
            try:
                with conn.transaction():
                    for layer, frame in prepared.items():
                        self._write_one(conn, frame, where[layer], overwrite=overwrite, step=step)
            except (OutputExistsError, OutputWriteError, UsageError):
                raise
            except _psycopg().Error as exc:
                msg = f"{self.name}: writing PostGIS failed ({self._url.masked(one_line(exc))})"
                raise OutputWriteError(msg) from None
        return {
            "path": self.name,
            "format": "PostGIS",
            "layers": {k: len(v) for k, v in prepared.items()},
            "at": {k: self._where(*where[k]) for k in prepared},
            "renamed": renamed,
        }

    def write_table(
        self, frame: pd.DataFrame, *, overwrite: bool = False, csv_safe: bool = False
    ) -> str:
        """Write one table without geometry (to ``table``, else ``table`` of the name ``table``)."""
        self.write_layers({"table": pd.DataFrame(frame)}, overwrite=overwrite)
        schema, name = self.tables(["table"])["table"]
        return self._where(schema, name)

    def _write_one(
        self,
        conn: Any,
        frame: pd.DataFrame,
        qualified: tuple[str, str],
        *,
        overwrite: bool,
        step: Callable[[int], None],
    ) -> None:
        """Claim the table, write the rows under a temporary name, put it in the table's place."""
        schema, name = qualified
        with conn.cursor() as cur:
            self._claim(conn, cur, schema, name, overwrite=overwrite)
            tmp = f"incidentmap_tmp_{uuid.uuid4().hex[:12]}"  # never another host's
            _copy_rows(cur, frame, schema, tmp, step)
            _swap(conn, cur, schema, tmp, name)

    def _claim(self, conn: Any, cur: Any, schema: str, name: str, *, overwrite: bool) -> None:
        """Take the table's lock for this transaction, or refuse.

        A writer already there, or an existing table without ``overwrite``, is refused.
        """
        cur.execute(
            "SELECT pg_try_advisory_xact_lock(hashtext(%s))", (f"incidentmap:{schema}.{name}",)
        )
        if not cur.fetchone()[0]:
            where = self._where(schema, name)
            msg = f"{where} is being written by another run; try again once it is done"
            raise OutputExistsError(msg)
        if _exists(conn, schema, name) and not overwrite:
            raise OutputExistsError(self._exists_msg(schema, name))


def _copy_rows(
    cur: Any, frame: pd.DataFrame, schema: str, tmp_name: str, step: Callable[[int], None]
) -> None:
    """Create ``tmp_name`` (a ``fid`` key, the columns) and COPY the rows in; index ``geom``."""
    from psycopg import sql

    tmp = sql.Identifier(schema, tmp_name)
    columns = _columns(frame)
    cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(tmp))
    defs = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, t, _ in columns
    )
    cur.execute(
        sql.SQL("CREATE TABLE {} ({} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, {})").format(
            tmp, sql.Identifier(KEY), defs
        )
    )
    names = sql.SQL(", ").join(sql.Identifier(c) for c, _, _ in columns)
    values = [v for _, _, v in columns]
    with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(tmp, names)) as copy:
        for i, row in enumerate(zip(*values, strict=True)):
            copy.write_row(row)
            if (i + 1) % 10_000 == 0:
                step(10_000)
    step(len(frame) % 10_000)
    if any(c == GEOM for c, _, _ in columns):
        index = sql.Identifier(f"{tmp_name}_geom_idx")
        cur.execute(
            sql.SQL("CREATE INDEX {} ON {} USING GIST ({})").format(
                index, tmp, sql.Identifier(GEOM)
            )
        )


def _swap(conn: Any, cur: Any, schema: str, tmp_name: str, name: str) -> None:
    """Drop the old table and rename the new one (and its indexes) in its place."""
    from psycopg import sql

    cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(schema, name)))
    cur.execute(
        sql.SQL("ALTER TABLE {} RENAME TO {}").format(
            sql.Identifier(schema, tmp_name), sql.Identifier(name)
        )
    )
    for old, new in ((f"{tmp_name}_pkey", f"{name[:58]}_pkey"),
                     (f"{tmp_name}_geom_idx", f"{name[:54]}_geom_idx")):  # fmt: skip
        if _exists(conn, schema, old):
            cur.execute(
                sql.SQL("ALTER INDEX {} RENAME TO {}").format(
                    sql.Identifier(schema, old), sql.Identifier(new)
                )
            )


def _has_postgis(conn: Any) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")
        return cur.fetchone() is not None


def _exists(conn: Any, schema: str, name: str) -> bool:
    from psycopg import sql

    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", (sql.Identifier(schema, name).as_string(conn),))
        return cur.fetchone()[0] is not None


# ---------------------------------------------------------------------------------------------
# frames to rows


def _prepared(layers: dict[str, Any]) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Return the layers in EPSG:4326 under the shared field-name rule (no attrs), and renames."""
    out: dict[str, pd.DataFrame] = {}
    renamed: dict[str, str] = {}
    for layer, frame in layers.items():
        if isinstance(frame, gpd.GeoDataFrame):
            g = frame.to_crs("EPSG:4326") if frame.crs is not None else frame.set_crs("EPSG:4326")
            g, r = safe_frame(g)
        else:
            names = safe_names([str(c) for c in frame.columns])
            r = {str(c): n for c, n in names.items() if str(c) != n}
            g = frame.set_axis([names[str(c)] for c in frame.columns], axis=1)
        renamed.update(r)
        g = g.copy(deep=False)
        g.attrs = {}
        out[layer] = g
    return out, renamed


def _columns(frame: pd.DataFrame) -> list[tuple[str, str, list[Any]]]:
    """Return each column as (name, SQL type, values for COPY); the geometry as ``geom``."""
    import shapely

    geom = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    out: list[tuple[str, str, list[Any]]] = []
    for col in frame.columns:
        s = frame[col]
        if col == geom:
            arr = shapely.set_srid(np.asarray(frame.geometry.values, dtype=object), 4326)
            wkb = shapely.to_wkb(arr, hex=True, include_srid=True)
            out.append((GEOM, "geometry(Geometry, 4326)", list(wkb)))
            continue
        kind, values = _typed(s)
        out.append((str(col), kind, values))
    return out


#: what a column of objects holds (``pandas.api.types.infer_dtype``) -> its SQL type
_INFERRED = {
    "boolean": "boolean",
    "integer": "bigint",
    "floating": "double precision",
    "mixed-integer-float": "double precision",
    "date": "date",
    "datetime": "timestamp",
    "datetime64": "timestamp",
}


def _sql_type(s: pd.Series) -> str:
    """Return the SQL type a column is written as (text when nothing else fits)."""
    types = pd.api.types
    checks = (
        (types.is_bool_dtype, "boolean"),
        (types.is_integer_dtype, "bigint"),
        (types.is_float_dtype, "double precision"),
        (lambda x: isinstance(x.dtype, pd.DatetimeTZDtype), "timestamptz"),
        (types.is_datetime64_dtype, "timestamp"),
    )
    for check, kind in checks:
        if check(s):
            return kind
    return _INFERRED.get(types.infer_dtype(s, skipna=True), "text")


def _typed(s: pd.Series) -> tuple[str, list[Any]]:
    """Return a column's SQL type and its values as Python objects (None for missing)."""
    kind = _sql_type(s)
    missing = s.isna().to_numpy()
    if kind == "text":
        raw = [str(v) for v in s.tolist()]
    elif kind in ("timestamp", "timestamptz"):
        raw = list(s.astype(object))
    elif s.dtype != object:
        raw = [v.item() if isinstance(v, np.generic) else v for v in s.astype(object).tolist()]
    else:
        raw = s.tolist()
    return kind, [None if m else v for v, m in zip(raw, missing, strict=True)]


# ---------------------------------------------------------------------------------------------
# reading


#: PostgreSQL types read as numbers, booleans and datetimes (others as text)
_INTS = {"int2", "int4", "int8"}
_FLOATS = {"float4", "float8", "numeric"}
_TIMES = {"timestamp", "timestamptz", "date"}


def read_postgis(url: str, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a table of a PostGIS database as a GeoDataFrame, as a GeoPackage layer reads.

    Parameters
    ----------
    url : str
        ``postgresql://user@host:port/db?table=name``.
    layer : str, optional
        The table, when the URL names none.

    Returns
    -------
    geopandas.GeoDataFrame
        Rows in ``fid`` order (``fid`` and ``ogc_fid`` are keys, not columns); the
        geometry in ``geometry`` with the column's SRID as CRS; no geometry column: a
        GeoDataFrame without geometry values.

    Raises
    ------
    InputFileError
        No table named, the database cannot be reached, no such table.
    """
    u = _Url(url)
    table = u.table or layer
    if table is None:
        raise InputFileError(u.name, "name the table: ?table=name")
    schema, name = _qualified(table, u.name)
    with _connect(u, InputFileError) as conn, conn.cursor() as cur:
        cols = _table_columns(conn, cur, schema, name)
        if not cols:
            raise InputFileError(u.name, f"no table {table!r} in the database")
        keys, geoms, kept = _roles(cols)
        srid = _srid(cur, schema, name, geoms[0]) if geoms else 0
        rows = _select(cur, schema, name, kept, geoms[:1], keys[:1])
    data = list(zip(*rows, strict=True)) if rows else [() for _ in kept]
    return _frame(kept, data, geoms[0] if geoms else None, srid)


def _roles(
    cols: list[tuple[str, str]],
) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Return the key columns, the geometry columns and the columns read (one geometry)."""
    keys = [c for c, _ in cols if c in (KEY, "ogc_fid")]
    geoms = [c for c, t in cols if t == "geometry"]
    kept = [(c, t) for c, t in cols if c not in keys and c not in geoms[1:]]
    return keys, geoms, kept


def _table_columns(conn: Any, cur: Any, schema: str, name: str) -> list[tuple[str, str]]:
    """Return a table's columns and their type names, in order (none: no such table)."""
    from psycopg import sql

    cur.execute(
        "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum",
        (sql.Identifier(schema, name).as_string(conn),),
    )
    return [(str(c), str(t)) for c, t in cur.fetchall()]


def _srid(cur: Any, schema: str, name: str, geom: str) -> int:
    cur.execute("SELECT Find_SRID(%s, %s, %s)", (schema, name, geom))
    return int(cur.fetchone()[0] or 0)


def _select(
    cur: Any,
    schema: str,
    name: str,
    cols: list[tuple[str, str]],
    geom: list[str],
    key: list[str],
) -> list[tuple[Any, ...]]:
    """Return the rows of ``cols`` (the geometry as WKB), in key order when there is a key."""
    from psycopg import sql

    fields = [
        sql.SQL("ST_AsBinary({})").format(sql.Identifier(c)) if c in geom else sql.Identifier(c)
        for c, _ in cols
    ]
    order = sql.SQL(" ORDER BY {}").format(sql.Identifier(key[0])) if key else sql.SQL("")
    cur.execute(
        sql.SQL("SELECT {} FROM {}{}").format(
            sql.SQL(", ").join(fields), sql.Identifier(schema, name), order
        )
    )
    return list(cur.fetchall())


def _frame(
    cols: list[tuple[str, str]], data: list[tuple[Any, ...]], geom: str | None, srid: int
) -> gpd.GeoDataFrame:
    import shapely

    frame: dict[str, Any] = {}
    geometry = None
    for (col, kind), values in zip(cols, data, strict=True):
        if col == geom:
            geometry = shapely.from_wkb([bytes(v) if v is not None else None for v in values])
            continue
        frame[col] = _series(list(values), kind)
    n = len(data[0]) if data else 0
    out = pd.DataFrame(frame, index=pd.RangeIndex(n))
    if geometry is None:
        return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries([None] * n), crs=None)
    crs = f"EPSG:{srid}" if srid > 0 else None
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geometry, crs=crs), crs=crs)


def _numbers(values: list[Any]) -> pd.Series:
    return pd.Series([np.nan if v is None else float(v) for v in values], dtype="float64")


def _series(values: list[Any], kind: str) -> pd.Series:
    """Return one column as a GeoPackage read gives it (NULL integers make it float)."""
    has_null = any(v is None for v in values)
    if kind in _INTS:
        return _numbers(values) if has_null else pd.Series(values, dtype="int64")
    if kind in _FLOATS:
        return _numbers(values)
    if kind in _TIMES:
        return pd.Series(pd.to_datetime(values, utc=kind == "timestamptz"))
    if kind == "bool":
        return pd.Series(values, dtype=object if has_null else bool)
    return pd.Series([None if v is None else str(v) for v in values], dtype=object)
