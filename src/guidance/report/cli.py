"""``guidance report``: read the data (tracer database by default, or ``--data DIR``), build
the published bundle, build the report and write it atomically (a temporary file in the same
folder, then a rename: a failed run never leaves a half-written report, and an older report
at the same path stays as it was).

Errors in the options or the data print ONE line naming the option, Vietnamese and English,
and exit 2; a failure while rendering or writing prints one line and exits 1. Never a
traceback. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from guidance.report.texts import ReportError

EXTENSIONS = (".pdf", ".html")
DEMAND_MONTHS = 15
"""Demand months read from the database: the newest 3-month window and the same window a
year earlier (the trend of ``demand_figures``)."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    scope = p.add_mutually_exclusive_group(required=True)
    scope.add_argument(
        "--province", metavar="CODE", help="2025 province code (two digits), e.g. 01 for Hà Nội"
    )
    scope.add_argument("--national", action="store_true", help="the nation")
    p.add_argument(
        "--year", type=_year, required=True, help="graduation year the report covers (YYYY)"
    )
    p.add_argument("--out", required=True, help="output file: .pdf or .html")
    src = p.add_mutually_exclusive_group()
    src.add_argument(
        "--data",
        metavar="DIR",
        default=None,
        help="contract data directory (default: the tracer database)",
    )
    src.add_argument(
        "--db-url",
        "--database-url",
        dest="db_url",
        default=None,
        help="database URL (default: settings)",
    )
    p.add_argument("--lang", choices=["vi", "en"], default="vi")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")


def _year(text: str) -> int:
    try:
        y = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: năm phải là YYYY / the year must be YYYY"
        ) from None
    if not 1990 <= y <= 2100:
        raise argparse.ArgumentTypeError(
            f"{y}: năm phải từ 1990 đến 2100 / the year must be between 1990 and 2100"
        )
    return y


class Progress:
    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.t0 = time.perf_counter()

    def __call__(self, vi: str, en: str) -> None:
        if not self.quiet:
            dt = time.perf_counter() - self.t0
            print(f"[{dt:6.1f} s] {vi} / {en}", file=sys.stderr, flush=True)


# -- checks before any work -----------------------------------------------------------------


def check_out(path_text: str) -> Path:
    path = Path(path_text)
    if path.suffix.lower() not in EXTENSIONS:
        raise ReportError("--out", "out_ext", path=path_text)
    if path.is_dir():
        raise ReportError("--out", "out_isdir", path=path_text)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ReportError("--out", "out_dir", path=path_text)
    if path.exists() and not os.access(path, os.W_OK):
        raise ReportError("--out", "out_dir", path=path_text)
    return path


# -- reading --------------------------------------------------------------------------------


def _bundle_from_dir(path_text: str):
    # lazy: the CLI imports this module at startup (for its arguments); the command's modules load when it runs
    from guidance.contract import ContractError, load_dir
    from guidance.stats.bundle import NoOutcomes, build_bundle

    path = Path(path_text)
    if not path.is_dir():
        raise ReportError("--data", "data_dir", path=path_text)
    try:
        tables = load_dir(path)
    except ContractError as exc:
        n = getattr(exc, "report", None)
        raise ReportError(
            "--data", "data_bad", path=path_text, n=getattr(n, "error_count", "?")
        ) from None
    try:
        bundle = build_bundle(tables, tables.get("demand"))
    except NoOutcomes:
        raise ReportError("--data", "no_outcomes") from None
    return bundle, (
        f"Thư mục dữ liệu theo hợp đồng dữ liệu v1: {path.name}",
        f"Data directory under data contract v1: {path.name}",
    )


def _bundle_from_db(url: str | None):
    # lazy: the CLI imports this module at startup (for its arguments); the command's modules load when it runs
    from guidance.stats.bundle import NoOutcomes, build_bundle
    from guidance.store import stats as store_stats
    from guidance.store.db import make_engine

    try:
        engine = make_engine(url)
    except Exception as exc:  # a malformed URL or a missing driver
        raise ReportError("--db-url", "db", detail=str(exc).splitlines()[0][:200]) from None
    try:
        try:
            tables, _info = store_stats.read_tables(engine)
            demand = store_stats.read_demand(engine, DEMAND_MONTHS)
        except store_stats.NoTracerData:
            raise ReportError("--db-url", "db_empty") from None
        except ReportError:
            raise
        except Exception as exc:  # connection refused, missing tables…
            detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            raise ReportError("--db-url", "db", detail=detail) from None
    finally:
        engine.dispose()
    if isinstance(demand, tuple):  # (frame, key) in some versions of the reader
        demand = demand[0]
    try:
        bundle = build_bundle(tables, demand)
    except NoOutcomes:
        raise ReportError("--db-url", "db_empty") from None
    return bundle, None


def report_data(bundle, extra_source: tuple[str, str] | None = None, made: date | None = None):
    """``ReportData`` from a published ``StatsBundle`` (the map from ``web.charts``)."""
    # lazy: the CLI imports this module at startup (for its arguments); the command's modules load when it runs
    from guidance.report.content import ReportData
    from guidance.stats.disclosure import DisclosureSettings
    from guidance.web import charts

    meta = dict(bundle.meta)
    as_of = meta.get("as_of")
    try:
        as_of_date = datetime.fromisoformat(str(as_of)).date()
    except ValueError:
        as_of_date = datetime.now(UTC).date()
    sources = [(s["vi"], s["en"]) for s in meta.get("sources", [])]
    if extra_source:
        sources.append(extra_source)
    period = meta.get("demand_period")
    sd = bundle.supply_demand.get("isco2") if bundle.supply_demand else None
    settings = (
        DisclosureSettings(**meta["settings"]) if meta.get("settings") else DisclosureSettings()
    )
    return ReportData(
        outcomes=dict(bundle.outcomes),
        as_of=as_of_date,
        sources=tuple(sources),
        supply_demand=sd if sd is not None and len(sd) else None,
        supply_demand_missing="" if period else "no demand snapshot",
        settings=settings,
        audited=bool(meta.get("audited")),
        made=made or datetime.now(UTC).date(),
        map_svg=charts.province_map_svg,
        map_credit=", ".join(charts.CREDITS),
        demand_period=period,
    )


# -- writing --------------------------------------------------------------------------------


def write_atomic(path: Path, render: Callable[[], bytes]) -> int:
    """Render, write to a temporary file next to ``path``, fsync, rename over ``path``. On
    any failure the temporary file is removed and ``path`` is untouched."""
    fd, tmp = tempfile.mkstemp(
        dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}.", suffix=".part"
    )
    try:
        with os.fdopen(fd, "wb") as fh:
            data = render()
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return len(data)


def render(report, suffix: str) -> bytes:
    if suffix == ".pdf":
        # lazy: the CLI imports this module at startup (for its arguments); the command's modules load when it runs
        from guidance.report.pdf import render_pdf

        return render_pdf(report)
    # lazy: the CLI imports this module at startup (for its arguments); the command's modules load when it runs
    from guidance.report.html import render_html

    return render_html(report)


def _fail(msg: str, code: int) -> int:
    print(f"error: {msg}", file=sys.stderr)
    return code


def report_command(args: argparse.Namespace) -> int:
    progress = Progress(getattr(args, "quiet", False))
    lang = args.lang
    try:
        out = check_out(args.out)
        progress(
            "đọc dữ liệu và tính bảng công bố", "reading the data, building the published tables"
        )
        province = None
        if args.province is not None:
            # lazy: the CLI imports this module at startup (for its arguments); the command's modules load when it runs
            from guidance.report.checks import check_province

            province = check_province(args.province)
        if args.data:
            bundle, extra = _bundle_from_dir(args.data)
        else:
            bundle, extra = _bundle_from_db(args.db_url)
        # lazy: the CLI imports this module at startup (for its arguments); the command's modules load when it runs
        from guidance.report.content import build_report

        progress("soạn nội dung báo cáo", "building the report")
        report = build_report(
            report_data(bundle, extra), year=args.year, province=province, lang=lang
        )
    except ReportError as exc:
        return _fail(exc.line(lang), 2)
    progress(f"ghi {out.name}", f"writing {out.name}")
    try:
        n = write_atomic(out, lambda: render(report, out.suffix.lower()))
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback
        detail = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        err = ReportError("--out", "render", detail=detail)
        return _fail(err.line(lang), 1)
    progress(f"xong: {out} ({n:,} byte)".replace(",", "."), f"done: {out} ({n:,} bytes)")
    return 0
