"""Install and load Afghanistan's province and district boundaries.

The canonical result of an install is two layers in one GeoPackage in the user
cache, both EPSG:4326 and valid:

* ``districts``: ``district_id``, ``district``, ``province_code`` (ISO 3166-2,
  e.g. ``"AF-NAN"``), ``province`` (common English name), geometry;
* ``provinces``: ``province_code``, ``province``, ``pcode``, ``n_districts``,
  geometry, dissolved from the districts so that the two levels nest exactly.

Sources: the pinned geoBoundaries release (default, downloaded), or a local
copy of it, an OCHA COD-AB district layer, or any district layer with a
district name field and a province field (``--from PATH``).
"""

from __future__ import annotations

import csv
import datetime as _dt
import functools
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from incidentmap._settings import CACHE_ENV, cache_dir
from incidentmap.errors import (
    BoundariesNotInstalledError,
    BoundaryCacheError,
    BoundarySourceError,
    DownloadError,
    UnknownNameError,
    UsageError,
)
from incidentmap.gazetteer import provinces, resolve_province

__all__ = [
    "CACHE_ENV",
    "BoundaryInfo",
    "boundaries_info",
    "cache_dir",
    "credit_line",
    "install_boundaries",
    "load_boundaries",
    "manifest",
]

_GPKG = "boundaries.gpkg"
_PROVENANCE = "provenance.json"
_EQUAL_AREA = "EPSG:6933"
_VECTOR_EXTS = (".gpkg", ".geojson", ".json", ".shp", ".fgb", ".zip")
LEVELS = ("district", "province")
_REINSTALL = (
    "incidentmap boundaries install (or, offline: incidentmap boundaries install --from PATH)"
)
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


@dataclass(frozen=True)
class BoundaryInfo:
    """Provenance of the installed boundaries.

    Attributes
    ----------
    path : pathlib.Path
        The GeoPackage holding the ``districts`` and ``provinces`` layers.
    provenance : dict
        Source, URL or path, licence, citation, import date, counts, checksums
        and the province corrections applied.
    """

    path: Path
    provenance: dict[str, Any]

    @property
    def citation(self) -> str:
        """The citation to print on maps made with these boundaries."""
        return str(self.provenance.get("citation", ""))


# ---------------------------------------------------------------------------------------------
# install


def install_boundaries(
    source: str | os.PathLike[str] | None = None,
    *,
    district_field: str | None = None,
    province_field: str | None = None,
    id_field: str | None = None,
    progress: bool = False,
) -> BoundaryInfo:
    """Install the district and province layers into the cache.

    Parameters
    ----------
    source : path-like, optional
        ``None`` downloads the pinned geoBoundaries release (see
        ``boundaries/manifest.json``). Otherwise a local folder or file: the
        geoBoundaries ADM1 + ADM2 files (GeoJSON, GeoPackage, shapefile or zip),
        an OCHA COD-AB district layer (``ADM2_EN``, ``ADM2_PCODE``,
        ``ADM1_PCODE``...), or any district layer with ``district_field`` and
        ``province_field``.
    district_field, province_field : str, optional
        For a layer of another layout: the fields holding the district name
        and the province (any spelling, ISO code or p-code).
    id_field : str, optional
        Field holding a unique district identifier (default: the source's own,
        or ``<province code>-<row number>``).
    progress : bool, default False
        Show a download progress bar on standard error.

    Returns
    -------
    BoundaryInfo

    Raises
    ------
    DownloadError
        If the pinned files cannot be downloaded (no network) or are not what
        the manifest says.
    BoundarySourceError
        If the source's layout is not recognised or a field is missing.
    """
    if (district_field is None) != (province_field is None):
        msg = "give both district_field and province_field, or neither"
        raise UsageError(msg)
    if source is None:
        adm2_path, adm1_path, origin = _download_geoboundaries(progress=progress)
    else:
        adm2_path, adm1_path = _locate(Path(source), generic=district_field is not None)
        origin = {"kind": "local", "path": str(Path(source).resolve())}
    adm2 = _read_layer(adm2_path)
    if district_field is not None:
        districts, meta = _from_generic(adm2, adm2_path, district_field, province_field, id_field)
    elif {"ADM2_EN", "ADM1_PCODE"} <= set(adm2.columns):
        districts, meta = _from_ocha(adm2, id_field)
    elif {"shapeName", "shapeID"} <= set(adm2.columns):
        if adm1_path is None:
            msg = (
                f"{adm2_path}: a geoBoundaries ADM2 layer has no province field; give the folder "
                "that also holds the ADM1 file, or name --district-field and --province-field"
            )
            raise BoundarySourceError(msg)
        districts, meta = _from_geoboundaries(adm2, _read_layer(adm1_path), id_field)
    else:
        cols = ", ".join(c for c in adm2.columns if c != "geometry")
        msg = (
            f"{adm2_path}: unknown district layer layout (fields: {cols}); "
            "name --district-field and --province-field"
        )
        raise BoundarySourceError(msg)
    districts = _finish_districts(districts, adm2_path)
    provs = dissolve_provinces(districts)
    provenance = {
        **meta,
        **origin,
        "files": {
            "districts": {"path": str(adm2_path), "sha256": _sha256(adm2_path)},
            **(
                {"provinces": {"path": str(adm1_path), "sha256": _sha256(adm1_path)}}
                if adm1_path is not None and meta.get("layout") == "geoboundaries"
                else {}
            ),
        },
        "imported": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "districts": len(districts),
        "provinces": len(provs),
        "crs": "EPSG:4326",
        "repaired_polygons": int(districts.attrs.get("repaired", 0)),
    }
    provenance.setdefault("credit", credit_line(provenance))
    return _write_cache(districts, provs, provenance)


def _download_geoboundaries(*, progress: bool) -> tuple[Path, Path, dict[str, Any]]:
    import pooch

    src = manifest()["geoboundaries"]
    folder = cache_dir() / "downloads" / f"geoboundaries-{src['release_commit']}"
    paths = {}
    for level, spec in src["files"].items():
        fname = spec["url"].rsplit("/", 1)[1]
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
                "from a local copy: incidentmap boundaries install --from PATH"
            )
            raise DownloadError(msg) from exc
        count = len(_read_layer(paths[level]))
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


def _locate(source: Path, *, generic: bool) -> tuple[Path, Path | None]:
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
        try:
            with zipfile.ZipFile(source) as zf:
                names = [n for n in zf.namelist() if Path(n).suffix.lower() in (".shp", ".geojson")]
        except (zipfile.BadZipFile, OSError) as exc:
            raise BoundarySourceError(f"{source}: not a readable zip file ({exc})") from exc
        adm2 = [n for n in names if "adm2" in n.lower()]
        adm1 = [n for n in names if "adm1" in n.lower()]
        if adm2:
            return (
                Path(f"{source}!{sorted(adm2)[0]}"),
                Path(f"{source}!{sorted(adm1)[0]}") if adm1 else None,
            )
    return source, None


def _read_layer(path: Path) -> gpd.GeoDataFrame:
    text = str(path)
    if "!" in text and text.split("!")[0].lower().endswith(".zip"):
        zpath, inner = text.split("!", 1)
        uri = f"zip://{zpath}!{inner}"
    elif text.lower().endswith(".zip"):
        uri = f"zip://{text}"
    else:
        uri = text
    try:
        gdf = gpd.read_file(uri, engine="pyogrio")
    except Exception as exc:
        msg = f"{path}: cannot read as a vector layer ({_one_line(exc)})"
        raise BoundarySourceError(msg) from exc
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
    try:
        gdf = gdf.to_crs("EPSG:4326")
    except Exception as exc:
        raise BoundarySourceError(
            f"{path}: cannot convert to EPSG:4326 ({_one_line(exc)})"
        ) from exc
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
    return gdf


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] + ("..." if len(text) > 200 else "")


def _sha256(path: Path) -> str:
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


def _from_geoboundaries(
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


def _from_ocha(
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


def _from_generic(
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


def _finish_districts(districts: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
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
    districts.attrs["repaired"] = int(invalid.sum())
    return districts.reset_index(drop=True)


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


def _write_cache(
    districts: gpd.GeoDataFrame, provs: gpd.GeoDataFrame, provenance: dict[str, Any]
) -> BoundaryInfo:
    """Write the layers and provenance; the old cache stays whole until the new one is."""
    from incidentmap.io.write import remove_stale_temps, run_interruptibly

    target = cache_dir()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BoundaryCacheError(
            f"cannot create the cache folder {target} ({exc.strerror})"
        ) from exc
    remove_stale_temps(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".install.incidentmap-tmp-{os.getpid()}-", dir=target))
    try:
        gpkg = tmp / _GPKG

        def write() -> None:
            districts.to_file(gpkg, layer="districts", driver="GPKG", engine="pyogrio")
            provs.to_file(gpkg, layer="provinces", driver="GPKG", engine="pyogrio")

        try:
            run_interruptibly(write)
        except Exception as exc:
            msg = f"cannot write the boundary cache in {target} ({_one_line(exc)})"
            raise BoundaryCacheError(msg) from exc
        provenance = {
            **provenance,
            "cache": {"file": _GPKG, "size": gpkg.stat().st_size, "sha256": _sha256(gpkg)},
        }
        _check_cache(gpkg, provenance)  # read back what was written before it replaces anything
        (tmp / _PROVENANCE).write_text(json.dumps(provenance, indent=2), "utf-8")
        for name in (_GPKG, _PROVENANCE):
            fd = os.open(tmp / name, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        for name in (_GPKG, _PROVENANCE):
            os.replace(tmp / name, target / name)
        for old in target.glob("locator-*.npz"):  # indexes of the layer just replaced
            old.unlink(missing_ok=True)
    except OSError as exc:
        if isinstance(exc, BoundaryCacheError):
            raise
        msg = f"cannot write the boundary cache in {target} ({exc.strerror or exc})"
        raise BoundaryCacheError(msg) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _load_cached.cache_clear()
    _checked.cache_clear()
    return BoundaryInfo(target / _GPKG, provenance)


def credit_line(provenance: dict[str, Any]) -> str:
    """Return a short credit line for maps, from the provenance of the installed layer.

    Parameters
    ----------
    provenance : dict
        ``BoundaryInfo.provenance`` (or a layer's ``attrs["provenance"]``).

    Returns
    -------
    str
        E.g. ``"Boundaries: geoBoundaries.org (Runfola et al. 2020)"``.
    """
    if provenance.get("credit"):
        return str(provenance["credit"])
    layout = provenance.get("layout")
    if layout == "geoboundaries":
        return "Boundaries: geoBoundaries.org (Runfola et al. 2020)"
    if layout == "ocha-codab":
        return "Boundaries: AGCHO / OCHA COD-AB Afghanistan"
    if provenance.get("source"):
        return f"Boundaries: {provenance['source']}"
    return "Boundaries: user-supplied layer"


# ---------------------------------------------------------------------------------------------
# load


def _damaged(path: Path, reason: str) -> BoundaryCacheError:
    return BoundaryCacheError(
        f"boundary cache {path} is damaged ({reason}); reinstall: {_REINSTALL}"
    )


def _check_cache(gpkg: Path, provenance: dict[str, Any]) -> None:
    """Check that the cache file holds what its provenance says; raise BoundaryCacheError."""
    import pyogrio

    rec = provenance.get("cache") or {}
    try:
        size = gpkg.stat().st_size
    except OSError as exc:
        raise _damaged(gpkg, exc.strerror or "unreadable") from exc
    if size == 0:
        raise _damaged(gpkg, "the file is empty")
    if rec.get("size") is not None and int(rec["size"]) != size:
        raise _damaged(gpkg, f"{size} bytes, {rec['size']} were written")
    if rec.get("sha256") and _sha256(gpkg) != rec["sha256"]:
        raise _damaged(gpkg, "its checksum differs from the one written at install")
    try:
        layers = {str(name) for name, _ in pyogrio.list_layers(gpkg)}
    except Exception as exc:
        raise _damaged(gpkg, f"not a readable GeoPackage: {_one_line(exc)}") from exc
    for layer, key in (("districts", "districts"), ("provinces", "provinces")):
        if layer not in layers:
            raise _damaged(gpkg, f"the {layer} layer is missing")
        try:
            count = int(pyogrio.read_info(gpkg, layer=layer)["features"])
        except Exception as exc:
            raise _damaged(gpkg, f"the {layer} layer is unreadable: {_one_line(exc)}") from exc
        expected = provenance.get(key)
        if isinstance(expected, int) and count != expected:
            raise _damaged(gpkg, f"{count} {layer}, {expected} were installed")


@functools.lru_cache(maxsize=4)
def _checked(path: str, mtime: float, size: int, prov_text: str) -> dict[str, Any]:
    prov_path = Path(path).with_name(_PROVENANCE)
    try:
        provenance = json.loads(prov_text)
    except ValueError as exc:
        raise _damaged(prov_path, f"not valid JSON: {exc.msg}") from exc
    if not isinstance(provenance, dict) or not isinstance(provenance.get("districts"), int):
        raise _damaged(prov_path, "not an incidentmap provenance record")
    _check_cache(Path(path), provenance)
    return provenance


def boundaries_info(*, check: bool = True) -> BoundaryInfo:
    """Return the provenance of the installed boundaries, after checking the cache.

    Parameters
    ----------
    check : bool, default True
        Check that the cache file is whole: its size and checksum as written at
        install, both layers present and readable, their feature counts.

    Raises
    ------
    BoundariesNotInstalledError
        If nothing is installed.
    BoundaryCacheError
        If the cache is damaged (the message names the file and the reinstall command).
    """
    path = cache_dir() / _GPKG
    prov = cache_dir() / _PROVENANCE
    if not path.exists() or not prov.exists():
        msg = f"no boundaries installed in {cache_dir()}; run: {_REINSTALL}"
        raise BoundariesNotInstalledError(msg)
    try:
        text = prov.read_text("utf-8")
        st = path.stat()
    except (OSError, UnicodeDecodeError) as exc:
        what = (
            prov
            if isinstance(exc, UnicodeDecodeError)
            else Path(getattr(exc, "filename", prov) or prov)
        )
        raise _damaged(what, getattr(exc, "strerror", None) or "unreadable") from exc
    if not check:
        try:
            return BoundaryInfo(path, json.loads(text))
        except ValueError as exc:
            raise _damaged(prov, f"not valid JSON: {exc}") from exc
    provenance = _checked(str(path), st.st_mtime, st.st_size, text)
    return BoundaryInfo(path, provenance)


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, mtime: float, level: str) -> gpd.GeoDataFrame:
    layer = "districts" if level == "district" else "provinces"
    try:
        return gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:
        raise _damaged(Path(path), f"the {layer} layer is unreadable: {_one_line(exc)}") from exc


def load_boundaries(level: str = "district") -> gpd.GeoDataFrame:
    """Load an installed boundary layer.

    Parameters
    ----------
    level : {"district", "province"}, default "district"

    Returns
    -------
    geopandas.GeoDataFrame
        A copy the caller may change. The provenance is in ``.attrs["provenance"]``.

    Raises
    ------
    BoundariesNotInstalledError
        If nothing is installed.
    BoundaryCacheError
        If the cache is damaged.
    UsageError
        If ``level`` is not one of the allowed values.
    """
    if level not in LEVELS:
        msg = f"level must be one of {', '.join(LEVELS)}, not {level!r}"
        raise UsageError(msg)
    info = boundaries_info()
    gdf = _load_cached(str(info.path), info.path.stat().st_mtime, level).copy()
    gdf.attrs["provenance"] = info.provenance
    sha = (info.provenance.get("cache") or {}).get("sha256")
    if sha:
        gdf.attrs["layer_key"] = f"{sha}:{level}"
    return gdf
