"""Handlers of ``guidance recommend``, ``recommend-batch`` and ``audit-recommendations``
(the command-line layer: files, the database and the registry are read here; the ranking
itself is ``guidance.recommend``'s). Every user error is one translated line naming what
to fix (``--lang``, Vietnamese by default), never a traceback."""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guidance.recommend.core import Recommender
    from guidance.recommend.types import Recommendation
    from guidance.recommend_sources import Sources


def _settings_paths(args: argparse.Namespace) -> tuple[Path, Path | None, Path]:
    # lazy: a handler loads its libraries only when its command runs (--help stays light)
    from guidance.settings import get_settings

    s = get_settings()
    return (
        Path(args.data or s.data_dir),
        (Path(args.model) if args.model else None),
        Path(s.models_dir),
    )


def _lang(args: argparse.Namespace) -> str:
    return "en" if getattr(args, "lang", "vi") == "en" else "vi"


def _fail(cmd: str, text: str, code: int = 2) -> int:
    print(f"{cmd}: {text}", file=sys.stderr)
    return code


def _sources(args: argparse.Namespace, cmd: str, **kw: Any) -> Sources | int:
    """The recommender (server's sources unless ``--data``/``--model``) or an exit code."""
    # lazy: a handler loads its libraries only when its command runs (--help stays light)
    from guidance.recommend_sources import SourceError, load_sources

    try:
        return load_sources(args, _lang(args), **kw)
    except SourceError as exc:
        return _fail(cmd, exc.message(_lang(args)), 1)


def _read_text(source: str, lang: str) -> str | tuple[str, str]:
    """The file's text, or (vi, en) saying why it cannot be read."""
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return f"không có tệp {source}", f"no file {source}"
    except IsADirectoryError:
        return f"{source} là thư mục, không phải tệp", f"{source} is a folder, not a file"
    except UnicodeDecodeError:
        return (
            f"tệp {source} không phải văn bản UTF-8",
            f"file {source} is not UTF-8 text",
        )
    except OSError as exc:
        return (
            f"không đọc được tệp {source} ({exc.strerror})",
            f"cannot read file {source} ({exc.strerror})",
        )


def read_learner(source: str, lang: str) -> tuple[Any, Any] | list[str]:
    """The learner of ``--learner`` (``{"profile": {...}, "preferences": {...}}`` or one
    flat object) parsed by the one row parser, or the messages saying what is wrong."""
    # lazy: a handler loads its libraries only when its command runs (--help stays light)
    from guidance.recommend.learner_rows import COLUMNS, parse_row

    en = lang == "en"
    text = _read_text(source, lang)
    if isinstance(text, tuple):
        return [text[1] if en else text[0]]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [
            f"{source} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            if en
            else f"{source} không phải JSON hợp lệ (dòng {exc.lineno}, cột {exc.colno}: {exc.msg})"
        ]
    if not isinstance(data, dict):
        return [
            "the learner must be a JSON object" if en else "học viên phải là một đối tượng JSON"
        ]
    flat: dict[str, Any] = {}
    if "profile" in data:
        parts = [data.get("profile"), data.get("preferences") or {}]
        if not all(isinstance(p, dict) for p in parts):
            return [
                "profile and preferences must be JSON objects"
                if en
                else "profile và preferences phải là đối tượng JSON"
            ]
        unknown = [k for k in data if k not in ("profile", "preferences")]
        for p in parts:
            flat.update(p if isinstance(p, dict) else {})
    else:
        flat, unknown = dict(data), []
    unknown += [k for k in flat if k not in COLUMNS or k == "record_id"]
    if unknown:
        names = ", ".join(map(str, unknown[:10]))
        return [f"unknown fields: {names}" if en else f"trường không nhận ra: {names}"]
    got = parse_row(flat, None)
    if isinstance(got, list):
        return [f"{e.column}: {e.message(lang)}" if e.column else e.message(lang) for e in got]
    return got


def _names(rec: Recommender, tables: dict, lang: str) -> dict[str, str]:
    """programme id → "name, institution (province)" for the what-if lists."""
    off = rec.offerings
    prov = tables["provinces"]
    pname = dict(
        zip(
            prov["province_code"].astype(str),
            prov["name_en" if lang == "en" and "name_en" in prov else "name_vi"].astype(str),
            strict=True,
        )
    )
    out = {}
    for row in off.itertuples(index=False):
        name = row.name_en if lang == "en" and isinstance(row.name_en, str) else row.name_vi
        where = pname.get(str(row.province_code), str(row.province_code))
        out[str(row.programme_id)] = f"{name}, {row.institution_name} ({where})"
    return out


def recommend_command(args: argparse.Namespace) -> int:
    """One request, then the process ends: the cyclic garbage collector is paused while the
    libraries load and the model unpickles, where it would only walk the growing heap again
    and again (~0.5 s of ~2.5 s; peak memory unchanged: measured with
    benchmarks/cli_startup.py and /usr/bin/time). Restored on return (tests call this
    in-process)."""
    gc.disable()
    try:
        return _recommend(args)
    finally:
        gc.enable()


def _recommend(args: argparse.Namespace) -> int:
    # lazy: a handler loads its libraries only when its command runs (--help stays light)
    from pydantic import ValidationError

    from guidance.errors import GuidanceError

    lang = _lang(args)
    en = lang == "en"
    got = read_learner(args.learner, lang)
    if isinstance(got, list):
        for line in got:
            _fail("recommend", line)
        return 2
    profile, prefs = got
    changes = None
    if args.what_if:
        try:
            changes = json.loads(args.what_if)
        except json.JSONDecodeError as exc:
            return _fail(
                "recommend",
                f"--what-if is not valid JSON ({exc.msg}, column {exc.colno})"
                if en
                else f"--what-if không phải JSON hợp lệ ({exc.msg}, cột {exc.colno})",
            )
        if not isinstance(changes, dict) or not changes:
            return _fail(
                "recommend",
                "--what-if must be a JSON object of at least one change"
                if en
                else "--what-if phải là một đối tượng JSON có ít nhất một thay đổi",
            )
    # one request: the numpy forest walk, without numba's ~0.5 s import and set-up
    src = _sources(args, "recommend", kernel="numpy")
    if isinstance(src, int):
        return src
    rec = src.recommender
    if changes is not None:
        # lazy: a handler loads its libraries only when its command runs (--help stays light)
        from guidance.recommend.learner_rows import from_validation
        from guidance.recommend.whatif import what_if

        try:
            w = what_if(rec, profile, prefs, changes, k=args.top_k)
        except GuidanceError as exc:
            return _fail("recommend", exc.message_en if en else exc.message_vi)
        except ValidationError as exc:
            for e in from_validation(exc, None):
                _fail("recommend", f"--what-if {e.column}: {e.message(lang)}")
            return 2
        if args.json:
            print(
                json.dumps(
                    {
                        "changes": w.changes,
                        "entered": [c.model_dump() for c in w.entered],
                        "left": [c.model_dump() for c in w.left],
                        "changed": [c.model_dump() for c in w.changed],
                        "after": w.after.to_dict(),
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return 0
        names = _names(rec, src.tables, lang)
        _print(w.after, lang)
        label = "what-if" if en else "nếu thay đổi"
        print(f"\n{label} {json.dumps(w.changes, ensure_ascii=False)}:")
        for c in w.entered:
            print(
                f"  + {c.programme_id} {names.get(c.programme_id, '')} "
                f"({'rank' if en else 'hạng'} {c.rank_after}): {c.why if en else c.why_vi}"
            )
        for c in w.left:
            print(
                f"  - {c.programme_id} {names.get(c.programme_id, '')} "
                f"({'was' if en else 'trước là hạng'} {c.rank_before}): "
                f"{c.why if en else c.why_vi}"
            )
        for c in w.changed:  # still listed: moved to another institution, or other figures
            was = f"{'was' if en else 'trước là hạng'} {c.rank_before}"
            print(
                f"  ~ {c.programme_id} {names.get(c.programme_id, '')} "
                f"({'rank' if en else 'hạng'} {c.rank_after}, {was}): "
                f"{c.why if en else c.why_vi}"
            )
        return 0
    try:
        r = rec.recommend(profile, prefs, k=args.top_k)
    except GuidanceError as exc:  # e.g. a home province the catalogue does not know
        return _fail("recommend", exc.message_en if en else exc.message_vi)
    if args.json:
        print(json.dumps(r.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print(r, lang)
    return 0


def _print(r: Recommendation, lang: str) -> None:
    en = lang == "en"
    print(
        f"{len(r.items)} of {r.n_eligible} eligible offerings (model {r.model_version}, "
        f"demand {r.demand_period}, start {r.start_period})"
        if en
        else f"{len(r.items)} trong {r.n_eligible} chương trình phù hợp (mô hình "
        f"{r.model_version}, nhu cầu kỳ {r.demand_period}, khai giảng {r.start_period})"
    )
    for note in r.notes_en if en else r.notes_vi:  # e.g. a pre-2025 province code mapped
        print(f"! {note}")
    for it in r.items:
        name = it.name_vi if not en or not it.name_en else it.name_en
        flags = f" [{', '.join(it.flags)}]" if it.flags else ""
        print(
            f"\n{it.rank}. {name} ({it.level}), {it.institution_name}, "
            f"{it.province_name_en if en else it.province_name_vi} [{it.programme_id}]: "
            f"{'score' if en else 'điểm'} {it.score:.3f}{flags}"
        )
        print("   " + "  ".join(f"{k} {v:+.3f}" for k, v in it.components.items()))
        for line in it.reasons_en if en else it.reasons_vi:
            print(f"   - {line}")
        for a in it.alternatives:
            print(
                f"   {'also at' if en else 'cũng có tại'}: {a.institution_name} "
                f"({a.province_name_vi}), "
                f"{'score' if en else 'điểm'} {a.score:.3f}"
            )


def batch_command(args: argparse.Namespace) -> int:
    # lazy: a handler loads its libraries only when its command runs (--help stays light)
    from guidance.recommend.batch import run_batch

    lang = _lang(args)
    dask_only = [
        o
        for o, v in (
            ("--partition-rows", args.partition_rows),
            ("--model-alias", args.model_alias),
            ("--csv", args.csv),
        )
        if v not in (None, False)
    ]
    if args.scheduler or args.local_workers is not None:
        return _batch_on_dask(args)
    if dask_only:
        return _fail(
            "recommend-batch",
            f"{', '.join(dask_only)} only with --scheduler or --local-workers"
            if lang == "en"
            else f"{', '.join(dask_only)} chỉ dùng với --scheduler hoặc --local-workers",
        )
    learners = Path(args.learners)
    if not learners.is_file():
        return _fail(
            "recommend-batch",
            f"no file {learners}" if lang == "en" else f"không có tệp {learners}",
        )
    src = _sources(args, "recommend-batch")
    if isinstance(src, int):
        return src
    try:
        res = run_batch(
            src.recommender, learners, args.out, k=args.top_k, progress=not args.quiet, lang=lang
        )
    except (OSError, ValueError, UnicodeDecodeError) as exc:  # unreadable input, unwritable out
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return _fail(
            "recommend-batch",
            f"cannot read {learners} or write {args.out}: {first}"
            if lang == "en"
            else f"không đọc được {learners} hoặc không ghi được {args.out}: {first}",
            1,
        )
    print(
        f"{res['learners']} learners → {res['rows']} rows in {args.out}"
        if lang == "en"
        else f"{res['learners']} học viên → {res['rows']} dòng trong {args.out}"
    )
    if res["n_errors"]:
        print(
            f"{res['n_errors']} errors (rows skipped):"
            if lang == "en"
            else f"{res['n_errors']} lỗi (các dòng bị bỏ qua):",
            file=sys.stderr,
        )
    for line in res["error_lines"][:50]:
        print(f"  {line}", file=sys.stderr)
    if len(res["error_lines"]) > 50:
        # lazy: a handler loads its libraries only when its command runs (--help stays light)
        from guidance.recommend.learner_rows import more_errors

        print(f"  {more_errors(res['n_errors'] - 50, lang)}", file=sys.stderr)
    return 1 if res["n_errors"] and res["rows"] == 0 else 0


def _batch_on_dask(args: argparse.Namespace) -> int:
    """``recommend-batch`` on a Dask cluster: an existing scheduler or a local one."""
    # lazy: a handler loads its libraries only when its command runs (--help stays light)
    from guidance.recommend_dask import PARTITION_ROWS

    rows = args.partition_rows if args.partition_rows is not None else PARTITION_ROWS
    bad = [
        f"{name} = {v}: {rule}"
        for name, v, ok, rule in (
            (
                "--local-workers",
                args.local_workers,
                args.local_workers is None or 1 <= args.local_workers <= 64,
                "từ 1 đến 64 / 1 to 64",
            ),
            (
                "--partition-rows",
                rows,
                1 <= rows <= 1_000_000,
                "từ 1 đến 1.000.000 / 1 to 1,000,000",
            ),
            ("--top-k", args.top_k, 1 <= args.top_k <= 50, "từ 1 đến 50 / 1 to 50"),
        )
        if not ok
    ]
    if args.model and args.model_alias:
        bad.append("--model và --model-alias: chọn một / choose one of --model, --model-alias")
    if bad:
        for b in bad:
            print(f"recommend-batch: {b}", file=sys.stderr)
        return 2
    # lazy: a handler loads its libraries only when its command runs (--help stays light)
    import logging
    import signal

    from guidance.recommend_dask import (
        BatchError,
        manifest_summary,
        resolve_source,
        run_distributed,
        write_csv,
    )
    from guidance.settings import get_settings

    s = get_settings()
    data, model, models_dir = _settings_paths(args)
    try:
        src = resolve_source(
            data,
            model,
            alias=args.model_alias,
            models_dir=models_dir,
            tracking_uri=s.mlflow_tracking_uri,
            model_name=s.registered_model_name,
        )
    except BatchError as exc:
        print(f"recommend-batch: {exc}", file=sys.stderr)
        return 2
    logging.getLogger("distributed").setLevel(logging.ERROR)  # no worker-restart chatter
    cluster = client = None
    try:
        # lazy: a handler loads its libraries only when its command runs (--help stays light)
        from distributed import Client

        from guidance.daskcluster import local_cluster

        if args.scheduler:
            client = Client(args.scheduler, timeout="20s")  # type: ignore[no-untyped-call]
        else:
            # worker processes inherit an ignored SIGINT: Ctrl-C reaches the whole process
            # group, and only this process should act on it (cancel, keep the manifest)
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                cluster = local_cluster(args.local_workers)
            finally:
                signal.signal(signal.SIGINT, previous)
            client = Client(cluster)  # type: ignore[no-untyped-call]
        m = run_distributed(
            client,
            src,
            args.learners,
            args.out,
            k=args.top_k,
            partition_rows=rows,
            progress=not args.quiet,
        )
        if args.csv:
            print(f"written {write_csv(args.out, m)}")
    except KeyboardInterrupt:
        print(
            f"recommend-batch: dừng / interrupted; finished partitions are kept in "
            f"{args.out} (manifest.json); rerun the same command to resume",
            file=sys.stderr,
        )
        return 130
    except (BatchError, OSError) as exc:
        print(f"recommend-batch: {exc}", file=sys.stderr)
        return 1
    finally:
        for c in (client, cluster):
            if c is not None:
                with contextlib.suppress(Exception):  # shutting down after Ctrl-C
                    c.close()
    print(manifest_summary(m))
    skipped = "skipped" if _lang(args) == "en" else "bỏ qua"
    shown = [
        f"  {skipped} {e} (partition {p['part']})" for p in m["partitions"] for e in p["errors"]
    ][:50]
    for line in shown:
        print(line, file=sys.stderr)
    if m["bad_rows"] > len(shown):
        print(
            f"  … {m['bad_rows'] - len(shown):,} more bad rows: see "
            f"{Path(args.out) / 'manifest.json'}",
            file=sys.stderr,
        )
    return 1 if m["bad_rows"] and m["rows"] == 0 else 0


def audit_command(args: argparse.Namespace) -> int:
    # lazy: a handler loads its libraries only when its command runs (--help stays light)
    from guidance.recommend.audit import exposure_audit, format_audit, learner_sample

    src = _sources(args, "audit-recommendations")
    if isinstance(src, int):
        return src
    data, _, _ = _settings_paths(args)
    learners = learner_sample(data, args.learners, n=args.sample, seed=args.seed)
    report = exposure_audit(src.recommender, learners, k=args.top_k, progress=not args.quiet)
    print(format_audit(report))
    if args.out:
        # lazy: a handler loads its libraries only when its command runs (--help stays light)
        from guidance.csvsafe import safe_cell

        text = report.select_dtypes(include=["object", "string"]).columns
        report.assign(**{c: report[c].map(safe_cell) for c in text}).to_csv(args.out, index=False)
        print(f"written {args.out}")
    return 0
