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

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from incidentmap.pipeline import load_incidents

__all__ = [
    "DenseCase", "Derived", "dense_cases", "derive_acled", "load_case", "publish", "world_acled",
    "world_busy", "world_wardiary",
]  # fmt: skip

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


def _moved(lon: np.ndarray, lat: np.ndarray, km: np.ndarray, rng: np.random.Generator) -> tuple:
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


# ---------------------------------------------------------------------------------------
# Dense cases: busy days, the way two publishers report the same year (issue 27)
# ---------------------------------------------------------------------------------------

ACLED_WORKBOOK = "incidents/acled_afg_2017on_province_level.xlsx"
WARDIARY = "incidents/wardiary_points_2004_2009.csv"
_REMOTE = ("explosive/IED", "air/drone strike", "shelling/rocket/mortar", "suicide attack")
_UCDP_SIDE = {"taliban": "Taleban", "isis-k": "IS", "unidentified": "Unknown"}
_STATE_ACLED = "Military Forces of Afghanistan (2004-2021)"


@dataclass
class DenseCase:
    """Two published tables of one world of events, and which event each row reports.

    ``a`` in ACLED's layout, ``b`` in UCDP GED's, as files (``load_case`` reads them);
    ``event_a`` / ``event_b``: each row's world event (two rows of one event: a true pair).
    """

    name: str
    a: pd.DataFrame
    b: pd.DataFrame
    event_a: dict[str, int]
    event_b: dict[str, int]

    @property
    def events(self) -> int:
        """The distinct events the two tables report (the merged count a perfect merge gives)."""
        return len(set(self.event_a.values()) | set(self.event_b.values()))

    @property
    def one_to_one(self) -> int:
        """The count a perfect one-row-per-source merge gives (events + split rows)."""
        extra = sum(len(d) - len(set(d.values())) for d in (self.event_a, self.event_b))
        return self.events + extra

    def truth(self) -> set[tuple[str, str]]:
        """Every true pair (a id, b id)."""
        by_event: dict[int, list[str]] = {}
        for k, e in self.event_a.items():
            by_event.setdefault(e, []).append(k)
        return {(x, k) for k, e in self.event_b.items() for x in by_event.get(e, [])}


def _shared_data() -> Path:
    import os

    root = Path(__file__).resolve().parents[1]
    return Path(os.environ.get("INCIDENTMAP_SHARED_DATA", root.parent / "shared" / "data"))


@functools.lru_cache(maxsize=1)
def _places() -> pd.DataFrame:
    """Real places (war diary coordinates, 0.01 degree cells) with their area and weight."""
    from incidentmap.context import context_for

    w = pd.read_csv(
        _shared_data() / WARDIARY, comment="%", header=None, names=["lon", "lat", "day"]
    )
    cells = w.assign(lon=w["lon"].round(2), lat=w["lat"].round(2))
    places = cells.groupby(["lon", "lat"]).size().rename("weight").reset_index()
    ctx = context_for(None)
    hit = ctx.locate(places["lon"].to_numpy(), places["lat"].to_numpy())
    places = places[hit >= 0].reset_index(drop=True)
    layer = ctx.districts.iloc[hit[hit >= 0]]
    for col in ("district_id", "district", "province_code", "province"):
        places[col] = layer[col].to_numpy()
    return places


def _areas() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Districts and provinces with one inner point each (the point a coarse row is given)."""
    from incidentmap.context import context_for

    layer = context_for(None).districts
    d = layer.drop(columns="geometry").copy()
    rp = layer.geometry.representative_point()
    d["lon"], d["lat"] = rp.x.to_numpy(), rp.y.to_numpy()
    prov = layer.dissolve("province_code").reset_index()
    pp = prov.geometry.representative_point()
    p = pd.DataFrame({"province_code": prov["province_code"], "province": prov["province"],
                      "lon": pp.x.to_numpy(), "lat": pp.y.to_numpy()})  # fmt: skip
    return d.set_index("district_id"), p.set_index("province_code")


def _at_places(places: pd.DataFrame, rows: np.ndarray) -> dict[str, np.ndarray]:
    return {c: places[c].to_numpy()[rows] for c in
            ("lon", "lat", "district_id", "district", "province_code", "province")}  # fmt: skip


def _actors_for(category: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return rng.choice(["taliban", "isis-k", "unidentified"], len(category), p=[0.84, 0.08, 0.08])


@functools.lru_cache(maxsize=2)
def _workbook_year(year: int) -> pd.DataFrame:
    x = pd.read_excel(_shared_data() / ACLED_WORKBOOK, engine="calamine")
    return x[x["year"] == year].reset_index(drop=True)


def world_acled(year: int = 2019, *, seed: int = 1, share: float = 1.0) -> pd.DataFrame:
    """ACLED's real events of one Afghan year (province, day, type, toll), at real places.

    The workbook gives each event its province, day, event type and toll; the event is put
    at a real place of its province (war-diary places, drawn by how often the diary names
    them), so busy provinces have several events a day in their busiest districts.
    """
    from incidentmap.gazetteer import resolve_province

    rng = np.random.default_rng(seed)
    x = _workbook_year(year)
    if share < 1:
        x = x[rng.random(len(x)) < share].reset_index(drop=True)
    code = {n: resolve_province(n).province_code for n in x["adm1_name"].unique()}
    places = _places()
    n = len(x)
    rows = np.zeros(n, dtype=int)
    by_prov = {k: g.index.to_numpy() for k, g in places.groupby("province_code")}
    weights = places["weight"].to_numpy(dtype=float)
    for prov, idx in pd.Series(np.arange(n)).groupby(x["adm1_name"].map(code).to_numpy()):
        pool = by_prov.get(prov)
        if pool is None:
            pool = np.arange(len(places))
        w = weights[pool] / weights[pool].sum()
        rows[idx.to_numpy()] = rng.choice(pool, len(idx), p=w)
    et = x["event_type"].to_numpy()
    category = np.full(n, "other", dtype=object)
    category[et == "Battles"] = "armed attack/clash"
    remote = et == "Explosions/Remote violence"
    category[remote] = rng.choice(_REMOTE, remote.sum(), p=[0.45, 0.3, 0.2, 0.05])
    vac = et == "Violence against civilians"
    category[vac] = rng.choice(["attack on civilians", "abduction"], vac.sum(), p=[0.8, 0.2])
    return pd.DataFrame({
        "date": pd.to_datetime(x["event_date"]).dt.normalize(), **_at_places(places, rows),
        "category": category, "group": _actors_for(category, rng),
        "fatalities": x["conflict_fatalities"].to_numpy(dtype=int),
    })  # fmt: skip


def world_wardiary(year: int = 2009, *, days: int = 366, seed: int = 2) -> pd.DataFrame:
    """The war diary's real events (place and day) of the first ``days`` days of a year.

    Types, actors and tolls are drawn (the diary has none): half the events without a
    death, as in ACLED's Afghan years.
    """
    rng = np.random.default_rng(seed)
    places = _places()
    w = pd.read_csv(
        _shared_data() / WARDIARY, comment="%", header=None, names=["lon", "lat", "day"]
    )
    date = pd.Timestamp("2004-01-01") + pd.to_timedelta(w["day"], unit="D")
    first = pd.Timestamp(f"{year}-01-01")
    keep = ((date >= first) & (date < first + pd.Timedelta(days=days))).to_numpy()
    w, date = w[keep].reset_index(drop=True), date[keep].reset_index(drop=True)
    key = places.set_index(["lon", "lat"]).index
    rows = key.get_indexer(pd.MultiIndex.from_arrays([w["lon"].round(2), w["lat"].round(2)]))
    ok = rows >= 0
    n = int(ok.sum())
    category = rng.choice(["armed attack/clash", *_REMOTE, "attack on civilians", "abduction"],
                          n, p=[0.55, 0.2, 0.08, 0.07, 0.02, 0.06, 0.02])  # fmt: skip
    return pd.DataFrame({
        "date": date[ok].to_numpy(), **_at_places(places, rows[ok]), "category": category,
        "group": _actors_for(category, rng), "fatalities": _tolls_drawn(n, rng),
    })  # fmt: skip


def _tolls_drawn(n: int, rng: np.random.Generator) -> np.ndarray:
    return np.where(rng.random(n) < 0.5, 0, rng.geometric(0.25, n)).astype(int)


def world_busy(*, days: int = 120, per_day: float = 30.0, seed: int = 3) -> pd.DataFrame:
    """Our own busy days: events in bursts at a few hot places, look-alikes on purpose.

    Each day has Poisson(``per_day``) events; a third are drawn to one of 20 hot places;
    a quarter of all events get a look-alike at the same place on the same day that differs
    only in its type, or only in its toll.
    """
    rng = np.random.default_rng(seed)
    places = _places()
    weights = places["weight"].to_numpy(dtype=float)
    hot = rng.choice(len(places), 20, replace=False, p=weights / weights.sum())
    counts = rng.poisson(per_day, days)
    n = int(counts.sum())
    date = pd.Timestamp("2019-03-01") + pd.to_timedelta(np.repeat(np.arange(days), counts), "D")
    rows = np.where(rng.random(n) < 1 / 3, rng.choice(hot, n),
                    rng.choice(len(places), n, p=weights / weights.sum()))  # fmt: skip
    category = rng.choice(["armed attack/clash", *_REMOTE, "attack on civilians"], n,
                          p=[0.55, 0.2, 0.1, 0.07, 0.03, 0.05])  # fmt: skip
    base = pd.DataFrame({"date": date, **_at_places(places, rows), "category": category,
                         "group": _actors_for(category, rng),
                         "fatalities": _tolls_drawn(n, rng)})  # fmt: skip
    twin = base[rng.random(n) < 0.25].copy()
    by_type = rng.random(len(twin)) < 0.5
    other = rng.choice(["armed attack/clash", "explosive/IED", "attack on civilians"], len(twin))
    twin["category"] = np.where(by_type, other, twin["category"])
    twin["fatalities"] = np.where(by_type, twin["fatalities"],
                                  twin["fatalities"] + rng.integers(2, 6, len(twin)))  # fmt: skip
    return pd.concat([base, twin], ignore_index=True).sort_values("date", kind="stable")


def _acled_layout(
    w: pd.DataFrame, rng: np.random.Generator, provinces: pd.DataFrame
) -> pd.DataFrame:
    """The world's events as ACLED writes them (all of them; its own precision codes)."""
    n = len(w)
    geo = rng.choice([1, 2, 3], n, p=[0.80, 0.12, 0.08])
    lon, lat = w["lon"].to_numpy(float), w["lat"].to_numpy(float)
    far_lon, far_lat = _moved(lon, lat, rng.uniform(2, 10, n), rng)
    lon, lat = np.where(geo == 2, far_lon, lon), np.where(geo == 2, far_lat, lat)
    centre = provinces.reindex(w["province_code"].to_numpy())
    lon = np.where(geo == 3, centre["lon"].to_numpy(), lon)
    lat = np.where(geo == 3, centre["lat"].to_numpy(), lat)
    types = [_ACLED_TYPES.get(c, _ACLED_TYPES["other"]) for c in w["category"]]
    civil = np.isin(w["category"].to_numpy(), ["attack on civilians", "abduction"])
    return pd.DataFrame({
        "event_id_cnty": [f"AFG{k:06d}" for k in range(1, n + 1)],
        "event_date": [d.strftime("%d %B %Y") for d in pd.to_datetime(w["date"])],
        "year": pd.to_datetime(w["date"]).dt.year.to_numpy(),
        "time_precision": rng.choice([1, 2, 3], n, p=[0.94, 0.04, 0.02]),
        "disorder_type": "Political violence",
        "event_type": [t[0] for t in types], "sub_event_type": [t[1] for t in types],
        "actor1": [_ACLED_ACTORS[g][0] for g in w["group"]],
        "actor2": np.where(civil, "Civilians (Afghanistan)", _STATE_ACLED),
        "country": "Afghanistan", "iso": 4,
        "admin1": w["province"].to_numpy(),
        "admin2": np.where(geo == 3, "", w["district"].to_numpy()),
        "location": np.where(geo == 3, w["province"].to_numpy(), w["district"].to_numpy()),
        "latitude": np.round(lat, 4), "longitude": np.round(lon, 4), "geo_precision": geo,
        "source": "Pajhwok Afghan News", "fatalities": w["fatalities"].to_numpy(int),
    })  # fmt: skip


def _ucdp_types(w: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """UCDP's type of violence and sides for each event (its own names: Taleban, IS)."""
    cat, group = w["category"].to_numpy(), w["group"].to_numpy()
    n = len(w)
    tov = np.where(np.isin(cat, ["attack on civilians", "abduction", "targeted killing"]), 3, 1)
    tov = np.where(np.isin(cat, _REMOTE) & (rng.random(n) < 0.15), 3, tov)
    tov = np.where(
        (cat == "armed attack/clash") & (group == "isis-k") & (rng.random(n) < 0.5), 2, tov
    )
    tov = np.where(rng.random(n) < 0.05, rng.integers(1, 4, n), tov)  # publishers disagree
    side = np.array([_UCDP_SIDE[g] for g in group], dtype=object)
    side_a = np.where(tov == 1, "Government of Afghanistan", np.where(tov == 2, "Taleban", side))
    side_b = np.where(tov == 1, side, np.where(tov == 2, "IS", "Civilians"))
    return tov, side_a, side_b


def _ucdp_layout(
    w: pd.DataFrame, rng: np.random.Generator, districts: pd.DataFrame,
    provinces: pd.DataFrame, spread_km: float, first_id: int,
) -> pd.DataFrame:  # fmt: skip
    """Events as UCDP GED writes them: moved points, coarse rows, lags, ranges, its names."""
    n = len(w)
    prec = rng.choice([1, 2, 3, 4], n, p=[0.60, 0.15, 0.15, 0.10])
    lon, lat = w["lon"].to_numpy(float), w["lat"].to_numpy(float)
    km = np.where(prec == 2, rng.uniform(2, 10, n), np.abs(rng.normal(0, spread_km, n)))
    lon, lat = _moved(lon, lat, km, rng)
    d = districts.reindex(w["district_id"].to_numpy())
    p = provinces.reindex(w["province_code"].to_numpy())
    for code, src in ((3, d), (4, p)):
        lon = np.where(prec == code, src["lon"].to_numpy(), lon)
        lat = np.where(prec == code, src["lat"].to_numpy(), lat)
    date = pd.to_datetime(w["date"]).to_numpy()
    lag = np.where(rng.random(n) < 1 / 3, rng.choice([1, -1], n, p=[0.7, 0.3]), 0)
    start = date + lag.astype("timedelta64[D]")
    dprec = rng.choice([1, 3, 4], n, p=[0.92, 0.06, 0.02])
    week_start = start - rng.integers(0, 4, n).astype("timedelta64[D]")
    month = pd.to_datetime(start).to_period("M")
    start = np.where(dprec == 3, week_start, np.where(dprec == 4, month.start_time, start))
    end = np.where(dprec == 3, week_start + np.timedelta64(6, "D"),
                   np.where(dprec == 4, month.end_time.normalize(), start))  # fmt: skip
    fat = w["fatalities"].to_numpy(int)
    best = np.maximum(fat + np.where(rng.random(n) < 0.5, rng.choice([-1, 1], n), 0), 0)
    tov, side_a, side_b = _ucdp_types(w, rng)
    named = rng.random(n) < 0.5
    return pd.DataFrame({
        "id": np.arange(first_id, first_id + n),
        "year": pd.to_datetime(start).year,
        "type_of_violence": tov, "side_a": side_a, "side_b": side_b,
        "source_article": "UCDP", "where_prec": prec,
        "where_coordinates": np.where(named & (prec < 4), w["district"].to_numpy(), ""),
        "adm_1": w["province"].to_numpy() + " province",
        "adm_2": np.where(prec < 4, w["district"].to_numpy() + " district", ""),
        "latitude": np.round(lat, 4), "longitude": np.round(lon, 4),
        "country": "Afghanistan", "date_prec": dprec,
        "date_start": pd.to_datetime(start).strftime("%Y-%m-%d"),
        "date_end": pd.to_datetime(end).strftime("%Y-%m-%d"), "best": best,
    })  # fmt: skip


def publish(
    world: pd.DataFrame, name: str, *, seed: int = 27, share_b: float = 0.6,
    only_b: float = 0.22, split: float = 0.03, spread_km: float = 2.0, types: bool = True,
) -> DenseCase:  # fmt: skip
    """Two publishers' tables of one world of events, with the truth.

    Parameters
    ----------
    world : pandas.DataFrame
        Events (``world_acled``, ``world_wardiary``, ``world_busy``).
    name : str
        The case's name.
    seed : int
        Random seed.
    share_b : float
        Share of the world's events (other than "other") that ``b`` (UCDP's layout) reports;
        ``a`` (ACLED's layout) reports them all: 8 % placed only to the province (its
        centre), 12 % at a town 2-10 km away (``geo_precision`` 2), 4 % dated to the
        week and 2 % to the month.
    only_b : float
        Events only ``b`` reports, as a share of the world: at a real event's place on
        another day (2-60 days away), with another event's type, actors and toll.
    split : float
        Share of ``b``'s events it reports as two rows (the toll split between them).
    spread_km : float
        ``b``'s exact points are moved by ``|N(0, spread_km)|`` km; 15 % are "within
        25 km" points moved 2-10 km, 15 % placed to the district, 10 % to the province
        (one point per province); a third are a day off (a lag, mostly a day later); 6 %
        dated to a week, 2 % to a month; half the tolls differ by one.
    types : bool
        Whether ``b`` has ``type_of_violence`` (5 % another type); else (as in some GED
        extracts) its category comes from ``side_b``.

    Returns
    -------
    DenseCase
    """
    rng = np.random.default_rng(seed)
    world = world.reset_index(drop=True)
    districts, provinces = _areas()
    n = len(world)
    a = _acled_layout(world, rng, provinces)
    event_a = dict(zip(a["event_id_cnty"], range(n), strict=True))
    kept = np.flatnonzero((rng.random(n) < share_b) & (world["category"] != "other").to_numpy())
    twice = kept[rng.random(len(kept)) < split]
    rows = np.concatenate([kept, twice])
    wb = world.iloc[rows].reset_index(drop=True)
    halves = np.r_[np.zeros(len(kept), int), np.ones(len(twice), int)]
    first_of_two = np.isin(rows, twice) & (halves == 0)
    fat = wb["fatalities"].to_numpy(int)
    wb["fatalities"] = np.where(halves == 1, fat - fat // 2, np.where(first_of_two, fat // 2, fat))
    n_only = int(n * only_b)
    src = rng.integers(0, n, n_only)
    other = rng.integers(0, n, n_only)
    extra = world.iloc[src].reset_index(drop=True)
    extra["date"] = pd.to_datetime(extra["date"]) + pd.to_timedelta(
        rng.choice([-1, 1], n_only) * rng.integers(2, 61, n_only), unit="D"
    )
    for col in ("category", "group", "fatalities"):
        extra[col] = world[col].to_numpy()[other]
    extra = extra[extra["category"] != "other"].reset_index(drop=True)
    b = _ucdp_layout(pd.concat([wb, extra], ignore_index=True), rng, districts, provinces,
                     spread_km, 100_001)  # fmt: skip
    events = np.r_[rows, n + np.arange(len(extra))]
    event_b = dict(zip(b["id"].astype(str), events.tolist(), strict=True))
    b = b if types else b.drop(columns="type_of_violence")
    a = a.iloc[rng.permutation(len(a))].reset_index(drop=True)
    b = b.iloc[rng.permutation(len(b))].reset_index(drop=True)
    return DenseCase(name=name, a=a, b=b, event_a=event_a, event_b=event_b)


def load_case(case: DenseCase, folder: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write a case's two tables as CSV files and read them as incidentmap does (placed)."""

    (folder := Path(folder)).mkdir(parents=True, exist_ok=True)
    out = []
    for side, table in (("acled", case.a), ("ucdp", case.b)):
        path = folder / f"{case.name}_{side}.csv"
        table.to_csv(path, index=False)
        frame, _ = load_incidents(path)
        out.append(frame)
    return out[0], out[1]


def dense_cases(scale: float = 1.0, seed: int = 27) -> list[DenseCase]:
    """The benchmark's dense cases: ACLED 2019 (real days and provinces), the war diary's
    busiest months of 2009 (real places and days), and our own busy days.

    ``scale`` < 1 keeps that share of each (tests use small cases).
    """
    days = max(7, int(120 * scale))
    return [
        publish(world_acled(2019, share=min(1.0, 0.5 * scale), seed=seed), "acled2019", seed=seed),
        publish(world_wardiary(2009, days=days, seed=seed + 1), "wardiary2009", seed=seed + 1),
        publish(world_busy(days=days, seed=seed + 2), "busy", seed=seed + 2, types=False),
    ]
