"""``uvicorn tests.web.serve_app:create --factory``: the real app (pages included by
``create_app``) with settings from the environment the browser tests prepare."""

from __future__ import annotations


def create():  # noqa: ANN201 - FastAPI
    from guidance.api.app import create_app
    from guidance.settings import Settings

    return create_app(Settings())
