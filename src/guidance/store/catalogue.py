"""The catalogue: provinces, occupations and programme offerings, and accent-blind search."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, case, delete, func, insert, select

from guidance.store._frames import records
from guidance.store.db import write_tx
from guidance.store.schema import CatalogueLoad, Occupation, Programme, Province
from guidance.text import fold

PROVINCE_COLS = ["province_code", "name_vi", "name_en", "region", "lat", "lon"]
OCCUPATION_COLS = ["occupation_code", "name_en", "name_vi", "riasec", "skill_level"]
PROGRAMME_COLS = [
    "programme_id",
    "programme_code",
    "name_vi",
    "name_en",
    "level",
    "field_code",
    "institution_id",
    "institution_name",
    "province_code",
    "duration_months",
    "tuition_vnd_per_year",
    "min_education",
    "target_occupations",
    "mode",
    "capacity",
    "predecessor_id",
    "active",
    "institution_address",  # contract v1.2, optional
    "institution_phone",
    "institution_website",
    "min_age",  # contract v1.3, optional
    "max_age",
]
MAX_PAGE_SIZE = 200
_LIKE_ESCAPE = "\\"


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int
    page: int
    page_size: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pages", -(-self.total // self.page_size) if self.total else 0)


def folded_name(name_vi: object, name_en: object = None) -> str:
    """What ``name_folded`` holds: both names, lower-case, without diacritics."""
    return " | ".join(s for s in (fold(name_vi), fold(name_en)) if s)


def _targets(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, (list, tuple)):
        return ";".join(str(x) for x in v)
    return str(v)


# written beside the tables by ``guidance.world.generate`` (and only there): a directory
# holding it is the synthetic demo world
DEMO_WORLD_MARKER = "world.json"


def is_demo_world(data_dir: str | Path) -> bool:
    """Whether a data directory is a generated demo world (it has ``world.json``)."""
    return (Path(data_dir) / DEMO_WORLD_MARKER).is_file()


def load_catalogue(
    engine: Engine, tables: Mapping[str, Any], *, synthetic: bool = False
) -> dict[str, int]:
    """Replace provinces, occupations and programmes in one transaction.

    ``tables`` is what ``guidance.contract.load_dir`` returns (other keys are ignored).
    Rows are assumed valid; any database error rolls the whole catalogue back.
    ``synthetic``: the tables are the demo world's (``is_demo_world``); the pages say so.
    """
    provinces = records(tables["provinces"], PROVINCE_COLS)
    occupations = records(tables["occupations"], OCCUPATION_COLS)
    programmes = records(tables["programmes"], PROGRAMME_COLS)
    for p in programmes:
        p["name_folded"] = folded_name(p["name_vi"], p["name_en"])
        p["target_occupations"] = _targets(p["target_occupations"])
        if p["active"] is None:
            p["active"] = True
    with write_tx(engine, "catalogue load") as conn:
        for model in (Programme, Province, Occupation):  # children first (foreign key)
            conn.execute(delete(model))
        for model, rows in (
            (Province, provinces),
            (Occupation, occupations),
            (Programme, programmes),
        ):
            if rows:
                conn.execute(insert(model), rows)
        conn.execute(
            insert(CatalogueLoad).values(programmes=len(programmes), synthetic=bool(synthetic))
        )
    return {
        "provinces": len(provinces),
        "occupations": len(occupations),
        "programmes": len(programmes),
    }


def catalogue_generation(engine: Engine) -> int | None:
    """Id of the newest catalogue load (None before the first): changes with every load."""
    with engine.connect() as conn:
        return conn.execute(select(func.max(CatalogueLoad.id))).scalar()


def catalogue_synthetic(engine: Engine) -> bool:
    """Whether the newest catalogue load came from the synthetic demo world (False before
    the first load)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(CatalogueLoad.synthetic).order_by(CatalogueLoad.id.desc()).limit(1)
        ).first()
    return bool(row[0]) if row is not None else False


def _escape_like(s: str) -> str:
    return (
        s.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
        .replace("%", _LIKE_ESCAPE + "%")
        .replace("_", _LIKE_ESCAPE + "_")
    )


def _programme_dict(row: Any) -> dict[str, Any]:
    return {c: getattr(row, c) for c in PROGRAMME_COLS}


def search_programmes(
    engine: Engine,
    q: str | None = None,
    province: str | None = None,
    level: str | None = None,
    field: str | None = None,
    page: int = 1,
    page_size: int = 20,
    *,
    active: bool | None = None,
) -> Page:
    """Filter and page the catalogue.

    ``q`` is folded like the stored names, so accents and case never matter; every word
    of ``q`` must occur. Exact-phrase matches come first, then by folded name and id, an
    order that is the same on SQLite and PostgreSQL.
    """
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page must be >= 1 and page_size in 1..{MAX_PAGE_SIZE}")
    conds = []
    phrase = fold(q) if q else ""
    for word in phrase.split():
        conds.append(Programme.name_folded.like(f"%{_escape_like(word)}%", escape=_LIKE_ESCAPE))
    if province is not None:
        conds.append(Programme.province_code == province)
    if level is not None:
        conds.append(Programme.level == level)
    if field is not None:
        conds.append(Programme.field_code == field)
    if active is not None:
        conds.append(Programme.active.is_(active))
    where = and_(*conds) if conds else None

    count = select(func.count()).select_from(Programme)
    query = select(Programme.__table__)
    if where is not None:
        count, query = count.where(where), query.where(where)
    # Byte order on both engines (PostgreSQL would otherwise sort by the database's locale).
    pg = engine.dialect.name == "postgresql"
    order = [
        Programme.name_folded.collate("C") if pg else Programme.name_folded,
        Programme.programme_id.collate("C") if pg else Programme.programme_id,
    ]
    if phrase:
        pattern = f"%{_escape_like(phrase)}%"
        order.insert(
            0, case((Programme.name_folded.like(pattern, escape=_LIKE_ESCAPE), 0), else_=1)
        )
    query = query.order_by(*order).limit(page_size).offset((page - 1) * page_size)
    with engine.connect() as conn:
        total = conn.execute(count).scalar_one()
        items = [_programme_dict(r) for r in conn.execute(query)]
    return Page(items=items, total=total, page=page, page_size=page_size)


def get_programme(engine: Engine, programme_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(Programme.__table__).where(Programme.programme_id == programme_id)
        ).first()
    return _programme_dict(row) if row is not None else None


def programme_ids_exist(engine: Engine, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` are programmes in the catalogue (the caller bounds how many)."""
    wanted = sorted({str(i) for i in ids})
    if not wanted:
        return set()
    with engine.connect() as conn:
        return {
            r[0]
            for r in conn.execute(
                select(Programme.programme_id).where(Programme.programme_id.in_(wanted))
            )
        }


def programme_labels(engine: Engine, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Names for ids: ``{id: {name_vi, name_en, institution_name, province_code}}`` for the
    ids found in the catalogue (the caller bounds how many)."""
    wanted = sorted({str(i) for i in ids if i})
    if not wanted:
        return {}
    cols = ("name_vi", "name_en", "institution_name", "province_code")
    query = select(Programme.programme_id, *(getattr(Programme, c) for c in cols)).where(
        Programme.programme_id.in_(wanted)
    )
    with engine.connect() as conn:
        return {r[0]: dict(zip(cols, r[1:], strict=True)) for r in conn.execute(query)}


def list_occupations(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        result = conn.execute(select(Occupation.__table__).order_by(Occupation.occupation_code))
        return [{c: getattr(r, c) for c in OCCUPATION_COLS} for r in result]


def list_provinces(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        result = conn.execute(select(Province.__table__).order_by(Province.province_code))
        return [{c: getattr(r, c) for c in PROVINCE_COLS} for r in result]


def get_occupation(engine: Engine, code: str) -> dict[str, Any] | None:
    """One occupation of the catalogue (None when it has no such code)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(Occupation.__table__).where(Occupation.occupation_code == code)
        ).first()
    return {c: getattr(row, c) for c in OCCUPATION_COLS} if row is not None else None


def programmes_for_occupation(engine: Engine, code: str) -> list[dict[str, Any]]:
    """Every offering (active or not) whose target occupations include ``code`` (a 4-digit
    ISCO code: the ``LIKE`` narrows, the exact split decides)."""
    pattern = f"%{_escape_like(code)}%"
    query = (
        select(Programme.__table__)
        .where(Programme.target_occupations.like(pattern, escape=_LIKE_ESCAPE))
        .order_by(Programme.programme_id)
    )
    with engine.connect() as conn:
        rows = [_programme_dict(r) for r in conn.execute(query)]
    return [p for p in rows if code in str(p["target_occupations"] or "").split(";")]


def programmes_with_code(engine: Engine, programme_code: str) -> list[dict[str, Any]]:
    """Every offering of one national programme code (at any institution)."""
    query = (
        select(Programme.__table__)
        .where(Programme.programme_code == programme_code)
        .order_by(Programme.programme_id)
    )
    with engine.connect() as conn:
        return [_programme_dict(r) for r in conn.execute(query)]


def trained_occupations(engine: Engine) -> dict[str, int]:
    """Occupation code → how many active offerings train for it (the catalogue's targets)."""
    query = select(Programme.target_occupations).where(
        (Programme.active.is_(None)) | (Programme.active.is_(True))
    )
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for (targets,) in conn.execute(query):
            for c in {c for c in str(targets or "").split(";") if c}:
                counts[c] = counts.get(c, 0) + 1
    return dict(sorted(counts.items()))


def get_programmes(engine: Engine, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The programmes of ``ids`` that exist, by id (the caller bounds how many)."""
    wanted = sorted({str(i) for i in ids})
    if not wanted:
        return {}
    query = select(Programme.__table__).where(Programme.programme_id.in_(wanted))
    with engine.connect() as conn:
        return {r.programme_id: _programme_dict(r) for r in conn.execute(query)}
