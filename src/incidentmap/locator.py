"""Fast point-in-polygon look-up over a fixed set of polygons (districts).

Used by geocoding (incident points), the gazetteer (which district each named
place lies in) and queries; built once per boundary layer by
:class:`incidentmap.context.BoundaryContext`.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import shapely

__all__ = ["PointLocator", "from_wkb_arrays", "wkb_arrays"]

_DECODING = threading.Lock()


class PointLocator:
    """Fast point-in-polygon look-up over a fixed set of polygons.

    The polygons' extent is cut into a grid. A cell that lies wholly inside one
    polygon answers for every point in it without a geometry test; the polygon
    parts in the other cells are clipped to the cell, so the few points there
    are tested against small pieces instead of whole districts. Those boundary
    cells are cut once more into ``split`` x ``split`` sub-cells, and a sub-cell
    wholly inside one piece (or touching none) answers without a test too.

    Parameters
    ----------
    polygons : array of shapely geometries
        The polygons (EPSG:4326 lon/lat).
    cell : float, default 0.05
        Grid cell size in degrees.
    split : int, default 8
        Sub-cells per side of a boundary cell.
    """

    def __init__(self, polygons: np.ndarray, cell: float = 0.05, split: int = 8) -> None:
        polys = np.asarray(polygons, dtype=object)
        minx, miny, maxx, maxy = shapely.total_bounds(polys)
        # an odd origin keeps round coordinates (34.5, 69.0) off the cell edges
        self.x0 = minx - cell * 0.137
        self.y0 = miny - cell * 0.137
        self.cell = cell
        self.nx = int(np.ceil((maxx - self.x0) / cell)) + 1
        self.ny = int(np.ceil((maxy - self.y0) / cell)) + 1
        ncells = self.nx * self.ny
        owner = np.full(ncells, -1, dtype=np.int64)
        touch_cells: list[np.ndarray] = []
        touch_polys: list[np.ndarray] = []
        touch_pieces: list[Any] = []
        shapely.prepare(polys)
        for i, poly in enumerate(polys):
            bx0, by0, bx1, by1 = shapely.bounds(poly)
            ix0, iy0 = self._cell_xy(bx0, by0)
            ix1, iy1 = self._cell_xy(bx1, by1)
            gx, gy = np.meshgrid(np.arange(ix0, ix1 + 1), np.arange(iy0, iy1 + 1))
            gx, gy = gx.ravel(), gy.ravel()
            boxes = shapely.box(
                self.x0 + gx * cell,
                self.y0 + gy * cell,
                self.x0 + (gx + 1) * cell,
                self.y0 + (gy + 1) * cell,
            )
            inside = shapely.contains_properly(poly, boxes)
            touch = ~inside & shapely.intersects(poly, boxes)
            ids = gy * self.nx + gx
            owner[ids[inside]] = i
            touch_cells.append(ids[touch])
            touch_polys.append(np.full(int(touch.sum()), i, dtype=np.int64))
            # clip_by_rect is several times faster than a general intersection
            touch_pieces += [shapely.clip_by_rect(poly, *shapely.bounds(b)) for b in boxes[touch]]
        cells = np.concatenate(touch_cells)
        piece_owner = np.concatenate(touch_polys)
        pieces = np.array(touch_pieces, dtype=object)
        keep = ~shapely.is_empty(pieces)
        cells, piece_owner, pieces = cells[keep], piece_owner[keep], pieces[keep]
        order = np.argsort(cells, kind="stable")
        self._pieces: np.ndarray | None = pieces[order]
        self._wkb: tuple[np.ndarray, np.ndarray] | None = None
        self.piece_owner = piece_owner[order]
        shapely.prepare(self._pieces)
        # CSR index: the pieces of cell c are pieces[start[c]:start[c + 1]]
        counts = np.bincount(cells, minlength=ncells)
        self.start = np.concatenate([[0], np.cumsum(counts)])
        self.owner = owner
        self.boundary = counts > 0
        self.split = split
        self.sub = self._sub_owners(polys)

    def _sub_owners(self, polys: np.ndarray) -> np.ndarray:
        """Owner of each sub-cell of each boundary cell: -1 none, -2 test the pieces.

        Row r holds the ``split * split`` sub-cells of the r-th boundary cell (row-major
        from the south-west corner). The polygons' borders, cut into segments shorter
        than half a sub-cell, mark every sub-cell they come near (within a hair, so that
        rounding in :meth:`locate` cannot put a point in the wrong sub-cell): those are
        tested point by point. A sub-cell no border comes near lies wholly inside the
        same pieces, so its centre answers for it.
        """
        k = self.split
        cells = np.flatnonzero(self.boundary)
        sub = np.zeros((len(cells), k * k), dtype=np.int64)
        if not len(cells):
            return sub
        step = self.cell / k
        eps = step * 1e-6
        lines = shapely.get_parts(shapely.segmentize(shapely.boundary(polys), step / 2))
        xy, part = shapely.get_coordinates(lines, return_index=True)
        same = part[1:] == part[:-1]  # consecutive coordinates of one line: a segment
        a, b = xy[:-1][same], xy[1:][same]
        lo = np.floor((np.minimum(a, b) - eps - (self.x0, self.y0)) / step).astype(np.int64)
        hi = np.floor((np.maximum(a, b) + eps - (self.x0, self.y0)) / step).astype(np.int64)
        rank = np.full(self.nx * self.ny, -1, dtype=np.int64)
        rank[cells] = np.arange(len(cells))
        span = int((hi - lo).max()) if len(lo) else 0
        for dx in range(span + 1):
            for dy in range(span + 1):
                m = (lo[:, 0] + dx <= hi[:, 0]) & (lo[:, 1] + dy <= hi[:, 1])
                gx, gy = lo[m, 0] + dx, lo[m, 1] + dy
                cx, cy = gx // k, gy // k
                ok = (gx >= 0) & (gy >= 0) & (cx < self.nx) & (cy < self.ny)
                r = rank[cy[ok] * self.nx + cx[ok]]
                inside = r >= 0
                sub[r[inside], ((gy[ok] % k) * k + gx[ok] % k)[inside]] = -2
        # the others: the first piece of the cell holding the sub-cell's centre, as locate()
        todo = np.flatnonzero(sub.ravel() == 0)
        px, py = (c.ravel()[todo] for c in self.sub_centres(cells))
        owners = self._first_hit(cells[todo // (k * k)], px, py)
        flat = sub.ravel()
        flat[todo] = owners
        return flat.reshape(len(cells), k * k)

    def sub_centres(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the centres of the sub-cells of grid cells, one row of ``split**2`` per cell."""
        k = self.split
        step = self.cell / k
        j = np.arange(k * k)
        x = self.x0 + (cells % self.nx)[:, None] * self.cell + (j % k + 0.5) * step
        y = self.y0 + (cells // self.nx)[:, None] * self.cell + (j // k + 0.5) * step
        return x, y

    def sub_index(self, x: np.ndarray, y: np.ndarray, cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
        """Return the sub-cell (0 to ``split**2 - 1``) of points in grid cells (cx, cy)."""
        k = self.split
        step = self.cell / k  # as _sub_owners cuts them
        sx = np.clip(np.floor((x - self.x0) / step).astype(np.int64) - cx * k, 0, k - 1)
        sy = np.clip(np.floor((y - self.y0) / step).astype(np.int64) - cy * k, 0, k - 1)
        return sy * k + sx

    def _first_hit(self, cells: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Owner of the first piece of each point's cell that holds the point (-1: none)."""
        out = np.full(len(cells), -1, dtype=np.int64)
        first = self.start[cells]
        n_pieces = self.start[cells + 1] - first
        # every (point, piece of its cell) pair, tested element by element in C
        point_of_pair = np.repeat(np.arange(len(cells)), n_pieces)
        offset = np.arange(len(point_of_pair)) - np.repeat(np.cumsum(n_pieces) - n_pieces, n_pieces)
        piece_of_pair = first[point_of_pair] + offset
        hit = shapely.intersects_xy(self.pieces[piece_of_pair], x[point_of_pair], y[point_of_pair])
        hp = point_of_pair[hit]
        hpiece = piece_of_pair[hit]
        uniq, first_hit = np.unique(hp, return_index=True)
        out[uniq] = self.piece_owner[hpiece[first_hit]]
        return out

    def _cell_xy(self, x: Any, y: Any) -> tuple[Any, Any]:
        return (
            np.floor((np.asarray(x) - self.x0) / self.cell).astype(np.int64),
            np.floor((np.asarray(y) - self.y0) / self.cell).astype(np.int64),
        )

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Return the index of the polygon holding each point, -1 for none.

        Parameters
        ----------
        x, y : numpy.ndarray
            Longitudes and latitudes; NaN gives -1.

        Returns
        -------
        numpy.ndarray of int64
        """
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        out = np.full(len(x), -1, dtype=np.int64)
        cx, cy = self._cell_xy(np.nan_to_num(x, nan=-1e9), np.nan_to_num(y, nan=-1e9))
        ok = ~np.isnan(x) & ~np.isnan(y) & (cx >= 0) & (cx < self.nx) & (cy >= 0) & (cy < self.ny)
        idx = np.flatnonzero(ok)
        cells = cy[idx] * self.nx + cx[idx]
        out[idx] = self.owner[cells]
        on_edge = self.boundary[cells]
        edge = idx[on_edge]
        if len(edge) == 0:
            return out
        ecells = cells[on_edge]
        # the sub-cell of each point: most answer there, the rest are tested
        known = self.sub[self._rank[ecells], self.sub_index(x[edge], y[edge], cx[edge], cy[edge])]
        out[edge] = np.where(known == -2, -1, known)
        test = known == -2
        edge, ecells = edge[test], ecells[test]
        if len(edge) == 0:
            return out
        out[edge] = self._first_hit(ecells, x[edge], y[edge])
        return out

    @functools.cached_property
    def _rank(self) -> np.ndarray:
        """Row of each boundary cell in :attr:`sub`."""
        return np.cumsum(self.boundary) - 1

    # -- saving and loading (the user cache keeps one per installed layer) --------------------

    _FIELDS = ("owner", "start", "piece_owner", "boundary", "sub")

    @property
    def pieces(self) -> np.ndarray:
        """The polygons' parts in boundary cells, clipped to their cell (CSR by :attr:`start`).

        An index read back keeps them as WKB until a point needs testing against them.
        """
        if self._pieces is None:
            with _DECODING:  # placing threads share one locator: decoded once, prepared whole
                if self._pieces is None:
                    assert self._wkb is not None
                    pieces = from_wkb_arrays(*self._wkb)
                    shapely.prepare(pieces)
                    self._pieces, self._wkb = pieces, None
        return self._pieces

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Return the index as arrays (pieces as WKB; positions as int32: no pickle)."""
        wkb, lengths = wkb_arrays(self.pieces)
        fields = {f: getattr(self, f) for f in self._FIELDS}
        for f in ("owner", "piece_owner", "sub"):
            fields[f] = fields[f].astype(np.int32)
        meta = np.array([self.x0, self.y0, self.cell, self.nx, self.ny], dtype=float)
        return {"meta": meta, "wkb": wkb, "lengths": lengths, **fields}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> PointLocator:
        """Return the index :meth:`to_arrays` gave.

        Raises
        ------
        ValueError, KeyError
            If the arrays do not fit together (a damaged file).
        """
        self = cls.__new__(cls)
        x0, y0, cell, nx, ny = (float(v) for v in arrays["meta"])
        self.x0, self.y0, self.cell, self.nx, self.ny = x0, y0, cell, int(nx), int(ny)
        for f in cls._FIELDS:
            setattr(self, f, arrays[f])
        self.split = int(np.sqrt(self.sub.shape[1])) if self.sub.ndim == 2 else 4
        n_pieces = len(arrays["lengths"])
        ok = len(self.owner) == len(self.boundary) == self.nx * self.ny
        ok = ok and len(self.start) == len(self.owner) + 1 and len(self.piece_owner) == n_pieces
        if not (ok and int(self.start[-1]) == n_pieces and len(self.sub) == self.boundary.sum()):
            msg = "a point locator's arrays do not fit together"
            raise ValueError(msg)
        self._pieces, self._wkb = None, (arrays["wkb"], arrays["lengths"])
        return self

    def save(self, path: Path) -> None:
        """Write the index to ``path`` (an ``.npz``; pieces as WKB, no pickle)."""
        np.savez(path, **self.to_arrays())

    @classmethod
    def load(cls, path: Path) -> PointLocator:
        """Read an index written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as data:
            return cls.from_arrays({k: data[k] for k in data.files})


def wkb_arrays(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return geometries as one array of WKB bytes and the length of each (no pickle)."""
    wkb = shapely.to_wkb(geoms)
    lengths = np.fromiter((len(b) for b in wkb), dtype=np.int64, count=len(wkb))
    return np.frombuffer(b"".join(wkb), dtype=np.uint8), lengths


def from_wkb_arrays(data: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Return the geometries :func:`wkb_arrays` gave.

    Raises
    ------
    ValueError
        If the lengths do not fit the bytes (a damaged file).
    """
    raw = np.asarray(data, dtype=np.uint8).tobytes()
    lengths = np.asarray(lengths, dtype=np.int64)
    ends = np.cumsum(lengths)
    if (lengths < 0).any() or (len(ends) and ends[-1] != len(raw)):
        msg = "WKB lengths do not fit the bytes"
        raise ValueError(msg)
    starts = ends - lengths
    parts = [raw[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    return shapely.from_wkb(np.array(parts, dtype=object))
