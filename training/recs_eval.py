"""Does the recommender help? Its choices against baselines, scored by the demo world's
oracle (the true expected outcome of any learner × offering pair).

For learners of the newest held-out cohort (the training pipeline's test split), within
each learner's candidate set (eligibility + default preferences), we compare the true
expected outcome of: the recommender's top-1 and top-5, the learner's actual choice, a
random eligible offering (its expectation: the candidate mean), the most popular
offering, the best historical rate (not personalised), a demand-only ranking, and the
oracle's best. Reported: captured uplift = (recommended − actual) / (oracle − actual),
NDCG@k against the true utility, catalogue coverage and diversity.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from guidance.features import MIN_CELL
from guidance.recommend.types import BALANCED, Weights
from training.pipeline import interval_lines

TARGETS = {"in_trade": "p_in_trade_12m", "employed": "p_employed_12m", "wage": "expected_wage_vnd"}
PRIMARY = "in_trade"
BASELINES = ("actual", "random", "popular", "best_history", "demand_only")
# every policy an evaluation reports, in the order of its table
POLICIES = ("top1", "top5", *BASELINES, "oracle")
PRESETS = {
    "default": Weights(),
    "match_only": Weights(
        employed=0, completion=0, wage=0, demand=0, interest=0, cost=0, distance=0
    ),
    "balanced": BALANCED,
    "employment": Weights(match=0.5, employed=1.0),
}


# -- metrics (pure) -------------------------------------------------------------------------
def dcg(gains: np.ndarray, k: int) -> float:
    g = np.asarray(gains, float)[:k]
    return float(np.sum(g / np.log2(np.arange(2, len(g) + 2))))


def ndcg_at_k(ranked_gains: np.ndarray, all_gains: np.ndarray, k: int = 10) -> float:
    """DCG of the ranking over the DCG of the best possible ranking of ``all_gains``."""
    ideal = dcg(np.sort(np.asarray(all_gains, float))[::-1], k)
    return dcg(ranked_gains, k) / ideal if ideal > 0 else float("nan")


def captured_uplift(recommended: float, actual: float, oracle: float) -> float:
    """Share of the achievable improvement over the actual choice that is captured."""
    gap = oracle - actual
    return (recommended - actual) / gap if gap > 0 else float("nan")


# -- evaluation -----------------------------------------------------------------------------
@dataclass
class RecsEvaluation:
    n_learners: int
    k: int
    means: dict[str, dict[str, float]]  # policy -> target -> mean true outcome
    uplift: dict[str, dict[str, float]]  # policy -> target -> captured uplift
    ndcg: dict[str, float]  # policy -> NDCG@k (primary target)
    coverage: dict[str, float]
    diversity: dict[str, float]
    pruning: dict[str, float] = field(default_factory=dict)
    beats_baselines: bool = False
    target_met: bool = False
    # thin evidence: share of the top-3 items with fewer than MIN_CELL graduates (new too)
    evidence: dict[str, float] = field(default_factory=dict)
    # the models' stated intervals on the held-out cohorts (``pipeline.interval_coverage``):
    # target -> coverage, groups, width; the same for every preset
    intervals: dict[str, dict[str, float]] = field(default_factory=dict)

    def flat(self) -> dict[str, float]:
        out = {f"mean.{p}.{t}": v for p, d in self.means.items() for t, v in d.items()}
        out.update({f"uplift.{p}.{t}": v for p, d in self.uplift.items() for t, v in d.items()})
        out.update({f"ndcg{self.k}.{p}": v for p, v in self.ndcg.items()})
        out.update({f"coverage.{k}": v for k, v in self.coverage.items()})
        out.update({f"diversity.{k}": v for k, v in self.diversity.items()})
        out.update({f"pruning.{k}": v for k, v in self.pruning.items()})
        out.update({f"evidence.{k}": v for k, v in self.evidence.items()})
        for t, cov in self.intervals.items():
            out.update({f"interval.{t}.{k}": v for k, v in cov.items()})
        out.update(
            beats_baselines=float(self.beats_baselines),
            target_met=float(self.target_met),
            n_learners=float(self.n_learners),
        )
        return {k: float(v) for k, v in out.items()}


def revealed_preferences(rec, profile, row: dict):
    """Default preferences (the default area: home province and its neighbours) widened to
    the province the learner actually chose, so their actual choice is always inside the
    candidate set being compared."""
    from guidance.recommend.types import Preferences

    provinces = rec.default_area(profile)
    actual = rec.province_of(str(row.get("programme_id")))
    if actual is not None:
        provinces.append(actual)
    return Preferences(provinces=sorted(set(provinces)))


def _learner_rows(test: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    rows = test if len(test) <= n else test.sample(n=n, random_state=seed)
    return rows.reset_index(drop=True)


def evaluate_recommender(
    rec,
    oracle,
    test: pd.DataFrame,
    history: pd.DataFrame,
    *,
    n_learners: int = 500,
    k: int = 10,
    seed: int = 0,
    presets: dict[str, Weights] | None = None,
    compare_full: bool = True,
    progress: bool = True,
) -> dict[str, RecsEvaluation]:
    """One ``RecsEvaluation`` per utility preset (same learners, same oracle values)."""
    from tqdm import tqdm

    from guidance.recommend.batch import row_request

    presets = presets or PRESETS
    cols = rec.catalogue_columns()
    learners = _learner_rows(test, n_learners, seed)
    popularity = history["programme_id"].astype("str").value_counts()
    pop = np.array([popularity.get(pid, 0) for pid in cols["programme_id"]], dtype=float)
    lists: dict[str, list] = {name: [] for name in presets}
    full_lists: list = []
    cand: list[np.ndarray] = []
    keep: list[int] = []
    for i, row in enumerate(
        tqdm(
            learners.to_dict("records"),
            desc="evaluate",
            unit="learner",
            disable=not progress,
            file=sys.stderr,
        )
    ):
        profile, prefs = row_request({**row, "learner_id": row.get("record_id")}, i)
        prefs = revealed_preferences(rec, profile, row)
        elig = np.flatnonzero(rec.eligible_mask(profile, prefs))
        if len(elig) < 2:
            continue
        keep.append(i)
        cand.append(elig)
        for name, w in presets.items():
            r = rec.recommend(profile, prefs, k=k, weights=w, explain=False)
            lists[name].append(np.array([rec.position(p) for p in r.ids()]))
        if compare_full:
            r = rec.recommend(profile, prefs, k=k, shortlist=0, explain=False)
            full_lists.append(np.array([rec.position(p) for p in r.ids()]))
    # one oracle call for every (learner, candidate) pair plus the actual choices
    L = learners.iloc[keep].reset_index(drop=True)
    rep = np.concatenate([np.full(len(c), j) for j, c in enumerate(cand)])
    flat = np.concatenate(cand)
    truth = oracle.expected(
        L.iloc[rep].reset_index(drop=True), rec.offerings.iloc[flat].reset_index(drop=True)
    )
    actual_off = L[["programme_id"]].merge(rec_programmes(rec), on="programme_id", how="left")
    actual = oracle.expected(L, actual_off)
    bounds = np.concatenate([[0], np.cumsum([len(c) for c in cand])])
    results = {}
    for name in presets:
        results[name] = _score(
            name,
            lists[name],
            cand,
            bounds,
            truth,
            actual,
            pop,
            cols,
            rec,
            L,
            k,
            full_lists if (compare_full and name == "default") else None,
        )
    return results


def rec_programmes(rec) -> pd.DataFrame:
    """The full catalogue (inactive offerings too: a learner's actual choice may be one)."""
    return rec.all_programmes if hasattr(rec, "all_programmes") else rec.offerings


def _score(
    name, lists, cand, bounds, truth, actual, pop, cols, rec, L, k, full_lists
) -> RecsEvaluation:
    ids, field, code = cols["programme_id"], cols["field_code"], cols["programme_code"]
    means: dict[str, dict[str, float]] = {}
    per: dict[str, dict[str, list]] = {}
    nd: dict[str, list] = {p: [] for p in ("recommended", "popular", "best_history", "demand_only")}
    for t, col in TARGETS.items():
        vals = truth[col].to_numpy(float)
        acc: dict[str, list] = {p: [] for p in ("top1", "top5", "oracle", *BASELINES)}
        for j, elig in enumerate(cand):
            v = vals[bounds[j] : bounds[j + 1]]
            where = {c: n for n, c in enumerate(elig)}
            rec_list = [where[c] for c in lists[j] if c in where]
            if not rec_list:
                continue
            acc["top1"].append(v[rec_list[0]])
            acc["top5"].append(np.nanmean(v[rec_list[:5]]))
            acc["oracle"].append(np.nanmax(v))
            acc["actual"].append(actual[col].to_numpy(float)[j])
            acc["random"].append(np.nanmean(v))
            scores = {"popular": pop[elig], **rec.history_baselines(elig)}
            for b, s in scores.items():
                order = np.lexsort((ids[elig], -s))
                acc[b].append(v[order[0]])
                if t == PRIMARY:
                    nd[b].append(ndcg_at_k(v[order], v, k))
            if t == PRIMARY:
                nd["recommended"].append(ndcg_at_k(v[rec_list], v, k))
        means[t] = {p: float(np.nanmean(a)) if a else float("nan") for p, a in acc.items()}
        per[t] = acc
    uplift = {
        p: {
            t: captured_uplift(means[t][p], means[t]["actual"], means[t]["oracle"]) for t in TARGETS
        }
        for p in ("top1", "top5", "random", "popular", "best_history", "demand_only")
    }
    shown = np.concatenate(lists) if lists else np.zeros(0, int)
    fields = [len(set(field[lst])) / max(len(lst), 1) for lst in lists]
    codes = [len(set(code[lst])) / max(len(lst), 1) for lst in lists]
    coverage = {
        "offerings": len(np.unique(shown)) / max(len(ids), 1),
        "programme_codes": len(np.unique(code[shown])) / max(len(set(code)), 1),
    }
    diversity = {
        "distinct_fields_share": float(np.mean(fields)) if fields else float("nan"),
        "distinct_codes_share": float(np.mean(codes)) if codes else float("nan"),
    }
    pruning = {}
    if full_lists is not None:
        top1 = [a[0] == b[0] for a, b in zip(lists, full_lists, strict=True) if len(a) and len(b)]
        jac = [
            len(set(a) & set(b)) / len(set(a) | set(b))
            for a, b in zip(lists, full_lists, strict=True)
            if len(a) or len(b)
        ]
        pruning = {"top1_agreement": float(np.mean(top1)), "topk_jaccard": float(np.mean(jac))}
    evidence = thin_share(lists, cols.get("n_graduates"))
    m = means[PRIMARY]
    others = [m[b] for b in ("random", "popular", "best_history", "demand_only", "actual")]
    beats = bool(all(m["top1"] > o for o in others))
    met = bool(uplift["top1"][PRIMARY] >= 0.8 and beats)
    ndcg = {p: float(np.nanmean(v)) if v else float("nan") for p, v in nd.items()}
    return RecsEvaluation(
        len(lists), k, means, uplift, ndcg, coverage, diversity, pruning, beats, met, evidence
    )


def thin_share(lists: list, n_graduates: np.ndarray | None, top: int = 3) -> dict[str, float]:
    """Share of the top-``top`` items (all learners) whose offering has fewer than
    ``MIN_CELL`` graduates in the models' history (``top3_thin``), and with none
    (``top3_new``)."""
    if n_graduates is None:
        return {}
    heads = [np.asarray(lst[:top], dtype=int) for lst in lists if len(lst)]
    if not heads:
        return {}
    n = np.asarray(n_graduates)[np.concatenate(heads)]
    return {f"top{top}_thin": float(np.mean(n < MIN_CELL)), f"top{top}_new": float(np.mean(n == 0))}


def format_evaluation(results: dict[str, RecsEvaluation]) -> str:
    lines = []
    for name, ev in results.items():
        lines.append(f"== utility preset: {name}  (learners {ev.n_learners}, k={ev.k})")
        lines.append(
            f"{'policy':<14}" + "".join(f"{t:>12}" for t in TARGETS) + f"{'uplift':>9}{'NDCG':>8}"
        )
        nd = {"top1": ev.ndcg.get("recommended"), **ev.ndcg}
        for p in POLICIES:
            vals = "".join(
                f"{ev.means[t][p]:>12.4f}" if t != "wage" else f"{ev.means[t][p]:>12,.0f}"
                for t in TARGETS
            )
            up = ev.uplift.get(p, {}).get(PRIMARY)
            lines.append(
                f"{p:<14}{vals}{'' if up is None else f'{up:>9.3f}':>9}"
                f"{'' if nd.get(p) is None else f'{nd[p]:>8.3f}':>8}"
            )
        lines.append(f"coverage {ev.coverage}  diversity {ev.diversity}")
        if ev.pruning:
            lines.append(f"pruned vs all candidates scored: {ev.pruning}")
        if ev.evidence:
            lines.append(f"thin evidence in the top 3 (share of items): {ev.evidence}")
        lines.append(
            f"beats every baseline: {'yes' if ev.beats_baselines else 'NO'}; "
            f"target (uplift ≥ 0.8 and beats all): {'met' if ev.target_met else 'NOT met'}"
            "\n"
        )
    first = next(iter(results.values()), None)
    if first is not None:
        lines += interval_lines(first.intervals)
    return "\n".join(lines)


UPLIFT_TARGET = 0.85  # issue 16: captured uplift on every world variant


def format_variants(
    by_variant: dict[str, dict[str, RecsEvaluation]], preset: str = "default"
) -> str:
    """One row per world variant: the recommender's captured uplift and NDCG@k (primary
    target) beside every baseline's, and whether the target and the baselines are met."""
    pols = ("top1", "random", "popular", "best_history", "demand_only")
    head = f"{'variant':<13}{'n':>5}" + "".join(f"{'up.' + p:>16}" for p in pols)
    head += "".join(f"{'ndcg.' + p:>18}" for p in ("recommended", *pols[2:]))
    head += f"{'actual':>8}{'oracle':>8}  beats  ≥{UPLIFT_TARGET}"
    lines = [f"utility preset: {preset}; primary target {PRIMARY}", head]
    for v, results in by_variant.items():
        ev = results[preset]
        m = ev.means[PRIMARY]
        row = f"{v:<13}{ev.n_learners:>5}"
        row += "".join(f"{ev.uplift[p][PRIMARY]:>16.3f}" for p in pols)
        row += "".join(f"{ev.ndcg[p]:>18.3f}" for p in ("recommended", *pols[2:]))
        up = ev.uplift["top1"][PRIMARY]
        row += f"{m['actual']:>8.3f}{m['oracle']:>8.3f}"
        row += f"  {'yes' if ev.beats_baselines else 'NO':>5}  {'yes' if up >= UPLIFT_TARGET else 'NO'}"
        lines.append(row)
    return "\n".join(lines)
