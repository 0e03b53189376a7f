"""``uvicorn tests.web.serve_app:create --factory``: the API's app with the web pages wired
in the way proposed for ``create_app``: the page routes join the access matrix as public
routes and go through the API's ``authorize`` (access check and public rate limit)."""

from __future__ import annotations


def create():  # noqa: ANN201 - FastAPI
    from fastapi import Depends

    from guidance.api.app import create_app
    from guidance.api.deps import authorize
    from guidance.api.security import ACCESS, ANYONE
    from guidance.settings import Settings
    from guidance.web import PAGE_ROUTES, install

    ACCESS.update(dict.fromkeys(PAGE_ROUTES, ANYONE))  # this process only
    app = create_app(Settings())
    install(app, dependencies=[Depends(authorize)])
    return app
