"""Job-title cleaning: strip what a posting adds around the occupation.

Brokers write titles like "【苏州】电子厂普工 包吃住 月薪6000-8000 长白班";
only "电子 普工" says what the work is. :func:`clean_title` removes salary,
benefits, places, company names, head counts, gender and age requirements and
recruiting words, and returns the rest as space-separated segments in their
original order (the last segment usually holds the head noun).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from importlib import resources

_HAN = r"\u4e00-\u9fff"

#: Industry words worth keeping from a company or factory name ("XX电子科技有限公司").
INDUSTRY_WORDS: tuple[str, ...] = (
    "电子",
    "电器",
    "电气",
    "线束",
    "连接器",
    "服装",
    "制衣",
    "服饰",
    "针织",
    "纺织",
    "毛纺",
    "鞋业",
    "制鞋",
    "鞋",
    "玩具",
    "毛绒",
    "假发",
    "发制品",
    "箱包",
    "食品",
    "肉联",
    "乳业",
    "茶叶",
    "茶业",
    "饮料",
    "物流",
    "快递",
    "家政",
    "物业",
    "建筑",
    "建设",
    "路桥",
    "汽车",
    "汽配",
    "家具",
    "木业",
    "印刷",
    "包装",
    "纸业",
    "塑胶",
    "塑料",
    "橡胶",
    "五金",
    "机械",
    "模具",
    "医药",
    "制药",
    "化工",
    "餐饮",
    "酒店",
    "超市",
    "电池",
    "光伏",
    "半导体",
    "手机",
    "电脑",
    "眼镜",
    "灯饰",
    "照明",
    "陶瓷",
    "钢构",
    "钢结构",
    "铝业",
    "钢铁",
    "水泥",
    "养殖",
    "农业",
    "种植",
    "保安",
    "保洁",
    "环卫",
    "绿化",
    "园林",
    "矿业",
    "煤矿",
    "仓储",
    "冷链",
)

# Recruiting words at the start of a segment; 招 keeps 招商/招标/招生/招待, 招聘 keeps 招聘专员.
_RECRUIT_RE = re.compile(
    r"^(?:高薪)?(?:诚聘|急聘|急招|直招|特招|长期招聘|长期招|招聘(?!专员|主管|经理|助理|师|顾问|文员)|"
    r"招工|招人|聘请|聘用|聘|招(?![商标投生待牌聘]))"
)
_MONEY_UNIT = r"(?:k|千|w|万|元|块|rmb)"
_PER = r"(?:/|每|一)?\s*(?:个?月|天|日|小时|时|年|h|件|个|单)"
_RANGE = r"\d[\d.,]*\s*(?:[-~～至到]\s*\d[\d.,]*)?"
_SALARY_RES = (
    # 月薪8000, 工资5000-8000元/月, 底薪3千+提成, 综合收入7000以上
    re.compile(
        r"(?:月薪|底薪|薪资|薪水|薪酬|工资|综合工资|综合薪资|综合收入|月收入|月入|到手|保底|年薪|日薪|时薪|"
        r"税前|税后|收入|待遇)[:：]?\s*" + _RANGE + r"\s*" + _MONEY_UNIT + r"?\s*(?:" + _PER + r")?"
        r"\s*(?:以上|左右|起|不等|\+)?"
    ),
    # 5000-8000元, 8k, 200元/天, 25元一小时, 1.2万
    re.compile(_RANGE + r"\s*" + _MONEY_UNIT + r"\s*(?:" + _PER + r")?\s*(?:以上|左右|起|不等|\+)?"),
    # 6000/月, 25/小时
    re.compile(_RANGE + r"\s*(?:/|每)\s*(?:个?月|天|日|小时|时|h)"),
)
_AGE_RES = (
    re.compile(r"(?:年龄|年纪)?[:：]?\s*\d{2}\s*[-~～至到]\s*\d{2}\s*周?岁?(?:之间|以内|以下)?"),
    re.compile(r"(?:年龄|年纪)?[:：]?\s*\d{2}\s*周?岁\s*(?:以下|以上|以内|左右|之内)?"),
    re.compile(r"(?:年龄|年纪)(?:不限|要求|适中)"),
)
_COUNT_RES = (
    re.compile(r"(?:招|需|急需|缺|共|名额)?\s*\d+\s*(?:名|人|位)(?![员工数])"),
    re.compile(r"(?:若干名?|数名|多名|人数不限|不限人数|名额有限)"),
)
_GENDER_RE = re.compile(
    r"(?:仅限|只限|限|只要|要求)(?:男|女)(?:性|工|生)?|男女不限|男女均可|不限男女|男女皆可|男女|"
    r"(?:男|女)(?:性|工)(?:优先)?|(?:男|女)士优先|(?:男|女)优先"
)
_EXPERIENCE_RE = re.compile(
    r"(?:有|需|要求|需要)?\s*(?:\d+\s*年以上|\d+\s*年|一年以上|两年以上|多年)?(?:相关)?(?:工作)?经验(?:者|优先|不限)?(?:优先)?"
)
#: Leading skill verbs of register entries: 会电焊, 能开车, 熟悉数控, 做过缝纫, 持叉车证.
_SKILL_PREFIX_RE = re.compile(
    r"^(?:会(?![计展所员务议籍])|能(?![源力])|懂|熟悉|熟练|精通|擅长|掌握|做过|干过|从事过|从事|"
    r"学过|当过|持有|持(?!续)|考过|有(?![机色限线害]))+"
)
_CERT_SUFFIX_RE = re.compile(r"(?:上岗证|操作证|资格证|从业资格|证书|执照|证)$")
_COMPANY_RE = re.compile(
    rf"[{_HAN}a-z0-9]*?(?:股份有限公司|有限责任公司|有限公司|分公司|子公司|集团公司|集团|公司|商行|工作室)"
)
_COMPANY_FILLER = re.compile(r"科技|实业|工业|发展|控股|精密|国际|股份|制造|技术|有限")
# 厂 between an industry word and the job ("电子厂普工"): keep both sides apart.
_FACTORY_RE = re.compile(rf"(?<=[{_HAN}])厂(?!长|务|区|房|内|医)")
_ADMIN_PREFIX_RE = re.compile(rf"^(?:[{_HAN}]{{2,3}}(?:省|市(?!场)|县|区|镇|乡))+")
_PUNCT_RE = re.compile(
    r"[\s\u3000,，、。.;；:：!！?？|/\\（）()【】\[\]{}《》<>「」『』〔〕\"'“”‘’·•…~～+＋*#@&=_\-—–]+"
)
_HAS_DIGIT = re.compile(r"\d")
_ADMIN_CHARS = frozenset("省市县区镇乡")
_RECRUIT_FIRST = frozenset("高诚急直特长招聘")
_SKILL_FIRST = frozenset("会能懂熟精擅掌做干从学当持考有")
_DIGITS_RE = re.compile(r"(?<![a-z0-9])\d+(?![a-z0-9])")

#: Words and phrases that never name the work: benefits, shifts, recruiting talk, channels.
NOISE_WORDS: tuple[str, ...] = (
    # benefits and pay talk
    "包吃包住",
    "包吃住",
    "包食宿",
    "包住宿",
    "包三餐",
    "包午餐",
    "包工作餐",
    "包吃",
    "包住",
    "管吃管住",
    "管吃住",
    "提供食宿",
    "提供住宿",
    "免费住宿",
    "员工宿舍",
    "食宿",
    "吃住",
    "宿舍",
    "五险一金",
    "六险一金",
    "五险",
    "社保",
    "缴社保",
    "交社保",
    "商业保险",
    "双休",
    "单休",
    "大小周",
    "做六休一",
    "月休四天",
    "月休",
    "长白班",
    "白班",
    "两班倒",
    "倒班",
    "夜班",
    "坐班",
    "站班",
    "坐着干活",
    "坐着上班",
    "坐着",
    "站着",
    "高薪",
    "高工资",
    "工资高",
    "待遇优厚",
    "待遇好",
    "福利好",
    "福利待遇",
    "年终奖",
    "节日福利",
    "满勤奖",
    "全勤奖",
    "餐补",
    "房补",
    "补贴",
    "有补贴",
    "返费",
    "报销路费",
    "路费报销",
    "车费报销",
    "报销车费",
    "包车接送",
    "班车接送",
    "日结",
    "周结",
    "月结",
    "计件",
    "计时",
    "保底",
    "时薪",
    "底薪",
    "提成",
    "高提成",
    "奖金",
    "加班费",
    "月入过万",
    "过万",
    "上万",
    "可借支",
    "借支",
    "预支",
    "工资",
    "薪资",
    "面议",
    "待遇",
    # working conditions and requirements
    "空调车间",
    "无尘车间",
    "环境好",
    "环境优美",
    "工作轻松",
    "轻松",
    "稳定",
    "长期稳定",
    "长期",
    "不加班",
    "少加班",
    "加班多",
    "有加班",
    "加班",
    "熟手优先",
    "有经验优先",
    "经验优先",
    "优先",
    "无经验可",
    "无经验",
    "无需经验",
    "经验不限",
    "零基础",
    "小白可",
    "新手可",
    "可学",
    "学历不限",
    "不限学历",
    "初中以上",
    "高中以上",
    "中专以上",
    "大专以上",
    "身体健康",
    "吃苦耐劳",
    "能吃苦",
    "责任心强",
    "有责任心",
    "服从安排",
    "老乡多",
    "有老乡",
    "可带老乡",
    "带薪培训",
    "包培训",
    "免费培训",
    "岗前培训",
    "可培训",
    "有人带",
    "包教包会",
    "宝妈",
    "夫妻工",
    "夫妻",
    "中老年",
    "大龄",
    "年轻人",
    "应届生",
    "退伍军人",
    "退役军人优先",
    # recruiting talk
    "急招",
    "急聘",
    "急需",
    "诚聘",
    "直招",
    "厂直招",
    "无中介费",
    "无中介",
    "不收费",
    "免费",
    "正式工",
    "正式",
    "全职",
    "兼职",
    "寒暑假工",
    "暑假工",
    "寒假工",
    "临时",
    "短期",
    "招工",
    "用工",
    "岗位",
    "职位",
    "当天面试",
    "当天入职",
    "即可上岗",
    "入职",
    "上岗",
    "面试",
    "名额有限",
    "欢迎",
    "大量",
    "火热",
    "热招",
    "在招",
    "现招",
    "进厂",
    "工厂",
    "厂里",
    "厂内",
    "厂区",
    "车间(?!主任)",
    "一线",
    "招聘(?=\\s|$)",
    "可带娃上班",
    "带娃上班",
    "可带孩子上班",
    "可带孩子",
    "时间自由",
    "多劳多得",
    # employer brands say where, not what
    "富士康",
    "立讯",
    "比亚迪",
    "仁宝",
    "纬创",
    "和硕",
    "英业达",
    "蓝思",
    "歌尔",
    "京东方",
    "宁德时代",
    "海尔",
    "格力",
    "美的",
    "华为",
    "小米",
    "海底捞",
    # channels and places in general
    "公益性岗位",
    "公益岗位",
    "公益岗",
    "社区工厂",
    "就业帮扶车间",
    "帮扶车间",
    "安置点",
    "易地搬迁",
    "家门口",
    "本地",
    "县城",
    "市区",
    "省内",
    "省外",
    "外省",
    "沿海",
    "周边",
    "附近",
    "就近",
    "本县",
    "工业园区",
    "工业园",
    "园区",
    "开发区",
    "经开区",
    "高新区",
    "城关镇",
    "城关",
)
#: Words for the person that follow the job ("保洁阿姨", "电工师傅"); dropped unless alone.
PERSON_SUFFIXES: tuple[str, ...] = ("阿姨", "大姐", "大妈", "大叔", "师傅", "小哥", "小妹", "人员")


@cache
def _places() -> tuple[re.Pattern[str], re.Pattern[str]]:
    text = resources.files("jobmatch.occupations").joinpath("data/places.txt").read_text(encoding="utf-8")
    plain: list[str] = []
    ambiguous: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        (ambiguous if line.endswith("*") else plain).append(line.rstrip("*"))
    suffix = r"(?:特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|地区|新区|省|市(?!场)|县|区|镇|盟|州)"
    every = sorted(plain + ambiguous, key=len, reverse=True)
    with_suffix = "|".join(map(re.escape, every))
    bare = "|".join(map(re.escape, sorted(plain, key=len, reverse=True)))
    # Suffixed forms of any name, and bare forms of unambiguous names.
    anywhere = re.compile(rf"(?:{with_suffix}){suffix}|(?:{bare})")
    alone = re.compile(rf"^(?:{'|'.join(map(re.escape, ambiguous))})$")
    return anywhere, alone


@cache
def _noise_re() -> re.Pattern[str]:
    words = sorted(NOISE_WORDS, key=lambda w: len(w.replace("(?!主任)", "")), reverse=True)
    return re.compile("|".join(w if "(?" in w else re.escape(w) for w in words))


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


@lru_cache(maxsize=65536)
def clean_title(title: str) -> str:
    """The occupation part of a free-text job title, as space-separated segments."""
    if not title:
        return ""
    text = normalize(str(title))
    if _HAS_DIGIT.search(text):
        for pattern in (*_SALARY_RES, *_AGE_RES, *_COUNT_RES):
            text = pattern.sub(" ", text)
    else:
        text = _COUNT_RES[1].sub(" ", text)
        text = _AGE_RES[2].sub(" ", text)
    text = _PUNCT_RE.sub(" ", text)
    text = " ".join(_strip_company(segment) for segment in text.split())
    places, alone = _places()
    text = places.sub(" ", text)
    text = _GENDER_RE.sub(" ", text)
    text = _EXPERIENCE_RE.sub(" ", text)
    text = _noise_re().sub(" ", text)
    text = _FACTORY_RE.sub(" ", text)
    segments = []
    for segment in text.split():
        if alone.match(segment):
            continue
        # cheap character tests first: most segments need none of these patterns
        if _ADMIN_CHARS.intersection(segment):
            segment = _ADMIN_PREFIX_RE.sub("", segment)
        if segment[:1] in _RECRUIT_FIRST:
            segment = _RECRUIT_RE.sub("", segment)
        if segment[:1] in _SKILL_FIRST:
            segment = _SKILL_PREFIX_RE.sub("", segment)
        if len(segment) > 2 and segment[-1] in "证照书格":
            segment = _CERT_SUFFIX_RE.sub("", segment)
        if _HAS_DIGIT.search(segment):
            segment = _DIGITS_RE.sub("", segment)
        if segment and segment not in (
            "厂",
            "进",
            "的",
            "及",
            "和",
            "或",
            "等",
            "急",
            "招",
            "聘",
            "名",
            "人",
        ):
            segments.append(segment)
    if len(segments) > 1 or (segments and len(segments[0]) > 2):
        segments = [_strip_person(s) for s in segments]
        segments = [s for s in segments if s] or segments
    return " ".join(segments)


def _strip_company(segment: str) -> str:
    match = _COMPANY_RE.search(segment)
    if match is None:
        return segment
    name = _COMPANY_FILLER.sub("", match.group(0))
    kept = [word for word in INDUSTRY_WORDS if word in name]
    # drop words contained in a longer kept word (鞋 in 鞋业)
    kept = [w for w in kept if not any(w != other and w in other for other in kept)]
    rest = segment[match.end() :]
    return " ".join([*kept, rest]) if kept or rest else ""


def _strip_person(segment: str) -> str:
    for suffix in PERSON_SUFFIXES:
        if segment.endswith(suffix) and len(segment) > len(suffix):
            return segment[: -len(suffix)]
    return segment
