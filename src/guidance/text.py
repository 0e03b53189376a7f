"""Text helpers shared by search, matching and classification.

Vietnamese matching must ignore diacritics ("ke toan" finds "Kế toán") and the
letter đ/Đ, which Unicode does not decompose into d + a mark.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: object) -> str:
    """Lower-case, strip diacritics (đ → d) and collapse white space."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFD", str(text))
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    s = s.replace("đ", "d").replace("Đ", "D").lower()
    return _SPACES.sub(" ", s).strip()


def nfc(text: str) -> str:
    """Canonical composed form, so identical Vietnamese words compare equal."""
    return unicodedata.normalize("NFC", text)
