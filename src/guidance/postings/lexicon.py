"""Job-title aliases per ISCO-08 unit group (Vietnamese and English), written for
the occupations Vietnamese job boards advertise most. Aliases are matched on
folded text (no diacritics, lower case), so they are written folded here.

Used twice: as extra training text for the classifier (so that an occupation
absent from the labelled set can still be predicted) and as the keyword-rule
baseline (longest alias found in the title wins). The coding choices follow
``labels/LABELLING_RULES.md``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from guidance.text import fold

ALIASES: dict[str, tuple[str, ...]] = {
    # managers
    "1120": ("giam doc dieu hanh", "tong giam doc", "ceo", "general manager", "managing director"),
    "1211": ("ke toan truong", "giam doc tai chinh", "cfo", "finance manager", "chief accountant",
             "truong phong tai chinh", "truong phong ke toan"),
    "1212": ("truong phong nhan su", "hr manager", "giam doc nhan su", "head of hr",
             "truong bo phan hanh chinh nhan su"),
    "1221": ("giam doc kinh doanh", "truong phong kinh doanh", "sales manager", "sales director",
             "head of sales", "marketing manager", "truong phong marketing", "giam doc marketing",
             "head of marketing", "chief commercial officer"),
    "1321": ("quan doc", "giam doc san xuat", "production manager", "plant manager",
             "truong phong chat luong", "qa manager", "factory manager"),
    "1324": ("logistics manager", "truong phong logistics", "supply chain manager",
             "truong kho", "warehouse manager"),
    "1330": ("it manager", "truong phong it", "truong phong cntt", "giam doc cong nghe", "cto",
             "head of it", "project manager", "quan ly du an", "delivery manager",
             "engineering manager", "giam doc du an cong nghe", "truong phong phat trien phan mem",
             "head of engineering", "pmo"),
    "1346": ("giam doc chi nhanh ngan hang", "branch manager"),
    # ICT professionals
    "2511": ("business analyst", "phan tich nghiep vu", "ba", "system analyst", "systems analyst",
             "solution architect", "kien truc giai phap", "product owner", "product manager",
             "data analyst", "phan tich du lieu", "bi analyst", "business intelligence",
             "data scientist", "khoa hoc du lieu", "erp consultant", "functional consultant",
             "tu van trien khai phan mem", "brse", "bridge engineer", "ky su cau noi",
             "trien khai phan mem", "it consultant"),
    "2512": ("software engineer", "software developer", "lap trinh vien", "developer",
             "backend", "back-end", "back end", "fullstack", "full-stack", "full stack",
             "mobile developer", "ios developer", "android developer", "flutter", "react native",
             "java developer", ".net developer", "php developer", "golang", "nodejs", "python developer",
             "embedded", "nhung", "firmware", "ai engineer", "machine learning engineer",
             "ml engineer", "deep learning", "nlp engineer", "computer vision", "ky su phan mem",
             "phat trien phan mem", "lap trinh", "tech lead", "technical leader", "c++"),
    "2513": ("frontend", "front-end", "front end", "web developer", "lap trinh web",
             "game developer", "unity developer", "game designer", "wordpress", "angular developer",
             "reactjs developer", "vuejs"),
    "2514": ("abap", "sap developer", "odoo", "salesforce developer", "erp developer",
             "lap trinh erp", "rpa developer", "dynamics 365 developer"),
    "2519": ("tester", "kiem thu", "qa engineer", "qc engineer", "quality assurance", "test engineer",
             "automation test", "manual test", "scrum master", "agile coach", "sqa", "pqa"),
    "2521": ("data engineer", "ky su du lieu", "database administrator", "dba",
             "quan tri co so du lieu", "data architect", "big data", "etl developer"),
    "2522": ("devops", "system administrator", "sysadmin", "quan tri he thong", "cloud engineer",
             "site reliability", "sre", "system engineer", "ky su he thong", "ha tang it",
             "infrastructure engineer"),
    "2523": ("network engineer", "ky su mang", "quan tri mang", "network administrator",
             "network architect"),
    "2529": ("security engineer", "an toan thong tin", "an ninh mang", "bao mat", "pentest",
             "penetration tester", "cyber security", "cybersecurity", "soc analyst", "it audit",
             "kiem toan cong nghe thong tin", "it risk"),
    "3511": ("van hanh ung dung", "application operation", "it operator", "van hanh he thong",
             "operation engineer", "production support"),
    "3512": ("it helpdesk", "helpdesk", "help desk", "it support", "ho tro ky thuat",
             "nhan vien it", "service desk", "technical support", "desktop support", "user support"),
    "3513": ("ky thuat vien mang", "network technician", "ky thuat may tinh", "it hardware"),
    "3514": ("web technician", "quan tri website", "webmaster", "seo technician"),
    # other professionals
    "2141": ("ky su san xuat", "industrial engineer", "production engineer", "ky su qa", "ky su qc",
             "ky su cai tien", "process engineer", "supplier quality", "sqe"),
    "2142": ("ky su xay dung", "civil engineer", "ky su ket cau", "structural engineer",
             "ky su cau duong"),
    "2144": ("ky su co khi", "mechanical engineer", "thiet ke co khi", "mechanical design"),
    "2145": ("ky su hoa", "chemical engineer", "lab engineer"),
    "2151": ("ky su dien", "electrical engineer", "ky su tu dong hoa", "plc", "automation engineer",
             "ky su dien cong nghiep", "hvac"),
    "2152": ("ky su dien tu", "electronics engineer", "hardware engineer", "thiet ke phan cung",
             "pcb", "vi mach", "ic design"),
    "2153": ("ky su vien thong", "telecommunications engineer", "rf engineer"),
    "2161": ("kien truc su", "architect"),
    "2166": ("thiet ke do hoa", "graphic designer", "graphic design", "designer", "ui/ux",
             "ui ux", "ux/ui", "ux designer", "ui designer", "nhan vien thiet ke", "3d artist",
             "2d artist", "illustrator", "multimedia design", "motion graphic", "thiet ke"),
    "2211": ("bac si", "doctor", "physician"),
    "2221": ("dieu duong", "y ta", "nurse"),
    "2262": ("duoc si", "pharmacist"),
    "2310": ("giang vien dai hoc", "giang vien", "lecturer"),
    "2320": ("giao vien day nghe", "giang vien cao dang"),
    "2330": ("giao vien thpt", "giao vien thcs", "giao vien tin hoc", "giao vien"),
    "2342": ("giao vien mam non", "kindergarten teacher"),
    "2353": ("giao vien tieng anh", "english teacher", "giao vien ngoai ngu"),
    "2356": ("giang vien lap trinh", "coding teacher", "it trainer", "dao tao lap trinh",
             "giao vien lap trinh"),
    "2411": ("ke toan", "accountant", "ke toan tong hop", "ke toan vien", "kiem toan", "auditor"),
    "2412": ("relationship manager", "chuyen vien quan he khach hang", "rm", "tu van tai chinh",
             "financial advisor", "wealth manager"),
    "2413": ("phan tich tai chinh", "financial analyst", "investment analyst"),
    "2421": ("cai tien quy trinh", "process improvement", "management consultant",
             "phan tich quy trinh"),
    "2423": ("tuyen dung", "recruiter", "nhan su", "human resource", "hr executive", "c&b",
             "talent acquisition", "hrbp"),
    "2424": ("dao tao noi bo", "l&d", "training specialist", "chuyen vien dao tao"),
    "2431": ("marketing", "digital marketing", "seo", "performance marketing", "content marketing",
             "brand", "thuong hieu", "tiep thi", "social media", "product marketing"),
    "2432": ("pr", "quan he cong chung", "public relations", "truyen thong noi bo"),
    "2433": ("trinh duoc vien", "medical representative", "technical sales", "product specialist"),
    "2434": ("kinh doanh phan mem", "presales", "pre-sales", "it sales", "sales it",
             "account manager", "ban hang ky thuat", "business development", "ky su kinh doanh",
             "sale it", "kinh doanh giai phap"),
    "2611": ("luat su", "lawyer", "phap che", "legal"),
    "2641": ("content writer", "copywriter", "bien tap vien", "technical writer", "viet bai"),
    "2643": ("phien dich", "bien dich", "translator", "interpreter", "comtor"),
    # technicians and associate professionals
    "3113": ("ky thuat vien dien", "electrician technician"),
    "3115": ("ky thuat vien co khi",),
    "3312": ("tin dung", "credit officer", "chuyen vien tin dung", "loan officer"),
    "3321": ("tu van bao hiem", "insurance agent", "dai ly bao hiem"),
    "3322": ("nhan vien kinh doanh", "sales executive", "sales", "kinh doanh", "ban hang",
             "sale", "sales representative", "chuyen vien kinh doanh", "tu van vien"),
    "3323": ("mua hang", "purchasing", "buyer", "thu mua", "procurement", "mua sam"),
    "3331": ("xuat nhap khau", "import export", "chung tu", "logistics"),
    "3334": ("moi gioi bat dong san", "real estate agent", "tu van bat dong san"),
    "3341": ("hanh chinh", "admin", "office manager"),
    "3343": ("tro ly", "thu ky", "assistant", "secretary"),
    "3434": ("bep truong", "chef", "head chef"),
    "3521": ("editor", "dung phim", "video editor", "quay phim"),
    "3522": ("ky thuat vien vien thong", "ky thuat vien tram", "truyen dan", "cap quang"),
    # clerks, service, workers, drivers
    "4110": ("nhan vien van phong", "office clerk", "sales admin"),
    "4132": ("nhap lieu", "data entry"),
    "4222": ("cham soc khach hang", "cskh", "customer service", "customer care", "tong dai vien",
             "call center"),
    "4226": ("le tan", "receptionist"),
    "4311": ("ke toan kho", "ke toan cong no", "thu ngan", "bookkeeper"),
    "4321": ("thu kho", "nhan vien kho", "warehouse", "storekeeper", "kho van"),
    "5120": ("dau bep", "phu bep", "cook", "nau an", "bep"),
    "5131": ("phuc vu", "waiter", "waitress", "nhan vien phuc vu"),
    "5223": ("ban hang tai cua hang", "nhan vien ban hang", "shop assistant", "sales associate",
             "tu van ban hang tai showroom"),
    "5244": ("telesales", "telesale"),
    "7212": ("tho han", "welder"),
    "7223": ("cnc", "may cnc", "tho tien", "tho phay"),
    "7231": ("tho sua xe", "ky thuat o to", "mechanic", "sua chua o to"),
    "7322": ("van hanh may in", "printing operator"),
    "7411": ("tho dien", "electrician"),
    "7533": ("tho may", "cong nhan may", "sewing"),
    "7543": ("ky thuat vien kiem tra chat luong", "qc inspector", "kiem hang", "nhan vien qc"),
    "8160": ("van hanh may thuc pham",),
    "8189": ("van hanh may", "machine operator", "operator"),
    "8321": ("shipper", "giao hang", "delivery rider"),
    "8322": ("lai xe", "tai xe", "driver", "lai xe con", "lai xe van"),
    "8332": ("lai xe tai", "truck driver", "xe container"),
    "9329": ("cong nhan", "lao dong pho thong", "factory worker", "cong nhan san xuat"),
    "9333": ("boc xep", "porter"),
}


def lexicon_rows() -> list[tuple[str, str]]:
    """(text, code) training rows: every alias on its own."""
    return [(alias, code) for code, aliases in ALIASES.items() for alias in aliases]


@lru_cache(maxsize=1)
def _alias_patterns() -> list[tuple[re.Pattern[str], str, int]]:
    pats = []
    for code, aliases in ALIASES.items():
        for alias in aliases:
            a = fold(alias)
            pats.append((re.compile(r"(?<![a-z0-9])" + re.escape(a) + r"(?![a-z0-9])"), code, len(a)))
    pats.sort(key=lambda p: -p[2])  # longest alias first
    return pats


def keyword_code(title: object) -> str | None:
    """Keyword-rule baseline: the code of the longest alias found in the title."""
    t = fold(title)
    for pat, code, _ in _alias_patterns():
        if pat.search(t):
            return code
    return None
