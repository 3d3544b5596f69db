"""Fit the merge's match probability: ``python -m bench.merge_fit [--seeds 101,102]``.

The pairs come from generated dense cases (``bench/merge_data.py``: ACLED's 2019 days and
provinces, the war diary's 2009 places and days, and our own busy days) built with seeds
the benchmark does not use, so the model is never measured on the pairs it was fitted on.
Every candidate pair the merge's windows find (5 km, 1 day, each row's own precision
added) is a row; its label is whether the two rows report the same event. Two logistic
regressions (scikit-learn, L2 with C = 10): the pair alone on the score's terms
(:data:`incidentmap.merge.score.TERMS`), then the pair given its rows' other candidates on
:data:`incidentmap.merge.posterior.GROUP_TERMS` (computed with the first model's fitted
probabilities). The script prints each intercept and coefficients, to paste into
``score.py`` and ``posterior.py``, and each model's calibration (predicted against observed
share of true pairs, by bin of the probability).
"""

from __future__ import annotations

import argparse
import sys
import tempfile

import numpy as np
import pandas as pd

from bench.merge_data import dense_cases, load_case


def pairs_of(seed: int, scale: float, km: float = 5.0, days: float = 1.0) -> pd.DataFrame:
    """The terms and the truth of every candidate pair of the cases of one seed."""
    from incidentmap.merge.candidates import candidate_pairs
    from incidentmap.merge.records import records_of
    from incidentmap.merge.score import TERMS, features, pair_parts

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in dense_cases(scale, seed=seed):
            fa, fb = load_case(case, tmp)
            a, b = records_of("a", fa), records_of("b", fb)
            p = candidate_pairs(a, b, km=km, days=days)
            episode = a.episode[p.i] | b.episode[p.j]
            approximate = (a.radius[p.i] > 0) | (b.radius[p.j] > 0)
            x = features(pair_parts(a, b, p), p.level, episode, approximate)
            truth = case.truth()
            y = [(x_, y_) in truth for x_, y_ in zip(a.event_id[p.i], b.event_id[p.j], strict=True)]
            frame = pd.DataFrame(x, columns=list(TERMS))
            frame["truth"] = np.array(y, dtype=int)
            frame["case"] = case.name
            frame["i"], frame["j"] = p.i, p.j
            frame["level"] = p.level
            frame["n_a"], frame["n_b"] = len(a), len(b)
            out.append(frame)
    return pd.concat(out, ignore_index=True)


def fit(x: np.ndarray, y: np.ndarray, terms: tuple[str, ...]) -> tuple[float, dict[str, float]]:
    """Fit a logistic model; return the intercept and the coefficients by term."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=10.0, max_iter=5000)
    model.fit(x, y)
    coef = {t: round(float(c), 3) for t, c in zip(terms, model.coef_[0], strict=True)}
    return round(float(model.intercept_[0]), 3), coef


def _predict(x: np.ndarray, intercept: float, coef: dict[str, float], terms: tuple) -> np.ndarray:
    return 1 / (1 + np.exp(-(intercept + x @ np.array([coef[t] for t in terms]))))


def group_terms(data: pd.DataFrame, p: np.ndarray) -> np.ndarray:
    """The second model's terms of every pair, case by case."""
    from incidentmap.merge.posterior import GROUP_TERMS, group_features

    out = np.zeros((len(data), len(GROUP_TERMS)))
    for _, rows in data.groupby(["seed", "case"]).indices.items():
        d = data.iloc[rows]
        out[rows] = group_features(
            int(d["n_a"].iloc[0]),
            int(d["n_b"].iloc[0]),
            d["i"].to_numpy(),
            d["j"].to_numpy(),
            p[rows],
        )
    return out


def thresholds(
    data: pd.DataFrame, g: np.ndarray, floor: float = 0.3
) -> dict[str, tuple[float, float, float]]:
    """The match thresholds: per level, the lowest score whose matches are precise enough.

    Each case's pairs from ``floor`` are assigned one-to-one (as the merge does); among the
    chosen pairs of point and district level (pooled over the fitting cases), the lowest
    score at which 95 % are true; of province level, 90 %. Returns level -> (threshold,
    precision, recall) on the fitting cases.
    """
    from incidentmap.merge.assign import assign

    chosen = np.zeros(len(data), dtype=bool)
    for _, rows in data.groupby(["seed", "case"]).indices.items():
        d = data.iloc[rows]
        e = rows[g[rows] >= floor]
        q = np.clip(g[e], 1e-9, 1 - 1e-9)
        chosen[e] = assign(
            int(d["n_a"].iloc[0]), int(d["n_b"].iloc[0]), data["i"].to_numpy()[e],
            data["j"].to_numpy()[e], np.log(q / (1 - q)) + 50,
        )  # fmt: skip
    truth = data["truth"].to_numpy().astype(bool)
    out = {}
    for name, levels, target in (("point+district", ("point", "district"), 0.95),
                                 ("province", ("province",), 0.90)):  # fmt: skip
        at = data["level"].isin(levels).to_numpy()
        s, y = g[chosen & at], truth[chosen & at]
        order = np.argsort(-s, kind="stable")
        precision = np.cumsum(y[order]) / np.arange(1, len(order) + 1)
        ok = np.flatnonzero(precision >= target)
        k = int(ok.max()) if len(ok) else 0
        hits = np.cumsum(y[order])[k]
        out[name] = (float(s[order][k]), float(precision[k]), float(hits / (truth & at).sum()))
    return out


def calibration(data: pd.DataFrame, p: np.ndarray) -> pd.DataFrame:
    """Predicted against observed share of true pairs, in ten bins of the probability."""
    bins = pd.cut(p, np.linspace(0, 1, 11), include_lowest=True)
    g = pd.DataFrame({"p": p, "truth": data["truth"].to_numpy(), "bin": bins})
    return g.groupby("bin", observed=True).agg(
        pairs=("truth", "size"), predicted=("p", "mean"), observed=("truth", "mean")
    )


def main(argv: list[str] | None = None) -> int:
    """Fit on the given seeds and print what to paste and how well it is calibrated."""
    parser = argparse.ArgumentParser(prog="python -m bench.merge_fit", description=__doc__)
    parser.add_argument("--seeds", default="101,102")
    parser.add_argument("--scale", type=float, default=0.5)
    args = parser.parse_args(argv)
    data = pd.concat(
        [pairs_of(int(s), args.scale).assign(seed=int(s)) for s in args.seeds.split(",")],
        ignore_index=True,
    )
    from incidentmap.merge.posterior import GROUP_TERMS
    from incidentmap.merge.score import TERMS

    y = data["truth"].to_numpy()
    x = data[list(TERMS)].to_numpy()
    intercept, coef = fit(x, y, TERMS)
    p = _predict(x, intercept, coef, TERMS)
    xg = group_terms(data, p)
    g_intercept, g_coef = fit(xg, y, GROUP_TERMS)
    g = _predict(xg, g_intercept, g_coef, GROUP_TERMS)
    print(f"{len(data):,} candidate pairs, {int(y.sum()):,} true")
    for label, b0, c, prob in (("", intercept, coef, p), ("GROUP_", g_intercept, g_coef, g)):
        print(f"{label}INTERCEPT = {b0}")
        print(f"{label}COEFFICIENTS = {{")
        for k, v in c.items():
            print(f'    "{k}": {v},')
        print("}")
        print(calibration(data, prob).round(3).to_string())
    for level, (t, p_, r_) in thresholds(data, g).items():
        print(f"match threshold, {level}: {t:.2f} (precision {p_:.3f}, recall {r_:.3f} on "
              "the fitting cases)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
