"""Boundary sources: geoBoundaries (pinned download or local copy), OCHA COD-AB, any district layer.

Each source becomes the canonical district layer (``district_id``, ``district``,
``province_code``, ``province``, geometry; EPSG:4326, valid); provinces are dissolved from
it so that the two levels nest exactly.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from incidentmap._settings import cache_dir
from incidentmap.errors import BoundarySourceError, DownloadError, UnknownNameError, one_line
from incidentmap.gazetteer import provinces, resolve_province

__all__ = ["dissolve_provinces", "manifest", "stale_corrections"]


_EQUAL_AREA = "EPSG:6933"


_VECTOR_EXTS = (".gpkg", ".geojson", ".json", ".shp", ".fgb", ".zip")


#: a district layer for Afghanistan lies within these bounds (lon/lat, with a margin)
_COUNTRY_BOUNDS = (59.0, 28.5, 76.0, 39.5)


@functools.cache
def manifest() -> dict[str, Any]:
    """Return the pinned boundary sources from ``boundaries/manifest.json``."""
    text = resources.files("incidentmap._boundaries").joinpath("manifest.json").read_text("utf-8")
    return json.loads(text)


def _corrections() -> list[dict[str, str]]:
    text = resources.files("incidentmap._boundaries").joinpath("province_corrections.csv")
    return list(csv.DictReader(text.read_text("utf-8").splitlines()))


def stale_corrections(districts: gpd.GeoDataFrame) -> list[str]:
    """Return the province corrections an installed geoBoundaries layer lacks.

    A layer installed by an older incidentmap carries the corrections of its day: each
    district of ``boundaries/province_corrections.csv`` (by its shape id, else its one
    name) whose province differs from the table's is said ("Rukha: AF-KAP, not AF-PAN").
    """
    ids = districts["district_id"].astype(str).to_numpy()
    names = districts["district"].astype(str).to_numpy()
    codes = districts["province_code"].astype(str).to_numpy()
    out = []
    for fix in _corrections():
        hit = np.flatnonzero(ids == fix["shape_id"])
        if len(hit) == 0:
            hit = np.flatnonzero(names == fix["district"])
            if len(hit) != 1:
                continue
        out += [
            f"{fix['district']}: {codes[i]}, not {fix['province_code']}"
            for i in hit
            if codes[i] != fix["province_code"]
        ]
    return out


def download_geoboundaries(*, progress: bool) -> tuple[Path, Path, dict[str, Any]]:
    import pooch

    src = manifest()["geoboundaries"]
    folder = cache_dir() / "downloads" / f"geoboundaries-{src['release_commit']}"
    paths = {}
    for level, spec in src["files"].items():
        fname = spec["url"].rsplit("/", 1)[1]
        logger, level_was = pooch.get_logger(), pooch.get_logger().level
        logger.setLevel("WARNING")  # its "Downloading data from..." line: ours says it
        try:
            paths[level] = Path(
                pooch.retrieve(
                    spec["url"],
                    known_hash=spec.get("sha256"),
                    fname=fname,
                    path=folder,
                    progressbar=progress,
                )
            )
        except Exception as exc:  # requests/pooch raise many kinds; all mean the same here
            msg = (
                f"could not download {fname} ({type(exc).__name__}); without network, install "
                "from a local copy: incidentmap boundaries install `source` PATH"
            )
            raise DownloadError(msg) from exc
        finally:
            logger.setLevel(level_was)  # the user's own pooch downloads keep their lines
        count = len(read_layer(paths[level]))
        if count != spec["features"]:
            msg = f"{fname}: expected {spec['features']} features, found {count}"
            raise DownloadError(msg)
    origin = {"kind": "download", "url": {k: v["url"] for k, v in src["files"].items()}}
    return paths["adm2"], paths["adm1"], origin


def _find(folder: Path, level: str) -> Path | None:
    cands = [
        p
        for p in sorted(folder.iterdir())
        if p.suffix.lower() in _VECTOR_EXTS
        and level in p.name.lower()
        and "metadata" not in p.name.lower()
    ]
    if not cands:
        return None
    # the full geometry before the simplified one; vector formats in a fixed order
    cands.sort(key=lambda p: ("simplified" in p.name.lower(), _VECTOR_EXTS.index(p.suffix.lower())))
    return cands[0]


def locate_source(source: Path, *, generic: bool) -> tuple[Path, Path | None]:
    if not source.exists():
        msg = f"{source}: no such file or folder"
        raise BoundarySourceError(msg)
    if source.is_dir():
        adm2 = _find(source, "adm2")
        if adm2 is None:
            msg = f"{source}: no district (ADM2) layer found (expected a file named *ADM2*)"
            raise BoundarySourceError(msg)
        return adm2, _find(source, "adm1")
    if source.suffix.lower() == ".zip" and not generic:
        inside = _zip_layers(source)
        if inside is not None:
            return inside
    return source, None


def _zip_layers(source: Path) -> tuple[Path, Path | None] | None:
    """Return the ADM2 (and ADM1) layers inside a zip, as ``zip!member`` paths, or None."""
    try:
        with zipfile.ZipFile(source) as zf:
            names = [n for n in zf.namelist() if Path(n).suffix.lower() in (".shp", ".geojson")]
    except (zipfile.BadZipFile, OSError) as exc:
        raise BoundarySourceError(f"{source}: not a readable zip file ({exc})") from exc
    adm2 = [n for n in names if "adm2" in n.lower()]
    adm1 = [n for n in names if "adm1" in n.lower()]
    if not adm2:
        return None
    return (
        Path(f"{source}!{sorted(adm2)[0]}"),
        Path(f"{source}!{sorted(adm1)[0]}") if adm1 else None,
    )


def read_layer(path: Path) -> gpd.GeoDataFrame:
    """Read a polygon layer of Afghanistan (a file, a zip or ``zip!member``) in EPSG:4326.

    Raises
    ------
    BoundarySourceError
        Not a readable vector layer, no features, not polygons, no CRS, or an extent
        that is not Afghanistan's.
    """
    gdf = _read_vector(path, _layer_uri(str(path)))
    _check_polygons(gdf, path)
    gdf = _to_lonlat(gdf, path)
    _check_extent(gdf, path)
    return gdf


def _layer_uri(text: str) -> str:
    """Return what GDAL reads a path as: ``zip://`` for a zip or a member of one."""
    if "!" in text and text.split("!")[0].lower().endswith(".zip"):
        zpath, inner = text.split("!", 1)
        return f"zip://{zpath}!{inner}"
    if text.lower().endswith(".zip"):
        return f"zip://{text}"
    return text


def _read_vector(path: Path, uri: str) -> gpd.GeoDataFrame:
    try:
        return gpd.read_file(uri, engine="pyogrio")
    except Exception as exc:
        msg = f"{path}: cannot read as a vector layer ({one_line(exc, 200)})"
        raise BoundarySourceError(msg) from exc


def _check_polygons(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Refuse a layer with no geometry, no features, other geometries or no CRS."""
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise BoundarySourceError(f"{path}: not a polygon layer (no geometry)")
    if len(gdf) == 0:
        raise BoundarySourceError(f"{path}: the layer has no features")
    kinds = set(gdf.geom_type.dropna())
    if not kinds or not kinds <= {"Polygon", "MultiPolygon"}:
        found = ", ".join(sorted(kinds)) or "no geometry"
        raise BoundarySourceError(f"{path}: expected polygons, found {found}")
    if gdf.crs is None:
        msg = f"{path}: the layer has no CRS"
        raise BoundarySourceError(msg)


def _to_lonlat(gdf: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    try:
        return gdf.to_crs("EPSG:4326")
    except Exception as exc:
        raise BoundarySourceError(
            f"{path}: cannot convert to EPSG:4326 ({one_line(exc, 200)})"
        ) from exc


def _check_extent(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Refuse a layer whose extent is not Afghanistan's (a wrong CRS, most often)."""
    x0, y0, x1, y1 = gdf.total_bounds
    bx0, by0, bx1, by1 = _COUNTRY_BOUNDS
    if not (np.isfinite([x0, y0, x1, y1]).all() and x0 >= bx0 and y0 >= by0 and x1 <= bx1
            and y1 <= by1):  # fmt: skip
        msg = (
            f"{path}: the layer's extent ({x0:.4g}, {y0:.4g}, {x1:.4g}, {y1:.4g} in "
            f"{gdf.crs.to_string() if gdf.crs else 'lon/lat'}) is not Afghanistan's "
            f"(lon {bx0}-{bx1}, lat {by0}-{by1}); is its CRS right?"
        )
        raise BoundarySourceError(msg)


def sha256_of(path: Path) -> str:
    real = Path(str(path).split("!")[0])
    digest = hashlib.sha256()
    with real.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _clean_names(values: pd.Series) -> pd.Series:
    return values.astype(str).str.replace(r"\s+", " ", regex=True).str.strip()


def _province_codes(values: pd.Series, where: str) -> list[str]:
    out = []
    cache: dict[str, str] = {}
    for raw in values.astype(str):
        if raw not in cache:
            try:
                cache[raw] = resolve_province(raw).id
            except UnknownNameError as exc:
                msg = f"{where}: {exc}"
                raise BoundarySourceError(msg) from exc
        out.append(cache[raw])
    return out


def from_geoboundaries(
    adm2: gpd.GeoDataFrame, adm1: gpd.GeoDataFrame, id_field: str | None
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    if "shapeName" not in adm1.columns:
        msg = "the geoBoundaries ADM1 layer has no shapeName field"
        raise BoundarySourceError(msg)
    adm1_codes = np.array(_province_codes(adm1["shapeName"], "ADM1 shapeName"))
    d_ea = adm2.geometry.to_crs(_EQUAL_AREA).values
    p_ea = adm1.geometry.to_crs(_EQUAL_AREA).values
    tree = shapely.STRtree(p_ea)
    d_idx, p_idx = tree.query(d_ea, predicate="intersects")
    areas = shapely.area(shapely.intersection(d_ea[d_idx], p_ea[p_idx]))
    pairs = pd.DataFrame({"d": d_idx, "code": adm1_codes[p_idx], "area": areas})
    pairs = pairs.groupby(["d", "code"], as_index=False)["area"].sum()
    totals = pairs.groupby("d")["area"].transform("sum")
    pairs["share"] = pairs["area"] / totals
    best = pairs.sort_values("share", ascending=False).drop_duplicates("d").set_index("d")
    if len(best) != len(adm2):
        msg = "some ADM2 districts do not overlap any ADM1 province"
        raise BoundarySourceError(msg)
    codes = best.loc[np.arange(len(adm2)), "code"].to_numpy().astype(object)
    share = best.loc[np.arange(len(adm2)), "share"].to_numpy()
    ids = adm2[id_field] if id_field else adm2["shapeID"]
    names = _clean_names(adm2["shapeName"])
    applied = []
    for fix in _corrections():
        hit = np.flatnonzero(ids.astype(str).to_numpy() == fix["shape_id"])
        if len(hit) == 0:
            hit = np.flatnonzero(names.to_numpy() == fix["district"])
            if len(hit) != 1:
                continue
        for i in hit:
            if codes[i] != fix["province_code"]:
                applied.append(
                    {"district": fix["district"], "from": codes[i], "to": fix["province_code"]}
                )
                codes[i] = fix["province_code"]
    districts = gpd.GeoDataFrame(
        {
            "district_id": ids.astype(str).to_numpy(),
            "district": names.to_numpy(),
            "province_code": codes.astype(str),
            "province_share": np.round(share, 4),
        },
        geometry=adm2.geometry.values,
        crs="EPSG:4326",
    )
    src = manifest()["geoboundaries"]
    meta = {
        "layout": "geoboundaries",
        "source": src["title"],
        "licence": src["licence"],
        "citation": src["citation"],
        "district_source": src["district_source"],
        "province_assignment": "largest area overlap (EPSG:6933) with geoBoundaries ADM1, "
        "then boundaries/province_corrections.csv",
        "corrections_applied": applied,
    }
    return districts, meta


def from_ocha(
    adm2: gpd.GeoDataFrame, id_field: str | None
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    by_pcode = {p.pcode: code for code, p in provinces().items()}
    codes = []
    for i, pc in enumerate(adm2["ADM1_PCODE"].astype(str)):
        if pc not in by_pcode:
            msg = f"ADM2 row {i + 1}: unknown ADM1_PCODE {pc!r}"
            raise BoundarySourceError(msg)
        codes.append(by_pcode[pc])
    ids = adm2[id_field] if id_field else adm2.get("ADM2_PCODE", pd.Series(range(len(adm2))))
    districts = gpd.GeoDataFrame(
        {
            "district_id": ids.astype(str).to_numpy(),
            "district": _clean_names(adm2["ADM2_EN"]).to_numpy(),
            "province_code": codes,
        },
        geometry=adm2.geometry.values,
        crs="EPSG:4326",
    )
    meta = {
        "layout": "ocha-codab",
        "source": "OCHA COD-AB (AGCHO) district layer",
        "licence": "see the source's own terms (OCHA COD-AB Afghanistan: humanitarian use)",
        "citation": "Administrative boundaries: AGCHO / OCHA COD-AB Afghanistan",
        "province_assignment": "ADM1_PCODE",
    }
    return districts, meta


def from_generic(
    adm2: gpd.GeoDataFrame,
    path: Path,
    district_field: str,
    province_field: str | None,
    id_field: str | None,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    assert province_field is not None
    for field in (district_field, province_field, id_field):
        if field is not None and field not in adm2.columns:
            cols = ", ".join(c for c in adm2.columns if c != "geometry")
            msg = f"{path}: no field {field!r} (fields: {cols})"
            raise BoundarySourceError(msg)
    codes = _province_codes(adm2[province_field], f"{path}, field {province_field!r}")
    if id_field:
        ids = adm2[id_field].astype(str).to_numpy()
    else:
        ids = np.array([f"{c}-{i + 1:03d}" for i, c in enumerate(codes)])
    districts = gpd.GeoDataFrame(
        {
            "district_id": ids,
            "district": _clean_names(adm2[district_field]).to_numpy(),
            "province_code": codes,
        },
        geometry=adm2.geometry.values,
        crs="EPSG:4326",
    )
    meta = {
        "layout": "generic",
        "source": f"district layer {path.name} (fields {district_field}, {province_field})",
        "credit": f"Boundaries: {path.name}",
        "licence": "as stated by the source",
        "citation": f"Administrative boundaries: {path.name}",
        "province_assignment": province_field,
    }
    return districts, meta


def finish_districts(districts: gpd.GeoDataFrame, path: Path) -> tuple[gpd.GeoDataFrame, int]:
    """Check the districts' ids, repair their polygons and name their provinces.

    Parameters
    ----------
    districts : geopandas.GeoDataFrame
        The canonical district layer of a source.
    path : Path
        The source, for messages.

    Returns
    -------
    geopandas.GeoDataFrame
        The layer with valid polygons and a ``province`` column.
    int
        How many polygons were invalid and repaired (``make_valid``).

    Raises
    ------
    BoundarySourceError
        If district ids repeat or a district has no polygon.
    """
    dup = districts["district_id"].duplicated(keep=False)
    if dup.any():
        dups = sorted(set(districts["district_id"][dup]))[:3]
        msg = f"{path}: district ids are not unique ({dups})"
        raise BoundarySourceError(msg)
    raw = districts.geometry.values
    invalid = ~shapely.is_valid(raw)
    geom = shapely.make_valid(raw)
    # keep the polygonal part of what make_valid returns (a bowtie becomes two triangles)
    geom = np.array([_polygonal(g) for g in geom], dtype=object)
    districts = districts.set_geometry(gpd.GeoSeries(geom, crs="EPSG:4326").values)
    empty = districts.geometry.is_empty | districts.geometry.isna()
    if empty.any():
        msg = f"{path}: {int(empty.sum())} district(s) have no polygon geometry"
        raise BoundarySourceError(msg)
    names = {c: p.name for c, p in provinces().items()}
    districts.insert(3, "province", districts["province_code"].map(names))
    return districts.reset_index(drop=True), int(invalid.sum())


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    if geom is None:
        return shapely.MultiPolygon()
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [
        p
        for p in shapely.get_parts(geom)
        if p.geom_type in ("Polygon", "MultiPolygon") and not p.is_empty
    ]
    return shapely.union_all(parts) if parts else shapely.MultiPolygon()


def dissolve_provinces(districts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Dissolve a district layer into its provinces.

    Parameters
    ----------
    districts : geopandas.GeoDataFrame
        District layer with ``province_code``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``province_code``, ``province``, ``pcode``, ``n_districts``, geometry;
        sorted by ``province_code``. Each province is the exact union of its
        districts.
    """
    provs = provinces()
    groups = districts.groupby("province_code", sort=True)
    rows = []
    geoms = []
    for code, grp in groups:
        rows.append(
            {
                "province_code": code,
                "province": provs[str(code)].name,
                "pcode": provs[str(code)].pcode,
                "n_districts": len(grp),
            }
        )
        geoms.append(shapely.make_valid(shapely.union_all(grp.geometry.values)))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=districts.crs)
