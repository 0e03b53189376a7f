"""Tracer contract v1.1 as data: individual wave records and cohort aggregates.

Outcome columns reuse the rules of data contract v1 (``guidance.contract.schema.OUTCOMES``);
``record_id`` is replaced by ``learner_ref`` (pseudonymised at the edge) and the two
``employed_6m`` / ``employed_12m`` columns by one ``employed`` for the record's wave.
Every number has finite bounds.
"""

from __future__ import annotations

from guidance.contract.schema import OUTCOMES, Col

WAVES = ("6m", "12m")
STATUSES = ("responded", "no_response", "unreachable", "refused", "administrative")
RESPONDED = ("responded", "administrative")  # statuses that carry outcomes
MODES = ("phone", "online", "in_person", "mail", "administrative")
INT64_MAX = 2**63 - 1
MAX_WAGE = 10_000_000_000  # 10 billion VND a month: anything above is a typing error

_o = OUTCOMES.by_name


def _bounded(c: Col) -> Col:
    """The v1 column, optional in a submission (a non-respondent's attributes may be
    unknown; the export leaves out records lacking a v1-required value), with finite bounds."""
    hi = (
        c.max
        if c.max is not None or c.kind not in ("int", "float")
        else (MAX_WAGE if "wage" in c.name else 600)
    )
    return Col(
        c.name,
        c.kind,
        min=c.min,
        max=hi,
        choices=c.choices,
        pattern=c.pattern,
        pattern_desc=c.pattern_desc,
    )


# learner attributes (same for every wave of a graduate) and the wave's outcomes
LEARNER = tuple(
    _bounded(_o[n])
    for n in (
        "age",
        "home_province_code",
        "education_level",
        "gpa",
        "math_score",
        "literature_score",
        "english_score",
        "riasec_r",
        "riasec_i",
        "riasec_a",
        "riasec_s",
        "riasec_e",
        "riasec_c",
        "prior_work_months",
        "sex",
        "ethnic_minority",
        "completed",
    )
)
OUTCOME = (
    Col("employed", "bool"),
    *(
        _bounded(
            Col(
                c.name,
                c.kind,
                min=c.min,
                max=c.max,
                choices=c.choices,
                pattern=c.pattern,
                pattern_desc=c.pattern_desc,
            )
        )
        for c in (
            _o["employment_type"],
            _o["occupation_code"],
            _o["job_province_code"],
            _o["monthly_wage_vnd"],
            _o["job_matches_training"],
        )
    ),
)
OUTCOME_NAMES = tuple(c.name for c in OUTCOME)

RECORD_COLUMNS: tuple[Col, ...] = (
    Col("learner_ref", required=True),
    Col("programme_id", required=True),
    Col("survey_wave", choices=WAVES),
    Col("survey_status", required=True, choices=STATUSES),
    Col("survey_date", "date"),
    Col("survey_mode", choices=MODES),
    *LEARNER,
    *OUTCOME,
)

AGG_COLUMNS: tuple[Col, ...] = (
    Col("programme_id", required=True),
    *(
        Col(n, "int", required=r, min=0, max=10_000_000)
        for n, r in (
            ("graduates", True),
            ("surveyed", True),
            ("respondents", True),
            ("employed_formal", True),
            ("employed_informal", True),
            ("self_employed", True),
            ("employed_in_occupation", False),
        )
    ),
    *(Col(n, "int", min=0, max=MAX_WAGE) for n in ("wage_p25", "wage_median", "wage_p75")),
)

# Vietnamese headings (the template's), accepted beside the English names
VI = {
    "learner_ref": "Mã người học",
    "programme_id": "Mã chương trình",
    "survey_wave": "Đợt khảo sát",
    "survey_status": "Tình trạng khảo sát",
    "survey_date": "Ngày khảo sát",
    "survey_mode": "Hình thức khảo sát",
    "age": "Tuổi",
    "home_province_code": "Mã tỉnh quê quán",
    "education_level": "Trình độ văn hoá",
    "gpa": "Điểm trung bình",
    "math_score": "Điểm toán",
    "literature_score": "Điểm văn",
    "english_score": "Điểm tiếng Anh",
    "riasec_r": "RIASEC R",
    "riasec_i": "RIASEC I",
    "riasec_a": "RIASEC A",
    "riasec_s": "RIASEC S",
    "riasec_e": "RIASEC E",
    "riasec_c": "RIASEC C",
    "prior_work_months": "Số tháng đã đi làm",
    "sex": "Giới tính",
    "ethnic_minority": "Dân tộc thiểu số",
    "completed": "Tốt nghiệp",
    "employed": "Có việc làm",
    "employment_type": "Loại việc làm",
    "occupation_code": "Mã nghề nghiệp",
    "job_province_code": "Mã tỉnh nơi làm việc",
    "monthly_wage_vnd": "Thu nhập tháng (VNĐ)",
    "job_matches_training": "Việc làm đúng nghề đào tạo",
    "graduates": "Số tốt nghiệp",
    "surveyed": "Số được khảo sát",
    "respondents": "Số trả lời",
    "employed_formal": "Việc làm chính thức",
    "employed_informal": "Việc làm phi chính thức",
    "self_employed": "Tự làm chủ",
    "employed_in_occupation": "Làm đúng nghề",
    "wage_p25": "Thu nhập phân vị 25",
    "wage_median": "Thu nhập trung vị",
    "wage_p75": "Thu nhập phân vị 75",
}
RULE_VI = {
    "required": "bắt buộc",
    "type": "sai kiểu dữ liệu",
    "range": "ngoài khoảng cho phép",
    "enum": "giá trị không hợp lệ",
    "format": "sai định dạng",
    "formula": "công thức",
    "duplicate": "trùng lặp",
    "no_response_outcome": "không trả lời nhưng có kết quả",
    "counts": "số liệu không nhất quán",
    "future_cohort": "khoá học trong tương lai",
    "offering": "chương trình không thuộc cơ sở",
    "consistency": "không nhất quán",
    "wave": "sai đợt khảo sát",
    "header": "tiêu đề cột",
    "ragged": "số ô không khớp",
}
