"""Read-only answers from a local SQLite MLflow registry, with the standard library.

Importing MLflow takes seconds, longer than a short command may (``guidance models``,
``guidance recommend``). When the tracking URI is a SQLite file, these functions read the
registry's tables directly; they return None whenever the store cannot be read this way
(another backend, a missing file, a schema they do not know), and the caller then asks
MLflow (``guidance.registry``). A test compares both answers on a real store.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path

CHAMPION = "champion"
_PREFIX = "sqlite:///"
_WORKSPACE = "default"


@dataclass
class VersionInfo:
    version: str
    run_id: str
    aliases: list[str]
    tags: dict[str, str]
    metrics: dict[str, float]
    created_ms: int


def _connect(uri: str) -> sqlite3.Connection | None:
    if not uri.startswith(_PREFIX):
        return None
    path = uri.removeprefix(_PREFIX).split("?", 1)[0]
    if path in ("", ":memory:") or not Path(path).is_file():
        return None
    try:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None


def champion(uri: str, name: str) -> tuple[str, str | None] | None:
    """(version, sha256 tag) of ``name``'s champion, or None (not readable here, or no
    champion)."""
    con = _connect(uri)
    if con is None:
        return None
    try:
        row = con.execute(
            "SELECT version FROM registered_model_aliases "
            "WHERE workspace = ? AND name = ? AND alias = ?",
            (_WORKSPACE, name, CHAMPION),
        ).fetchone()
        if row is None:
            return None
        tag = con.execute(
            "SELECT value FROM model_version_tags WHERE workspace = ? AND name = ? "
            "AND version = ? AND key = 'sha256'",
            (_WORKSPACE, name, row[0]),
        ).fetchone()
    except sqlite3.Error:
        return None
    finally:
        con.close()
    return str(row[0]), (str(tag[0]) if tag else None)


def list_versions(uri: str, name: str) -> list[VersionInfo] | None:
    """Every live version of ``name`` (oldest first) with its aliases, tags and its run's
    latest metrics — what ``guidance.registry.list_versions`` returns — or None."""
    con = _connect(uri)
    if con is None:
        return None
    try:
        versions = con.execute(
            "SELECT version, run_id, creation_time FROM model_versions WHERE workspace = ? "
            "AND name = ? AND current_stage != 'Deleted_Internal' ORDER BY version",
            (_WORKSPACE, name),
        ).fetchall()
        aliases: dict[str, list[str]] = {}
        for alias, version in con.execute(
            "SELECT alias, version FROM registered_model_aliases WHERE workspace = ? "
            "AND name = ? ORDER BY alias",
            (_WORKSPACE, name),
        ):
            aliases.setdefault(str(version), []).append(alias)
        tags: dict[str, dict[str, str]] = {}
        for version, key, value in con.execute(
            "SELECT version, key, value FROM model_version_tags WHERE workspace = ? AND name = ?",
            (_WORKSPACE, name),
        ):
            tags.setdefault(str(version), {})[key] = value
        metrics: dict[str, dict[str, float]] = {}
        runs = sorted({r[1] for r in versions if r[1]})
        if runs:
            marks = ",".join("?" * len(runs))
            for run, key, value, is_nan in con.execute(
                "SELECT run_uuid, key, value, is_nan FROM latest_metrics "  # noqa: S608 - marks only
                f"WHERE run_uuid IN ({marks})",
                runs,
            ):
                metrics.setdefault(run, {})[key] = math.nan if is_nan else float(value)
    except sqlite3.Error:
        return None
    finally:
        con.close()
    return [
        VersionInfo(
            str(v),
            run_id,
            aliases.get(str(v), []),
            tags.get(str(v), {}),
            metrics.get(run_id, {}) if run_id else {},
            int(created or 0),
        )
        for v, run_id, created in versions
    ]
