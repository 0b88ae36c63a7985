"""Demo articles composed from our own phrase banks (no text taken from any website).

Every place and person here is invented. A seeded random generator makes the same demo on
every machine, so screenshots and tests can point at the same articles.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

COUNTIES = ["凤栖县", "云台县", "桐溪县", "梅岭县", "青禾县", "石湾县", "柳塘县", "安澜县", "松阳岭县", "白鹭洲区"]
TOWNS = ["河口镇", "石桥镇", "杏林镇", "枫湾镇", "龙泉乡", "清水镇", "茶山乡", "双溪镇", "桂花镇", "南岗街道"]
VILLAGES = ["桃园村", "高家坪村", "龙潭村", "新丰社区", "东湖社区", "柿子沟村", "望江社区", "竹林湾村", "金沙村", "红旗社区"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
GIVEN = ["建国", "秀英", "志强", "海燕", "红梅", "国华", "春生", "丽娟", "卫东", "晓明", "桂兰", "德胜", "雪梅", "永福", "振华", "玉珍", "文斌", "小军", "淑芬", "明亮"]
INDUSTRIES = ["茶叶", "中药材", "高山蔬菜", "油茶", "食用菌", "柑橘", "乡村旅游", "稻虾共养", "竹编手工", "生态养殖"]
ACTIVITIES = ["主题党日", "“三会一课”", "党员志愿服务", "理论宣讲", "入户走访", "党课比赛", "结对帮扶", "红色研学"]

TITLE_PATTERNS = [
    "{county}：“党建+{industry}”激活乡村振兴新动能",
    "{town}党委以“红色网格”提升基层治理效能",
    "{village}党支部书记{name}：扎根基层的“领头雁”",
    "{county}推行“支部建在产业链上”，带动{number}户群众增收",
    "小院议事解难题：{town}{village}的协商治理实践",
    "{county}开展{activity}，推动党员教育常态化",
    "从“后进村”到“示范村”：{village}的蝶变之路",
    "{town}：党员先锋岗让群众办事“只跑一次”",
    "{county}机关党员下沉社区，“双报到”服务暖民心",
    "织密组织体系 {county}推进新就业群体党建全覆盖",
    "{village}：“积分超市”激发群众参与乡村治理热情",
    "{county}实施村级后备力量培育工程，储备人才{number}名",
    "党建引领物业服务，{town}老旧小区焕新颜",
    "{county}“流动党课”送学到田间地头",
    "{name}：把论文写在{industry}产业的大地上",
    "{town}建强基层党组织，推动{industry}产业集群发展",
]

HEADINGS = [
    ["强化政治引领，筑牢基层战斗堡垒", "坚持问题导向，找准工作切入点", "夯实组织基础，激发内生动力"],
    ["创新工作方法，推动服务下沉", "聚焦产业发展，党建与发展同频共振", "完善制度机制，规范日常运行"],
    ["注重实效，群众获得感持续增强", "选树典型，发挥党员示范作用", "凝聚合力，治理效能显著提升"],
    ["着眼长远，久久为功抓落实", "总结经验，推动工作提质增效", "下一步，继续在“实”字上下功夫"],
]

SECTION_SENTENCES = [
    [  # background
        "近年来，{county}坚持把抓好党建作为最大政绩，围绕基层组织建设这条主线，推动各项工作落地见效。",
        "{town}地处山区，辖{number}个行政村，过去村集体经济薄弱，群众增收渠道单一。",
        "针对部分村党组织凝聚力不强、党员作用发挥不明显等问题，{county}委组织部开展专题调研，逐村摸清底数。",
        "“以前村里开会人都到不齐，现在大家抢着发言。”{village}老党员{name}感慨地说。",
        "{year}年以来，{county}把{activity}作为加强党员教育管理的重要抓手，推动学习教育常态化、制度化。",
        "调研发现，群众最关心的是道路、饮水、就业和看病等身边事，这些正是基层党组织发力的方向。",
        "为破解“人从哪里来、钱从哪里出、事由谁来办”的难题，{town}党委反复研究，形成了工作方案。",
        "该县共有基层党组织{number}个，党员一万余名，其中农村党员占比超过六成。",
        "面对人口外流、村庄空心化的现实，{village}党支部没有等靠要，而是主动谋划发展路子。",
        "一些群众反映，过去办事要跑好几个部门，手续繁琐，耗时较长。",
    ],
    [  # practice
        "{town}将全镇划分为{number}个网格，每个网格由一名党员担任网格长，做到人在格中走、事在网中办。",
        "村党支部牵头成立{industry}专业合作社，采取“支部+合作社+农户”模式，统一品种、统一技术、统一销售。",
        "每月固定一天为主题党日，党员们集中学习政策文件，再分组走访困难群众，现场登记诉求。",
        "{county}选派{number}名机关干部到村任第一书记，与村“两委”班子同吃同住同劳动。",
        "针对年轻党员外出务工多的情况，支部建立线上学习群，确保流动党员“离乡不离党”。",
        "村里设立党员先锋岗，把党员的姓名、照片和承诺事项公开上墙，接受群众监督。",
        "{village}推行“积分制”管理，群众参与环境整治、志愿服务都能获得积分，积分可兑换生活用品。",
        "镇党委把{activity}搬到田间地头，邀请农技专家现场讲解，党员群众边听边学边干。",
        "在项目推进中，党员带头让出自家的地块，用于修建村级活动场所和产业路。",
        "支部书记{name}带领班子成员多次外出考察，最终确定发展{industry}产业。",
        "社区党组织联合辖区单位、物业企业和业主委员会，建立“红色议事会”，每月召开一次协商会议。",
        "{county}建立村干部能力提升轮训制度，{year}年共举办培训班{number}期。",
        "为让政策真正落到实处，工作队逐户上门，用群众听得懂的话把政策讲明白。",
        "他们还把党小组建在产业链上，让懂技术、善经营的党员在生产一线带头示范。",
    ],
    [  # results
        "截至目前，{village}村集体经济收入突破{number}万元，较三年前翻了一番多。",
        "{industry}产业已覆盖全镇{number}户群众，户均年增收近万元。",
        "一年来，网格员累计走访群众两万余人次，收集解决各类诉求{number}件。",
        "过去一到下雨就泥泞不堪的村道，如今铺上了水泥路，装上了路灯。",
        "{name}说：“党员带头干，群众跟着干，日子越过越有奔头。”",
        "村里的矛盾纠纷明显减少，连续{number}年实现“小事不出村、大事不出镇”。",
        "在今年的群众满意度测评中，该镇基层党组织满意率达到百分之九十六以上。",
        "一批年轻人回到家乡创业，村“两委”班子平均年龄下降了八岁。",
        "该做法被写入{county}经验材料，在全县范围内推广。",
        "如今走进{village}，房前屋后干净整洁，文化广场上歌声笑声不断。",
        "老人们在家门口就能看病拿药，孩子们放学后有了学习活动的地方。",
    ],
    [  # outlook
        "下一步，{county}将继续深化党建引领基层治理，推动更多好经验好做法落地生根。",
        "{town}党委书记表示，将把群众满意作为检验工作成效的标准，持续为群众办实事。",
        "当地还计划建设{industry}加工车间，延长产业链，让更多群众在家门口就业。",
        "“抓党建就是抓发展，党建工作做实了，发展就有了主心骨。”一位基层干部这样总结。",
        "他们将进一步完善党员联系群众制度，让党的声音传到千家万户。",
        "面向未来，{village}党支部有信心带领群众走出一条产业兴旺、生态宜居的新路子。",
    ],
]

SUMMARY_PATTERN = "{county}{town}坚持党建引领，围绕{industry}产业发展和基层治理，探索出一条可复制、可推广的路子。"
ORGANIZATIONS = ["{county}委组织部", "{county}融媒体中心", "{town}党委", "{county}教育局机关党委", "{county}委宣传部"]
REPOST_SOURCES = ["{county}融媒体中心", "{county}发布", "{county}党建网"]
TAGS = ["乡村振兴", "基层治理", "党员教育", "组织建设", "产业发展", "为民服务", "网格化", "第一书记", "村集体经济"]


@dataclass
class DemoArticle:
    title: str
    summary: str
    sections: list[tuple[str, list[str]]]  # heading, paragraphs
    published: dt.datetime
    initial_views: int
    source_type: str
    byline_organization: str
    byline_author: str
    responsible_editor: str
    tags: list[str] = field(default_factory=list)
    source_name: str = ""
    original_author: str = ""
    original_title: str = ""
    is_headline: bool = False

    @property
    def length(self) -> int:
        return sum(len(p) for _h, paras in self.sections for p in paras)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _fill(rng: random.Random, pattern: str, slots: dict[str, str]) -> str:
    values = dict(slots, number=str(rng.choice([12, 18, 26, 35, 48, 56, 73, 120, 260, 380])), year=str(rng.randint(2021, 2025)))
    return pattern.format(**values)


def make_articles(count: int, *, now: dt.datetime, seed: int = 2024) -> list[DemoArticle]:
    """`count` articles of 1,000 to 4,000 Chinese characters, published over the two years before `now`."""
    rng = random.Random(seed)
    articles, titles = [], set()
    for index in range(count):
        # Two identical titles in one list confuse readers. Large archives (benchmarks) run out
        # of combinations, so after some tries the title becomes one of a numbered series.
        for attempt in range(50):
            slots = {
                "county": rng.choice(COUNTIES), "town": rng.choice(TOWNS), "village": rng.choice(VILLAGES),
                "name": _name(rng), "industry": rng.choice(INDUSTRIES), "activity": rng.choice(ACTIVITIES),
            }
            title = _fill(rng, TITLE_PATTERNS[(index + attempt) % len(TITLE_PATTERNS)], slots)
            if title not in titles:
                break
        else:
            title = f"{title}（之{index + 1}）"
        titles.add(title)
        # Each of the four sections may run one paragraph past its share: stay under 4,000.
        target = rng.randint(1100, 2600)
        sections = []
        per_section = target // 4
        for part, sentences in enumerate(SECTION_SENTENCES):
            paragraphs, written = [], 0
            while written < per_section:
                paragraph = "".join(_fill(rng, s, slots) for s in rng.sample(sentences, k=min(len(sentences), rng.randint(3, 5))))
                paragraphs.append(paragraph)
                written += len(paragraph)
            sections.append((f"{'一二三四'[part]}、{rng.choice(HEADINGS[part])}", paragraphs))
        source_type = rng.choices(["original", "contributed", "shared", "repost"], weights=[4, 4, 1, 1])[0]
        published = now - dt.timedelta(days=rng.uniform(0.2, 730))
        published = published.replace(hour=rng.randint(7, 21), minute=rng.randint(0, 59), second=0, microsecond=0)
        article = DemoArticle(
            title=title,
            summary=_fill(rng, SUMMARY_PATTERN, slots),
            sections=sections,
            published=min(published, now - dt.timedelta(hours=1)),
            initial_views=rng.choice([rng.randint(80, 3000), rng.randint(3000, 60000), rng.randint(60000, 260000)]),
            source_type=source_type,
            byline_organization=_fill(rng, rng.choice(ORGANIZATIONS), slots),
            byline_author=_name(rng) + ("　" + _name(rng) if rng.random() < 0.3 else ""),
            responsible_editor=_name(rng),
            tags=rng.sample(TAGS, k=rng.randint(1, 3)),
            is_headline=index < 6,
        )
        if source_type == "repost":
            article.source_name = _fill(rng, rng.choice(REPOST_SOURCES), slots)
            article.original_author = _name(rng)
            article.original_title = article.title
        articles.append(article)
    return articles
