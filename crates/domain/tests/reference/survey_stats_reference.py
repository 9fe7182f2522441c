#!/usr/bin/env python3
"""Reference values for the unit tests of `crates/domain/src/survey_stats.rs`.

Computed from the raw responses, independently of the Rust code (which only sees additive
sufficient statistics): item and pair figures with pandas, Cronbach's alpha with
`pingouin.cronbach_alpha`, the Feldt confidence interval with `scipy.stats.f.isf` (the same
formula pingouin uses; pingouin rounds its interval to three decimals, so it is recomputed
unrounded here and checked against pingouin's rounded one), standardized alpha and corrected
item-total correlations from pandas' Pearson correlations.

Run:  pip install pingouin pandas scipy
      python3 crates/domain/tests/reference/survey_stats_reference.py

The data sets below are written out identically in the Rust tests. Undefined values print as
`None`.
"""

import math
import statistics

import numpy as np
import pandas as pd
import pingouin as pg
import scipy
from scipy.stats import f as f_dist

# Division by zero is expected in the undefined cases (it gives inf/NaN, printed as None).
np.seterr(all="ignore")

print(
    f"# pingouin {pg.__version__}, pandas {pd.__version__}, scipy {scipy.__version__}, "
    f"numpy {np.__version__}"
)


def fmt(x):
    if x is None:
        return "None"
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return "None"
    return repr(x)


# ---------------------------------------------------------------------------------------------
# SERVQUAL-like instrument: scale 1-7, three dimensions, E/P pairs q1..q7, importance.
#   rel: e1 e2 e3 / p1 p2 p3   (p3 is constant: standardized alpha undefined)
#   res: e4 e5    / p4 p5      (respondent 5 skipped p4)
#   tan: e6 e7    / p6 p7      (e6 + e7 = 8 for everyone: zero total variance, alpha undefined)
# Importance over (rel, res, tan); respondent 13 gave none.
# ---------------------------------------------------------------------------------------------
ITEMS = ["e1", "e2", "e3", "p1", "p2", "p3", "e4", "e5", "p4", "p5", "e6", "e7", "p6", "p7"]
DIMS = ["rel", "res", "tan"]
GROUPS = [  # (dimension, section, items) in the order the report lists them
    ("rel", "expectation", ["e1", "e2", "e3"]),
    ("rel", "perception", ["p1", "p2", "p3"]),
    ("res", "expectation", ["e4", "e5"]),
    ("res", "perception", ["p4", "p5"]),
    ("tan", "expectation", ["e6", "e7"]),
    ("tan", "perception", ["p6", "p7"]),
]
PAIRS = [("q1", "rel", "e1", "p1"), ("q2", "rel", "e2", "p2"), ("q3", "rel", "e3", "p3"),
         ("q4", "res", "e4", "p4"), ("q5", "res", "e5", "p5"),
         ("q6", "tan", "e6", "p6"), ("q7", "tan", "e7", "p7")]
N = None
SERVQUAL = [
    # e1 e2 e3 p1 p2 p3 e4 e5 p4 p5 e6 e7 p6 p7   importance (rel, res, tan)
    ([7, 6, 7, 5, 4, 5, 6, 7, 4, 5, 4, 4, 5, 6], [50, 30, 20]),
    ([6, 6, 7, 4, 4, 5, 7, 7, 3, 4, 5, 3, 6, 6], [40, 40, 20]),
    ([7, 7, 7, 6, 5, 5, 6, 6, 5, 5, 3, 5, 4, 5], [30, 40, 30]),
    ([5, 6, 6, 3, 3, 5, 5, 6, 2, 3, 6, 2, 3, 4], [40, 30, 30]),
    ([7, 7, 6, 5, 6, 5, 7, 6, N, 4, 4, 4, 5, 5], [50, 25, 25]),
    ([6, 5, 6, 4, 4, 5, 6, 5, 4, 4, 2, 6, 4, 4], [35, 35, 30]),
    ([7, 7, 7, 7, 6, 5, 7, 7, 6, 6, 5, 3, 6, 7], [45, 30, 25]),
    ([4, 5, 5, 2, 3, 5, 5, 4, 3, 2, 4, 4, 3, 3], [40, 35, 25]),
    ([6, 6, 6, 5, 5, 5, 6, 6, 5, 5, 3, 5, 5, 5], [50, 30, 20]),
    ([7, 6, 7, 6, 4, 5, 7, 6, 4, 5, 6, 2, 6, 6], [40, 40, 20]),
    ([5, 5, 6, 4, 5, 5, 6, 6, 4, 4, 4, 4, 4, 4], [45, 35, 20]),
    ([6, 7, 7, 5, 5, 5, 5, 7, 5, 6, 5, 3, 5, 6], [35, 30, 35]),
    ([7, 6, 6, 6, 4, 5, 6, 6, 4, 4, 4, 4, 6, 5], None),
]
for values, imp in SERVQUAL:
    assert len(values) == len(ITEMS)
    assert values[10] + values[11] == 8
    assert imp is None or sum(imp) == 100


def servqual_reference(rows, title):
    print(f"\n## {title}")
    df = pd.DataFrame([v for v, _ in rows], columns=ITEMS, dtype="float64")
    imp = pd.DataFrame([i for _, i in rows if i is not None], columns=DIMS, dtype="float64")
    n_resp = len(df)
    print(f"respondents = {n_resp}")
    print("# items: code, n, missing, mean, sd, histogram counts of 1..7")
    item_mean = {}
    for c in ITEMS:
        col = df[c].dropna()
        item_mean[c] = col.mean() if len(col) else None
        sd = col.std(ddof=1) if len(col) >= 2 else None
        hist = [int((col == v).sum()) for v in range(1, 8)]
        print(f"item {c}: n={len(col)} missing={n_resp - len(col)} mean={fmt(item_mean[c])} "
              f"sd={fmt(sd)} hist={hist}")
    print("# pairs: key, n both, mean E, mean P, gap, sd gap")
    pair_gap = {}
    for key, _, e, p in PAIRS:
        both = df[[e, p]].dropna()
        d = both[p] - both[e]
        pair_gap[key] = d.mean() if len(both) else None
        sd = d.std(ddof=1) if len(both) >= 2 else None
        print(f"pair {key}: n={len(both)} e={fmt(both[e].mean() if len(both) else None)} "
              f"p={fmt(both[p].mean() if len(both) else None)} gap={fmt(pair_gap[key])} "
              f"sd={fmt(sd)}")
    print("# dimensions: expectation, perception, gap, importance mean, importance sd")
    dim_gap, dim_perf, dim_imp = {}, {}, {}
    for d in DIMS:
        e_items = [e for _, dd, e, _ in PAIRS if dd == d]
        p_items = [p for _, dd, _, p in PAIRS if dd == d]
        exp = np.mean([item_mean[c] for c in e_items])
        dim_perf[d] = np.mean([item_mean[c] for c in p_items])
        dim_gap[d] = np.mean([pair_gap[k] for k, dd, _, _ in PAIRS if dd == d])
        dim_imp[d] = imp[d].mean() if len(imp) else None
        imp_sd = imp[d].std(ddof=1) if len(imp) >= 2 else None
        print(f"dimension {d}: expectation={fmt(exp)} perception={fmt(dim_perf[d])} "
              f"gap={fmt(dim_gap[d])} importance={fmt(dim_imp[d])} importance_sd={fmt(imp_sd)}")
    print("# reliability: n complete, left out, alpha raw, alpha std, ci95, item-total r")
    for d, section, cols in GROUPS:
        data = df[cols].dropna()  # listwise: complete cases of this group
        n, k = data.shape
        if n >= 2:
            alpha, ci_rounded = pg.cronbach_alpha(data=data, ci=0.95)
            lower = 1 - (1 - alpha) * f_dist.isf(0.025, n - 1, (n - 1) * (k - 1))
            upper = 1 - (1 - alpha) * f_dist.isf(0.975, n - 1, (n - 1) * (k - 1))
            if math.isfinite(alpha):
                assert abs(round(lower, 3) - ci_rounded[0]) < 1e-12, (lower, ci_rounded)
                assert abs(round(upper, 3) - ci_rounded[1]) < 1e-12, (upper, ci_rounded)
            corr = data.corr()
            off = corr.to_numpy()[np.triu_indices(k, 1)]
            rbar = off.mean()
            std = k * rbar / (1 + (k - 1) * rbar) if not np.isnan(rbar) else None
            item_total = []
            for c in cols:
                rest = data[[o for o in cols if o != c]].sum(axis=1)
                if data[c].std() == 0 or rest.std() == 0:
                    item_total.append(None)
                else:
                    item_total.append(float(np.corrcoef(data[c], rest)[0, 1]))
        else:
            alpha, lower, upper, std, item_total = None, None, None, None, [None] * k
        print(f"reliability {d}/{section}: k={k} n={n} left_out={n_resp - n} "
              f"alpha_raw={fmt(alpha)} alpha_std={fmt(std)} "
              f"ci=[{fmt(lower)}, {fmt(upper)}] item_total=[{', '.join(map(fmt, item_total))}]")
    gaps = [dim_gap[d] for d in DIMS]
    print(f"servqual unweighted={fmt(np.mean(gaps))}")
    if len(imp):
        weighted = sum(dim_imp[d] / 100 * dim_gap[d] for d in DIMS)
        print(f"servqual weighted={fmt(weighted)} respondents_with_importance={len(imp)}")
        mean_imp = np.mean([dim_imp[d] for d in DIMS])
        mean_perf = np.mean([dim_perf[d] for d in DIMS])
        print(f"grid mean importance={fmt(mean_imp)} mean performance={fmt(mean_perf)}")
        for d in DIMS:
            # the Rust code compares importance exactly (integers); ties count as high
            hi_imp = dim_imp[d] >= mean_imp - 1e-12
            hi_perf = dim_perf[d] >= mean_perf - 1e-12
            quadrant = {(True, False): "concentrate_here", (True, True): "keep_up",
                        (False, False): "low_priority", (False, True): "possible_overkill"}
            print(f"grid {d}: importance={fmt(dim_imp[d])} performance={fmt(dim_perf[d])} "
                  f"quadrant={quadrant[(hi_imp, hi_perf)]}")


servqual_reference(SERVQUAL, "SERVQUAL, 13 respondents")
servqual_reference(SERVQUAL[:1], "SERVQUAL, the first respondent alone")

# ---------------------------------------------------------------------------------------------
# Custom instrument, single items only, scale 1-5: dimension a = s1 s2 s3, dimension b = s4.
# ---------------------------------------------------------------------------------------------
print("\n## custom single-section instrument")
CUSTOM = [[4, 5, 4, 3], [3, 3, 2, 4], [5, 5, 5, 5], [2, 3, 3, 1], [4, 4, 5, 2], [3, 2, 3, 3]]
cdf = pd.DataFrame(CUSTOM, columns=["s1", "s2", "s3", "s4"], dtype="float64")
for c in cdf.columns:
    print(f"item {c}: mean={fmt(cdf[c].mean())} sd={fmt(cdf[c].std(ddof=1))}")
print(f"dimension a perception={fmt(np.mean([cdf[c].mean() for c in ['s1', 's2', 's3']]))}")
print(f"dimension b perception={fmt(cdf['s4'].mean())}")
data = cdf[["s1", "s2", "s3"]]
alpha, ci_rounded = pg.cronbach_alpha(data=data, ci=0.95)
n, k = data.shape
lower = 1 - (1 - alpha) * f_dist.isf(0.025, n - 1, (n - 1) * (k - 1))
upper = 1 - (1 - alpha) * f_dist.isf(0.975, n - 1, (n - 1) * (k - 1))
assert abs(round(lower, 3) - ci_rounded[0]) < 1e-12 and abs(round(upper, 3) - ci_rounded[1]) < 1e-12
corr = data.corr().to_numpy()
rbar = corr[np.triu_indices(k, 1)].mean()
item_total = [np.corrcoef(data[c], data.drop(columns=c).sum(axis=1))[0, 1] for c in data.columns]
print(f"reliability a/single: alpha_raw={fmt(alpha)} alpha_std={fmt(k * rbar / (1 + (k - 1) * rbar))} "
      f"ci=[{fmt(lower)}, {fmt(upper)}] item_total=[{', '.join(map(fmt, item_total))}]")

# ---------------------------------------------------------------------------------------------
# Transactional instruments (the Rust tests also state these by hand).
# ---------------------------------------------------------------------------------------------
print("\n## transactional")
CSAT = [5, 4, 4, 3, 5, 2, 1, 4, 5, 3]
print(f"csat: n={len(CSAT)} satisfied={sum(v >= 4 for v in CSAT)} "
      f"share={fmt(sum(v >= 4 for v in CSAT) / len(CSAT))} mean={fmt(statistics.mean(CSAT))}")
NPS = [10, 9, 9, 8, 7, 6, 0, 3, 10, 7, 9, 5]
pro = sum(v >= 9 for v in NPS)
pas = sum(7 <= v <= 8 for v in NPS)
det = sum(v <= 6 for v in NPS)
print(f"nps: n={len(NPS)} promoters={pro} passives={pas} detractors={det} "
      f"score={fmt(100 * (pro - det) / len(NPS))}")
EFFORT = [1, 2, 2, 3, 1, 5, 7, 2, 4, 1]  # scale 1-7, lower is better
print(f"effort: n={len(EFFORT)} mean={fmt(statistics.mean(EFFORT))} "
      f"sd={fmt(statistics.stdev(EFFORT))} top2={fmt(sum(v <= 2 for v in EFFORT) / len(EFFORT))}")
