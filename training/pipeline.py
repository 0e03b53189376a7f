"""Fit and evaluate: contract tables → time split → models → metrics vs baselines.

No I/O here (``training.run`` loads data, logs to MLflow and writes artifacts), so tests and
notebooks can call ``train_and_evaluate`` on tables in memory.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from guidance import conformal
from guidance import evaluate as ev
from guidance.features import training_pairs
from guidance.model import (
    CLASSIFIER_TARGETS,
    MIN_CLASS_VAL,
    WAGE_TARGET,
    OutcomeModels,
    TrainingDataError,
    fit_models,
    wage_unit_warning,
)
from training.config import TrainConfig

SLICES = ("level", "region", "sex", "ethnic_minority", "offering_seen")
MIN_TRAIN_RECORDS = 50  # fewer tracer records than this: training is refused
MIN_COHORTS_TIME_SPLIT = 3  # fewer distinct cohorts: no time split, the random fallback
MIN_RANDOM_GROUPS = 10  # offerings needed to group the random fallback by offering
RANDOM_SPLIT_SHARES = (0.2, 0.2)  # test, validation shares of the random fallback
MIN_TEST_ROWS = 200  # fewer labelled test records: that target's metrics are unreliable
MIN_WAGE_CELL = 5  # wages an offering (or programme code) needs for its own median


def step_printer(enabled: bool = True):
    """Progress lines on stderr with elapsed seconds."""
    t0 = time.perf_counter()

    def step(msg: str) -> None:
        if enabled:
            print(f"[train {time.perf_counter() - t0:7.1f}s] {msg}", file=sys.stderr, flush=True)

    return step


@dataclass
class Evaluation:
    """Everything measured on one test split."""

    metrics: dict[str, dict[str, float]]  # target -> model metrics
    baselines: dict[str, dict[str, dict[str, float]]]  # target -> baseline -> metrics
    wages: dict[str, dict[str, float]]  # "model"/"baseline_global" -> metrics
    slices: dict[str, pd.DataFrame]  # "<target>/<slice>" -> table
    fairness: dict[str, dict]  # "<target>/<attribute>" -> report
    reliability: dict[str, pd.DataFrame]  # target -> reliability table
    beats_baselines: bool = False
    beat_reasons: list[str] = field(default_factory=list)
    n_rows: dict[str, int] = field(default_factory=dict)
    cohorts: dict[str, tuple[str, str]] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)  # target -> fitted / not_fitted: …
    unreliable: dict[str, str] = field(default_factory=dict)  # target -> why not to trust it
    split: dict = field(default_factory=dict)  # method and warning
    warnings: list[str] = field(default_factory=list)  # data warnings of the run
    # target -> {"train", "val", "test"}: records with that outcome known (v1.1 leaves a
    # record with an empty target out of that target only; wage: employed with a wage)
    n_used: dict[str, dict[str, int]] = field(default_factory=dict)
    # target -> coverage of the stated intervals on the test cohorts' offering groups
    # (``conformal.coverage``; calibrated on the validation cohorts)
    intervals: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def metrics_unreliable(self) -> bool:
        """True when any reported metric should not be trusted (or gate a promotion)."""
        return bool(self.unreliable) or self.split.get("method", "time") != "time"

    def flat_metrics(self) -> dict[str, float]:
        """MLflow-style flat names, e.g. ``test.employed_12m.auc``."""
        out = {}
        for t, m in self.metrics.items():
            out.update({f"test.{t}.{k}": v for k, v in m.items()})
        for t, bs in self.baselines.items():
            for b, m in bs.items():
                out.update({f"baseline.{b}.{t}.{k}": m[k] for k in ("auc", "brier", "ece")})
        for w, m in self.wages.items():
            out.update({f"wage.{w}.{k}": v for k, v in m.items()})
        for key, rep in self.fairness.items():
            out[f"fairness.{key.replace('/', '.')}.max_abs_gap"] = rep["max_abs_gap"]
            out[f"fairness.{key.replace('/', '.')}.calibration_gap"] = rep["calibration_gap"]
        out["beats_baselines"] = float(self.beats_baselines)
        for t, st in self.status.items():
            out[f"fitted.{t}"] = float(st == "fitted")
        for t in self.metrics:
            out[f"test.{t}.unreliable"] = float(t in self.unreliable)
        out["metrics_unreliable"] = float(self.metrics_unreliable)
        for t, parts in self.n_used.items():
            out.update({f"n_used.{t}.{k}": v for k, v in parts.items()})
        for t, cov in self.intervals.items():
            out.update({f"interval.{t}.{k}": v for k, v in cov.items()})
        return {k: float(v) for k, v in out.items() if v is not None}


@dataclass
class TrainResult:
    models: OutcomeModels
    evaluation: Evaluation
    config: TrainConfig
    seconds: dict[str, float] = field(default_factory=dict)
    search: object = None  # training.search.SearchResult when the run searched


def fit_threads(config: TrainConfig):
    """OpenMP thread limit while fitting (``[model] n_threads``, 0 = no limit).

    One thread is the default: on the shared 2-core machine OpenMP threads waiting on busy
    cores made fitting 3-4× slower (demo world, all models: 8.6 s with one thread, 30.6 s
    without a limit, while other jobs ran)."""
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    n = config.model.n_threads
    return threadpool_limits(n, user_api="openmp") if n else nullcontext()


def split_pairs(tables: dict[str, pd.DataFrame], config: TrainConfig) -> dict[str, pd.DataFrame]:
    return split_with_info(tables, config)[0]


def split_with_info(
    tables: dict[str, pd.DataFrame], config: TrainConfig
) -> tuple[dict[str, pd.DataFrame], dict]:
    """train / val / test parts and how they were made.

    The time split (newest cohorts = test) needs at least ``MIN_COHORTS_TIME_SPLIT``
    distinct cohorts and must leave every part non-empty. Otherwise the documented
    fallback: a seeded random split (test 20 %, val 20 %), grouped by offering when there
    are at least ``MIN_RANDOM_GROUPS`` offerings, else by record, with a warning that its
    evaluation is optimistic (it does not test forward in time). Raises
    ``TrainingDataError`` when there is too little to train at all.
    """
    pairs = training_pairs(tables["outcomes"], tables["programmes"])
    if len(pairs) == 0:
        raise TrainingDataError(
            "outcomes", "programme_id", "no tracer record refers to an offering of programmes"
        )
    if len(pairs) < MIN_TRAIN_RECORDS:
        raise TrainingDataError(
            "outcomes",
            None,
            f"only {len(pairs)} tracer records join an "
            f"offering (need at least {MIN_TRAIN_RECORDS} to train and test)",
        )
    n_cohorts = int(pairs["cohort"].nunique())
    labels = ev.time_split(
        pairs["cohort"], test_months=config.split.test_months, val_months=config.split.val_months
    ).to_numpy()
    info = {"method": "time", "n_cohorts": n_cohorts, "warning": ""}
    empty = [n for n in ("train", "val", "test") if not (labels == n).any()]
    if n_cohorts < MIN_COHORTS_TIME_SPLIT or empty:
        why = (
            f"only {n_cohorts} cohort(s) (a time split needs at least {MIN_COHORTS_TIME_SPLIT})"
            if n_cohorts < MIN_COHORTS_TIME_SPLIT
            else f"the time split by [split] months left the {', '.join(empty)} set empty"
        )
        by = "programme_id" if pairs["programme_id"].nunique() >= MIN_RANDOM_GROUPS else None
        labels = _random_split(pairs, by, config.model.random_state)
        info = {
            "method": f"random_by_{'offering' if by else 'record'}",
            "n_cohorts": n_cohorts,
            "warning": f"outcomes.cohort: {why}; fell back to a random split by "
            f"{'offering' if by else 'record'}: the evaluation does not test "
            "forward in time and is optimistic",
        }
    parts = {
        name: pairs[labels == name].reset_index(drop=True) for name in ("train", "val", "test")
    }
    for name, part in parts.items():
        if len(part) == 0:
            raise TrainingDataError(
                "outcomes", "cohort", f"the {name} set is empty even after the random fallback"
            )
    return parts, info


def _random_split(pairs: pd.DataFrame, by: str | None, seed: int) -> np.ndarray:
    """Seeded random test / val / train labels; whole groups of ``by`` stay together."""
    keys = pairs[by].astype("str").to_numpy() if by else np.arange(len(pairs)).astype(str)
    uniq, inv, counts = np.unique(keys, return_inverse=True, return_counts=True)
    order = np.random.default_rng(seed).permutation(len(uniq))
    share = np.empty(len(uniq))
    share[order] = np.cumsum(counts[order]) / len(pairs)
    test_share, val_share = RANDOM_SPLIT_SHARES
    group_label = np.where(
        share <= test_share, "test", np.where(share <= test_share + val_share, "val", "train")
    )
    first = order[0]  # the first group drawn is always test, so test is never empty
    group_label[first] = "test"
    return group_label[inv]


def data_warnings(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Plain warnings about the data that do not stop training."""
    out = []
    w = wage_unit_warning(tables["outcomes"])
    if w:
        out.append(w)
    if len(tables["demand"]) == 0:
        out.append(
            "demand: no rows: demand features are neutral (missing) and reasons say "
            "there is no labour-demand data"
        )
    else:
        occ = set(tables["demand"]["occupation_code"].astype("str"))
        targets = {
            c
            for v in tables["programmes"]["target_occupations"].astype("str")
            for c in v.split(";")
        }
        if not occ & targets:
            out.append(
                "demand.occupation_code: no row is for an occupation any programme "
                "trains for: demand features are neutral (missing)"
            )
    return out


def train_and_evaluate(
    tables: dict[str, pd.DataFrame],
    config: TrainConfig,
    progress: bool = True,
    step=None,
    search=None,
) -> tuple[TrainResult, dict[str, pd.DataFrame]]:
    """Fit every model on train (+ val for early stopping and calibration), score test.

    ``search``: a ``training.search.SearchRunner`` to run the ``[search]`` grid first (on
    train, scored on val); the chosen settings then replace those of ``config.model`` in the
    returned result's config."""
    step = step or step_printer(progress)
    seconds = {}
    t0 = time.perf_counter()
    parts, split = split_with_info(tables, config)
    warnings = data_warnings(tables)
    if split["warning"]:
        warnings.insert(0, split["warning"])
    for w in warnings:
        step(f"WARNING {w}")
    step(f"split ({split['method']}) " + ", ".join(f"{k}={len(v):,}" for k, v in parts.items()))
    searched = None
    if search is not None:
        from copy import deepcopy
        from dataclasses import replace

        from training.search import search as run_search

        searched = run_search(
            parts["train"], parts["val"], tables, config.model, config.search, search, step=step
        )
        config = deepcopy(config)
        config.model = replace(config.model, **searched.chosen)
        seconds["search"] = searched.seconds
        step("search chose " + ", ".join(f"{k}={v:g}" for k, v in searched.chosen.items()))
    with fit_threads(config):
        models, mats = fit_models(parts["train"], parts["val"], tables, config.model, progress=step)
        seconds["fit"] = time.perf_counter() - t0 - seconds.get("search", 0.0)
        t1 = time.perf_counter()
        step("evaluate")
        evaluation = evaluate_models(
            models, parts, config, components=mats["components"], step=step
        )
        evaluation.split, evaluation.warnings = split, warnings
        seconds["evaluate"] = time.perf_counter() - t1
    step("done")
    return TrainResult(models, evaluation, config, seconds, searched), parts


def _slice_columns(models: OutcomeModels, test: pd.DataFrame, train: pd.DataFrame) -> pd.DataFrame:
    lk = models.features.lookups_
    seen_lineages = set(
        pd.Series(train["programme_id"]).astype("str").map(models.features.lineage_).dropna()
    )
    lineage = models.features.lineage(test)
    return pd.DataFrame(
        {
            "level": test["level"].astype("str"),
            "region": test["province_code"].astype("str").map(lk.region).fillna("unknown"),
            "sex": test["sex"].astype("str").fillna("unknown"),
            "ethnic_minority": test["ethnic_minority"].astype("str").fillna("unknown"),
            "offering_seen": np.where(lineage.isin(seen_lineages), "seen", "unseen"),
        }
    )


def evaluate_models(
    models: OutcomeModels,
    parts: dict[str, pd.DataFrame],
    config: TrainConfig,
    components: dict | None = None,
    step=None,
) -> Evaluation:
    """Metrics, baselines, slices and fairness of ``models`` on ``parts["test"]``.

    With ``components`` (from ``fit_models``) the table also holds the logistic baseline
    (the blend's linear part, fitted on train) and the uncalibrated boosting model alone.
    """
    step = step or (lambda msg: None)
    train, val, test = parts["train"], parts["val"], parts["test"]
    fit_rows = pd.concat([train, val], ignore_index=True)
    X_test = models.features.transform(test)
    preds = models.predict_features(X_test, index=test.index)
    names = models.feature_names()
    slices_cols = _slice_columns(models, test, train)
    metrics, baselines, slices, fairness, reliability = {}, {}, {}, {}, {}
    status = dict(getattr(models, "target_status", {}))
    unreliable: dict[str, str] = {}
    beat_all, reasons = True, []
    for t in CLASSIFIER_TARGETS:
        if status.get(t, "fitted") != "fitted":
            if t == config.promotion.target:
                beat_all, reasons = False, [f"{t} {status[t]}"]
            continue
        y = test[t].astype("float64").to_numpy()
        ok = ~np.isnan(y)
        yk, p = y[ok].astype(int), preds[f"p_{t}"].to_numpy()[ok]
        metrics[t] = ev.binary_metrics(yk, p)
        n_pos, n_neg = int(yk.sum()), int(len(yk) - yk.sum())
        if len(yk) < MIN_TEST_ROWS or min(n_pos, n_neg) < MIN_CLASS_VAL:
            unreliable[t] = (
                f"test split has {len(yk)} labelled records ({n_pos} positive, "
                f"{n_neg} negative); trusted from {MIN_TEST_ROWS} records with at "
                f"least {MIN_CLASS_VAL} of each class"
            )
        reliability[t] = ev.reliability_table(yk, p, config.ece_bins)
        base = {
            "global_rate": np.full(ok.sum(), float(fit_rows[t].astype("float64").mean())),
            "offering_history": X_test[ok, names.index(f"hist_{t}")],
            "code_province": ev.code_province_rates(fit_rows, test[ok], t, config.baseline_prior),
        }
        if components is not None and t in components:
            base["logistic"] = components[t]["linear"].predict_proba(X_test[ok])[:, 1]
        baselines[t] = {b: ev.binary_metrics(yk, bp) for b, bp in base.items()}
        if components is not None and t in components:  # diagnostic: boosting alone
            boost = components[t]["boost"].predict_proba(X_test[ok])[:, 1]
            metrics[t]["boost_only_auc"] = ev.binary_metrics(yk, boost)["auc"]
            metrics[t]["boost_only_brier"] = ev.binary_metrics(yk, boost)["brier"]
            metrics[t]["weight_boost"] = components[t]["weight_boost"]
        if t == config.promotion.target:
            beat_all, reasons = ev.beats(metrics[t], baselines[t])
        for s in SLICES:
            slices[f"{t}/{s}"] = ev.slice_metrics(yk, p, slices_cols[s][ok], config.slice_min_n)
        for attr in config.promotion.fairness_attributes:
            fairness[f"{t}/{attr}"] = ev.fairness_report(
                yk, p, slices_cols[attr][ok], config.promotion.fairness_min_n
            )
    wages = wage_evaluation(
        preds, test, fit_rows, fitted=status.get(WAGE_TARGET, "fitted") == "fitted"
    )
    if "model" in wages and wages["model"]["n"] < MIN_TEST_ROWS:
        unreliable[WAGE_TARGET] = (
            f"test split has {int(wages['model']['n'])} employed "
            f"records with a wage; trusted from {MIN_TEST_ROWS}"
        )
    cohorts = {k: (str(v["cohort"].min()), str(v["cohort"].max())) for k, v in parts.items()}
    step("interval coverage (test cohorts)")
    coverage = interval_coverage(models, test, preds)
    return Evaluation(
        metrics,
        baselines,
        wages,
        slices,
        fairness,
        reliability,
        beat_all,
        reasons,
        {k: len(v) for k, v in parts.items()},
        cohorts,
        status,
        unreliable,
        n_used=records_used(parts),
        intervals=coverage,
    )


def interval_coverage(
    models: OutcomeModels, held_out: pd.DataFrame, preds: pd.DataFrame | None = None
) -> dict[str, dict[str, float]]:
    """Coverage of the bundle's stated intervals on cohorts not used to calibrate them
    (``conformal.coverage``); empty when the bundle has no conformal numbers."""
    calib = getattr(models, "intervals", None) or {}
    if not calib or len(held_out) == 0:
        return {}
    if preds is None:
        preds = models.predict(held_out)
    return conformal.coverage(calib, held_out, preds, models.offering_history(held_out))


def interval_lines(coverage: dict[str, dict[str, float]]) -> list[str]:
    """The coverage table as text lines (training summary and ``guidance evaluate``)."""
    if not coverage:
        return ["intervals: the bundle has no conformal numbers (sampling-only intervals)"]
    level = next(iter(coverage.values()))["level"]
    lines = [
        f"{level:.0%} intervals on held-out cohorts (share of offering groups whose observed "
        f"value falls inside; target {level - 0.05:.0%}–{level + 0.05:.0%}):"
    ]
    for t, c in coverage.items():
        ok = abs(c["coverage"] - c["level"]) <= 0.05
        lines.append(
            f"  {t:<22} coverage {c['coverage']:.3f} of {int(c['n_groups'])} groups"
            f"{'' if ok else ' (OUTSIDE the target)'}; thin evidence "
            f"{c['coverage_thin']:.3f} of {int(c['n_groups_thin'])}; mean width "
            f"{c['mean_width']:.3f}"
        )
    return lines


def records_used(parts: dict[str, pd.DataFrame]) -> dict[str, dict[str, int]]:
    """Per target and part, the records with that outcome known (what the target is learnt
    from and measured on); ``wage``: employed records with a wage."""
    out = {t: {k: int(v[t].notna().sum()) for k, v in parts.items()} for t in CLASSIFIER_TARGETS}
    out[WAGE_TARGET] = {k: int(_wages(v)[1].sum()) for k, v in parts.items()}
    return out


def _wages(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    wage = pd.to_numeric(frame["monthly_wage_vnd"], errors="coerce").astype("float64").to_numpy()
    ok = (frame["employed_12m"].astype("float64").to_numpy() == 1) & (wage > 0)
    return wage, ok


def offering_wage_quantiles(fit_rows: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Baseline: each row's offering's own historical wage quartiles (≥ ``MIN_WAGE_CELL``
    wages), falling back to its programme code's, then to the global ones."""
    wage, ok = _wages(fit_rows)
    hist = fit_rows.loc[ok, ["programme_id", "programme_code"]].astype("str").assign(w=wage[ok])
    out = pd.DataFrame(index=range(len(rows)))
    for q in (25, 50, 75):
        glob = float(np.quantile(wage[ok], q / 100)) if ok.any() else np.nan
        got = np.full(len(rows), glob)
        for key in ("programme_code", "programme_id"):  # the finer level wins
            g = hist.groupby(key)["w"]
            cell = g.quantile(q / 100)[g.size() >= MIN_WAGE_CELL]
            v = rows[key].astype("str").map(cell).to_numpy(dtype="float64")
            got = np.where(np.isnan(v), got, v)
        out[f"wage_q{q}"] = got
    return out


def wage_evaluation(
    preds: pd.DataFrame, test: pd.DataFrame, fit_rows: pd.DataFrame, fitted: bool = True
) -> dict[str, dict[str, float]]:
    """Wage model vs the global quartiles and the offering's own (→ programme code's)."""
    wage, emp = _wages(test)
    fwage, fok = _wages(fit_rows)
    if not emp.any() or not fok.any():
        return {}
    glob = pd.DataFrame(
        {f"wage_q{q}": np.full(emp.sum(), np.quantile(fwage[fok], q / 100)) for q in (25, 50, 75)}
    )
    out = {}
    if fitted:
        out["model"] = ev.wage_metrics(wage[emp], preds[emp].reset_index(drop=True))
    out["baseline_global"] = ev.wage_metrics(wage[emp], glob)
    out["baseline_offering"] = ev.wage_metrics(
        wage[emp], offering_wage_quantiles(fit_rows, test[emp].reset_index(drop=True))
    )
    return out


def summary_table(evaluation: Evaluation) -> str:
    """Model vs baselines per target, then wages and fairness: printed at the end of a run."""
    lines = []
    if evaluation.split.get("method", "time") != "time":
        lines.append(f"WARNING split: {evaluation.split['warning']}")
    for w in evaluation.warnings:
        if w != evaluation.split.get("warning"):
            lines.append(f"WARNING {w}")
    for t, st in evaluation.status.items():
        if st != "fitted":
            lines.append(
                f"NOT FITTED {t}: {st.removeprefix('not_fitted: ')} — this figure is "
                "missing from predictions and recommendations"
            )
    for t, why in evaluation.unreliable.items():
        lines.append(f"UNRELIABLE {t}: {why}")
    if lines:
        lines.append("")
    if evaluation.n_used:
        lines.append("records used per target (outcome known; train / val / test):")
        for t, n in evaluation.n_used.items():
            lines.append(
                f"  {t:<22}{n.get('train', 0):>9,}{n.get('val', 0):>9,}{n.get('test', 0):>9,}"
            )
        lines.append("")
    lines.append(f"{'target':<22}{'model':<18}{'AUC':>8}{'Brier':>8}{'LogLoss':>9}{'ECE':>7}")
    for t, m in evaluation.metrics.items():
        rows = [("model (calibrated)", m), *evaluation.baselines[t].items()]
        mark = " (unreliable)" if t in evaluation.unreliable else ""
        for name, r in rows:
            lines.append(
                f"{t:<22}{name:<18}{r['auc']:>8.4f}{r['brier']:>8.4f}"
                f"{r['log_loss']:>9.4f}{r['ece']:>7.4f}{mark}"
            )
    lines.append("")
    lines.append(
        f"{'wage (VND/month)':<22}{'':<18}{'pin25':>10}{'pin50':>10}{'pin75':>10}"
        f"{'MAE50':>11}{'cov50':>7}"
    )
    if not evaluation.wages:
        lines.append(f"{'':<22}no employed test or training record has a wage")
    for name, w in evaluation.wages.items():
        lines.append(
            f"{'':<22}{name:<18}{w['pinball_q25']:>10.0f}{w['pinball_q50']:>10.0f}"
            f"{w['pinball_q75']:>10.0f}{w['mae_q50']:>11.0f}{w['coverage_50']:>7.3f}"
        )
    lines.append(wage_verdict(evaluation))
    lines.append("")
    lines += interval_lines(evaluation.intervals)
    lines.append("")
    for key, rep in evaluation.fairness.items():
        groups = ", ".join(
            f"{g.group}: gap {g.gap:+.3f} (n={int(g.n)})" for g in rep["groups"].itertuples()
        )
        lines.append(
            f"fairness {key:<32} max|gap| {rep['max_abs_gap']:.3f}  "
            f"calib.gap {rep['calibration_gap']:.3f}  [{groups}]"
        )
    for t, m in evaluation.metrics.items():
        if "boost_only_auc" in m:
            lines.append(
                f"diagnostic {t}: boosting alone AUC {m['boost_only_auc']:.4f} Brier "
                f"{m['boost_only_brier']:.4f}; blend weight on boosting "
                f"{m['weight_boost']:.2f}"
            )
    verdict = "YES" if evaluation.beats_baselines else "NO: " + "; ".join(evaluation.beat_reasons)
    lines.append(f"beats every baseline (AUC and Brier, employed_12m): {verdict}")
    return "\n".join(lines)


def wage_verdict(evaluation: Evaluation) -> str:
    """Does the wage model beat the offering's own median in MAE? One sentence either way."""
    w = evaluation.wages
    if "model" not in w:
        st = evaluation.status.get(WAGE_TARGET, "")
        return f"wage model: {st or 'not evaluated'} (no wage model, no wage figures)"
    a, b = w["model"]["mae_q50"], w["baseline_offering"]["mae_q50"]
    verdict = "beats" if a < b else "does NOT beat"
    return (
        f"wage model {verdict} the offering median in MAE: {a:,.0f} vs {b:,.0f} VND "
        f"(global median {w['baseline_global']['mae_q50']:,.0f})"
    )
