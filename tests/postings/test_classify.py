"""The occupation classifier and the keyword baseline on clear cases."""

from __future__ import annotations

import pytest

from guidance.postings.classify import PostingClassifier, default_classifier, load_labels
from guidance.postings.lexicon import ALIASES, keyword_code
from guidance.reference import occupations

CLEAR = [
    ("Kế toán tổng hợp", "2411"),
    ("Senior Java Backend Developer", "2512"),
    ("Lập trình viên Backend", "2512"),
    ("Frontend Developer (ReactJS)", "2513"),
    ("Manual Tester (QA QC)", "2519"),
    ("Nhân Viên IT Helpdesk", "3512"),
    ("Nhân Viên Thiết Kế Đồ Họa", "2166"),
    ("DevOps Engineer (AWS)", "2522"),
    ("Database Administrator (DBA)", "2521"),
    ("Chuyên viên phân tích nghiệp vụ (BA)", "2511"),
    ("Kỹ sư cơ khí", "2144"),
    ("Chuyên viên tuyển dụng", "2423"),
]


@pytest.fixture(scope="module")
def clf() -> PostingClassifier:
    return default_classifier()


@pytest.mark.parametrize(("title", "code"), CLEAR)
def test_clear_titles(clf, title, code):
    codes, conf = clf.predict([title])
    assert codes[0] == code
    assert 0.0 < conf[0] <= 1.0


def test_diacritics_do_not_matter(clf):
    a, ca = clf.predict(["Kế toán tổng hợp"])
    b, cb = clf.predict(["ke toan tong hop"])
    assert a[0] == b[0] and ca[0] == pytest.approx(cb[0])


def test_lexicon_teaches_unlabelled_occupations(clf):
    # no driver or cook is in the labelled postings; the lexicon names them
    labels = load_labels()
    assert not labels["isco_code"].isin(["8322", "5120"]).any()
    assert clf.predict(["Tài xế lái xe cho giám đốc"])[0][0] == "8322"
    assert clf.predict(["Đầu bếp nhà hàng"])[0][0] == "5120"


def test_deterministic():
    dev = load_labels().query("split == 'dev'").head(120)
    a = PostingClassifier().fit(dev).predict(["Nhân viên kinh doanh phần mềm"])
    b = PostingClassifier().fit(dev).predict(["Nhân viên kinh doanh phần mềm"])
    assert a[0][0] == b[0][0] and a[1][0] == b[1][0]


def test_empty_batch(clf):
    codes, conf = clf.predict([])
    assert len(codes) == 0 and len(conf) == 0


def test_keyword_baseline_longest_alias_wins():
    assert keyword_code("Kế toán trưởng") == "1211"  # not plain "kế toán" (2411)
    assert keyword_code("Solution Architect") == "2511"
    assert keyword_code("Totally unrelated words") is None


def test_lexicon_codes_are_isco_unit_groups():
    valid = set(occupations()["occupation_code"])
    assert set(ALIASES) <= valid
