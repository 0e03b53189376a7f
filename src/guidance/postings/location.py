"""Posting location text -> 2025 province codes.

A location field may name one province ("Hà Nội"), several ("Hà Nội | Hồ Chí
Minh", "Hà Nội, Đà Nẵng (mới)"), an old (pre-2025) province ("Bình Dương"),
an address ("152 Dien Bien Phu, Binh Thanh, Ho Chi Minh"), a former district
or city ("Thủ Đức", "Biên Hòa"), or no province at all ("Toàn quốc", "Quốc tế").

Resolution order for each listed place: the province resolver of
``guidance.reference`` (new and old names, codes); then our alias table of
former districts and cities (below); then 2025 urban ward (*phường*) names when
the name is unique to one province. Addresses are read right to left, so the
last component that names a province wins. Places meaning "anywhere" go to the
``nationwide`` bucket and places abroad to ``abroad``; neither is a province.
Anything else is returned as unparsed (counted by the caller, never guessed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from guidance.reference import resolve_province, wards
from guidance.text import fold

# Former districts / cities (pre-2025 names still used by employers) -> 2025
# province code. Chosen from the places seen in the 2025 postings; each target
# was checked against ``guidance.reference.wards()`` / the 63->34 crosswalk.
DISTRICT_ALIASES: dict[str, str] = {
    # Ho Chi Minh City (79), including former Binh Duong and Ba Ria - Vung Tau
    "thu duc": "79",
    "thu thiem": "79",
    "go vap": "79",
    "tan binh": "79",
    "binh thanh": "79",
    "phu nhuan": "79",
    "tan phu": "79",
    "binh tan": "79",
    "nha be": "79",
    "cu chi": "79",
    "hoc mon": "79",
    "binh chanh": "79",
    "can gio": "79",
    "thu dau mot": "79",
    "di an": "79",
    "thuan an": "79",
    "ben cat": "79",
    "tan uyen": "79",
    "vung tau": "79",
    "ba ria": "79",
    "phu my": "79",
    "sai gon": "79",
    "saigon": "79",
    # Ha Noi (01)
    "ba dinh": "01",
    "hoan kiem": "01",
    "hai ba trung": "01",
    "dong da": "01",
    "cau giay": "01",
    "thanh xuan": "01",
    "hoang mai": "01",
    "long bien": "01",
    "tay ho": "01",
    "ha dong": "01",
    "bac tu liem": "01",
    "nam tu liem": "01",
    "tu liem": "01",
    "gia lam": "01",
    "dong anh": "01",
    "soc son": "01",
    "me linh": "01",
    "son tay": "01",
    "thach that": "01",
    "hoai duc": "01",
    # Da Nang (48), including former Quang Nam
    "hai chau": "48",
    "son tra": "48",
    "ngu hanh son": "48",
    "thanh khe": "48",
    "cam le": "48",
    "lien chieu": "48",
    "hoa vang": "48",
    "hoi an": "48",
    "tam ky": "48",
    # Others
    "bien hoa": "75",
    "long thanh": "75",
    "nhon trach": "75",  # Dong Nai
    "ninh kieu": "92",
    "cai rang": "92",  # Can Tho
    "nha trang": "56",
    "cam ranh": "56",  # Khanh Hoa
    "da lat": "68",  # Lam Dong
    "ha long": "22",
    "mong cai": "22",  # Quang Ninh
    "quy nhon": "52",  # Gia Lai (former Binh Dinh)
    "buon ma thuot": "66",  # Dak Lak
    "vinh": "40",  # Nghe An
    "hong ngu": "82",  # Dong Thap
    "bac giang": "24",  # Bac Ninh (former Bac Giang)
}
# Numbered urban districts ("Quận 7", "District 12", "Q.1") existed only in HCMC.
_NUMBERED_DISTRICT = re.compile(r"^(?:quan|district|dist|q)\.?\s*\d{1,2}$")

NATIONWIDE = "nationwide"
ABROAD = "abroad"
OTHER_PLACES = "other_places"  # TopCV truncates lists: "Hà Nội & 2 nơi khác"
_OTHER_PLACES = re.compile(r"\d+ noi khac|\d+ other (?:places|locations)")
_NATIONWIDE = re.compile(
    r"toan quoc|ca nuoc|nationwide|remote|tu xa|work from home|\bwfh\b|all (?:cities|provinces)"
    r"|khap|nhieu tinh|any location"
)
_ABROAD = re.compile(
    r"nuoc ngoai|quoc te|overseas|international|nhat ban|japan|han quoc|korea|singapore"
    r"|dai loan|taiwan|trung quoc|china|germany|\busa\b|australia|tokyo|osaka|seoul"
)
_TAGS = re.compile(r"\((?:moi|cu|new|old)\)")
_LIST_SEP = re.compile(r"\s*(?:\||;|\n|/|\s&\s|\bva\b|\band\b)\s*")
_STRIP_WORDS = re.compile(
    r"^(?:thanh pho|tp\.?|tinh|quan|huyen|thi xa|phuong|xa|city of)\s+|"
    r"\s+(?:city|province|town)$"
)


@dataclass(frozen=True)
class Location:
    """Where a posting is: province codes (listing order), buckets, unread parts."""

    codes: tuple[str, ...]
    buckets: tuple[str, ...]
    unparsed: tuple[str, ...]
    old_names: int  # places given under a pre-2025 province name

    @property
    def n_places(self) -> int:
        return len(self.codes) + len(self.buckets)


@lru_cache(maxsize=1)
def _ward_index() -> dict[str, str]:
    """Urban ward name (folded, no prefix) -> province code, when unique to one province."""

    w = wards()
    w = w[w["name_vi"].str.startswith("Phường")]
    seen: dict[str, set[str]] = {}
    for name, code in zip(w["name_vi"], w["province_code"], strict=True):
        key = fold(name).removeprefix("phuong ").strip()
        seen.setdefault(key, set()).add(str(code))
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


def _province(text: str) -> tuple[str | None, bool]:
    return resolve_province(text)


def _resolve_place(raw: str) -> tuple[str | None, bool, str | None]:
    """One place -> (code, was_old, bucket)."""
    folded = _TAGS.sub("", fold(raw)).strip(" .,-")
    if not folded:
        return None, False, None
    code, old = _province(folded)
    if code:
        return code, old, None
    if _OTHER_PLACES.fullmatch(folded):
        return None, False, OTHER_PLACES
    # addresses: components right to left
    comps = [c.strip(" .") for c in folded.split(",") if c.strip(" .")]
    for comp in reversed(comps):
        code, old = _province(comp)
        if code:
            return code, old, None
    for comp in reversed(comps):
        bare = _STRIP_WORDS.sub("", comp).strip()
        if bare in DISTRICT_ALIASES:
            return DISTRICT_ALIASES[bare], False, None
        if _NUMBERED_DISTRICT.match(comp):
            return "79", False, None
        ward = _ward_index().get(bare)
        if ward:
            return ward, False, None
    if _NATIONWIDE.search(folded):  # "Remote, Ba Dinh, Ha Noi" stays in Ha Noi (above)
        return None, False, NATIONWIDE
    if _ABROAD.search(folded):
        return None, False, ABROAD
    return None, False, None


@lru_cache(maxsize=20_000)
def parse_location(text: object) -> Location:
    """Parse one location field (results are cached: boards repeat a few values)."""
    if text is None or (isinstance(text, float) and text != text):
        return Location((), (), (), 0)
    s = str(text).strip()
    if not s or fold(s) in {"nan", "none", "other", "khac"}:
        return Location((), (), (s,) if s else (), 0)
    parts = [p for p in _LIST_SEP.split(s) if p.strip()]
    if len(parts) == 1 and "," in s and not _looks_like_address(s):
        parts = [p for p in s.split(",") if p.strip()]  # "Hà Nội, Hồ Chí Minh (mới)"
    whole, old, bucket = _resolve_place(s)
    if whole and len(parts) == 1:
        return Location((whole,), (), (), int(old))
    codes: list[str] = []
    buckets: list[str] = []
    unparsed: list[str] = []
    n_old = 0
    for part in parts:
        code, was_old, bucket = _resolve_place(part)
        if code is None and bucket is None and "," in part:
            sub = [_resolve_place(p) for p in part.split(",")]
            hits = [r for r in sub if r[0] or r[2]]
            if hits and len(hits) == len(sub):
                for c, o, b in hits:
                    _add(codes, buckets, c, b)
                    n_old += int(o)
                continue
        if code is None and bucket is None:
            unparsed.append(part.strip())
            continue
        _add(codes, buckets, code, bucket)
        n_old += int(was_old)
    if not codes and not buckets and bucket:
        return Location((), (bucket,), (), 0)
    return Location(tuple(codes), tuple(buckets), tuple(unparsed), n_old)


def _add(codes: list[str], buckets: list[str], code: str | None, bucket: str | None) -> None:
    if code and code not in codes:
        codes.append(code)
    if bucket and bucket not in buckets:
        buckets.append(bucket)


def _looks_like_address(s: str) -> bool:
    """A street address has digits or address words; a list of provinces does not."""
    f = fold(s)
    return bool(re.search(r"\d|street|duong|ward|district|floor|tang|toa nha|building|tower", f))
