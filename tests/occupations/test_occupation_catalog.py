"""The CSCO catalogue, the code similarity and the group helpers."""

import pytest

from jobmatch.occupations.catalog import (
    get_catalog,
    major_of,
    medium_of,
    minor_of,
    normalize_code,
    similarity,
)


def test_catalog_holds_the_level_4_occupations_once():
    catalog = get_catalog()
    # 1,634 level-4 rows, two of them verbatim repeats
    assert len(catalog) == 1632
    assert all(code.count("-") == 3 for code in catalog.codes)
    assert len(set(catalog.codes)) == len(catalog.codes)


def test_occupation_has_clean_name_aliases_and_parents():
    occupation = get_catalog().get("4-09-08-01")
    assert occupation.name == "保洁员"
    assert occupation.raw_name == "保洁员L"
    assert occupation.is_green and not occupation.is_digital
    assert "保洁" in occupation.aliases
    assert occupation.major.name == "社会生产服务和生活服务人员"
    assert occupation.medium.code == "4-09-00-00"
    assert occupation.minor.code == "4-09-08-00"
    assert occupation.minor.name == "环境卫生服务人员"


def test_minor_group_edge_cases():
    catalog = get_catalog()
    # a 小类 without 细类 is its own 小类
    assert catalog.get("6-31-05-00").minor.code == "6-31-05-00"
    # 护林员 hangs under a 小类 that has no row of its own
    assert catalog.get("5-02-03-01").minor is None
    assert minor_of("5-02-03-01") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("6-25-04-07", "6-25-04-07"),
        ("6250407", "6-25-04-07"),
        (" 6-25-04-07 ", "6-25-04-07"),
        ("6-25-4-7", None),
        ("abc", None),
        (None, None),
        (6250407, None),
    ],
)
def test_normalize_code(raw, expected):
    assert normalize_code(raw) == expected


def test_get_accepts_numeric_codes_and_rejects_unknown():
    catalog = get_catalog()
    assert catalog.get("6250407").name == "电子设备装接工"
    assert catalog.get("9-99-99-99") is None
    assert catalog.name("6-25-00-00") == "计算机、通信和其他电子设备制造人员"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("6-25-04-07", "6-25-04-07", 1.0),  # same 细类
        ("6-25-04-07", "6-25-04-08", 0.75),  # same 小类
        ("6-25-04-07", "6-25-01-01", 0.5),  # same 中类
        ("6-25-04-07", "6-18-02-04", 0.25),  # same 大类
        ("6-25-04-07", "4-09-08-01", 0.0),  # different 大类
        ("1-01-00-01", "1-01-00-02", 0.75),  # siblings directly under a 中类
        ("1-02-01-00", "1-02-02-00", 0.5),  # two 小类-level occupations
        ("6250407", "6-25-04-08", 0.75),
        ("6-25-04-07", None, 0.0),
        ("6-25-04-07", "not a code", 0.0),
    ],
)
def test_similarity(a, b, expected):
    assert similarity(a, b) == expected
    assert similarity(b, a) == expected


def test_group_helpers_return_codes_and_names():
    major, medium = major_of("6-18-02-04"), medium_of("6-18-02-04")
    assert (major.code, major.name, major.level) == ("6-00-00-00", "生产制造及有关人员", 1)
    assert (medium.code, medium.name, medium.level) == ("6-18-00-00", "机械制造基础加工人员", 2)
    assert minor_of("6-18-02-04").name == "机械热加工人员"
    assert medium_of("6180204").code == "6-18-00-00"


def test_group_helpers_reject_unknown_codes():
    assert major_of("9-99-99-99") is None
    assert medium_of("nonsense") is None
    assert minor_of("9-99-99-99") is None
