"""Where the web interface lives: the paths it serves (for the API's access matrix) and the
folder of its static files. Its own module so that the pages and the package both import it
(the package re-exports it)."""

from __future__ import annotations

from pathlib import Path

STATIC_PATH = "/static"
# Every (method, path) the router serves: all public (for the API's access matrix).
PAGE_ROUTES = (
    ("GET", "/"),
    ("GET", "/counsellor"),
    ("GET", "/institution"),
    ("GET", "/admin"),
    ("GET", "/stats"),
    ("GET", "/stats/offering/{programme_id}"),
    ("GET", "/occupations"),
    ("GET", "/occupations/{code}"),
    ("GET", "/programmes/{programme_id}"),
    ("GET", "/i18n/{lang}.json"),
    ("GET", STATIC_PATH + "/{name}"),
)
HERE = Path(__file__).resolve().parent


def static_dir() -> Path:
    """The folder of CSS and JS served at :data:`STATIC_PATH`."""
    return HERE / "static"
