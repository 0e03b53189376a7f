"""Where ``guidance recommend``, ``recommend-batch`` and ``audit-recommendations`` read
their model, catalogue and demand: by default the server's sources (the database's
catalogue and newest ``GUIDANCE_DEMAND_MONTHS`` demand snapshots, and the registry's
champion or ``GUIDANCE_MODEL_PATH``), so that the command line and the web answer alike
after a demand upload. ``--data`` and ``--model`` override; when the database or the
registry has nothing, the data directory and the newest artifact file are used, and the
command says so. Every choice is one line on stderr.
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guidance.recommend.core import Recommender
    from guidance.settings import Settings


class SourceError(Exception):
    """No model or no catalogue can be found (a message for the user, both languages)."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_vi, self.message_en = message_vi, message_en

    def message(self, lang: str) -> str:
        return self.message_en if lang == "en" else self.message_vi


@dataclass
class Sources:
    """A built recommender and the lines saying what it read."""

    recommender: Recommender
    tables: dict[str, Any]
    lines: list[str] = field(default_factory=list)


def _say(lines: list[str], lang: str, vi: str, en: str) -> None:
    lines.append(en if lang == "en" else vi)


def _sqlite_missing(url: str) -> bool:
    """A SQLite URL whose file does not exist (opening it would create an empty one)."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            path = url.removeprefix(prefix).split("?", 1)[0]
            return path not in ("", ":memory:") and not Path(path).exists()
    return False


def _shown(url: str) -> str:
    # lazy: SQLAlchemy is needed only to hide a password in a database URL
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is shown as the user wrote it
        return url


def _periods(demand: Any) -> str:
    if demand is None or len(demand) == 0 or "period" not in demand:
        return "-"
    periods = sorted({str(p) for p in demand["period"].unique()})
    return periods[0] if len(periods) == 1 else f"{periods[0]} … {periods[-1]}"


def newest_demand(demand: Any, months: int) -> Any:
    """The rows of the newest ``months`` demand periods (the server reads no more)."""
    if demand is None or len(demand) == 0 or "period" not in demand:
        return demand
    keep = sorted({str(p) for p in demand["period"].unique()})[-months:]
    return demand[demand["period"].astype(str).isin(keep)].reset_index(drop=True)


def _from_database(s: Settings, lines: list[str], lang: str) -> dict[str, Any] | None:
    """Catalogue and demand from the service database, or None (said) when it has none."""
    url = s.database_url
    if _sqlite_missing(url):
        _say(
            lines,
            lang,
            f"cơ sở dữ liệu {_shown(url)} chưa có (chưa chạy 'guidance db load')",
            f"database {_shown(url)} does not exist yet ('guidance db load' not run)",
        )
        return None
    # lazy: SQLAlchemy and the store only when the database is read
    from sqlalchemy.exc import SQLAlchemyError

    from guidance.store.db import make_engine
    from guidance.store.serving import demand_key, read_catalogue, read_demand

    try:
        engine = make_engine(url)
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        _say(
            lines,
            lang,
            f"không mở được cơ sở dữ liệu {_shown(url)}: {type(exc).__name__}",
            f"cannot open database {_shown(url)}: {type(exc).__name__}",
        )
        return None
    try:
        tables = read_catalogue(engine)
        if len(tables["programmes"]) == 0:
            _say(
                lines,
                lang,
                f"danh mục trong cơ sở dữ liệu {_shown(url)} trống",
                f"the catalogue in database {_shown(url)} is empty",
            )
            return None
        tables["demand"] = read_demand(engine, demand_key(engine, s.demand_months))
    except SQLAlchemyError as exc:
        _say(
            lines,
            lang,
            f"không đọc được cơ sở dữ liệu {_shown(url)}: {type(exc).__name__}",
            f"cannot read database {_shown(url)}: {type(exc).__name__}",
        )
        return None
    finally:
        engine.dispose()
    if tables["demand"] is None:
        _say(
            lines,
            lang,
            f"danh mục: cơ sở dữ liệu {_shown(url)}; nhu cầu lao động: chưa có kỳ nào",
            f"catalogue: database {_shown(url)}; labour demand: no period yet",
        )
    else:
        _say(
            lines,
            lang,
            f"danh mục và nhu cầu lao động: cơ sở dữ liệu {_shown(url)} "
            f"(kỳ {_periods(tables['demand'])})",
            f"catalogue and labour demand: database {_shown(url)} "
            f"(periods {_periods(tables['demand'])})",
        )
    return tables


def _from_directory(path: Path, s: Settings, lines: list[str], lang: str) -> dict[str, Any]:
    # lazy: reading a data directory needs pandas and pandera
    from guidance.contract import ContractError, load_dir

    if not path.is_dir():
        raise SourceError(
            f"không có thư mục dữ liệu {path}",
            f"data directory {path} does not exist",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tables = dict(load_dir(path))
    except ContractError as exc:
        raise SourceError(
            f"thư mục dữ liệu {path} không đúng hợp đồng dữ liệu ('guidance validate {path}'): "
            f"{str(exc).splitlines()[0] if str(exc) else ''}",
            f"data directory {path} breaks the data contract (see 'guidance validate {path}')",
        ) from None
    tables["demand"] = newest_demand(tables.get("demand"), s.demand_months)
    _say(
        lines,
        lang,
        f"danh mục và nhu cầu lao động: thư mục {path} (kỳ {_periods(tables['demand'])})",
        f"catalogue and labour demand: directory {path} (periods {_periods(tables['demand'])})",
    )
    return tables


def _file_model(
    path: Path, lines: list[str], lang: str, why_vi: str = "", why_en: str = ""
) -> tuple[Any, str, str]:
    # lazy: joblib, scikit-learn and numba load with the model
    from guidance.artifacts import ArtifactMismatch, load_artifact

    if not path.is_file():
        raise SourceError(f"không có tệp mô hình {path}", f"model file {path} does not exist")
    try:
        art = load_artifact(path)
    except ArtifactMismatch as exc:
        raise SourceError(
            f"tệp mô hình {path} không khớp: {exc}", f"model file {path} does not match: {exc}"
        ) from None
    version = str(art.metadata.get("version", path.stem))
    _say(
        lines,
        lang,
        f"mô hình: tệp {path} (phiên bản {version}){why_vi}",
        f"model: file {path} (version {version}){why_en}",
    )
    return art.models, version, str(art.metadata.get("sha256") or "")


def _local_champion(s: Settings, lines: list[str], lang: str) -> tuple[Any, str, str] | None:
    """The champion from ``models_dir`` when that folder holds its bundle: the file
    ``<name>-<version>.joblib`` whose sha256 is the registry's tag (checked on load)."""
    uri, name = s.mlflow_tracking_uri, s.registered_model_name
    # lazy: the standard library's sqlite3 reads the local registry without MLflow
    from guidance.registry_sqlite import champion

    got = champion(uri, name)
    if got is None or got[1] is None:
        return None
    version, sha = got
    path = Path(s.models_dir) / f"{name}-{version}.joblib"
    if not path.is_file():
        return None
    # lazy: joblib, scikit-learn and numba load with the model
    from guidance.artifacts import ArtifactMismatch, load_artifact

    try:
        art = load_artifact(path, expected_sha256=sha)
    except ArtifactMismatch:
        return None  # not the registered bytes: MLflow downloads the champion
    _say(
        lines,
        lang,
        f"mô hình: '{name}' phiên bản {version} (champion, sổ đăng ký {_shown(uri)}; "
        f"tệp {path}, sha256 khớp)",
        f"model: '{name}' version {version} (champion, registry {_shown(uri)}; "
        f"file {path}, sha256 matches)",
    )
    return art.models, version, str(art.metadata.get("sha256") or "")


def _registry_model(s: Settings, lines: list[str], lang: str) -> tuple[Any, str, str] | None:
    """The champion of the registry (as the server serves it), or None (said)."""
    uri, name = s.mlflow_tracking_uri, s.registered_model_name
    if _sqlite_missing(uri):
        _say(
            lines,
            lang,
            f"sổ đăng ký mô hình {_shown(uri)} chưa có",
            f"model registry {_shown(uri)} does not exist yet",
        )
        return None
    local = _local_champion(s, lines, lang)
    if local is not None:
        return local
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    # lazy: MLflow takes seconds to import; only the registry path needs it
    from guidance.artifacts import ArtifactMismatch
    from guidance.registry import champion_version, connect, load_version

    try:
        client = connect(uri)
        version = champion_version(client, name)
        if version is None:
            _say(
                lines,
                lang,
                f"sổ đăng ký {_shown(uri)}: không phiên bản nào của '{name}' là champion",
                f"registry {_shown(uri)}: no version of '{name}' is the champion",
            )
            return None
        with tempfile.TemporaryDirectory(prefix="guidance-model-") as tmp:
            art = load_version(client, name, version, tmp)
    except (ArtifactMismatch, OSError) as exc:
        _say(
            lines,
            lang,
            f"không tải được mô hình từ sổ đăng ký {_shown(uri)}: {exc}",
            f"cannot load the model from registry {_shown(uri)}: {exc}",
        )
        return None
    except Exception as exc:  # noqa: BLE001 - MLflow's own errors: fall back, say why
        _say(
            lines,
            lang,
            f"không đọc được sổ đăng ký {_shown(uri)}: {type(exc).__name__}",
            f"cannot read registry {_shown(uri)}: {type(exc).__name__}",
        )
        return None
    _say(
        lines,
        lang,
        f"mô hình: '{name}' phiên bản {version} (champion, sổ đăng ký {_shown(uri)})",
        f"model: '{name}' version {version} (champion, registry {_shown(uri)})",
    )
    return art.models, version, str(art.metadata.get("sha256") or "")


def _model(args: Any, s: Settings, lines: list[str], lang: str) -> tuple[Any, str, str]:
    if getattr(args, "model", None):
        return _file_model(Path(args.model), lines, lang)
    if s.model_path is not None:
        return _file_model(
            Path(s.model_path), lines, lang, " (GUIDANCE_MODEL_PATH)", " (GUIDANCE_MODEL_PATH)"
        )
    got = _registry_model(s, lines, lang)
    if got is not None:
        return got
    # lazy: the artifact folder's newest bundle, only as the fallback
    from guidance.recommend.loading import newest_artifact

    try:
        path = newest_artifact(s.models_dir)
    except FileNotFoundError:
        raise SourceError(
            f"không có mô hình: sổ đăng ký không có champion và {s.models_dir} không có "
            "tệp *.joblib; hãy chạy 'guidance train' hoặc dùng --model",
            f"no model: the registry has no champion and {s.models_dir} holds no *.joblib; "
            "run 'guidance train' or pass --model",
        ) from None
    return _file_model(
        path, lines, lang, " — thay cho champion của sổ đăng ký", " — instead of the champion"
    )


def load_sources(args: Any, lang: str = "vi", *, echo: bool = True, **kwargs: Any) -> Sources:
    """The recommender of ``args`` (``--data``, ``--model``) or of the server's sources;
    each source is said on stderr when ``echo``. Raises :class:`SourceError`."""
    # lazy: settings read the environment (pydantic-settings) only when a command runs
    from guidance.recommend.loading import build_recommender
    from guidance.settings import get_settings

    s = get_settings()
    lines: list[str] = []
    try:
        if getattr(args, "data", None):
            tables = _from_directory(Path(args.data), s, lines, lang)
        else:
            got = _from_database(s, lines, lang)
            if got is None:
                _say(
                    lines,
                    lang,
                    f"→ dùng thư mục dữ liệu {s.data_dir} (GUIDANCE_DATA_DIR) thay cho cơ sở "
                    "dữ liệu",
                    f"→ using data directory {s.data_dir} (GUIDANCE_DATA_DIR) instead of the "
                    "database",
                )
                got = _from_directory(Path(s.data_dir), s, lines, lang)
            tables = got
        models, version, sha = _model(args, s, lines, lang)
    finally:  # what was found is said also when the next source is missing
        if echo:
            for line in lines:
                print(line, file=sys.stderr)
    kwargs.setdefault("shortlist", s.shortlist)
    record = probe_record(Path(s.var_dir), sha, tables, kwargs.get("kernel", "numba"))
    seen = record is not None and record.is_file()
    rec = build_recommender(
        models, tables, tables.get("demand"), model_version=version, probe=not seen, **kwargs
    )
    if record is not None and not seen and rec.scorer.name == "fast":
        try:  # a record that cannot be written only means the probe runs again next time
            record.parent.mkdir(parents=True, exist_ok=True)
            record.write_text(version + "\n", encoding="utf-8")
        except OSError:
            pass
    return Sources(rec, tables, lines)


def probe_record(var_dir: Path, sha: str, tables: dict[str, Any], kernel: str) -> Path | None:
    """Where a passed load-time probe of the fast scorer is remembered, named by everything
    the probe's outcome depends on: the bundle's sha256, the library versions, the scoring
    code's files, the forest kernel and the content of the catalogue and demand tables (the probe is deterministic,
    so the same inputs pass again). None without a bundle hash. A command that finds its
    record skips the probe (~0.3 s); any change of input names another record."""
    if not sha:
        return None
    import hashlib
    from importlib.metadata import version

    import pandas as pd

    h = hashlib.sha256(f"{sha}|{kernel}".encode())
    for lib in ("guidance", "numpy", "pandas", "scikit-learn", "numba"):
        try:
            h.update(f"|{lib}={version(lib)}".encode())
        except Exception:  # noqa: BLE001 - an absent library is part of the name too
            h.update(f"|{lib}=-".encode())
    # the code the probe compares (a changed file names another record)
    src = Path(__file__).parent
    for f in sorted(
        [src / "model.py", *(src / "recommend").glob("*.py"), *(src / "features").glob("*.py")]
    ):
        st = f.stat()
        h.update(f"|{f.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    for name in ("programmes", "provinces", "occupations", "demand"):
        frame = tables.get(name)
        if frame is not None:
            h.update(f"|{name}:{','.join(map(str, frame.columns))}".encode())
            h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return var_dir / "probe" / f"{h.hexdigest()[:32]}.ok"
