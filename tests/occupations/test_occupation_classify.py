"""The classifier: known titles, ranking, scores, back-off and learned corrections."""

import pytest

from jobmatch.occupations import OccupationClassifier, classify, classify_many, get_catalog
from jobmatch.occupations.evaluation import BaselineClassifier, accuracy, load_eval_titles


@pytest.mark.parametrize(
    ("title", "code"),
    [
        ("电子厂普工包吃住", "6-25-04-07"),  # 电子设备装接工
        ("苏州线束操作工", "6-24-03-01"),  # 电线电缆制造工 (labelling convention)
        ("保洁阿姨", "4-09-08-01"),  # 保洁员
        ("招聘叉车司机月薪8000", "6-30-05-01"),  # 起重装卸机械操作工
        ("会电焊", "6-18-02-04"),  # 焊工
        ("开叉车", "6-30-05-01"),
        ("车衣", "6-05-01-03"),  # 缝纫工
        ("平车工 熟手 计件", "6-05-01-03"),
        ("小区保安 包吃住", "4-07-05-01"),  # 保安员
        ("育婴师 住家", "4-10-01-03"),  # 保育师 (育婴员 merged into it in 2022)
        ("月嫂", "4-10-01-06"),  # 家政服务员
        ("养老院护理员", "4-10-01-05"),  # 养老护理员
        ("医院护工", "4-14-01-02"),  # 医疗护理员
        ("采茶工 日结", "5-01-02-02"),  # 园艺工
        ("制茶师傅 炒茶", "6-02-06-10"),  # 茶叶加工工
        ("美团外卖骑手", "4-10-08-01"),  # 网约配送员
        ("快递分拣 夜班", "4-02-07-09"),  # 快件处理员
        ("帮厨 切配", "4-03-02-01"),  # 中式烹调师
        ("超市收银员", "4-01-02-04"),
        ("货车司机 A2", "4-02-02-02"),
        ("有C1驾照", "4-02-02-01"),
        ("服装厂普工", "6-05-01-03"),  # industry word resolves the generic head
        ("玩具厂普工", "6-09-05-00"),
        ("家具厂木工", "6-06-03-02"),  # context: machine woodworking
        ("家装木工 吊顶", "6-29-04-01"),
        ("生态护林员（公益性岗位）", "5-02-03-01"),
    ],
)
def test_known_titles(title, code):
    result = classify(title)
    assert result.code == code, (title, result.cleaned, result.candidates[:3])


def test_top_k_is_ranked_distinct_level_4_codes_with_scores_in_range():
    catalog = get_catalog()
    for top in (1, 3, 5, 10):
        result = classify("电子厂普工 包吃住", top=top)
        codes = [c.code for c in result.candidates]
        scores = [c.score for c in result.candidates]
        assert 1 <= len(codes) <= top
        assert len(set(codes)) == len(codes)
        assert all(code in catalog for code in codes)
        assert all(0.0 <= s <= 1.0 for s in scores)
        assert scores == sorted(scores, reverse=True)
        assert all(c.name == catalog.get(c.code).name for c in result.candidates)
        code, name, score = result.candidates[0]  # plain tuples for callers
        assert (code, name, score) == (result.code, result.name, result.score)


def test_scores_are_comparable_across_titles():
    clear, vague = classify("焊工"), classify("管理")
    assert clear.score > 0.9 > vague.score
    assert clear.confident and not vague.confident


def test_confidence_and_level_agree():
    for result in classify_many(["保洁员", "医生", "xyz", "工程师", "电子厂普工", "护理"]):
        assert result.confident == (result.level == 4)
        if result.level == 4:
            assert result.group_code == result.code
        elif result.level in (2, 3):
            width = 7 if result.level == 3 else 4
            assert result.group_code[:width] == result.code[:width]
            assert result.group_name
        else:
            assert result.group_code is None


def test_vague_title_backs_off_to_a_group_but_still_lists_level_4_codes():
    result = classify("医生")
    assert not result.confident
    assert result.level == 3
    assert result.group_code == "2-05-01-00"  # 临床和口腔医师
    assert all(not c.code.endswith("-00-00") for c in result.candidates)


def test_empty_and_non_text_titles():
    for result in classify_many(["", None, "   "]):
        assert result.candidates == ()
        assert result.level == 0 and not result.confident
        assert result.code is None and result.score == 0.0


def test_classify_many_matches_classify_and_keeps_order():
    titles = ["焊工", "保洁阿姨", "焊工 包吃住", "叉车司机", "焊工"]
    many = classify_many(titles, top=3)
    assert [r.title for r in many] == titles
    for title, result in zip(titles, many, strict=True):
        assert result.candidates == classify(title, top=3).candidates


def test_add_alias_makes_a_wrong_title_right():
    classifier = OccupationClassifier()
    title = "吉他厂木工"  # the head word 木工 wins without help
    right = "6-09-02-02"  # 提琴吉他制作工
    assert classifier.classify(title).code != right
    classifier.add_alias(title, right)
    result = classifier.classify(title)
    assert (result.code, result.score, result.source, result.confident) == (right, 1.0, "learned", True)
    # the same title with other noise cleans to the same text and is right too
    assert classifier.classify("【急招】吉他厂木工 包吃住 月薪6000").code == right
    assert len({c.code for c in result.candidates}) == len(result.candidates)
    classifier.remove_alias(title)
    assert classifier.classify(title).code != right


def test_extra_aliases_in_the_constructor_and_isolation():
    classifier = OccupationClassifier(extra_aliases={"吉他厂木工": "6-09-02-02"})
    assert classifier.classify("吉他厂木工").code == "6-09-02-02"
    assert classifier.learned == {"吉他木工": "6-09-02-02"}
    # the shared classifier is not affected
    assert classify("吉他厂木工").code != "6-09-02-02"


def test_add_alias_rejects_unknown_codes_and_empty_titles():
    classifier = OccupationClassifier()
    with pytest.raises(ValueError):
        classifier.add_alias("焊工", "9-99-99-99")
    with pytest.raises(ValueError):
        classifier.add_alias("焊工", "6-18-00-00")  # a group, not an occupation
    with pytest.raises(ValueError):
        classifier.add_alias("", "6-18-02-04")


def test_add_alias_accepts_numeric_codes():
    classifier = OccupationClassifier()
    classifier.add_alias("打头工", "6200106")
    assert classifier.classify("打头工").code == "6-20-01-06"


def test_dev_accuracy_stays_far_above_the_baseline():
    dev = load_eval_titles("dev")
    ours = accuracy(lambda ts: [[c.code for c in r.candidates] for r in classify_many(ts)], dev)
    baseline = accuracy(BaselineClassifier().predict, dev)
    assert ours.top1 >= 0.9
    assert ours.top5 >= 0.95
    assert ours.top1 > baseline.top1 + 0.2
