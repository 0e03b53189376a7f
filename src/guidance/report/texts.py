"""Every word of the report, Vietnamese first (``TEXTS[lang][key]``, ``{name}`` filled in)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Báo cáo thường niên về việc làm của người tốt nghiệp giáo dục nghề nghiệp",
        "scope.national": "Toàn quốc",
        "scope.province": "{name} (mã tỉnh {code})",
        "cover.year": "Người tốt nghiệp năm {year}",
        "cover.as_of": "Số liệu tính đến {date}",
        "cover.made": "Lập {date} bằng lệnh guidance report",
        "cover.sources": "Nguồn số liệu",
        "cover.only_published": (
            "Báo cáo chỉ chứa số liệu đã qua kiểm soát công bố: mọi tỷ lệ được tính trên ít "
            "nhất {n} người trả lời với tỷ lệ phản hồi từ {rr}% trở lên; số liệu bị ẩn ghi rõ "
            "lý do. Xem trang Phương pháp."
        ),
        "page": "Trang {n}/{total}",
        "running": "{title} · {scope} · {year}",
        "toc": "Nội dung",
        # summary
        "s.summary": "Tóm tắt",
        "summary.lead": (
            "Trong số người tốt nghiệp {cohort} {scope_in} đã trả lời khảo sát, {e12} có việc "
            "làm sau 12 tháng (khoảng tin cậy 95%: {lo}–{hi}) và {e6} có việc làm sau 6 "
            "tháng; {formal} có việc làm chính thức và {inocc} làm đúng nghề được đào tạo."
        ),
        "summary.withheld": (
            "Số liệu tổng hợp {scope_in} cho người tốt nghiệp năm {year} không được công bố: "
            "{reason}."
        ),
        "summary.pooled": "Năm {year} quá ít người trả lời nên số liệu gộp các khóa {cohorts}.",
        "scope_in.national": "trên toàn quốc",
        "scope_in.province": "tại {name}",
        "cohort.single": "năm {year}",
        "cohort.pooled": "các năm {cohorts}",
        "kv.indicator": "Chỉ tiêu",
        "kv.value": "Giá trị",
        "kv.cohorts": "Khóa tốt nghiệp",
        "kv.graduates": "Người tốt nghiệp (làm tròn đến 5)",
        "kv.surveyed": "Được khảo sát",
        "kv.respondents": "Người trả lời",
        "kv.response_rate": "Tỷ lệ phản hồi",
        "kv.e6": "Có việc làm sau 6 tháng",
        "kv.e12": "Có việc làm sau 12 tháng",
        "kv.formal": "Việc làm chính thức (12 tháng)",
        "kv.informal": "Việc làm phi chính thức (12 tháng)",
        "kv.self": "Tự làm chủ, tự kinh doanh (12 tháng)",
        "kv.inocc": "Làm đúng nghề được đào tạo (12 tháng)",
        "kv.completion": "Hoàn thành khóa học",
        "kv.wage_median": "Lương tháng trung vị (12 tháng)",
        "kv.wage_range": "Khoảng lương tháng (tứ phân vị 25%–75%)",
        "interval": "{v} (khoảng {lo}–{hi})",
        # map
        "s.map": "Bản đồ 34 tỉnh, thành phố",
        "map.title": "Tỷ lệ có việc làm sau 12 tháng, người tốt nghiệp năm {year}",
        "map.unit": "%",
        "map.legend": "Có việc làm sau 12 tháng, trên người trả lời",
        "map.lead": (
            "Bản đồ tô màu theo tỷ lệ có việc làm sau 12 tháng của người tốt nghiệp năm {year} "
            "(hoặc các khóa gộp khi một năm quá ít người trả lời). Tỉnh không có số liệu hoặc "
            "bị ẩn để bảo vệ danh tính được để trống. {highlight}"
        ),
        "map.highlight": "{name} được viền đậm.",
        "map.table": "Bảng số liệu của bản đồ",
        "map.missing": ("Không vẽ được bản đồ: {reason}. Bảng dưới đây có đủ số liệu của bản đồ."),
        "col.province": "Tỉnh, thành phố",
        "col.e12": "Việc làm 12 tháng",
        "col.e6": "Việc làm 6 tháng",
        "col.cohorts": "Khóa",
        "col.respondents": "Người trả lời",
        "col.response_rate": "Tỷ lệ phản hồi",
        "col.note": "Ghi chú",
        "col.trade": "Nhóm nghề (ISCO-08)",
        "col.trade4": "Nghề đào tạo",
        "col.level": "Trình độ",
        "col.formal": "Chính thức",
        "col.inocc": "Đúng nghề",
        "col.wage": "Lương tháng (triệu đồng)",
        "col.institution": "Cơ sở đào tạo",
        "col.graduates": "Người tốt nghiệp",
        "col.surveyed": "Được khảo sát",
        "no_data": "không có người tốt nghiệp trong dữ liệu",
        # supply and demand
        "s.supply": "Cung và cầu lao động theo nghề",
        "supply.lead": (
            "Bảng so sánh số người dự kiến tốt nghiệp năm tới với nhu cầu tuyển dụng theo nhóm "
            "nghề. Số chỗ làm trống trên một người tìm việc lớn hơn 1 nghĩa là doanh nghiệp "
            "tìm người nhiều hơn số người đang tìm việc; số người tốt nghiệp trên một chỗ làm "
            "trống lớn nghĩa là nguồn cung từ trường nghề nhiều so với nhu cầu."
        ),
        "supply.flag_lead": (
            "Chỉ số thiếu hụt/dư thừa (theo tinh thần bộ chỉ số Skills for Jobs của OECD) kết "
            "hợp các thành phần dưới đây, mỗi thành phần được chuẩn hóa so với mức trung bình "
            "của mọi nhóm nghề; nghề được xếp “thiếu hụt” khi chỉ số cao hơn ngưỡng, “dư "
            "thừa” khi thấp hơn ngưỡng âm, còn lại là “cân bằng”."
        ),
        "supply.none": (
            "Chưa có số liệu cung cầu: dữ liệu không có ảnh chụp nhu cầu lao động, hoặc phiên "
            "bản này của dịch vụ chưa tính bảng cung cầu ({why})."
        ),
        "supply.shortage": "Danh sách nghề thiếu hụt",
        "supply.shortage_none": "Không có nhóm nghề nào được xếp là thiếu hụt.",
        "supply.table": "Cung và cầu theo nhóm nghề và tỉnh",
        "col.expected_graduates": "Dự kiến tốt nghiệp",
        "col.vacancies": "Chỗ làm trống",
        "col.job_seekers": "Người tìm việc",
        "col.vpj": "Chỗ trống trên người tìm việc",
        "col.gpv": "Tốt nghiệp trên chỗ trống",
        "col.trend": "Xu hướng 12 tháng",
        "col.indicator": "Chỉ số",
        "col.flag": "Xếp loại",
        "col.components": "Thành phần",
        "flag.shortage": "thiếu hụt",
        "flag.balanced": "cân bằng",
        "flag.surplus": "dư thừa",
        # outcomes by trade
        "s.trades": "Kết quả việc làm theo nhóm nghề",
        "trades.lead": (
            "Tỷ lệ tính trên người trả lời khảo sát. “Chính thức” là việc làm có hợp đồng, "
            "“đúng nghề” là làm đúng nghề được đào tạo, cả hai sau 12 tháng. Khoảng lương là "
            "tứ phân vị 25%–75% của lương tháng. Dấu “—” ở cột lương: lương không được công bố "
            "khi có ít hơn {n} người trả lời về lương. Dòng bị ẩn ghi lý do."
        ),
        "trades.capped": "Chỉ hiển thị {shown} trên {total} dòng; bảng đầy đủ có trong API "
        "thống kê /api/v1/stats (tải được dạng CSV).",
        "s.provinces": "Kết quả việc làm theo tỉnh",
        # institutions
        "s.institutions": "Cơ sở đào tạo: phạm vi khảo sát và tỷ lệ phản hồi",
        "inst.lead": (
            "{n} cơ sở đào tạo có người tốt nghiệp năm {year} trong dữ liệu {scope_in}; số "
            "liệu của {k} cơ sở được công bố. Số người được làm tròn đến 5; tỷ lệ phản hồi = "
            "người trả lời / người tốt nghiệp."
        ),
        # methods
        "s.methods": "Phương pháp, định nghĩa và kiểm soát công bố",
        "m.rules": "Quy tắc công bố",
        "m.rule1": (
            "Một tỷ lệ chỉ được công bố khi có ít nhất {n} người trả lời và tỷ lệ phản "
            "hồi từ {rr}% trở lên (theo InserJeunes của Pháp và Discover Uni của Anh); "
            "nếu không, ô bị ẩn và ghi lý do."
        ),
        "m.rule2": (
            "Khi một năm quá ít người trả lời, số liệu gộp hai hoặc ba khóa gần nhất và "
            "được ghi là “gộp”."
        ),
        "m.rule3": (
            "Số người làm tròn đến {c}, tỷ lệ làm tròn đến phần trăm, lương làm tròn "
            "đến {w} đồng; lương chỉ công bố khi có ít nhất {wn} người trả lời về lương."
        ),
        "m.rule4": (
            "Ẩn bổ sung: một số ô được ẩn thêm để không ai có thể suy ra một ô bị ẩn "
            "bằng cách lấy tổng trừ đi các ô đã công bố."
        ),
        "m.audited": (
            "Kiểm tra đại số đầy đủ (không tổ hợp tuyến tính nào của các ô đã công bố "
            "làm lộ một ô bị ẩn) đã chạy và đạt."
        ),
        "m.not_audited": (
            "Bộ số liệu này quá lớn cho kiểm tra đại số đầy đủ; quy tắc ẩn bổ "
            "sung theo nhóm tổng–thành phần vẫn được áp dụng."
        ),
        "m.definitions": "Định nghĩa",
        "m.def1": (
            "Người tốt nghiệp: mọi hồ sơ của khóa; người trả lời: người trả lời khảo sát "
            "hoặc có số liệu hành chính; tỷ lệ phản hồi = người trả lời / người tốt "
            "nghiệp."
        ),
        "m.def2": (
            "Tỷ lệ có việc làm sau 6 và 12 tháng, việc làm chính thức, phi chính thức, "
            "tự làm, làm đúng nghề và hoàn thành khóa học đều tính trên người trả lời; "
            "người không trả lời không bị coi là không có việc làm."
        ),
        "m.def3": (
            "Khoảng tin cậy 95% theo phương pháp Wilson. Lương là lương tháng của người "
            "có việc làm sau 12 tháng."
        ),
        "m.def4": (
            "Nghề của một chương trình là mã ISCO-08 đầu tiên trong các nghề mục tiêu; "
            "nhóm nghề là hai chữ số đầu. Tên nhóm nghề ISCO-08 được ghi bằng tiếng Anh "
            "vì dịch vụ chưa có bản dịch tiếng Việt có giấy phép."
        ),
        "m.def5": (
            "Tỉnh là nơi đào tạo, theo danh mục 34 tỉnh, thành phố từ ngày 1/7/2025. "
            "Năm của báo cáo là năm tốt nghiệp."
        ),
        "m.sources": "Nguồn",
        "m.map_credit": "Ranh giới tỉnh trên bản đồ: {credit}",
        "source.tracer": "Cơ sở dữ liệu theo dõi người tốt nghiệp (tracer) của dịch vụ",
        "source.data_dir": "Thư mục dữ liệu theo hợp đồng dữ liệu v1: {name}",
        "source.demand": "Ảnh chụp nhu cầu lao động: {sources}, đến {period}",
        "reason.no_data": "không có số liệu",
        "level.so_cap": "Sơ cấp",
        "level.trung_cap": "Trung cấp",
        "level.cao_dang": "Cao đẳng",
    },
    "en": {
        "title": "Yearly report on the employment of vocational graduates",
        "scope.national": "Nation",
        "scope.province": "{name} (province code {code})",
        "cover.year": "Graduates of {year}",
        "cover.as_of": "Data as of {date}",
        "cover.made": "Made on {date} with guidance report",
        "cover.sources": "Sources",
        "cover.only_published": (
            "This report holds only disclosure-controlled figures: every rate rests on at "
            "least {n} respondents with a response rate of at least {rr}%; withheld figures "
            "say why. See the Methods page."
        ),
        "page": "Page {n}/{total}",
        "running": "{title} · {scope} · {year}",
        "toc": "Contents",
        "s.summary": "Summary",
        "summary.lead": (
            "Of the graduates of {cohort} {scope_in} who answered the survey, {e12} were in "
            "work 12 months after graduating (95% interval {lo}–{hi}) and {e6} after 6 "
            "months; {formal} had a formal job and {inocc} worked in the trade they trained "
            "for."
        ),
        "summary.withheld": (
            "The overall figures {scope_in} for the graduates of {year} are not published: "
            "{reason}."
        ),
        "summary.pooled": "Too few answered for {year} alone, so cohorts {cohorts} are pooled.",
        "scope_in.national": "nationwide",
        "scope_in.province": "in {name}",
        "cohort.single": "{year}",
        "cohort.pooled": "{cohorts}",
        "kv.indicator": "Indicator",
        "kv.value": "Value",
        "kv.cohorts": "Graduation cohorts",
        "kv.graduates": "Graduates (rounded to 5)",
        "kv.surveyed": "Surveyed",
        "kv.respondents": "Respondents",
        "kv.response_rate": "Response rate",
        "kv.e6": "In work after 6 months",
        "kv.e12": "In work after 12 months",
        "kv.formal": "Formal job (12 months)",
        "kv.informal": "Informal job (12 months)",
        "kv.self": "Self-employed (12 months)",
        "kv.inocc": "In the trade trained for (12 months)",
        "kv.completion": "Completed the programme",
        "kv.wage_median": "Median monthly wage (12 months)",
        "kv.wage_range": "Monthly wage range (quartiles 25%–75%)",
        "interval": "{v} ({lo}–{hi})",
        "s.map": "Map of the 34 provinces",
        "map.title": "In work after 12 months, graduates of {year}",
        "map.unit": "%",
        "map.legend": "In work after 12 months, of respondents",
        "map.lead": (
            "The map colours each province by the share of its {year} graduates in work 12 "
            "months later (or pooled cohorts when one year had too few respondents). "
            "Provinces without data, or withheld to protect identities, are left blank. "
            "{highlight}"
        ),
        "map.highlight": "{name} is outlined.",
        "map.table": "The map's figures",
        "map.missing": "The map could not be drawn: {reason}. The table below holds its figures.",
        "col.province": "Province",
        "col.e12": "In work 12 m",
        "col.e6": "In work 6 m",
        "col.cohorts": "Cohorts",
        "col.respondents": "Respondents",
        "col.response_rate": "Response rate",
        "col.note": "Note",
        "col.trade": "Trade group (ISCO-08)",
        "col.trade4": "Training occupation",
        "col.level": "Level",
        "col.formal": "Formal",
        "col.inocc": "In trade",
        "col.wage": "Monthly wage (million VND)",
        "col.institution": "Institution",
        "col.graduates": "Graduates",
        "col.surveyed": "Surveyed",
        "no_data": "no graduates in the data",
        "s.supply": "Supply against demand by trade",
        "supply.lead": (
            "The table sets next year's expected graduates against labour demand by trade. "
            "More than one vacancy per job seeker means employers seek more people than are "
            "looking; many graduates per vacancy means the schools supply many against the "
            "demand."
        ),
        "supply.flag_lead": (
            "The shortage/surplus indicator (in the spirit of the OECD Skills for Jobs "
            "indicators) combines the components below, each standardised against the "
            "all-trades average; a trade is flagged “shortage” above the threshold, "
            "“surplus” below its negative, otherwise “balanced”."
        ),
        "supply.none": (
            "No supply-demand figures: the data hold no labour-demand snapshot, or this "
            "version of the service does not compute the supply-demand table yet ({why})."
        ),
        "supply.shortage": "Shortage list",
        "supply.shortage_none": "No trade is flagged as a shortage.",
        "supply.table": "Supply and demand by trade and province",
        "col.expected_graduates": "Expected graduates",
        "col.vacancies": "Vacancies",
        "col.job_seekers": "Job seekers",
        "col.vpj": "Vacancies per seeker",
        "col.gpv": "Graduates per vacancy",
        "col.trend": "12-month trend",
        "col.indicator": "Indicator",
        "col.flag": "Flag",
        "col.components": "Components",
        "flag.shortage": "shortage",
        "flag.balanced": "balanced",
        "flag.surplus": "surplus",
        "s.trades": "Employment outcomes by trade",
        "trades.lead": (
            "Rates are over survey respondents. “Formal” is a job with a contract, “in trade” "
            "a job in the trade trained for, both at 12 months. The wage range is the 25%–75% "
            "quartile range of monthly wages. A “—” in the wage column: wages from fewer than "
            "{n} respondents are not shown. Withheld rows say why."
        ),
        "trades.capped": "Only {shown} of {total} rows are shown; the full table is in the "
        "statistics API /api/v1/stats (CSV download).",
        "s.provinces": "Employment outcomes by province",
        "s.institutions": "Institutions: survey coverage and response rates",
        "inst.lead": (
            "{n} institutions have graduates of {year} in the data {scope_in}; the figures of "
            "{k} are published. Counts are rounded to 5; response rate = respondents / "
            "graduates."
        ),
        "s.methods": "Methods, definitions and disclosure control",
        "m.rules": "Disclosure rules",
        "m.rule1": (
            "A rate is published only with at least {n} respondents and a response "
            "rate of at least {rr}% (after France's InserJeunes and the UK's Discover "
            "Uni); otherwise the cell is withheld with its reason."
        ),
        "m.rule2": (
            "When one year has too few respondents, the latest two or three cohorts "
            "are pooled and marked “pooled”."
        ),
        "m.rule3": (
            "Counts are rounded to {c}, rates to whole percent, wages to {w} VND; "
            "wages only from at least {wn} respondents who gave one."
        ),
        "m.rule4": (
            "Complementary suppression: some cells are withheld as well so that no "
            "withheld cell can be worked out by subtracting published cells from a "
            "published total."
        ),
        "m.audited": (
            "The exact algebraic audit (no linear combination of published cells "
            "reveals a withheld one) ran and passed."
        ),
        "m.not_audited": (
            "This publication is too large for the exact algebraic audit; the "
            "complementary suppression over total–part groups still holds."
        ),
        "m.definitions": "Definitions",
        "m.def1": (
            "Graduates: every record of the cohort; respondents: those who answered the "
            "survey or have administrative data; response rate = respondents / "
            "graduates."
        ),
        "m.def2": (
            "Employment at 6 and 12 months, formal, informal, self-employed, in the "
            "trade trained for and completion are all over respondents; a "
            "non-respondent is never counted as not employed."
        ),
        "m.def3": (
            "95% Wilson score intervals. Wages are the monthly wages of those in work at 12 months."
        ),
        "m.def4": (
            "A programme's trade is the first ISCO-08 code of its target occupations; "
            "the trade group is its first two digits."
        ),
        "m.def5": (
            "The province is where the programme is taught, in the 34 provinces in "
            "force since 1 July 2025. The report's year is the graduation year."
        ),
        "m.sources": "Sources",
        "m.map_credit": "Province boundaries on the map: {credit}",
        "source.tracer": "The service's graduate tracer database",
        "source.data_dir": "Data directory under data contract v1: {name}",
        "source.demand": "Labour-demand snapshots: {sources}, up to {period}",
        "reason.no_data": "no data",
        "level.so_cap": "Elementary",
        "level.trung_cap": "Intermediate",
        "level.cao_dang": "College",
    },
}

ERRORS: dict[str, tuple[str, str]] = {
    "province_old": (
        "{code} is a pre-2025 province code ({old}); use the 2025 code {new} ({new_name})",
        "{code} là mã tỉnh trước năm 2025 ({old}); hãy dùng mã năm 2025 là {new} ({new_name})",
    ),
    "province_unknown": (
        "{code} is not a province code (two digits, one of the 34 provinces "
        "in force since 2025-07-01)",
        "{code} không phải mã tỉnh (hai chữ số, một trong 34 tỉnh, thành phố từ ngày 1/7/2025)",
    ),
    "year_none": (
        "no graduates of {year} in the data (years with data: {years})",
        "dữ liệu không có người tốt nghiệp năm {year} (các năm có dữ liệu: {years})",
    ),
    "province_none": (
        "no graduates of {year} in province {code} in the data",
        "dữ liệu không có người tốt nghiệp năm {year} tại tỉnh mã {code}",
    ),
    "no_outcomes": (
        "the data hold no graduate outcomes",
        "dữ liệu không có kết quả nào của người tốt nghiệp",
    ),
    "out_ext": (
        "{path}: the file name must end in .pdf or .html",
        "{path}: tên tệp phải có đuôi .pdf hoặc .html",
    ),
    "out_dir": (
        "{path}: the folder does not exist or cannot be written",
        "{path}: thư mục không tồn tại hoặc không ghi được",
    ),
    "out_isdir": ("{path} is a folder, not a file", "{path} là thư mục, không phải tệp"),
    "data_dir": ("{path} is not a data directory", "{path} không phải thư mục dữ liệu"),
    "data_bad": (
        "{path} breaks the data contract ({n} errors; run guidance validate {path})",
        "{path} không đúng hợp đồng dữ liệu ({n} lỗi; chạy guidance validate {path})",
    ),
    "db": ("cannot read the database: {detail}", "không đọc được cơ sở dữ liệu: {detail}"),
    "db_empty": (
        "the database holds no tracer data (submit tracer files or use --data DIR)",
        "cơ sở dữ liệu chưa có dữ liệu theo dõi người tốt nghiệp (hãy nộp tệp tracer "
        "hoặc dùng --data DIR)",
    ),
    "render": (
        "could not write the report: {detail}; nothing was written",
        "không ghi được báo cáo: {detail}; không có tệp nào được ghi",
    ),
}
"""Error code -> (English, Vietnamese) templates of the command's one-line errors."""


class ReportError(Exception):
    """A bad option or input: one plain sentence naming the option (exit 2 on the CLI)."""

    def __init__(self, option: str, kind: str, **params) -> None:
        en, vi = ERRORS[kind]
        self.option, self.code = option, kind
        self.en, self.vi = en.format(**params), vi.format(**params)
        super().__init__(f"{option}: {self.en}")

    def line(self, lang: str = "vi") -> str:
        first, second = (self.vi, self.en) if lang == "vi" else (self.en, self.vi)
        return f"{self.option}: {first} / {second}"
