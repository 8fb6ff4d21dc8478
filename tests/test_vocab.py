import pytest

from jobmatch.vocab.normalize import VocabMatcher, parse_certificate, split_list
from jobmatch.vocab.services import Vocabulary, add_skill_synonym, ensure_seed


def test_split_list_accepts_every_separator():
    assert split_list("焊工、会电焊,车衣，平车;采茶；制茶/养猪\n护林") == [
        "焊工", "会电焊", "车衣", "平车", "采茶", "制茶", "养猪", "护林"
    ]
    assert split_list("  ") == []
    assert split_list("焊工、焊工") == ["焊工"]


@pytest.mark.parametrize("text,name,level", [
    ("养老护理员(四级)", "养老护理员", 4),
    ("养老护理员（四级）", "养老护理员", 4),
    ("焊工证 初级", "焊工", 5),
    ("中式烹调师三级/高级工", "中式烹调师", 3),
    ("C1驾驶证", "C1驾驶", None),
    ("电工高级技师", "电工", 1),
])
def test_certificates_parse_into_name_and_level(text, name, level):
    parsed = parse_certificate(text)
    assert (parsed.name, parsed.level) == (name, level)


def test_matcher_exact_synonym_contains_and_typo():
    m = VocabMatcher({"电焊": 1, "养老护理": 2, "缝纫": 3}, {"焊工": 1, "电焊工": 1, "车衣": 3, "老人护理": 2})
    assert m.match("电焊").how == "exact"
    assert m.match("焊工").target_id == 1
    assert m.match("会电焊").target_id == 1
    assert m.match("车衣").target_id == 3
    assert m.match("缝纫机操作").target_id == 3  # contains a known term
    assert m.match("养老护里").target_id == 2  # one-character typo
    assert m.match("开挖掘机") is None


def test_seeded_vocabulary_makes_welding_one_skill(app):
    ensure_seed()
    vocab = Vocabulary()
    ids = {vocab.skill_id(t) for t in ("焊工", "会电焊", "电焊工", "电焊")}
    assert len(ids) == 1 and None not in ids
    parsed, cert_id = vocab.certificate("养老护理员(四级)")
    assert cert_id is not None and parsed.level == 4
    assert vocab.certificate_names[cert_id] == "养老护理员"


def test_staff_synonym_changes_the_match(app):
    ensure_seed()
    vocab = Vocabulary()
    sewing = vocab.skills.match("缝纫").target_id
    assert vocab.skill_id("踩机子") != sewing
    add_skill_synonym("踩机子", sewing)
    assert Vocabulary().skill_id("踩机子") == sewing
