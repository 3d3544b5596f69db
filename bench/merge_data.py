"""A second source derived from a real one, the way another publisher reports the same events.

:func:`derive_acled` takes placed incidents from a real file (GTD, UCDP...) and writes
what ACLED would have published about them, in ACLED's own layout (codebook 2023
columns, ``dd Month yyyy`` dates, ACLED actor names and event types): most events again,
points moved by a few km, a share placed only to the province (ACLED ``geo_precision``
3: the province's centre), dates a day apart, actors under their other names, tolls that
differ, some events missing and some that only this source has. It returns the truth:
which derived row is which original event. Used by ``tests/test_merge.py`` (accuracy)
and ``python -m bench merge``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Derived", "derive_acled"]

_ACLED_TYPES = {
    "targeted killing": ("Violence against civilians", "Attack"),
    "attack on civilians": ("Violence against civilians", "Attack"),
    "armed attack/clash": ("Battles", "Armed clash"),
    "explosive/IED": ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    "suicide attack": ("Explosions/Remote violence", "Suicide bomb"),
    "air/drone strike": ("Explosions/Remote violence", "Air/drone strike"),
    "shelling/rocket/mortar": ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    "abduction": ("Violence against civilians", "Abduction/forced disappearance"),
    "other": ("Strategic developments", "Looting/property destruction"),
}
_ACLED_ACTORS = {
    "taliban": ("Taliban", "Taleban", "Islamic Emirate of Afghanistan"),
    "isis-k": ("Islamic State (Afghanistan)", "Islamic State Khorasan Province (ISKP)", "ISKP"),
    "unidentified": ("Unidentified Armed Group (Afghanistan)",),
    "afghan-state-2001-2021": (
        "Military Forces of Afghanistan (2004-2021)",
        "Police Forces of Afghanistan (2004-2021)",
    ),
}
_KM_PER_DEG = 111.32


@dataclass
class Derived:
    """The derived file's rows and the truth about them."""

    frame: pd.DataFrame
    #: derived event_id_cnty -> the original event_id (only for events both have)
    truth: dict[str, str]


def _province_centres(g: pd.DataFrame) -> dict[str, tuple[float, float]]:
    from incidentmap import load_boundaries

    districts = load_boundaries()
    provinces = districts.dissolve("province_code")
    points = provinces.geometry.representative_point()
    return {str(k): (float(p.x), float(p.y)) for k, p in points.items()}


def _moved(
    lon: np.ndarray, lat: np.ndarray, km: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    angle = rng.uniform(0, 2 * np.pi, len(lon))
    dlat = km * np.cos(angle) / _KM_PER_DEG
    dlon = km * np.sin(angle) / (_KM_PER_DEG * np.cos(np.radians(lat)))
    return lon + dlon, lat + dlat


def _actor(group: object, text: object, rng: np.random.Generator) -> str:
    names = _ACLED_ACTORS.get(str(group).split("|")[0]) if isinstance(group, str) else None
    if names:
        return str(names[int(rng.integers(len(names)))])
    return (
        str(text)
        if isinstance(text, str) and text.strip()
        else "Unidentified Armed Group (Afghanistan)"
    )


def derive_acled(
    g: pd.DataFrame,
    *,
    seed: int = 2023,
    keep: float = 0.85,
    only_here: float = 0.10,
    province_only: float = 0.2,
    day_apart: float = 0.3,
    toll_differs: float = 0.4,
    max_km: float = 3.0,
) -> Derived:
    """Write an ACLED-layout table of the events of ``g`` as another publisher reports them.

    Parameters
    ----------
    g : pandas.DataFrame
        Placed incidents (:func:`incidentmap.load_incidents`) with dates.
    seed : int
        Random seed (the same seed gives the same table).
    keep : float
        Share of the events of ``g`` the derived source also reports.
    only_here : float
        Events only the derived source has, as a share of ``g``'s rows (dated 30 to 300
        days away from an event of ``g`` and 20 to 80 km from it).
    province_only, day_apart, toll_differs : float
        Shares of the kept events placed only to their province, dated a day earlier or
        later, and with another toll (1 to 3 more or fewer fatalities).
    max_km : float
        Points are moved by 0.3 to ``max_km`` km.

    Returns
    -------
    Derived
    """
    rng = np.random.default_rng(seed)
    base = g[g["date"].notna() & g["geocode_precision"].isin(["point", "district", "province"])]
    base = base.reset_index(drop=True)
    kept = base[rng.random(len(base)) < keep].reset_index(drop=True)
    extra = base.iloc[rng.integers(0, len(base), int(len(g) * only_here))].reset_index(drop=True)
    centres = _province_centres(g)
    rows = [_rows(kept, rng, centres, province_only, day_apart, toll_differs, max_km, shift=False)]
    rows.append(_rows(extra, rng, centres, 0.0, 0.0, 0.0, max_km, shift=True))
    frame = pd.concat(rows, ignore_index=True)
    frame.insert(0, "event_id_cnty", [f"AFG{k:05d}" for k in range(1, len(frame) + 1)])
    truth = {f"AFG{k:05d}": str(e) for k, e in enumerate(kept["event_id"], start=1)}
    order = rng.permutation(len(frame))
    return Derived(frame=frame.iloc[order].reset_index(drop=True), truth=truth)


def _rows(
    src: pd.DataFrame,
    rng: np.random.Generator,
    centres: dict[str, tuple[float, float]],
    province_only: float,
    day_apart: float,
    toll_differs: float,
    max_km: float,
    *,
    shift: bool,
) -> pd.DataFrame:
    n = len(src)
    x = src.geometry.x.to_numpy(dtype=float)
    y = src.geometry.y.to_numpy(dtype=float)
    km = rng.uniform(20, 80, n) if shift else rng.uniform(0.3, max_km, n)
    lon, lat = _moved(x, y, km, rng)
    prec = np.where(src["geocode_precision"].to_numpy() == "point", 1, 2)
    coarse = (rng.random(n) < province_only) | (src["geocode_precision"].to_numpy() == "province")
    if shift:
        coarse[:] = False
        prec[:] = 1
    codes = src["province_code"].astype(str).to_numpy()
    for k in np.flatnonzero(coarse):
        lon[k], lat[k] = centres.get(codes[k], (lon[k], lat[k]))
    prec = np.where(coarse, 3, prec)
    dates = pd.to_datetime(src["date"]).to_numpy()
    step = np.where(rng.random(n) < day_apart, rng.choice([-1, 1], n), 0)
    if shift:
        step = rng.choice([-1, 1], n) * rng.integers(30, 300, n)
    dates = pd.to_datetime(dates + step.astype("timedelta64[D]"))
    fat = pd.to_numeric(src["fatalities"], errors="coerce").to_numpy(dtype=float)
    change = (rng.random(n) < toll_differs) * rng.choice([-3, -2, -1, 1, 2, 3], n)
    fat = np.where(np.isnan(fat), 0, np.maximum(fat + change, 0))
    types = [_ACLED_TYPES.get(c, _ACLED_TYPES["other"]) for c in src["category"].fillna("other")]
    return pd.DataFrame(
        {
            "event_date": [d.strftime("%d %B %Y") for d in dates],
            "year": [d.year for d in dates],
            "time_precision": 1,
            "disorder_type": "Political violence",
            "event_type": [t[0] for t in types],
            "sub_event_type": [t[1] for t in types],
            "actor1": [
                _actor(grp, a, rng)
                for grp, a in zip(src["actor1_group"], src["actor"], strict=True)
            ],
            "assoc_actor_1": "",
            "inter1": 2,
            "actor2": [
                _actor(grp, "Civilians (Afghanistan)", rng)
                if isinstance(grp, str)
                else "Civilians (Afghanistan)"
                for grp in src.get("actor2_group", pd.Series([None] * n))
            ],
            "interaction": 27,
            "iso": 4,
            "region": "Caucasus and Central Asia",
            "country": "Afghanistan",
            "admin1": src["province"].to_numpy(),
            "admin2": np.where(coarse, "", src["district"].fillna("").to_numpy()),
            "location": np.where(
                coarse,
                src["province"].to_numpy(),
                src.get("stated_place", src["province"]).fillna("").to_numpy(),
            ),
            "latitude": np.round(lat, 4),
            "longitude": np.round(lon, 4),
            "geo_precision": prec,
            "source": "Pajhwok Afghan News",
            "source_scale": "National",
            "notes": "",
            "fatalities": fat.astype(int),
        }
    )
