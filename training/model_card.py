"""The model card (Markdown) written beside every artifact and into the run's MLflow artifacts."""

from __future__ import annotations

import pandas as pd

from training.pipeline import TrainResult, wage_verdict


def _cell(v) -> str:
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 1000 or (v.is_integer() and v != 0) else f"{v:.4f}"
    return str(v)


def _table(df: pd.DataFrame, cols: list[str]) -> str:
    head = "| " + " | ".join(cols) + " |\n|" + "---|" * len(cols) + "\n"
    body = ""
    for row in df[cols].itertuples(index=False):
        cells = [_cell(v) for v in row]
        body += "| " + " | ".join(cells) + " |\n"
    return head + body


SHOWN_VERSIONS = 40


def _export_lines(export: dict | None) -> list[str]:
    """The tracer export the model learnt from: its hash and the submission versions."""
    if not export:
        return ["- data source: a contract directory (not a tracer database export)"]
    subs = export.get("submissions") or []
    lines = [
        f"- data source: tracer database export, export hash `{export.get('data_hash')}` "
        + (
            "(matches the files read)"
            if export.get("matches_files")
            else "(**does NOT match the files read**: they were changed after the export)"
        )
    ]
    if export.get("error"):
        lines.append(f"- {export['error']}")
    if export.get("left_out"):
        left = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in export["left_out"].items())
        lines.append(f"- graduates exported: {export.get('outcomes') or 0:,}; left out: {left}")
    if export.get("one_wave_6m_only") or export.get("one_wave_12m_only"):
        lines.append(
            f"- of them answered one wave only (the other wave's outcomes empty, left out "
            f"of those targets): 6-month only {export.get('one_wave_6m_only') or 0:,}, "
            f"12-month only {export.get('one_wave_12m_only') or 0:,}"
        )
    versions: dict[str, int] = {}
    for s in subs:
        v = s.rsplit("/", 1)[-1]
        versions[v] = versions.get(v, 0) + 1
    summary = ", ".join(f"{n:,} × {v}" for v, n in sorted(versions.items()))
    lines.append(
        f"- submission versions held ({len(subs):,}; institution/cohort/wave/version)"
        + (f": {summary}" if summary else "")
        + ":"
    )
    shown = subs[:SHOWN_VERSIONS]
    if shown:
        lines.append(
            "  "
            + ", ".join(f"`{s}`" for s in shown)
            + (
                f" … and {len(subs) - len(shown):,} more (all in the artifact metadata, "
                "`tracer_export.submissions`)"
                if len(subs) > len(shown)
                else ""
            )
        )
    return lines


def _search_lines(searched) -> list[str]:
    """The hyperparameter search: how it chose, every trial, the chosen settings."""
    if searched is None:
        return [
            "",
            "## Hyperparameter search",
            "",
            "No search in this run: the `[model]` settings of the training config were "
            "used as given (`guidance train --search` searches the `[search]` grid).",
        ]
    chosen = ", ".join(f"{k} = {v:g}" for k, v in searched.chosen.items())
    word = "lowest" if searched.direction == "min" else "highest"
    lines = [
        "",
        "## Hyperparameter search",
        "",
        f"{len(searched.trials)} settings, each the {searched.target} boosting model fitted "
        f"on the train part ({searched.n_train:,} records) with early stopping on the "
        f"validation part ({searched.n_val:,} records) of the time split; chosen: the "
        f"{word} validation {searched.metric} (trial {searched.best + 1}). The test part "
        f"was not used. Ran on: {searched.runner}; {searched.seconds:,.1f} s.",
        "",
        f"**Chosen settings:** {chosen}.",
        "",
    ]
    tab = searched.table()
    cols = ["trial", *searched.chosen, "n_iter", "val_log_loss", "val_auc", "val_brier"]
    tab["trial"] = tab["trial"] + 1
    lines.append(_table(tab.astype({c: "float64" for c in cols if c != "trial"}), cols))
    return lines


def _interval_lines(ev, calib: dict) -> list[str]:
    """The stated intervals: how they are made, their numbers and their measured coverage."""
    lines = ["## Intervals (model error included)", ""]
    if not calib:
        return lines + [
            "This bundle has no conformal numbers (too few validation groups): served "
            "intervals are the sampling-only Wilson interval, flagged "
            "`interval_without_model_error`.",
            "",
        ]
    level = next(iter(calib.values()))["level"]
    lines += [
        f"Every probability and the median wage carry an interval stated at {level:.0%}: split "
        "conformal at the offering-group level (a group: one offering's graduates of 12 "
        "months of cohorts), calibrated on the validation cohorts; the interval is where a "
        "year's graduates' observed value falls, the models' error for that much evidence "
        "(tau², by evidence stratum) plus sampling noise. Coverage is measured on the test "
        "cohorts, which calibration did not see (target "
        f"{level - 0.05:.0%}–{level + 0.05:.0%}).",
        "",
    ]
    cov = getattr(ev, "intervals", {}) or {}
    rows = []
    for t, c in calib.items():
        m = cov.get(t, {})
        rows.append(
            {
                "target": t,
                "calibration groups": float(c["n_groups"]),
                "tau2 established": c["tau2"]["established"],
                "tau2 small": c["tau2"]["small"],
                "tau2 new": c["tau2"]["new"],
                "q low": c["q_low"],
                "q high": c["q_high"],
                "test groups": m.get("n_groups", float("nan")),
                "coverage": m.get("coverage", float("nan")),
                "coverage thin": m.get("coverage_thin", float("nan")),
                "mean width": m.get("mean_width", float("nan")),
            }
        )
    lines.append(_table(pd.DataFrame(rows), list(rows[0])))
    lines += [
        "Rates: width in points of probability; wage: width relative to the median. "
        '"thin": offerings with fewer than 20 graduates in the training history.',
        "",
    ]
    return lines


def render(result: TrainResult, meta: dict) -> str:
    """Intended use, data vintage, metrics vs baselines, slices, fairness, limitations."""
    ev = result.evaluation
    lines = [
        f"# Model card: {meta.get('name', 'guidance-outcomes')} version {meta.get('version', '?')}",
        "",
        "## Intended use",
        "Estimates, for a learner considering a vocational offering (programme × institution × "
        "province), the chance of completing it, of being employed 12 months after graduating, "
        "of working in an occupation the programme trains for, and the likely monthly wage "
        "(25th/50th/75th percentiles). It supports career counselling in Vietnam: it ranks and "
        "explains options; it must not decide admissions, funding or anyone's eligibility.",
        "",
        "## Data vintage",
        f"- data directory hash: `{meta.get('data_hash', '?')}`; git commit: "
        f"`{meta.get('git_commit') or 'none'}`; MLflow run: `{meta.get('run_id') or 'none'}`",
    ]
    lines += _export_lines(meta.get("tracer_export"))
    for part, (a, b) in ev.cohorts.items():
        lines.append(f"- {part}: cohorts {a} … {b}, {ev.n_rows.get(part, 0):,} records")
    lines += [
        f"- demand snapshot carried in the artifact ends {meta.get('demand_last_period', '?')}",
        "",
        "## Targets learnt",
        "",
    ]
    n_used = getattr(ev, "n_used", {}) or {}
    for t, st in ev.status.items():
        n = n_used.get(t)
        used = (
            f" (records used, outcome known: train {n.get('train', 0):,}, val "
            f"{n.get('val', 0):,}, test {n.get('test', 0):,})"
            if n
            else ""
        )
        lines.append(
            f"- {t}: {st}{used}"
            + (
                ""
                if st == "fitted"
                else " — this figure is missing from predictions and recommendations"
            )
        )
    if ev.split.get("method", "time") != "time":
        lines += ["", f"**Split: {ev.split['method']}.** {ev.split['warning']}"]
    for w in ev.warnings:
        if w != ev.split.get("warning"):
            lines.append(f"- warning: {w}")
    if ev.metrics_unreliable:
        lines += [
            "",
            "**Metrics marked UNRELIABLE** (promotion refuses them unless forced with a reason):",
        ]
        lines += [f"- {t}: {why}" for t, why in ev.unreliable.items()]
    lines += _search_lines(getattr(result, "search", None))
    lines += ["", "## Metrics on the test split vs baselines", ""]
    rows = []
    for t, m in ev.metrics.items():
        rows.append({"target": t, "model": "model", **m})
        rows += [{"target": t, "model": b, **bm} for b, bm in ev.baselines[t].items()]
    if rows:
        lines.append(
            _table(pd.DataFrame(rows), ["target", "model", "auc", "brier", "log_loss", "ece"])
        )
    else:
        lines.append("No classifier was fitted: no classification metrics.")
    lines.append(
        f"Beats every baseline on employed_12m (AUC and Brier): "
        f"{'yes' if ev.beats_baselines else 'no — ' + '; '.join(ev.beat_reasons)}."
    )
    lines += ["", "Wages (VND/month, employed graduates with a wage):", ""]
    wrows = [{"model": k, **v} for k, v in ev.wages.items()]
    if wrows:
        lines.append(
            _table(
                pd.DataFrame(wrows),
                ["model", "pinball_q25", "pinball_q50", "pinball_q75", "mae_q50", "coverage_50"],
            )
        )
    lines += [wage_verdict(ev), ""]
    lines += _interval_lines(ev, getattr(result.models, "intervals", None) or {})
    lines += ["## Slices (employed_12m)", ""]
    for key, tab in ev.slices.items():
        if key.startswith("employed_12m/"):
            lines += [
                f"### {key.split('/')[1]}",
                "",
                _table(tab, ["group", "n", "auc", "brier", "ece", "observed", "predicted"]),
            ]
    lines += [
        "## Fairness",
        "",
        "Gap = mean predicted − observed rate per group (positive: the model is optimistic "
        "for that group); calibration gap = largest minus smallest group ECE. `sex` and "
        "`ethnic_minority` are never model inputs; they are used only for this audit.",
        "",
    ]
    for key, rep in ev.fairness.items():
        lines += [
            f"### {key}",
            f"max |gap| {rep['max_abs_gap']:.4f}, calibration gap {rep['calibration_gap']:.4f}",
            "",
            _table(rep["groups"], ["group", "n", "observed", "predicted", "gap", "ece"]),
        ]
    lines += [
        "## Limitations",
        "- Trained on graduates up to the validation cutoff; the newest 12 months are held out "
        "for testing, so the model lags the data by a year.",
        "- Outcomes are observed only for people who enrolled: effects of choosing an offering "
        "are associations, not causal effects.",
        "- A model blind to sex and ethnicity still reproduces differences in the labels it learns "
        "from; see the fairness gaps above and review them before each promotion.",
        "- Offerings with few graduates lean on their programme code, field and region "
        "(shrinkage); an observed rate is never shown below 20 graduates.",
        "- Demand features use the newest demand snapshot for future graduation months.",
        "",
    ]
    return "\n".join(lines)
