"""The page's hot spots call no area hot that had no incident (as `trends` does).

Gi* sums an area's neighbourhood: a district with no event among busy ones scores a high z
and a small p; the page outlined it as a hot spot.
"""

from __future__ import annotations

import numpy as np
import pytest

from incidentmap.render.layers.hotspots import hotspots
from incidentmap.trends import gi_star, queen_neighbours

pytestmark = pytest.mark.usefixtures("use_cache")


def test_no_area_without_incidents_is_a_hot_spot(districts):
    names = districts["district"].tolist()
    w = queen_neighbours(districts)
    busy = names.index("Jalalabad")
    ring = [j for j in range(len(names)) if j != busy and w[busy, j]]
    quiet = ring[0]
    matrix = np.zeros((len(names), 2))
    matrix[[busy, *ring[1:]], 0] = 12  # a busy cluster around one quiet district
    for j in ring[1:]:  # and the cluster's own neighbours
        matrix[[k for k in range(len(names)) if w[j, k] and k != quiet], 0] += 6
    matrix[quiet, 0] = 0
    matrix[:, 1] = 1
    z, p = gi_star(matrix, w, 199, seed=12345)
    assert p[quiet, 0] < 0.05 and z[quiet, 0] > 0  # the case: Gi* calls the quiet one hot
    out = hotspots(matrix, districts, 199)
    assert out["hot"][0] and quiet not in out["hot"][0]
    for t, hot in enumerate(out["hot"]):
        assert all(matrix[i, t] > 0 for i in hot), (t, [names[i] for i in hot])
    assert "only where it had an incident" in out["rule"]
