"""The search layer: every province, district and place the gazetteer knows, in every spelling.

The page's search box (``render/static/search.js``) finds a name as the reader types it, in
any spelling the gazetteer knows (Dari and Pashto script included), and zooms there. The
gazetteer's own keys do the matching, in its own tiers: the typed text's key
(:func:`incidentmap.gazetteer.name_key`) against each entry's name, then its consonant
skeleton (:func:`incidentmap.gazetteer.loose_key`) against the skeletons of every spelling
the gazetteer holds; ``search.js`` computes both the way Python does (a browser test keeps
them equal). "Mazar", "Mazari Sharif", "Masar-i-Scharif" and "مزار" find Mazar-i-Sharif.

The payload is compact (27 KB on every page): each entry once, with the keys of its other
spellings joined by ``|`` (the page computes its own name's), Dari/Pashto letters one byte
each; provinces with their bounds in hundredths of a degree (rounded outwards) and their
spellings as written (name, Dari name, aliases: the page computes their keys); districts
with their keys only, their names and shapes read from the page (its areas on a district
map, its labels' names and points otherwise); places with their points in thousandths.
"""

from __future__ import annotations

import csv
import unicodedata
from importlib import resources
from typing import Any

import numpy as np
import shapely

from incidentmap.display import area_labels
from incidentmap.render.layers.base import LayerContext, StaticContext
from incidentmap.render.series import AreaSeries

__all__ = ["LAYER", "SearchLayer", "search_entries"]


def _strings(arrays: dict[str, np.ndarray], name: str) -> list[str]:
    """Return the strings the gazetteer packs as UTF-8 bytes, NUL between them."""
    packed = np.asarray(arrays[name], dtype=np.uint8)
    return packed.tobytes().decode("utf-8").split("\x00") if len(packed) else []


def _index(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, dict[str, str]]:
    """Return each entry id of one of the gazetteer's name indexes with its search keys.

    Those are the consonant skeletons of its names in Latin script
    (:func:`incidentmap.gazetteer.loose_key`: "Mazari Sharif", "Mazar-e-Charif" and
    "Masar-i-Scharif" are a handful of skeletons where they are dozens of spellings) and the
    keys of its names in Dari and Pashto script, which have no skeleton (``ar:`` dropped),
    each with the way the gazetteer named the entry by it (``exact``: its own name).
    """
    ids = _strings(arrays, f"{prefix}ids")
    methods = _strings(arrays, f"{prefix}methods")
    out: dict[str, dict[str, str]] = {}
    for tag in ("exact", "loose"):
        keys = _strings(arrays, f"{prefix}{tag}_keys")
        start = np.asarray(arrays[f"{prefix}{tag}_start"], dtype=np.int64)
        entry = np.asarray(arrays[f"{prefix}{tag}_entry"], dtype=np.int64)
        method = np.asarray(arrays[f"{prefix}{tag}_method"], dtype=np.int64)
        for k, key in enumerate(keys):
            if tag == "exact" and not key.startswith("ar:"):
                continue
            lo, hi = int(start[k]), int(start[k + 1])
            for e, m in zip(entry[lo:hi].tolist(), method[lo:hi].tolist(), strict=True):
                out.setdefault(ids[e], {}).setdefault(key.removeprefix("ar:"), methods[m])
    return out


def _others(keys: dict[str, str]) -> list[str]:
    """Return the keys of an entry's other names (the page computes its own name's)."""
    return [k for k, m in keys.items() if m != "exact"]


def _names(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, tuple[str, str]]:
    """Return each entry id of an index with its display name and province code."""
    return dict(
        zip(
            _strings(arrays, f"{prefix}ids"),
            zip(
                _strings(arrays, f"{prefix}names"),
                _strings(arrays, f"{prefix}provinces"),
                strict=True,
            ),
            strict=True,
        )
    )


def _plain(name: str) -> str:
    """Write a GeoNames name as the page's labels do: "Mazār-e Sharīf" -> "Mazar-e Sharif"."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _packed(keys: list[str]) -> str:
    """Join an entry's keys with ``|``, dropping any key that begins another of them.

    The page finds an entry by the beginning of a key, so "mzr" adds nothing beside
    "mzrSrf".
    """
    kept: list[str] = []
    for k in sorted({k for k in keys if len(k) > 1}, key=len, reverse=True):
        if not any(o.startswith(k) for o in kept):
            kept.append(k)
    return "|".join(sorted(kept))


def _bounds(geom: Any) -> list[int]:
    """Return [west, south, width, height] in hundredths of a degree, rounded outwards."""
    x0, y0, x1, y1 = shapely.bounds(geom).tolist()
    west, south = int(np.floor(x0 * 100)), int(np.floor(y0 * 100))
    return [west, south, int(np.ceil(x1 * 100)) - west, int(np.ceil(y1 * 100)) - south]


def _province_spellings() -> dict[str, list[str]]:
    """Return each province's name, Dari name and aliases as the project writes them."""
    text = resources.files("incidentmap._geo").joinpath("provinces.csv").read_text("utf-8")
    out: dict[str, list[str]] = {}
    for row in csv.DictReader(text.splitlines()):
        names = [row["name"], row["name_dari"], *row["aliases"].split("|")]
        out[row["iso_code"]] = [n for n in names if n]
    return out


def search_entries(ctx: LayerContext) -> dict[str, Any]:
    """Return the provinces, districts and places the search box finds, with their keys.

    Parameters
    ----------
    ctx : LayerContext
        The page's context: its boundaries (display layers and gazetteer) and, on a
        district map, its areas (whose names and shapes the search box then reads).

    Returns
    -------
    dict
        ``p``: provinces as ``[name, west, south, width, height, "spelling|..."]`` (the
        spellings as written: the page computes their keys); ``d``: districts as
        ``[province, "keys"]``, their names and shapes read from the page: on a district
        map in the order of its areas (``da``: 1), else in the order of the district names
        of its labels (``dl``: 1, zoomed to at their points); ``t``: places as ``[name,
        province, lon, lat, "keys"]``. ``province``
        is a position in ``p``; bounds are in hundredths and points in thousandths of a
        degree; ``keys`` are the skeletons and Dari/Pashto keys of the entry's other
        spellings (the page adds its own name's), joined by :func:`_packed`, their
        Dari/Pashto letters written one byte each (``ar``: the letters, in code order).
    """
    provinces = ctx.provinces
    codes = provinces["province_code"].astype(str).tolist()
    at = {c: i for i, c in enumerate(codes)}
    spellings = _province_spellings()
    p_rows = [
        [str(name), *_bounds(geom), "|".join(dict.fromkeys([str(name), *spellings.get(code, [])]))]
        for name, code, geom in zip(provinces["province"], codes, provinces.geometry, strict=True)
    ]
    arrays = ctx.boundaries.gazetteer.to_arrays()
    d_keys = _index(arrays, "index_district_")
    for did, keys in _index(arrays, "index_short_").items():
        for key in _others(keys):
            d_keys.setdefault(did, {}).setdefault(key, "short")
    on_areas = ctx.parts.choropleth and ctx.series.level == "district"
    districts = ctx.series.areas if on_areas else _in_label_order(ctx)
    d_rows = [
        [at.get(code, -1), _packed(_others(d_keys.get(did, {})))]
        for did, code in zip(
            districts["district_id"].astype(str),
            districts["province_code"].astype(str),
            strict=True,
        )
    ]
    out = {"p": p_rows, "d": d_rows, "t": _places(arrays, at), "da" if on_areas else "dl": 1}
    return _one_byte_letters(out)


#: the codes of Dari/Pashto letters in keys: one byte each in place of two (never a letter a
#: Latin skeleton holds: a-z, S, C, J; never the separator, a quote or a backslash)
_CODES = "0123456789ABDEFGHIKLMNOPQRTUVWXYZ!#$%&()*+,-.:;=?@[]^_{}~"


def _in_label_order(ctx: LayerContext) -> Any:
    """Return the districts in the order of the district names of the page's labels.

    Each name's point (:func:`incidentmap.display.area_labels`) lies in its district: the
    district holding it is that name's.
    """
    districts = ctx.districts
    items = area_labels(ctx.boundaries, districts, ctx.provinces.iloc[:0])["items"]
    points = shapely.points([[it[0], it[1]] for it in items if it[3] == 2])
    tree = shapely.STRtree(districts.geometry.values)
    at_point, hit = tree.query(points, predicate="intersects")
    first = np.full(len(points), -1)
    for p, d in zip(at_point[::-1].tolist(), hit[::-1].tolist(), strict=True):
        first[p] = d  # the first district holding the point (a point on a shared border)
    if (first < 0).any():
        msg = "a district's label point lies in no district"
        raise ValueError(msg)
    return districts.iloc[first]


def _one_byte_letters(out: dict[str, Any]) -> dict[str, Any]:
    """Write the Dari/Pashto letters of the districts' and places' keys one byte each.

    ``ar`` lists the letters in the order of :data:`_CODES` (the page codes the typed text
    the same way); a letter beyond the codes stays as it is.
    """
    rows = [(r, 1) for r in out["d"]] + [(r, 4) for r in out["t"]]
    letters = sorted({ch for r, i in rows for ch in r[i] if "\u0600" <= ch <= "\u06ff"})
    table = dict(zip(letters, _CODES, strict=False))
    for r, i in rows:
        r[i] = "".join(table.get(ch, ch) for ch in r[i])
    out["ar"] = "".join(table)
    return out


def _places(arrays: dict[str, np.ndarray], at: dict[str, int]) -> list[list[Any]]:
    """Return the gazetteer's places, the project's own first; one row per name and spot.

    A place both sources hold (the project's "Mazar-i-Sharif" and GeoNames' "Mazār-e
    Sharīf", a few hundred metres apart) is one row with the keys of both, named as the
    page's town labels name it (GeoNames' name without its marks: "Mazar-e Sharif").
    """
    keys = _index(arrays, "index_place_")
    names = _names(arrays, "index_place_")
    n = int(arrays["records"][0])
    ids = _strings(arrays, "records_ids")
    lonlat = np.asarray(arrays["records_lonlat"], dtype=float).reshape(n, 2)
    order = sorted(range(n), key=lambda i: (not ids[i].startswith("im:"), i))
    rows: list[list[Any]] = []
    extra: list[set[str]] = []
    where: dict[tuple[str, int], int] = {}
    for i in order:
        pid = ids[i]
        if pid not in names or names[pid][1] not in at:
            continue
        name, prov = names[pid][0], at[names[pid][1]]
        lon, lat = lonlat[i].tolist()
        mine = keys.get(pid, {})
        same = _same_place(rows, where, mine, prov, lon, lat)
        if same is not None:  # the same place from the other source: every key is a spelling
            extra[same].update(mine)
            if pid.startswith("geonames:"):  # the page's town names are GeoNames'
                rows[same][0] = _plain(name)
            continue
        for k in mine:
            where.setdefault((k, prov), len(rows))
        rows.append([_plain(name), prov, lon, lat])
        extra.append(set(_others(mine)))
    return [
        [name, prov, round(lon * 1000), round(lat * 1000), _packed(sorted(more))]
        for (name, prov, lon, lat), more in zip(rows, extra, strict=True)
    ]


def _same_place(
    rows: list[list[Any]],
    where: dict[tuple[str, int], int],
    keys: dict[str, str],
    prov: int,
    lon: float,
    lat: float,
) -> int | None:
    """Return the row of the same place from the other source (None: a place of its own).

    The same place: listed under one of these keys, in the same province, within 0.1 degree.
    """
    for k in sorted(keys):
        r = where.get((k, prov))
        if r is not None and abs(rows[r][2] - lon) < 0.1 and abs(rows[r][3] - lat) < 0.1:
            return r
    return None


class SearchLayer:
    """The search box's names (``data.search``), on every page that names places."""

    name = "search"

    def title(self, series: AreaSeries) -> str | None:
        """Return None: a box, not a layer of the layer control."""
        return None

    def payload(self, ctx: LayerContext) -> dict[str, Any] | None:
        """Return the names the search box finds (None on a page without place names)."""
        if not ctx.style.labels:
            return None
        return search_entries(ctx)

    def draw(self, ax: Any, ctx: StaticContext) -> None:
        """Draw nothing: the image has no search box."""


#: the layer's one instance
LAYER = SearchLayer()
