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

from guidance import evaluate as ev
from guidance.features import training_pairs
from guidance.model import CLASSIFIER_TARGETS, OutcomeModels, fit_models
from training.config import TrainConfig

SLICES = ("level", "region", "sex", "ethnic_minority", "offering_seen")


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

    metrics: dict[str, dict[str, float]]                 # target -> model metrics
    baselines: dict[str, dict[str, dict[str, float]]]    # target -> baseline -> metrics
    wages: dict[str, dict[str, float]]                   # "model"/"baseline_global" -> metrics
    slices: dict[str, pd.DataFrame]                      # "<target>/<slice>" -> table
    fairness: dict[str, dict]                            # "<target>/<attribute>" -> report
    reliability: dict[str, pd.DataFrame]                 # target -> reliability table
    beats_baselines: bool = False
    beat_reasons: list[str] = field(default_factory=list)
    n_rows: dict[str, int] = field(default_factory=dict)
    cohorts: dict[str, tuple[str, str]] = field(default_factory=dict)

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
        return {k: float(v) for k, v in out.items() if v is not None}


@dataclass
class TrainResult:
    models: OutcomeModels
    evaluation: Evaluation
    config: TrainConfig
    seconds: dict[str, float] = field(default_factory=dict)


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
    pairs = training_pairs(tables["outcomes"], tables["programmes"])
    labels = ev.time_split(pairs["cohort"], test_months=config.split.test_months,
                           val_months=config.split.val_months)
    parts = {name: pairs[labels.to_numpy() == name].reset_index(drop=True)
             for name in ("train", "val", "test")}
    for name, part in parts.items():
        if len(part) == 0:
            raise ValueError(f"time split left the {name} set empty; "
                             "check the cohorts and [split] months")
    return parts


def train_and_evaluate(tables: dict[str, pd.DataFrame], config: TrainConfig,
                       progress: bool = True, step=None
                       ) -> tuple[TrainResult, dict[str, pd.DataFrame]]:
    """Fit every model on train (+ val for early stopping and calibration), score test."""
    step = step or step_printer(progress)
    seconds = {}
    t0 = time.perf_counter()
    parts = split_pairs(tables, config)
    step("split " + ", ".join(f"{k}={len(v):,}" for k, v in parts.items()))
    with fit_threads(config):
        models, mats = fit_models(parts["train"], parts["val"], tables, config.model,
                                  progress=step)
        seconds["fit"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        step("evaluate")
        evaluation = evaluate_models(models, parts, config, components=mats["components"],
                                     step=step)
        seconds["evaluate"] = time.perf_counter() - t1
    step("done")
    return TrainResult(models, evaluation, config, seconds), parts


def _slice_columns(models: OutcomeModels, test: pd.DataFrame, train: pd.DataFrame) -> pd.DataFrame:
    lk = models.features.lookups_
    seen_lineages = set(pd.Series(train["programme_id"]).astype("str")
                        .map(models.features.lineage_).dropna())
    keys = models.features._history_keys(test, models.features._base_frame(test))
    return pd.DataFrame({
        "level": test["level"].astype("str"),
        "region": test["province_code"].astype("str").map(lk.region).fillna("unknown"),
        "sex": test["sex"].astype("str").fillna("unknown"),
        "ethnic_minority": test["ethnic_minority"].astype("str").fillna("unknown"),
        "offering_seen": np.where(keys["lineage"].isin(seen_lineages), "seen", "unseen"),
    })


def evaluate_models(models: OutcomeModels, parts: dict[str, pd.DataFrame], config: TrainConfig,
                    components: dict | None = None, step=None) -> Evaluation:
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
    beat_all, reasons = True, []
    for t in CLASSIFIER_TARGETS:
        y = test[t].astype("float64").to_numpy()
        ok = ~np.isnan(y)
        yk, p = y[ok].astype(int), preds[f"p_{t}"].to_numpy()[ok]
        metrics[t] = ev.binary_metrics(yk, p)
        reliability[t] = ev.reliability_table(yk, p, config.ece_bins)
        base = {
            "global_rate": np.full(ok.sum(), float(fit_rows[t].astype("float64").mean())),
            "offering_history": X_test[ok, names.index(f"hist_{t}")],
            "code_province": ev.code_province_rates(fit_rows, test[ok], t, config.baseline_prior),
        }
        if components is not None:
            base["logistic"] = components[t]["linear"].predict_proba(X_test[ok])[:, 1]
        baselines[t] = {b: ev.binary_metrics(yk, bp) for b, bp in base.items()}
        if components is not None:  # diagnostic, not a baseline: boosting without the blend
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
                yk, p, slices_cols[attr][ok], config.promotion.fairness_min_n)
    wage = pd.to_numeric(test["monthly_wage_vnd"], errors="coerce").astype("float64").to_numpy()
    emp = (test["employed_12m"].astype("float64").to_numpy() == 1) & (wage > 0)
    fit_wage = pd.to_numeric(fit_rows["monthly_wage_vnd"], errors="coerce").astype("float64")
    fit_wage = fit_wage[(fit_rows["employed_12m"].astype("float64") == 1) & (fit_wage > 0)]
    glob = pd.DataFrame({f"wage_q{q}": np.full(emp.sum(), fit_wage.quantile(q / 100))
                         for q in (25, 50, 75)})
    wages = {"model": ev.wage_metrics(wage[emp], preds[emp].reset_index(drop=True)),
             "baseline_global": ev.wage_metrics(wage[emp], glob)}
    cohorts = {k: (str(v["cohort"].min()), str(v["cohort"].max())) for k, v in parts.items()}
    return Evaluation(metrics, baselines, wages, slices, fairness, reliability, beat_all, reasons,
                      {k: len(v) for k, v in parts.items()}, cohorts)


def summary_table(evaluation: Evaluation) -> str:
    """Model vs baselines per target, then wages and fairness: printed at the end of a run."""
    lines = [f"{'target':<22}{'model':<18}{'AUC':>8}{'Brier':>8}{'LogLoss':>9}{'ECE':>7}"]
    for t, m in evaluation.metrics.items():
        rows = [("model (calibrated)", m), *evaluation.baselines[t].items()]
        for name, r in rows:
            lines.append(f"{t:<22}{name:<18}{r['auc']:>8.4f}{r['brier']:>8.4f}"
                         f"{r['log_loss']:>9.4f}{r['ece']:>7.4f}")
    lines.append("")
    lines.append(f"{'wage (VND/month)':<22}{'':<18}{'pin25':>10}{'pin50':>10}{'pin75':>10}"
                 f"{'MAE50':>11}{'cov50':>7}")
    for name, w in evaluation.wages.items():
        lines.append(f"{'':<22}{name:<18}{w['pinball_q25']:>10.0f}{w['pinball_q50']:>10.0f}"
                     f"{w['pinball_q75']:>10.0f}{w['mae_q50']:>11.0f}{w['coverage_50']:>7.3f}")
    lines.append("")
    for key, rep in evaluation.fairness.items():
        groups = ", ".join(f"{g.group}: gap {g.gap:+.3f} (n={int(g.n)})"
                           for g in rep["groups"].itertuples())
        lines.append(f"fairness {key:<32} max|gap| {rep['max_abs_gap']:.3f}  "
                     f"calib.gap {rep['calibration_gap']:.3f}  [{groups}]")
    for t, m in evaluation.metrics.items():
        if "boost_only_auc" in m:
            lines.append(f"diagnostic {t}: boosting alone AUC {m['boost_only_auc']:.4f} Brier "
                         f"{m['boost_only_brier']:.4f}; blend weight on boosting "
                         f"{m['weight_boost']:.2f}")
    verdict = "YES" if evaluation.beats_baselines else "NO: " + "; ".join(evaluation.beat_reasons)
    lines.append(f"beats every baseline (AUC and Brier, employed_12m): {verdict}")
    return "\n".join(lines)
