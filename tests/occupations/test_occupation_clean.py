"""Title cleaning."""

import pytest

from jobmatch.occupations.clean import clean_title


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("【苏州】电子厂普工 包吃住 月薪6000-8000 长白班", "电子 普工"),  # place, factory, benefits, salary
        ("苏州线束操作工", "线束操作工"),
        ("招聘叉车司机月薪8000", "叉车司机"),
        ("急招3名焊工，日结200元/天", "焊工"),  # head count, daily pay
        ("昆山仁宝电子科技有限公司普工（男女不限18-45岁）", "电子 普工"),  # company keeps its industry
        ("物业公司保洁", "物业 保洁"),
        ("平利县城关镇社区保洁员（公益性岗位）", "社区保洁员"),  # county, town, channel
        ("陕西省安康市平利县护林员", "护林员"),
        ("限女 收银员 8k", "收银员"),  # gender, salary in k
        ("幼儿园保育员(限女,25-45周岁)", "幼儿园保育员"),  # age
        ("服装厂车工 计件 夫妻工优先", "服装 车工"),
        ("保洁阿姨", "保洁"),  # the person word goes when a job word stays
        ("阿姨", "阿姨"),
        ("会电焊", "电焊"),  # register-style skill
        ("持叉车证", "叉车"),
        ("有C1驾照", "c1驾照"),
        ("ＣＮＣ操机员 五险一金 双休", "cnc操机员"),  # full-width letters
    ],
)
def test_clean_title(title, expected):
    assert clean_title(title) == expected


@pytest.mark.parametrize(
    "title",
    [
        "会计",
        "招聘专员",
        "招商经理",
        "厂长",
        "车间主任",
        "大理石切割工",
        "有机合成工",
        "能源管理员",
        "农贸市场管理员",
    ],
)
def test_job_words_that_look_like_noise_survive(title):
    assert clean_title(title) == title


def test_empty_and_pure_noise():
    assert clean_title("") == ""
    assert clean_title("包吃住 五险一金 月薪8000") == ""
