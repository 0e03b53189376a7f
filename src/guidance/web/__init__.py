"""The web interface: server-rendered pages that are a thin view over the JSON API.

The pages hold no logic of their own: the browser calls ``/api/v1/...`` with ``fetch`` so
that the learner form, the counsellor tools and the JSON API all use the same recommend
function. Every user-visible word comes from ``i18n/vi.json`` / ``i18n/en.json``.

Wire it into an app with ``app.include_router(build_router(dependencies=[...]))`` (or
:func:`install`). The CSS, JS and icon are served by the router itself at
``/static/{name}`` (plain routes, no ``Mount``), so every path of the app can sit in the
API's access matrix: GET ``/``, ``/counsellor``, ``/institution``, ``/admin``, ``/stats``,
``/stats/offering/{programme_id}``, ``/i18n/{lang}.json`` and ``/static/{name}``, all public.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import APIRouter, FastAPI

STATIC_PATH = "/static"
# Every (method, path) the router serves: all public (for the API's access matrix).
PAGE_ROUTES = (
    ("GET", "/"),
    ("GET", "/counsellor"),
    ("GET", "/institution"),
    ("GET", "/admin"),
    ("GET", "/stats"),
    ("GET", "/stats/offering/{programme_id}"),
    ("GET", "/i18n/{lang}.json"),
    ("GET", STATIC_PATH + "/{name}"),
)
HERE = Path(__file__).resolve().parent


def static_dir() -> Path:
    """The folder of CSS and JS served at :data:`STATIC_PATH`."""
    return HERE / "static"


def build_router(dependencies: Sequence[Any] | None = None) -> APIRouter:
    """The HTML pages (learner, counsellor, institution, admin), the translation catalogues and the
    static files. ``dependencies`` go on every route (e.g. the API's ``authorize``, which
    applies the access matrix and the public rate limit)."""
    from guidance.web.pages import router

    return router(dependencies)


def install(app: FastAPI, dependencies: Sequence[Any] | None = None) -> None:
    """Add the pages and their static files to ``app``."""
    app.include_router(build_router(dependencies))
