"""Staff pages with their own router: a counsellor's caseload (``/counsellor/cases``) and
the admin's audit view (``/admin/audit``). Like the other pages they are public shells
(Vietnamese first, ``?lang=en`` for English); the data comes from the API under the
caller's key (``/api/v1/cases``, ``/api/v1/audit``, ``/api/v1/audit.csv``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

STAFF_PAGE_ROUTES = (
    ("GET", "/counsellor/cases"),
    ("GET", "/admin/audit"),
)


def router(dependencies: Sequence[Any] | None = None) -> APIRouter:
    from guidance.web.pages import render

    r = APIRouter(dependencies=list(dependencies or []), include_in_schema=False)

    @r.get("/counsellor/cases", response_class=HTMLResponse)
    def cases(request: Request, lang: str | None = None) -> HTMLResponse:
        return render(request, "cases", lang)

    @r.get("/admin/audit", response_class=HTMLResponse)
    def audit(request: Request, lang: str | None = None) -> HTMLResponse:
        return render(request, "audit", lang)

    return r
