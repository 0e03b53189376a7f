"""Plain-language reasons in Vietnamese and English, built only from an item's figures.

Rules that keep them honest: a rate from fewer than ``MIN_CELL`` graduates is never called
observed; cold-start items say what their estimate rests on; every employment reason
states its basis (graduates, cohort years); the model version and demand period close the
list.
"""

from __future__ import annotations

import calendar
import functools
import math

from guidance.features import MIN_CELL
from guidance.recommend.types import Basis, Item

TREND_MIN_VACANCIES = 10.0  # below this a year-on-year change is noise, not news
NOT_LEARNT_VI = "dữ liệu huấn luyện không đủ để ước tính (xem thẻ mô hình)"
NOT_LEARNT_EN = "the training data did not allow an estimate (see the model card)"


def occupation_name_vi(code: str | None, given: str | None, name_en: str | None) -> str:
    """The occupation's Vietnamese name: the data's, else the packaged one of its ISCO code;
    an English name only as the last resort, and then labelled as English."""
    if given:
        return given
    if code and (packaged := _packaged_names_vi().get(code)):
        return packaged
    if name_en:
        return f"nghề “{name_en}” (tên tiếng Anh)"
    return f"nghề mã {code}" if code else "nghề này"


@functools.cache
def _packaged_names_vi() -> dict[str, str]:
    from guidance import reference

    occ = reference.occupations()
    return {
        str(c): str(v)
        for c, v in zip(occ["occupation_code"], occ["name_vi"], strict=True)
        if isinstance(v, str) and v
    }


NO_FIGURE = "–"  # a figure that is not known (a target the bundle did not learn)


def _lower_first(s: str | None) -> str:
    """Lower-case the first letter only, so acronyms inside the name survive."""
    s = s or ""
    return s[:1].lower() + s[1:]


def pct(p: float | None) -> str:
    return NO_FIGURE if p is None else f"{round(100 * p):d}%"


def num_vi(x: float | None, digits: int = 1) -> str:
    """Vietnamese number style: comma for decimals, dot for thousands."""
    if x is None:
        return NO_FIGURE
    s = f"{x:,.{digits}f}"
    return s.replace(",", "\0").replace(".", ",").replace("\0", ".")


def num_en(x: float | None, digits: int = 1) -> str:
    return NO_FIGURE if x is None else f"{x:,.{digits}f}"


def _span(first: str | None, last: str | None, sep: str) -> str:
    """The cohort years, e.g. ``2019–2023`` (one year once; empty when unknown)."""
    if not first or not last:
        return ""
    return first[:4] if first[:4] == last[:4] else f"{first[:4]}{sep}{last[:4]}"


def month_vi(period: str | None) -> str:
    """``2028-04`` → ``tháng 4/2028`` (a month as a person reads it)."""
    if not period or len(period) < 7:
        return NO_FIGURE
    return f"tháng {int(period[5:7])}/{period[:4]}"


def month_en(period: str | None) -> str:
    """``2028-04`` → ``April 2028``."""
    if not period or len(period) < 7:
        return NO_FIGURE
    return f"{calendar.month_name[int(period[5:7])]} {period[:4]}"


def interval(item: Item, target: str) -> tuple[float | None, float | None]:
    """``[low, high]`` of a target's figure: the item's ``intervals`` (model error
    included) when it has them; else, for employment, ``p_employed_12m_interval``."""
    got = item.intervals.get(target)
    if got is None and target == "employed_12m":
        got = item.p_employed_12m_interval
    if not got or len(got) != 2:
        return None, None
    return got[0], got[1]


def _cohorts(b: Basis) -> tuple[str, str]:
    """The cohorts behind an observed rate, e.g. ``graduating in 4 years 2019–2023``."""
    years = _span(b.first_cohort, b.last_cohort, "–")
    n = b.n_cohort_years
    if n:
        return (
            f"tốt nghiệp trong {n} năm {years}",
            f"graduating in {n} year{'s' if n > 1 else ''} {years}",
        )
    return f"khóa {years}".strip(), years


def headline(item: Item) -> list[tuple[str, str]]:
    """The card's headline figure as a sentence: the observed 12-month employment rate when
    ``MIN_CELL`` graduates answered (``Basis.headline == "observed"``), labelled "đã quan
    sát" with its graduates, respondents and cohorts; else the model's estimate, labelled
    "ước tính" (the sentences after it say what it rests on)."""
    b = item.basis
    if b.headline == "observed" and b.observed_employed_12m is not None:
        known = b.n_graduates if b.n_employed_12m_known is None else b.n_employed_12m_known
        c_vi, c_en = _cohorts(b)
        return [
            (
                f"Đã quan sát: {pct(b.observed_employed_12m)} người tốt nghiệp có việc làm "
                f"sau 12 tháng ({known} người trả lời khảo sát 12 tháng trong "
                f"{b.n_graduates} người tốt nghiệp, {c_vi})",
                f"Observed: {pct(b.observed_employed_12m)} of graduates in work 12 months "
                f"after graduating ({known} who answered the 12-month survey of "
                f"{b.n_graduates} graduates, {c_en})",
            )
        ]
    return []


def employment_split(item: Item) -> list[tuple[str, str]]:
    """The observed kinds of work at 12 months and employment at 6 months, in plain words
    (only what the offering's history shows from ``MIN_CELL`` respondents)."""
    b = item.basis
    out = []
    f, i, s = b.observed_formal_12m, b.observed_informal_12m, b.observed_self_employed_12m
    if f is not None and i is not None and s is not None:
        out.append(
            (
                f"Sau 12 tháng (đã quan sát): {pct(f)} làm việc có hợp đồng lao động, "
                f"{pct(i)} làm việc không có hợp đồng (phi chính thức), {pct(s)} tự làm "
                "chủ hoặc tự kinh doanh",
                f"At 12 months (observed): {pct(f)} in work with a labour contract "
                f"(formal), {pct(i)} in work without one (informal), {pct(s)} "
                "self-employed",
            )
        )
    if b.observed_employed_6m is not None:
        n6 = b.n_employed_6m_known
        out.append(
            (
                f"Sau 6 tháng (đã quan sát): {pct(b.observed_employed_6m)} có việc làm "
                f"({n6} người trả lời khảo sát 6 tháng)",
                f"At 6 months (observed): {pct(b.observed_employed_6m)} in work ({n6} "
                "who answered the 6-month survey)",
            )
        )
    return out


def course_figures(item: Item) -> list[tuple[str, str]]:
    """Graduation month, tuition for the whole course, and the tuition after a legal
    exemption with its rule named (and "chưa xác minh" when the rule is unverified)."""
    m = 1e6
    out = [
        (
            f"Dự kiến tốt nghiệp {month_vi(item.graduation_period)}",
            f"Expected to graduate in {month_en(item.graduation_period)}",
        )
    ]
    total = item.total_tuition_vnd
    if total is not None and math.isfinite(total):
        out.append(
            (
                f"Tổng học phí cả khóa khoảng {num_vi(total / m)} triệu đồng",
                f"Tuition for the whole course about {num_en(total / m)} million VND",
            )
        )
    ex = item.tuition_exemption
    if ex is not None:
        after = ex.total_tuition_vnd
        if after is None:
            after_vi = after_en = NO_FIGURE
        elif after == 0:
            after_vi, after_en = "0 đồng (miễn toàn bộ)", "0 VND (fully exempt)"
        else:
            after_vi = f"{num_vi(after / m)} triệu đồng cả khóa"
            after_en = f"{num_en(after / m)} million VND in all"
        check_vi = "" if ex.verified else " — chưa xác minh"
        check_en = "" if ex.verified else " — unverified"
        out.append(
            (
                f"Học phí sau miễn giảm: {after_vi} ({ex.rule_vi}; {ex.legal_source}{check_vi})",
                f"Tuition after exemption: {after_en} ({ex.rule_en}; {ex.legal_source}{check_en})",
            )
        )
    return out


IN_PROVINCE_KM = 0.5  # province to province is centre to centre: 0 only within one province


def distance_text(distance_km: float | None) -> tuple[str, str]:
    """How far the offering is, honestly: "trong tỉnh" within the home province (a
    centre-to-centre distance of 0 says nothing), else the distance between the two
    provinces' centres, said so."""
    if distance_km is None:
        return "chưa rõ khoảng cách", "distance unknown"
    if distance_km < IN_PROVINCE_KM:
        return "trong tỉnh", "in your province"
    return (
        f"cách nhà ≈ {num_vi(distance_km, 0)} km (giữa trung tâm hai tỉnh)",
        f"≈ {num_en(distance_km, 0)} km from home (between the two provinces' centres)",
    )


def age_sentences(item: Item) -> tuple[list[str], list[str]]:
    """One sentence per legal minimum age behind an age flag (``Item.age_rules``); the
    age at graduation in whole years (age now + months to graduation)."""
    vi: list[str] = []
    en: list[str] = []
    for a in item.age_rules:
        years = int(a.age_at_graduation or 0)
        if a.flag == "age_at_graduation":
            law = a.status == "law"
            sure_vi, sure_en = ("cần", "requires") if law else ("có thể cần", "may require")
            check_vi, check_en = ("", "") if law else ("; chưa xác minh", "; unverified")
            vi.append(
                f"Nghề {a.trade_vi} {sure_vi} đủ {a.min_age} tuổi ({a.source}{check_vi}); bạn "
                f"chưa đủ tuổi bây giờ nhưng sẽ đủ {a.min_age} tuổi khi tốt nghiệp"
            )
            en.append(
                f"{a.trade_en[:1].upper()}{a.trade_en[1:]} {sure_en} age {a.min_age} "
                f"({a.source}{check_en}); you are under it now but will be {a.min_age} by "
                "graduation"
            )
        else:
            vi.append(
                f"Lưu ý: nghề {a.trade_vi} có thể cần đủ {a.min_age} tuổi ({a.source}), "
                f"nhưng chúng tôi chưa xác minh được quy định này; khi tốt nghiệp bạn khoảng "
                f"{years} tuổi. Hãy hỏi cơ sở đào tạo"
            )
            en.append(
                f"Note: {a.trade_en} may require age {a.min_age} ({a.source}), but we could "
                f"not verify this rule; you will be about {years} at graduation. Ask the "
                "institution"
            )
    return vi, en


def widened_area_note(home_vi: str, home_en: str) -> tuple[str, str]:
    """Said when the default area (home province and neighbours) held no suitable offering
    and the list comes from the home region instead."""
    return (
        f"Không có chương trình phù hợp ở {home_vi} và các tỉnh giáp ranh, nên danh sách "
        "gồm các chương trình trong cùng vùng kinh tế – xã hội (có thể xa hơn)",
        f"No suitable programme in {home_en} or the provinces next to it, so the list "
        "comes from the same socio-economic region (possibly further away)",
    )


def province_notes(
    mappings: list[tuple[str, str, str]], names: dict[str, tuple[str, str]]
) -> tuple[list[str], list[str]]:
    """A note per pre-2025 province code read as its 2025 province (``(field, old code,
    2025 code)``), naming both, in Vietnamese and English."""
    from guidance.reference import province_crosswalk

    cw = province_crosswalk()
    old_names = dict(zip(cw["old_code"].astype(str), cw["old_name_vi"].astype(str), strict=True))
    vi: list[str] = []
    en: list[str] = []
    for field, old, new in mappings:
        old_name = old_names.get(old, old)
        new_vi, new_en = names.get(new, (new, new))
        vi.append(
            f"Mã tỉnh cũ {old} ({old_name}) trong {field} được hiểu là {new} ({new_vi}): "
            "tỉnh/thành mới từ ngày 01/07/2025 theo bảng chuyển đổi 63 → 34 tỉnh"
        )
        en.append(
            f"The pre-2025 province code {old} ({old_name}) in {field} was read as {new} "
            f"({new_en}), its province since 1 July 2025 (the 63 → 34 crosswalk)"
        )
    return vi, en


def build(item: Item, model_version: str, demand_period: str | None) -> tuple[list[str], list[str]]:
    """(reasons_vi, reasons_en) for one item."""
    pairs: list[tuple[str, str]] = []

    def add(text_vi: str, text_en: str) -> None:
        pairs.append((text_vi, text_en))

    def not_learnt(what_vi: str, what_en: str) -> None:
        add(
            f"Chưa có ước tính {what_vi}: {NOT_LEARNT_VI}",
            f"No estimate of {what_en}: {NOT_LEARNT_EN}",
        )

    b = item.basis
    p = item.p_employed_12m
    lo, hi = interval(item, "employed_12m")
    years = _span(b.first_cohort, b.last_cohort, "–")
    pairs += headline(item)
    if p is None:
        not_learnt("tỷ lệ có việc làm sau 12 tháng", "employment 12 months after graduating")
    elif b.cold_start and b.cold_start_method == "attributes":
        add(
            f"Chương trình mới, chưa có người tốt nghiệp: ước tính {pct(p)} có việc làm "
            f"sau 12 tháng (khoảng {pct(lo)}–{pct(hi)}) chỉ dựa trên đặc điểm chương "
            "trình (ngành, trình độ, nơi học)",
            f"New programme with no graduates yet: an estimated {pct(p)} in work 12 "
            f"months after graduating ({pct(lo)}–{pct(hi)}), based only on its attributes "
            "(field, level, place)",
        )
    elif b.small_cell:
        add(
            f"Ước tính {pct(p)} học viên tương tự có việc làm sau 12 tháng (khoảng "
            f"{pct(lo)}–{pct(hi)}); chỉ có {b.n_graduates} người tốt nghiệp (dưới "
            f"{MIN_CELL}) nên đây là ước tính đã hiệu chỉnh theo các chương trình tương "
            "tự, không phải tỷ lệ quan sát",
            f"An estimated {pct(p)} of similar graduates in work 12 months after "
            f"graduating ({pct(lo)}–{pct(hi)}); only {b.n_graduates} graduates (fewer "
            f"than {MIN_CELL}), so this is shrunk towards similar programmes, not an "
            "observed rate",
        )
    else:
        add(
            f"Ước tính của mô hình: {pct(p)} học viên như bạn có việc làm sau 12 tháng "
            f"(khoảng {pct(lo)}–{pct(hi)}; dựa trên {b.n_graduates} người tốt nghiệp, "
            f"khóa {years})",
            f"Model estimate: {pct(p)} of learners like you in work 12 months after "
            f"graduating ({pct(lo)}–{pct(hi)}; from {b.n_graduates} graduates, {years})",
        )
    pairs += employment_split(item)
    if b.cold_start and b.cold_start_method == "predecessor":
        add(
            "Chương trình đã đổi mới hoặc đổi tên: số liệu gồm người tốt nghiệp của "
            "chương trình tiền nhiệm",
            "Reformed or renamed programme: the figures include its predecessor's graduates",
        )
    if item.p_job_matches_training is None:
        not_learnt("tỷ lệ làm đúng nghề được đào tạo", "working in a trade trained for")
    else:
        mlo, mhi = interval(item, "job_matches_training")
        span_vi = "" if mlo is None or mhi is None else f" (khoảng {pct(mlo)}–{pct(mhi)})"
        span_en = "" if mlo is None or mhi is None else f" ({pct(mlo)}–{pct(mhi)})"
        add(
            f"Ước tính {pct(item.p_job_matches_training)} làm đúng nghề được đào tạo sau "
            f"12 tháng{span_vi}",
            f"An estimated {pct(item.p_job_matches_training)} working in a trade they "
            f"trained for 12 months after graduating{span_en}",
        )
    d = item.demand
    occ_vi = occupation_name_vi(d.occupation_code, d.occupation_name_vi, d.occupation_name_en)
    occ_en = d.occupation_name_en or d.occupation_code
    if d.trend_12m is not None and (d.vacancies or 0.0) >= TREND_MIN_VACANCIES:
        ch = d.trend_12m
        word_vi, word_en = ("tăng", "up") if ch >= 0 else ("giảm", "down")
        add(
            f"Nhu cầu tuyển {_lower_first(occ_vi)} tại {item.province_name_vi} {word_vi} "
            f"{pct(abs(ch))} so với cùng kỳ năm trước",
            f"Vacancies for {_lower_first(occ_en)} in {item.province_name_en} are {word_en} "
            f"{pct(abs(ch))} on last year",
        )
    if d.vacancies_per_seeker is not None:
        add(
            f"Hiện có {num_vi(d.vacancies_per_seeker)} vị trí tuyển dụng cho mỗi người "
            f"tìm việc ngành này tại {item.province_name_vi}",
            f"{num_en(d.vacancies_per_seeker)} vacancies per job seeker in this trade in "
            f"{item.province_name_en} now",
        )
    if d.vacancies_per_seeker is None and d.trend_12m is None:
        add(
            f"Chưa có dữ liệu nhu cầu lao động cho nghề này tại {item.province_name_vi}",
            f"No labour-demand data for this trade in {item.province_name_en}",
        )
    m = 1e6
    q25, q50, q75 = item.wage_q25, item.wage_q50, item.wage_q75
    if q25 is None or q50 is None or q75 is None:
        add(f"Chưa có ước tính thu nhập: {NOT_LEARNT_VI}", f"No wage estimate: {NOT_LEARNT_EN}")
    else:
        add(
            f"Thu nhập dự kiến khoảng {num_vi(q50 / m)} triệu đồng/tháng "
            f"({num_vi(q25 / m)}–{num_vi(q75 / m)} triệu)",
            f"Expected wage about {num_en(q50 / m)} million VND a month "
            f"({num_en(q25 / m)}–{num_en(q75 / m)} million)",
        )
    if item.p_completed is None:
        not_learnt("tỷ lệ hoàn thành khóa học", "completing the programme")
    else:
        add(
            f"Ước tính {pct(item.p_completed)} hoàn thành khóa học (khoảng "
            f"{pct(1 - item.p_completed)} không hoàn thành)",
            f"An estimated {pct(item.p_completed)} complete the programme (about "
            f"{pct(1 - item.p_completed)} do not)",
        )
    pairs += course_figures(item)
    if item.interest_fit is not None and item.interest_fit >= 0.8:
        add("Rất phù hợp với sở thích nghề nghiệp của bạn", "A close match to your interests")
    pairs += zip(*age_sentences(item), strict=True)
    far_vi, far_en = distance_text(item.distance_km)
    add(
        f"Học phí {num_vi(item.tuition_vnd_per_year / m)} triệu đồng/năm, "
        f"{item.duration_months} tháng; học tại {item.province_name_vi}, {far_vi}",
        f"Tuition {num_en(item.tuition_vnd_per_year / m)} million VND a year, "
        f"{item.duration_months} months; taught in {item.province_name_en}, {far_en}",
    )
    if demand_period is None:
        add(
            f"Mô hình phiên bản {model_version}; không có dữ liệu nhu cầu lao động",
            f"Model version {model_version}; no labour-demand data",
        )
    else:
        add(
            f"Mô hình phiên bản {model_version}; dữ liệu nhu cầu lao động kỳ {demand_period}",
            f"Model version {model_version}; labour-demand period {demand_period}",
        )
    return [vi for vi, _ in pairs], [en for _, en in pairs]
