"""Translation catalogues: every user-visible word of the pages, Vietnamese first.

The catalogues are flat JSON objects (``"form.age": "Tuổi"``). Vietnamese is the default
language; ``?lang=en`` (or the ``lang`` cookie it sets) switches to English.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"
COOKIE = "lang"
I18N_DIR = Path(__file__).resolve().parent / "i18n"


@cache
def _load(lang: str) -> dict[str, str]:
    with (I18N_DIR / f"{lang}.json").open(encoding="utf-8") as fh:
        return json.load(fh)


def catalogue(lang: str) -> dict[str, str]:
    """A copy of one language's catalogue (``KeyError`` for an unknown language)."""
    if lang not in LANGS:
        raise KeyError(lang)
    return dict(_load(lang))


def pick_lang(query: str | None, cookie: str | None) -> str:
    """The page language: the query wins, then the cookie, then Vietnamese."""
    for cand in (query, cookie):
        if cand in LANGS:
            return cand
    return DEFAULT_LANG


class Translator:
    """``t("key", n=3)``: the catalogue text with ``{n}`` filled in. A missing key raises,
    so a page never shows a raw key (the tests render every page in both languages)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.texts = _load(lang)

    def __call__(self, key: str, **params: Any) -> str:
        text = self.texts[key]
        return text.format(**params) if params else text
