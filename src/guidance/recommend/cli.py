"""Handlers of ``guidance recommend``, ``recommend-batch`` and ``audit-recommendations``."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path


def _settings_paths(args: argparse.Namespace) -> tuple[Path, Path | None, Path]:
    from guidance.settings import get_settings

    s = get_settings()
    return Path(args.data or s.data_dir), (Path(args.model) if args.model else None), \
        Path(s.models_dir)


def _recommender(args: argparse.Namespace, **kw):
    from guidance.recommend.loading import load_recommender

    data, model, models_dir = _settings_paths(args)
    return load_recommender(data, model, models_dir=models_dir, **kw)


def _read_request(source: str) -> tuple[dict, dict]:
    """``{"profile": {...}, "preferences": {...}}`` or one flat object (preference keys are
    recognised by name)."""
    from guidance.recommend.types import Preferences

    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    data = json.loads(text)
    if "profile" in data:
        return data["profile"], data.get("preferences") or {}
    prefs = {k: data.pop(k) for k in list(data) if k in Preferences.model_fields}
    return data, prefs


def recommend_command(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from guidance.recommend.types import LearnerProfile, Preferences

    try:
        prof, pref = _read_request(args.learner)
        profile, prefs = LearnerProfile.model_validate(prof), Preferences.model_validate(pref)
    except (OSError, json.JSONDecodeError, ValidationError) as exc:
        print(f"recommend: invalid request: {exc}", file=sys.stderr)
        return 2
    rec = _recommender(args)
    if args.what_if:
        from guidance.recommend.whatif import what_if

        try:
            w = what_if(rec, profile, prefs, json.loads(args.what_if), k=args.top_k)
        except (ValueError, json.JSONDecodeError) as exc:
            print(f"recommend: invalid what-if: {exc}", file=sys.stderr)
            return 2
        if args.json:
            print(json.dumps({"changes": w.changes, "entered": [asdict(c) for c in w.entered],
                              "left": [asdict(c) for c in w.left],
                              "after": w.after.to_dict()}, ensure_ascii=False, indent=2))
            return 0
        _print(w.after, args.lang)
        print(f"\nwhat-if {w.changes}:")
        for c in w.entered:
            print(f"  + {c.programme_id} (rank {c.rank_after}): "
                  f"{c.why_vi if args.lang == 'vi' else c.why}")
        for c in w.left:
            print(f"  - {c.programme_id} (was {c.rank_before}): "
                  f"{c.why_vi if args.lang == 'vi' else c.why}")
        return 0
    try:
        r = rec.recommend(profile, prefs, k=args.top_k)
    except ValueError as exc:  # e.g. a home province the data directory does not know
        print(f"recommend: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(r.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print(r, args.lang)
    return 0


def _print(r, lang: str) -> None:
    print(f"{len(r.items)} of {r.n_eligible} eligible offerings (model {r.model_version}, "
          f"demand {r.demand_period}, start {r.start_period})")
    for it in r.items:
        name = it.name_vi if lang == "vi" or not it.name_en else it.name_en
        flags = f" [{', '.join(it.flags)}]" if it.flags else ""
        print(f"\n{it.rank}. {name} ({it.level}), {it.institution_name}, "
              f"{it.province_name_vi if lang == 'vi' else it.province_name_en}: "
              f"score {it.score:.3f}{flags}")
        print("   " + "  ".join(f"{k} {v:+.3f}" for k, v in it.components.items()))
        for line in (it.reasons_vi if lang == "vi" else it.reasons_en):
            print(f"   - {line}")
        for a in it.alternatives:
            print(f"   also at: {a['institution_name']} ({a['province_name_vi']}), "
                  f"score {a['score']:.3f}")


def batch_command(args: argparse.Namespace) -> int:
    from guidance.recommend.batch import run_batch

    rec = _recommender(args)
    res = run_batch(rec, args.learners, args.out, k=args.top_k, progress=not args.quiet)
    print(f"{res['learners']} learners → {res['rows']} rows in {args.out}")
    for e in res["errors"][:20]:
        print(f"  skipped {e}", file=sys.stderr)
    return 1 if res["errors"] and res["rows"] == 0 else 0


def audit_command(args: argparse.Namespace) -> int:
    from guidance.recommend.audit import exposure_audit, format_audit, learner_sample

    rec = _recommender(args)
    data, _, _ = _settings_paths(args)
    learners = learner_sample(data, args.learners, n=args.sample, seed=args.seed)
    report = exposure_audit(rec, learners, k=args.top_k, progress=not args.quiet)
    print(format_audit(report))
    if args.out:
        from guidance.csvsafe import safe_cell

        text = report.select_dtypes(include=["object", "string"]).columns
        report.assign(**{c: report[c].map(safe_cell) for c in text}).to_csv(args.out, index=False)
        print(f"written {args.out}")
    return 0
