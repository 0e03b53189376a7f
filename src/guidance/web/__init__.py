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
from typing import Any

from fastapi import APIRouter, FastAPI

from guidance.web.pages import router
from guidance.web.site import PAGE_ROUTES, STATIC_PATH, static_dir

__all__ = ["PAGE_ROUTES", "STATIC_PATH", "build_router", "install", "static_dir"]


def build_router(dependencies: Sequence[Any] | None = None) -> APIRouter:
    """The HTML pages (learner, counsellor, institution, admin), the translation catalogues and the
    static files. ``dependencies`` go on every route (e.g. the API's ``authorize``, which
    applies the access matrix and the public rate limit)."""
    return router(dependencies)


def install(app: FastAPI, dependencies: Sequence[Any] | None = None) -> None:
    """Add the pages and their static files to ``app``."""
    app.include_router(build_router(dependencies))
