"""One training run: load → fit/evaluate → plots → MLflow run + registry → artifact → card."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from guidance.artifacts import artifact_paths, git_commit, save_artifact, sha256_file
from guidance.contract import data_hash, load_dir
from guidance.features import INPUT_COLUMNS
from guidance.tracer.dirs import export_provenance
from training import model_card, plots
from training.config import TrainConfig
from training.pipeline import TrainResult, step_printer, summary_table, train_and_evaluate


@dataclass
class RunOutcome:
    result: TrainResult
    artifact: Path
    metadata: dict
    run_id: str | None
    version: str
    promoted: bool
    promotion_reasons: list[str]


def input_example(test: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """A few pair rows in plain dtypes (float, object) that MLflow can describe."""
    ex = test[list(INPUT_COLUMNS)].head(n).copy()
    for col in ex.columns:
        if pd.api.types.is_numeric_dtype(ex[col]) and not pd.api.types.is_bool_dtype(ex[col]):
            ex[col] = ex[col].astype("float64")
        else:
            ex[col] = ex[col].astype(object).where(ex[col].notna(), None)
    ex["predecessor_id"] = ex["predecessor_id"].fillna("")
    ex.columns = pd.Index(list(ex.columns), dtype=object)  # MLflow compares them with a range
    return ex.reset_index(drop=True)


def _write_outputs(result: TrainResult, parts: dict, out: Path, step) -> dict[str, Path]:
    ev = result.evaluation
    files = {
        "summary": out / "summary.txt",
        "config": out / "config.json",
        "reliability": out / "reliability.png",
        "importance": out / "importance.png",
        "slices": out / "slices.csv",
        "fairness": out / "fairness.csv",
    }
    files["summary"].write_text(summary_table(ev) + "\n", encoding="utf-8")
    files["config"].write_text(json.dumps(result.config.to_dict(), indent=2, default=list))
    plots.reliability_plot(ev.reliability, files["reliability"])
    # the plot's numbers too: the admin page draws calibration from them (translated labels)
    files["reliability_csv"] = out / "reliability.csv"
    rel = [t.assign(target=k) for k, t in ev.reliability.items()]
    (pd.concat(rel) if rel else pd.DataFrame()).to_csv(files["reliability_csv"], index=False)
    if result.search is not None:  # every trial, one row each
        files["search"] = out / "search.csv"
        result.search.table().to_csv(files["search"], index=False)
    target = next(iter(ev.metrics), None)  # employed_12m unless it was not fitted
    if target is None:  # no classifier was fitted: nothing to permute
        files.pop("importance")
    else:
        step(f"permutation importance ({target})")
        imp = plots.permutation_importance(result.models, parts["test"], target)
        plots.importance_plot(imp, files["importance"], f"{target}: permutation importance")
        imp.sort_values(ascending=False).to_csv(out / "importance.csv", header=["auc_drop"])
        files["importance_csv"] = out / "importance.csv"
    slices = [t.assign(slice=k) for k, t in ev.slices.items()]
    (pd.concat(slices) if slices else pd.DataFrame()).to_csv(files["slices"], index=False)
    groups = [r["groups"].assign(key=k) for k, r in ev.fairness.items()]
    (pd.concat(groups) if groups else pd.DataFrame()).to_csv(files["fairness"], index=False)
    return files


def _flat_params(d: dict, prefix: str = "") -> dict[str, str]:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict) and k != "metrics":
            out.update(_flat_params(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = str(v)[:500]
    return out


def next_local_version(models_dir: Path, name: str) -> str:
    nums = [
        int(p.stem.rsplit("-", 1)[1])
        for p in models_dir.glob(f"{name}-*.joblib")
        if p.stem.rsplit("-", 1)[1].isdigit()
    ]
    return str(max(nums, default=0) + 1)


def run_training(
    data_dir: str | Path,
    config: TrainConfig,
    *,
    models_dir: str | Path,
    name: str,
    tracking_uri: str | None,
    artifact_root: str | Path | None = None,
    progress: bool = True,
    auto_promote: bool = True,
    search=None,
) -> RunOutcome:
    """Train on a contract directory; with ``tracking_uri`` log, register and maybe promote.

    ``search``: a ``training.search.SearchRunner`` to search the ``[search]`` grid first;
    every trial is then logged as a child run of the training run."""
    step = step_printer(progress)
    data_dir, models_dir = Path(data_dir), Path(models_dir)
    step(f"load {data_dir}")
    tables = load_dir(data_dir)
    dhash = data_hash(data_dir)
    export = export_provenance(data_dir, dhash)
    step(
        f"loaded {sum(len(t) for t in tables.values()):,} rows"
        + (
            f" (tracer export {export['data_hash'] and export['data_hash'][:12]}, "
            f"{len(export['submissions'])} submission versions)"
            if export
            else ""
        )
    )
    result, parts = train_and_evaluate(tables, config, progress=progress, step=step, search=search)
    print(summary_table(result.evaluation))
    meta = {
        "name": name,
        "data_hash": dhash,
        "data_dir": str(data_dir.resolve()),
        "git_commit": git_commit(),
        "contract_version": 1,
        "metrics": result.evaluation.flat_metrics(),
        "config": result.config.to_dict(),
        "cohorts": result.evaluation.cohorts,
        "rows": result.evaluation.n_rows,
        "seconds": result.seconds,
        "target_status": result.evaluation.status,
        "metrics_unreliable": result.evaluation.metrics_unreliable,
        "unreliable": result.evaluation.unreliable,
        "split": result.evaluation.split,
        "data_warnings": result.evaluation.warnings,
    }
    if export is not None:
        meta["tracer_export"] = export
    if result.search is not None:
        meta["search"] = result.search.to_dict()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = _write_outputs(result, parts, tmp, step)
        if tracking_uri is None:
            version = next_local_version(models_dir, name)
            job, meta_path = save_artifact(
                result.models,
                models_dir,
                name,
                version,
                metadata={**meta, "run_id": None},
                demand_months=config.demand_months_kept,
            )
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            _write_card(result, meta, models_dir, name, version)
            step(f"artifact {job}")
            return RunOutcome(result, job, meta, None, version, False, ["no MLflow tracking"])
        return _log_and_register(
            result,
            parts,
            meta,
            files,
            tmp,
            models_dir,
            name,
            tracking_uri,
            artifact_root or Path("var/mlartifacts"),
            step,
            auto_promote,
        )


def _write_card(result, meta, models_dir: Path, name: str, version: str) -> Path:
    card = models_dir / f"{name}-{version}.md"
    card.write_text(model_card.render(result, meta), encoding="utf-8")
    return card


def _log_search(searched, exp_id: str) -> None:
    """Every trial as a child run (its settings as params, its validation metrics); the
    choice on the parent (``search.chosen.*`` params, ``search.*`` tags and metrics)."""
    # lazy: mlflow is heavy (seconds to import); only this path needs it
    import mlflow

    for t in searched.trials:
        with mlflow.start_run(
            experiment_id=exp_id, run_name=f"search-trial-{t.index + 1:03d}", nested=True
        ):
            mlflow.log_params(
                {
                    **{k: str(v) for k, v in t.settings.items()},
                    "search.trial": str(t.index + 1),
                    "search.target": searched.target,
                }
            )
            mlflow.log_metrics({k: float(v) for k, v in t.metrics.items() if np.isfinite(float(v))})
            mlflow.set_tag("search.chosen", str(t.index == searched.best).lower())
    mlflow.log_params({f"search.chosen.{k}": str(v) for k, v in searched.chosen.items()})
    mlflow.set_tags(
        {
            "search.trials": str(len(searched.trials)),
            "search.metric": f"val_{searched.metric} ({searched.direction})",
            "search.target": searched.target,
            "search.runner": searched.runner[:250],
            "search.best_trial": str(searched.best + 1),
        }
    )
    best = searched.trials[searched.best].metrics
    mlflow.log_metrics(
        {f"search.best.{k}": float(v) for k, v in best.items() if np.isfinite(float(v))}
        | {"search.seconds": searched.seconds}
    )


def _log_and_register(
    result,
    parts,
    meta,
    files,
    tmp: Path,
    models_dir: Path,
    name: str,
    tracking_uri: str,
    artifact_root,
    step,
    auto_promote: bool,
) -> RunOutcome:
    # lazy: mlflow is heavy (seconds to import); only this path needs it
    import mlflow
    from mlflow.models import infer_signature

    # lazy: guidance.registry imports mlflow (heavy); only registering needs it
    from guidance import registry
    from training.promote import first_champion

    client = registry.connect(tracking_uri)
    exp_id = registry.ensure_experiment(client, artifact_root)
    step("MLflow run")
    export = meta.get("tracer_export")
    run_name = (
        f"tracer-export-{(export['data_hash'] or 'unreadable')[:12]}-"
        f"{len(export['submissions'])}-versions"
        if export
        else None
    )
    with mlflow.start_run(experiment_id=exp_id, run_name=run_name) as run:
        run_id = run.info.run_id
        params = _flat_params({"config": meta["config"]})
        params.update(
            {
                "data_hash": meta["data_hash"],
                "data_dir": meta["data_dir"],
                **{f"rows.{k}": str(v) for k, v in meta["rows"].items()},
            }
        )
        mlflow.log_params(params)
        mlflow.set_tags(
            {
                "git_commit": meta["git_commit"] or "none",
                "data_hash": meta["data_hash"],
                "metrics_unreliable": str(meta["metrics_unreliable"]).lower(),
                "split_method": meta["split"].get("method", "time"),
                **{f"target_status.{t}": st[:250] for t, st in meta["target_status"].items()},
            }
        )
        if export:
            mlflow.set_tags(
                {
                    "tracer_export.data_hash": str(export["data_hash"]),
                    "tracer_export.matches_files": str(export["matches_files"]).lower(),
                    "tracer_export.submission_versions": str(len(export["submissions"])),
                }
            )
            mlflow.log_dict(export, "data/tracer_export.json")  # every version it holds
        mlflow.log_metrics({k: v for k, v in meta["metrics"].items() if np.isfinite(v)})
        if result.search is not None:
            _log_search(result.search, exp_id)
        for path in files.values():
            mlflow.log_artifact(str(path), artifact_path="evaluation")
        # bundle under a run-scoped name first; the registry version names the final copy
        job, meta_path = save_artifact(
            result.models,
            tmp / "bundle",
            name,
            f"run-{run_id[:8]}",
            metadata={**meta, "run_id": run_id},
            demand_months=result.config.demand_months_kept,
        )
        digest = sha256_file(job)
        example = input_example(parts["test"])
        signature = infer_signature(example, result.models.predict(example))
        step("log model")
        # lazy: scikit-learn is heavy to import; only this path needs it
        import sklearn

        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=registry.OutcomesPyfunc(),
            artifacts={"bundle": str(job), "metadata": str(meta_path)},
            signature=signature,
            input_example=example,
            pip_requirements=[
                f"scikit-learn=={sklearn.__version__}",
                f"pandas=={pd.__version__}",
                f"numpy=={np.__version__}",
                "joblib",
                "mlflow",
            ],
        )
        mlflow.set_tag("artifact_sha256", digest)
        step("register")
        mv = mlflow.register_model(
            info.model_uri,
            name,
            tags={
                "sha256": digest,
                "data_hash": meta["data_hash"],
                "beats_baselines": str(bool(result.evaluation.beats_baselines)),
                "metrics_unreliable": str(meta["metrics_unreliable"]).lower(),
            },
        )
        version = str(mv.version)
        final_job, final_meta = artifact_paths(models_dir, name, version)
        final_job.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(job, final_job)
        record = json.loads(meta_path.read_text(encoding="utf-8"))
        record.update(
            {"version": version, "file": final_job.name, "run_id": run_id, "registered_model": name}
        )
        final_meta.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
        card = _write_card(result, record, models_dir, name, version)
        mlflow.log_artifact(str(card), artifact_path="model_card")
        mlflow.log_artifact(str(final_meta), artifact_path="metadata")
    promoted, reasons = False, []
    if auto_promote:
        promoted, reasons = first_champion(client, name, version, result, tracking_uri)
    step(f"registered {name} version {version}" + (" → champion" if promoted else ""))
    return RunOutcome(result, final_job, record, run_id, version, promoted, reasons)
