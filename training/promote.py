"""Promotion gate: move the ``champion`` alias only to a version that earns it.

A challenger is promoted when (1) on the challenger's own newest-cohort test split it is at
least as good as the current champion re-scored on the same rows (configured metrics and
margin), or, with no champion yet, it beats every baseline; and (2) it passes the fairness
gate (configured limits on the predicted-minus-observed gap and the calibration gap by each
audited attribute). ``--force --reason`` overrides and records the reason as a tag.
"""

from __future__ import annotations

import json
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from guidance import evaluate as ev
from guidance.contract import data_hash, load_dir
from training.config import PromotionConfig, TrainConfig, from_dict
from training.pipeline import split_pairs

ATTR_VI = {"sex": "giới tính", "ethnic_minority": "dân tộc thiểu số"}
METRIC_NAMES = {"auc": "AUC", "brier": "Brier", "ece": "ECE"}


class Reason(str):
    """One gate finding: the English text (the ``str`` itself, as printed by the command
    line), a stable ``code`` and the Vietnamese text ``vi`` (the admin page shows it)."""

    code: str
    vi: str

    def __new__(cls, code: str, en: str, vi: str) -> Reason:
        obj = super().__new__(cls, en)
        obj.code, obj.vi = code, vi
        return obj

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message_en": str(self), "message_vi": self.vi}


def _vi4(x: float) -> str:
    """0.0123 → "0,0123"; a sign when asked for by the caller's format."""
    return f"{x:.4f}".replace(".", ",")


def _vi4s(x: float) -> str:
    return f"{x:+.4f}".replace(".", ",")


def as_reason(text: str, code: str = "note") -> Reason:
    """A plain string as a finding (kept as it is in both languages)."""
    return text if isinstance(text, Reason) else Reason(code, str(text), str(text))


@dataclass
class Decision:
    version: str
    promoted: bool
    reasons: list[str] = field(default_factory=list)
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    previous: str | None = None
    forced: bool = False


def decision_dict(d: Decision) -> dict:
    """A decision as JSON (``guidance promote --json``; the admin page's promote route reads
    it): every finding with its code and its English and Vietnamese text."""
    return {
        "version": d.version,
        "previous": d.previous,
        "promoted": d.promoted,
        "forced": d.forced,
        "already_champion": d.previous == d.version and not d.promoted,
        "reasons": [as_reason(r).as_dict() for r in d.reasons],
        "scores": {
            who: {k: (float(v) if np.isfinite(v) else None) for k, v in m.items()}
            for who, m in d.scores.items()
        },
    }


def fairness_reasons(fairness: dict[str, dict], cfg: PromotionConfig) -> list[Reason]:
    """Fairness-gate failures for the promotion target, one readable line each."""
    out = []
    for attr in cfg.fairness_attributes:
        rep = fairness.get(f"{cfg.target}/{attr}")
        by = f"công bằng theo {ATTR_VI.get(attr, attr)}"
        if rep is None:
            out.append(
                Reason(
                    "fairness_not_measured", f"fairness by {attr}: not measured", f"{by}: chưa đo"
                )
            )
            continue
        gap, cal = rep["max_abs_gap"], rep["calibration_gap"]
        if not np.isfinite(gap):
            out.append(
                Reason(
                    "fairness_insufficient",
                    f"fairness by {attr}: insufficient data (no group with ≥ "
                    f"{cfg.fairness_min_n} records)",
                    f"{by}: không đủ số liệu (không nhóm nào có từ "
                    f"{cfg.fairness_min_n} bản ghi trở lên)",
                )
            )
            continue
        if gap > cfg.max_abs_gap:
            out.append(
                Reason(
                    "fairness_gap",
                    f"fairness by {attr}: max |predicted − observed| {gap:.4f} > "
                    f"limit {cfg.max_abs_gap:.4f}",
                    f"{by}: chênh lệch lớn nhất |dự báo − thực tế| {_vi4(gap)} vượt "
                    f"giới hạn {_vi4(cfg.max_abs_gap)}",
                )
            )
        if cal > cfg.max_calibration_gap:
            out.append(
                Reason(
                    "calibration_gap",
                    f"fairness by {attr}: calibration gap {cal:.4f} > "
                    f"limit {cfg.max_calibration_gap:.4f}",
                    f"{by}: chênh lệch hiệu chuẩn giữa các nhóm {_vi4(cal)} vượt "
                    f"giới hạn {_vi4(cfg.max_calibration_gap)}",
                )
            )
    return out


def metric_reasons(challenger: dict, champion: dict, cfg: PromotionConfig) -> list[Reason]:
    out = []
    for metric, direction in cfg.metrics.items():
        a, b = challenger[metric], champion[metric]
        better = a - b if direction == "max" else b - a
        if not better >= cfg.min_improvement:
            out.append(
                Reason(
                    "metric",
                    f"{cfg.target} {metric}: challenger {a:.4f} vs champion {b:.4f} "
                    f"(improvement {better:+.4f} < required {cfg.min_improvement:+.4f})",
                    f"{cfg.target} {METRIC_NAMES.get(metric, metric)}: bản thách thức {_vi4(a)}, bản chính "
                    f"{_vi4(b)} (mức cải thiện {_vi4s(better)} thấp hơn yêu cầu "
                    f"{_vi4s(cfg.min_improvement)})",
                )
            )
    return out


@contextmanager
def sigterm_deferred() -> Iterator[None]:
    """A SIGTERM that arrives inside the block takes effect when the block is done, so the
    champion's tags and alias are written together or not at all (the API's job runner
    ends a running gate with SIGTERM when it stops). Main thread only: elsewhere Python
    cannot set a handler, and the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, _frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
        if received:
            signal.raise_signal(signal.SIGTERM)


def _set_champion(
    client,
    name: str,
    version: str,
    previous: str | None,
    reasons: list[str],
    forced_reason: str | None = None,
) -> None:
    # lazy: guidance.registry imports mlflow (heavy)
    from guidance.registry import CHAMPION

    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with sigterm_deferred():
        client.set_model_version_tag(name, version, "promoted_at", stamp)
        client.set_model_version_tag(name, version, "promoted_from", previous or "none")
        if forced_reason is not None:
            client.set_model_version_tag(name, version, "forced_reason", forced_reason)
            client.set_model_version_tag(
                name, version, "overridden_gate", json.dumps(reasons)[:4000]
            )
        client.set_registered_model_alias(name, CHAMPION, version)


def first_champion(client, name: str, version: str, result, tracking_uri: str):
    """After training: with no champion yet, the new version becomes champion if it beats
    every baseline and passes the fairness gate."""
    # lazy: guidance.registry imports mlflow (heavy)
    from guidance.registry import champion_version

    if champion_version(client, name) is not None:
        return False, ["a champion exists: run `guidance promote` to compare"]
    cfg = result.config.promotion
    reasons = list(result.evaluation.beat_reasons) + fairness_reasons(
        result.evaluation.fairness, cfg
    )
    if getattr(result.evaluation, "metrics_unreliable", False):
        reasons.insert(0, "metrics are marked unreliable (see the model card)")
    if reasons:
        return False, reasons
    _set_champion(client, name, version, None, [])
    return True, []


def _score(models, tables, test, target: str) -> tuple[dict, np.ndarray, np.ndarray]:
    models.set_demand(tables["demand"])
    p = models.predict(test)[f"p_{target}"].to_numpy()
    if np.isnan(p).all():
        raise ValueError(
            f"{target} is not fitted in this version "
            f"({getattr(models, 'target_status', {}).get(target, 'no model')}): "
            "nothing to compare"
        )
    y = test[target].astype("float64").to_numpy()
    ok = ~np.isnan(y)
    return ev.binary_metrics(y[ok].astype(int), p[ok]), y[ok].astype(int), p[ok]


def promote(
    client,
    name: str,
    version: str | None = None,
    *,
    force: bool = False,
    reason: str | None = None,
    data_dir: str | Path | None = None,
    promotion: PromotionConfig | None = None,
) -> Decision:
    """Run the gate for ``version`` (default: the newest) and move the alias if it passes."""
    # lazy: guidance.registry imports mlflow (heavy)
    from guidance.registry import champion_version, list_versions, load_version

    if force and not reason:
        raise ValueError("--force needs --reason")
    versions = list_versions(client, name)
    if not versions:
        raise LookupError(f"no registered versions of {name}")
    version = str(version or versions[-1].version)
    info = next((v for v in versions if v.version == version), None)
    if info is None:
        raise LookupError(f"{name} has no version {version}")
    current = champion_version(client, name)
    if current == version:
        already = Reason(
            "already_champion",
            f"version {version} is already the champion",
            f"phiên bản {version} đã là bản chính",
        )
        return Decision(version, False, [already], {}, current)
    run = client.get_run(info.run_id)
    with tempfile.TemporaryDirectory() as tmp:
        cfg_path = client.download_artifacts(info.run_id, "evaluation/config.json", tmp)
        config: TrainConfig = from_dict(json.loads(Path(cfg_path).read_text()))
        gate = promotion or config.promotion
        data = Path(data_dir or run.data.params["data_dir"])
        tables = load_dir(data)
        reasons: list[str] = []
        if data_hash(data) != run.data.params.get("data_hash"):
            reasons.append(
                Reason(
                    "data_changed",
                    f"data in {data} differs from the challenger's training data "
                    "(hash mismatch): re-scoring on it anyway",
                    f"số liệu trong {data} khác số liệu đã huấn luyện bản thách thức "
                    "(mã băm khác): vẫn chấm lại trên số liệu này",
                )
            )
        test = split_pairs(tables, config)["test"]
        chal = load_version(client, name, version, Path(tmp) / "challenger")
        scores = {}
        scores["challenger"], y, p = _score(chal.models, tables, test, gate.target)
        fairness = {}
        for attr in gate.fairness_attributes:
            groups = test.loc[test[gate.target].notna(), attr].astype("str").fillna("unknown")
            fairness[f"{gate.target}/{attr}"] = ev.fairness_report(
                y, p, groups.reset_index(drop=True), gate.fairness_min_n
            )
        blocking: list[str] = list(fairness_reasons(fairness, gate))
        if run.data.metrics.get("metrics_unreliable", 0.0) >= 1.0:
            blocking.insert(
                0,
                Reason(
                    "unreliable",
                    "the challenger's metrics are marked unreliable (test split too "
                    "small, a target not fitted, or no time-based split): see its model "
                    "card; promote only with --force --reason",
                    "chỉ số của bản thách thức bị đánh dấu không đáng tin cậy (tập kiểm tra "
                    "quá nhỏ, một mục tiêu chưa được huấn luyện, hoặc không chia theo thời "
                    "gian): xem thẻ mô hình; chỉ đưa lên khi buộc và ghi rõ lý do",
                ),
            )
        if current is None:
            if run.data.metrics.get("beats_baselines", 0.0) < 1.0:
                blocking.append(
                    Reason(
                        "baselines",
                        "no champion yet and the challenger does not beat every "
                        "baseline on its test split",
                        "chưa có bản chính và bản thách thức không vượt mọi mô hình cơ sở "
                        "trên tập kiểm tra của nó",
                    )
                )
        else:
            champ = load_version(client, name, current, Path(tmp) / "champion")
            scores["champion"], _, _ = _score(champ.models, tables, test, gate.target)
            blocking += metric_reasons(scores["challenger"], scores["champion"], gate)
    decision = Decision(version, False, reasons + blocking, scores, current)
    if blocking and not force:
        return decision
    _set_champion(client, name, version, current, blocking, reason if force else None)
    decision.promoted, decision.forced = True, bool(blocking) and force
    return decision
