"""A year of synthetic appeals (诉求) for the demo county, in every state.

The county gets the default catalogue, three handling units with the demo department officer
and provider as members (区住建局 and 区卫健局 for ``dept``, a property company for
``provider``), routing rules for heating and water, health care and property management, and a
duty account for each community and town that has no demo staff. Appeals are spread over the
last twelve months and the demo communities by population, with seasons (heating in winter,
greenery and rain in summer), channels mixed and, for staff channels, the registry's residents
as contacts. Each appeal's history is played forward as the actions and the sweep would play it
— routing, return and re-dispatch, transfer, acceptance (late for some), work, resolution,
the resident's confirmation or the automatic one, ratings (a bad one opens a rectification and
a callback), closing, merging, rejecting, and escalation whenever a clock runs out — and stops
at the present, so the state, clocks, on-time flags, escalation level, rating and callback
flag of every row agree with its events, dispatches, ratings and supervisions. Rows are
written in bulk; three appeals of the demo resident ``resident`` and a worker go through the
real actions, and that resident has an appeal in every state (one awaits her rating).

Deterministic for a given day (seeded). The size follows the registry: 15 appeals a year per
100 residents (3,000 for the default 20,000) unless ``appeals`` is given. Loading again with the
same size changes nothing; another size replaces the demo appeals.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.areacodes import Level
from linli.core.demo import COUNTY, DEMO_PASSWORD
from linli.core.models import Area, Notification, ReportedFigure, RoleAssignment, User
from linli.core.pii import blind_index
from linli.core.roles import Role

from . import actions, queries
from .models import (
    OPEN_STATES,
    TRANSITIONS,
    Appeal,
    Callback,
    Category,
    Channel,
    Dispatch,
    Event,
    Policy,
    Rating,
    RatingLevel,
    Rectification,
    RoutingRule,
    State,
    Supervision,
    Unit,
    UnitMember,
    add_workdays,
    warn_from,
    workday_overrides,
)
from .queries.units import matching_rule

SEED = 12345
PER_100_RESIDENTS = 15
BATCH = 1000
COUNTY_CODE = COUNTY + "000000"
HOME = "220403001001"  # the community of the demo resident and worker
K = Event.Kind

# (kind, name, members: (username, supervisor))
UNITS = [
    (Unit.Kind.DEPARTMENT, "区住建局", [("dept", True)]),
    (Unit.Kind.DEPARTMENT, "区卫健局", [("dept", True)]),
    (Unit.Kind.PROVIDER, "仙城物业服务有限公司", [("provider", True)]),
]
# County-wide rules: category key → unit name.
RULES = [
    ("property.utilities", "区住建局"),
    ("health", "区卫健局"),
    ("property.management", "仙城物业服务有限公司"),
]
STAFF_NAMES = (
    "张丽娟 王海峰 李春梅 刘志刚 赵淑华 孙晓东 于秀云 高建军 徐丽萍 马立新 朱红霞 "
    "郭永强 姜玉梅 韩长林 宋晓燕 曲振国 董春华 关立伟 佟桂兰 金英哲 崔美玉 范德胜"
)
CALLER_NAMES = (
    "王桂芝 李凤琴 张玉珍 刘淑兰 杨国庆 赵德福 孙秀英 陈建华 周振江 吴桂荣 徐长青 马玉兰 "
    "朱宝山 胡秀珍 郭春生 何丽华 高文学 林淑贤 罗世英 宋广才 郑桂香 梁玉华 韩永贵 唐秀兰"
)

# Category key → (weight, urban, rural); seasons scale some of them.
CATEGORY_WEIGHTS = {
    "property.utilities": (10, 1, 0.6), "property.lift": (3, 1, 0), "property.leak": (7, 1, 0.4),
    "property.management": (9, 1, 0), "environment.rubbish": (8, 1, 1.2),
    "environment.drains": (5, 1, 0.8), "environment.greenery": (3, 1, 0.5), "noise": (8, 1, 0.4),
    "dispute": (5, 1, 1.5), "elderly": (6, 1, 1.3), "assistance": (4, 1, 1.5),
    "employment": (3, 1, 1.2), "health": (4, 1, 1.2), "order": (4, 1, 0.7),
    "fire.escape": (3, 1, 0.3), "roads": (8, 1, 1.5), "policy": (5, 1, 1.2),
    "urgent": (0.5, 1, 1), "other": (3, 1, 1),
}  # fmt: skip
WINTER = {11, 12, 1, 2, 3}
SUMMER = {6, 7, 8}
SEASONAL = {
    "property.utilities": (2.5, 0.5),
    "environment.drains": (0.5, 2.5),
    "environment.greenery": (0.3, 2.5),
    "noise": (0.8, 1.6),
    "roads": (1.4, 0.9),
}  # category key → (winter, summer) factor

# Category key → [(title, description, when)]; when: "" any time, W winter, S summer,
# U urban communities only, R villages only. {place} is where it happens.
TEXTS = {
    "property.utilities": [
        ("家里暖气不热，室温只有十几度", "{place}，这几天暖气片摸着是凉的，屋里只有14度左右，家里有老人，请尽快派人来看看。", "W"),
        ("暖气管道接口漏水", "{place}楼下暖气管道接口一直滴水，地面都湿了，怕结冰滑倒人。", "W"),
        ("楼里停水一天了没有通知", "{place}从昨天早上开始停水，到现在还没来水，也没看到停水通知，请问什么时候能恢复？", ""),
        ("单元总电闸频繁跳闸", "{place}整个单元晚上突然停电，电闸一合就跳，怀疑线路有问题。", ""),
        ("自来水发黄有异味", "{place}最近几天放出来的自来水发黄，有股铁锈味，不敢喝。", ""),
    ],
    "property.lift": [
        ("电梯经常停在半路", "{place}的电梯这个月已经坏了三次，昨天又停在5楼和6楼之间，请尽快检修。", "U"),
        ("电梯停运一周没人修", "{place}电梯停运快一周了，楼上住的大多是老人，上下楼很困难。", "U"),
        ("电梯按钮失灵", "{place}电梯里好几个楼层按钮按了没反应，门也关得很慢。", "U"),
    ],
    "property.leak": [
        ("楼顶漏水，屋里墙皮脱落", "{place}，一下雨屋顶就渗水，卧室墙皮大面积脱落，希望尽快维修防水。", "S"),
        ("楼上卫生间漏水到我家", "{place}，楼上卫生间往下渗水，跟楼上邻居说了几次没解决，请社区协调。", ""),
        ("外墙保温层脱落", "{place}外墙保温层有一大块松动，刮风时往下掉碎片，楼下经常有人走，很危险。", "U"),
        ("单元门坏了关不上", "{place}的单元门闭门器坏了，门一直关不上，楼道里很冷。", "U"),
    ],
    "property.management": [
        ("物业长期不清扫楼道", "{place}楼道已经很长时间没人打扫，垃圾和小广告很多。", "U"),
        ("小区车辆乱停堵住通道", "{place}附近车辆乱停乱放，消防通道和单元门口都被堵住，物业不管。", "U"),
        ("物业费收费标准有疑问", "今年物业费涨了，想了解收费依据和服务标准。住址：{place}。", "U"),
        ("小区监控坏了很久", "{place}附近的监控坏了很长时间，最近电动车被偷了两辆。", "U"),
    ],
    "environment.rubbish": [
        ("垃圾箱满了没人清运", "{place}旁边的垃圾箱已经两天没清运，满地都是垃圾，味道很大。", ""),
        ("有人在楼下堆放建筑垃圾", "{place}楼下有装修户堆了一大堆建筑垃圾，一直没清走。", "U"),
        ("村里垃圾点清运不及时", "{place}附近的垃圾收集点好几天没拉走，天热招苍蝇。", "R"),
    ],
    "environment.drains": [
        ("下水井堵塞污水外溢", "{place}的下水井堵了，污水漫到路面上，臭味很大。", ""),
        ("雨后积水严重", "{place}一下雨就积水，积水深的地方能没过脚脖子，出行不便。", "S"),
        ("厨房下水返水", "{place}一楼厨房下水返水，应该是主管道堵了。", "U"),
    ],
    "environment.greenery": [
        ("树枝挡住窗户需要修剪", "{place}楼前的杨树长得太高，树枝挡住窗户，白天屋里都得开灯，请安排修剪。", "S"),
        ("公共绿地被占用种菜", "{place}旁边的公共绿地被人开荒种菜，还围了网子。", "S"),
        ("枯树有倒伏危险", "{place}附近有棵枯树，树干已经裂了，大风天怕倒下砸到人和车。", ""),
    ],
    "noise": [
        ("楼上深夜装修噪音", "{place}楼上最近每天晚上十点以后还在电钻、敲墙，影响休息。", "U"),
        ("广场舞音响声音太大", "{place}附近广场每天晚上跳广场舞，音响开得特别大，一直到九点多。", "S"),
        ("饭店排风机噪音扰民", "{place}楼下饭店的排风机噪音大，油烟直冲楼上窗户。", "U"),
        ("夜间施工噪音", "{place}附近工地夜里还在施工，运输车来来回回，吵得睡不着。", ""),
    ],
    "dispute": [
        ("邻居在楼道堆放杂物", "{place}，对门邻居在楼道里堆了很多纸箱杂物，沟通几次不听，希望社区调解。", "U"),
        ("楼上养狗扰民", "{place}楼上邻居养了两条大狗，白天晚上叫个不停，还在楼道里随地大小便。", "U"),
        ("院墙边界纠纷", "{place}，和邻居家因为院墙位置有争议，希望村里帮忙调解。", "R"),
    ],
    "elderly": [
        ("独居老人希望定期上门看看", "我母亲一个人住在{place}，今年80多岁了，我在外地工作，希望社区能定期去看看。", ""),
        ("想申请老年助餐服务", "{place}，老两口年纪大了做饭困难，想了解社区助餐服务怎么申请。", ""),
        ("高龄补贴没有按时发放", "我父亲今年满80周岁了，住{place}，高龄补贴一直没有到账，想问问是什么原因。", ""),
        ("家中失能老人需要适老化改造", "{place}，家里有位失能老人，想申请卫生间加装扶手等适老化改造。", ""),
    ],
    "assistance": [
        ("申请低保需要什么材料", "老伴生病住院花了很多钱，住{place}，想问问申请低保要准备哪些材料。", ""),
        ("临时救助申请没有消息", "上个月提交了临时救助申请，住{place}，到现在还没有消息，想了解进度。", ""),
        ("残疾人两项补贴咨询", "家里孩子是二级残疾，住{place}，想咨询残疾人两项补贴怎么申请。", ""),
    ],
    "employment": [
        ("想参加免费技能培训", "本人失业在家，住{place}，想参加街道组织的免费技能培训，不知道怎么报名。", ""),
        ("灵活就业社保补贴咨询", "住{place}，灵活就业人员缴纳社保有补贴吗？需要到哪里办理？", ""),
        ("工地拖欠工资", "在附近工地干活，老板拖欠工资两个多月了，住{place}，希望帮忙协调。", ""),
    ],
    "health": [
        ("家庭医生签约咨询", "住{place}，家里有高血压老人，想签约家庭医生，请问怎么办理。", ""),
        ("卫生服务站经常不开门", "{place}附近的卫生服务站最近经常关门，老人拿药很不方便。", ""),
        ("老年人免费体检什么时候开始", "住{place}，65岁以上老人今年的免费体检什么时候开始？在哪里做？", ""),
        ("想给老人预约流感疫苗", "住{place}，想给家里老人和孩子预约接种流感疫苗。", "W"),
    ],
    "order": [
        ("烧烤摊深夜有人喝酒吵闹", "{place}附近烧烤摊每天夜里有人喝酒吵闹，有时还打架。", "S"),
        ("陌生人挨家推销保健品", "{place}最近有陌生人挨家挨户推销保健品，专门找老人，怀疑是诈骗。", ""),
        ("电动车推进楼道充电", "{place}有住户把电动车推进楼道充电，很危险。", "U"),
    ],
    "fire.escape": [
        ("消防通道被杂物堵住", "{place}的消防通道被杂物和私家车堵住了，万一着火消防车进不来。", "U"),
        ("楼道灭火器过期", "{place}楼道里的灭火器压力表指针在红区，标签显示早就过期了。", "U"),
    ],
    "roads": [
        ("路灯坏了好几盏", "{place}那段路的路灯坏了好几盏，晚上黑漆漆的，老人孩子出门不安全。", ""),
        ("路面有大坑积水", "{place}门口路面有个大坑，下雨积水，电动车经过差点摔倒。", ""),
        ("井盖松动", "{place}路口有个井盖松动了，车一压就响，怕掉下去伤人。", "U"),
        ("人行道积雪结冰没人清", "{place}的人行道积雪结冰好几天了没人清，已经有老人摔倒。", "W"),
        ("村道破损需要修补", "{place}的村道有好几处破损，农用车通行困难。", "R"),
    ],
    "policy": [
        ("城乡居民医保缴费咨询", "住{place}，想问问今年城乡居民医保缴费标准和截止时间。", ""),
        ("老旧小区改造什么时候轮到我们", "住{place}，我们小区房子是八十年代的，想知道有没有列入老旧小区改造计划。", "U"),
        ("新生儿落户需要哪些材料", "孩子刚出生，住{place}，想了解办理户口需要准备什么材料。", ""),
    ],
    "urgent": [
        ("楼道里有煤气味", "{place}楼道里有很重的煤气味，不知道是哪家漏气，请马上派人来。", "U"),
        ("老人摔倒在家无法起身", "{place}，独居老人在家摔倒了，邻居听到呼救，门是锁着的。", ""),
    ],
    "other": [
        ("建议增设休闲座椅", "{place}附近老人很多，建议在小区里放几个休闲座椅。", ""),
        ("快递柜位置不方便", "{place}的快递柜放在最里面，老人取件不方便，建议挪个位置。", "U"),
        ("希望开设老年人智能手机课", "住{place}，很多老人不会用智能手机挂号和缴费，希望社区开个培训班。", ""),
    ],
}  # fmt: skip
RESOLUTIONS = {
    "property.utilities": ["已联系供热公司上门排查，系楼内管道气堵，已放气处理，室温恢复到20度以上。", "经查为供水管网抢修，已恢复供水，并要求供水公司今后提前张贴停水通知。", "电工已上门检修，更换了老化的空气开关，已恢复供电。"],
    "property.lift": ["已通知电梯维保单位上门维修，更换了门机控制板，经检测电梯已恢复运行。", "维保单位已全面检修电梯并更换按钮面板，今后每半月维保一次。"],
    "property.leak": ["已组织施工队重做屋面防水，并对室内受损墙面进行了修补。", "已协调楼上住户维修卫生间防水层，闭水试验无渗漏。", "已更换单元门闭门器，门能正常关闭。"],
    "property.management": ["已约谈物业公司，楼道已清扫干净，物业承诺每周清扫两次。", "物业已在小区内施划停车位并安排保安疏导，消防通道已畅通。", "已向您解释物业收费标准并公示服务内容。"],
    "environment.rubbish": ["已安排环卫车辆清运，并增加了该点位的清运频次。", "已联系装修户限期清运建筑垃圾，现已清理完毕。"],
    "environment.drains": ["已安排疏通车辆清掏下水井，污水已排净。", "已疏通主排水管，排水恢复正常。"],
    "environment.greenery": ["园林部门已对楼前树木进行修剪。", "已清理被占用的绿地并恢复绿化。"],
    "noise": ["已上门劝导，装修户承诺晚八点后不再施工。", "已与广场舞团队协商，音量调低并在晚八点半前结束。", "已联系执法部门现场检查，施工方已停止夜间作业。"],
    "dispute": ["社区调解员已上门调解，双方达成一致，杂物已清走。", "已组织双方协商，邻居承诺看管好宠物并清理楼道。"],
    "elderly": ["已将老人纳入探访名单，网格员每周上门探访一次。", "已为老人办理助餐服务，每天中午可到社区食堂就餐。", "经核实补贴已于本月发放到账，已电话告知。"],
    "assistance": ["已向您说明申请材料，并安排工作人员上门帮助填写申请。", "您的临时救助申请已审批通过，救助金本周内发放。"],
    "employment": ["已为您报名本月的技能培训班，开课时间已短信通知。", "已协调劳动监察部门介入，拖欠工资已结清。"],
    "health": ["已为您家老人办理家庭医生签约，医生已电话联系。", "卫生服务站已调整值班安排，工作日全天开放。", "已告知体检时间和地点，可携带身份证直接前往。"],
    "order": ["已联系派出所加强夜间巡逻，烧烤摊已按时收摊。", "已在小区张贴防诈骗提示并安排网格员入户提醒。", "已劝导住户将电动车移出楼道，到集中充电点充电。"],
    "fire.escape": ["已清理消防通道杂物并设置禁停标识。", "已更换过期灭火器。"],
    "roads": ["已更换损坏的路灯，现已全部亮灯。", "已对路面坑洼进行修补。", "已组织人员清除人行道积雪并撒融雪剂。"],
    "policy": ["已电话向您详细解释相关政策和办理流程。", "已告知办理所需材料和地点，可在政务服务中心一次办结。"],
    "urgent": ["燃气公司已到场排查，关闭漏气阀门并完成维修。", "已与邻居和民警一起开门救助，老人已送医检查，无大碍。"],
    "other": ["您的建议已采纳，已在小区内增设休闲座椅。", "已将您的建议转交相关部门研究，并电话答复。"],
}  # fmt: skip
ACCEPT_MESSAGES = ["已收到，工作人员今天上门查看。", "已受理，我们会尽快联系您。", "已收到，明天上午安排人员到现场。"]  # fmt: skip
PROGRESS_MESSAGES = ["维修需要的配件已订购，预计三天内到货后上门更换。", "已与相关方沟通，正在协调处理方案。", "工作人员已到现场查看，正在安排施工。"]  # fmt: skip
NOTES = ["已电话联系居民，约定明天上午上门。", "需要物业配合，已发函。", "已核实现场情况并拍照留存。"]  # fmt: skip
RETURN_REASONS = ["该事项不属于本单位职责，请重新派单。", "反映地点不在本社区辖区内。", "需要职能部门处理，社区无法解决。"]  # fmt: skip
TRANSFER_REASONS = ["涉及楼体和管网维修，需职能部门处理。", "现场核实后需要街道协调多个部门。"]  # fmt: skip
REJECT_REASONS = ["您反映的是劳动合同纠纷，请向区劳动人事争议仲裁委员会申请仲裁。", "此事项已进入司法程序，不属于接诉即办受理范围。", "您反映的是治安警情，已告知您拨打110。"]  # fmt: skip
MERGE_NOTE = "与此前反映的同一问题重复，合并办理。"
REDIRECT_NOTE = "由网格员就近处理。"
GOOD_COMMENTS = ["处理很及时，谢谢！", "工作人员很耐心。", "很满意，给社区点赞。", "比以前快多了。"]
BAD_COMMENTS = ["修了没几天又坏了。", "来了看一眼就走了，问题没解决。", "只是打了个电话，问题根本没解决。", "拖了太久才来处理。"]  # fmt: skip
CALLBACK_NOTES = {
    Callback.Outcome.SATISFIED: "已电话回访，居民表示整改后问题已解决，对处理结果认可。",
    Callback.Outcome.UNSATISFIED: "已电话回访，居民认为整改不彻底，已要求承办单位继续跟进。",
    Callback.Outcome.UNREACHABLE: "电话两次无人接听，明天再联系。",
}
REDIRECT_KEYS = {"environment.rubbish", "order", "fire.escape", "dispute", "noise"}
CARE_KEYS = {"elderly", "assistance", "health"}
CHANNELS = [
    (Channel.ONLINE, 30), (Channel.PHONE, 30), (Channel.WINDOW, 18), (Channel.PATROL, 12),
    (Channel.CARE_VISIT, 5), (Channel.API, 3),
]  # fmt: skip
HOURS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 13, 10, 7, 9, 12, 12, 11, 9, 8, 9, 8, 6, 3, 2]
STAFF_CHANNELS = {Channel.WINDOW, Channel.PHONE, Channel.PATROL, Channel.CARE_VISIT}


class _Cut(Exception):
    """The story has reached the present."""


@dataclass
class _Story:
    appeal: Appeal
    events: list[tuple] = field(default_factory=list)
    dispatches: list[Dispatch] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    rects: list[Rectification] = field(default_factory=list)
    callbacks: list[Callback] = field(default_factory=list)
    supervisions: list[Supervision] = field(default_factory=list)
    live: Dispatch | None = None
    key: str = ""


class _Demo:
    """Builds unsaved appeals and their histories, deterministically from ``SEED``."""

    def __init__(self, now: dt.datetime, setup: dict):
        self.rng = random.Random(SEED)
        self.now = now
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.s = setup
        self.policy: Policy = setup["policy"]
        self.overrides = workday_overrides(
            (now - dt.timedelta(days=400)).date(), (now + dt.timedelta(days=120)).date()
        )
        self.routes: dict[tuple[str, int], Unit | None] = {}
        self.other_rules = RoutingRule.objects.exclude(prefix=COUNTY).exists()
        self.rules: dict[int, RoutingRule | None] = {}
        self.stories: list[_Story] = []
        self.by_place: dict[tuple[str, str], list[_Story]] = defaultdict(list)

    # --- draws ----------------------------------------------------------------------------

    def pick(self, pairs):
        return self.rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def minutes(self, low: float, high: float) -> dt.timedelta:
        return dt.timedelta(minutes=self.rng.uniform(low, high))

    def hours(self, low: float, high: float) -> dt.timedelta:
        return dt.timedelta(hours=self.rng.uniform(low, high))

    def days(self, low: float, high: float) -> dt.timedelta:
        return dt.timedelta(days=self.rng.uniform(low, high))

    def submitted_at(self, low_days: float, high_days: float) -> dt.datetime:
        """A moment ``low``–``high`` days ago at an hour people call or write."""
        day = (self.now - self.days(low_days, high_days)).astimezone(self.tz).date()
        hour = self.rng.choices(range(24), weights=HOURS)[0]
        at = dt.datetime.combine(day, dt.time(hour, self.rng.randrange(60)), tzinfo=self.tz)
        at += dt.timedelta(seconds=self.rng.randrange(60))
        if at >= self.now:
            at = self.now - self.minutes(5, 120)
        return at

    # --- places and people ----------------------------------------------------------------

    def category(self, month: int, rural: bool) -> Category:
        keys, weights = [], []
        for key, (weight, urban_factor, rural_factor) in CATEGORY_WEIGHTS.items():
            if key not in self.s["categories"]:
                continue
            winter, summer = SEASONAL.get(key, (1, 1))
            season = winter if month in WINTER else summer if month in SUMMER else 1
            keys.append(key)
            weights.append(weight * (rural_factor if rural else urban_factor) * season)
        return self.s["categories"][self.rng.choices(keys, weights=weights)[0]]

    def text(self, key: str, month: int, rural: bool, place: str) -> tuple[str, str]:
        fits = [
            (title, body)
            for title, body, when in TEXTS.get(key, TEXTS["other"])
            if when == ""
            or (when == "W" and month in WINTER)
            or (when == "S" and month in SUMMER | {5, 9})
            or (when == "U" and not rural)
            or (when == "R" and rural)
        ] or [(t, b) for t, b, _w in TEXTS["other"]]
        title, body = self.rng.choice(fits)
        return title, body.format(place=place)

    def place(self, community: Area) -> tuple[str, str, object, object]:
        """(area code, address, lat, lng) somewhere in ``community``."""
        households = self.s["households"].get(community.code)
        if households:
            home = self.rng.choice(households)
            return home["area_code"], home["address"], home["lat"], home["lng"]
        grids = self.s["grids"].get(community.code) or [community.code]
        code = self.rng.choice(grids)
        if community.urban_rural.startswith("2"):
            address = f"{community.name}{self.rng.randint(1, 8)}组{self.rng.randint(1, 60)}号"
        else:
            address = f"{community.name.removesuffix('社区')}小区{self.rng.randint(1, 20)}号楼"
        return code, address, None, None

    def route(self, area_code: str, category: Category) -> Unit | None:
        """Where ``queries.route`` sends the appeal. While every rule is the county's, the rule
        depends on the category alone and otherwise the area's own unit takes it, so each is
        looked up once."""
        if self.other_rules:
            key = (area_code, category.pk)
            if key not in self.routes:
                unit, rule = queries.route(area_code, category)
                self.routes[key] = unit
                if rule is not None:
                    self.rules[category.pk] = rule
            return self.routes[key]
        if category.pk not in self.rules:
            self.rules[category.pk] = matching_rule(area_code, category)
        rule = self.rules[category.pk]
        if rule is not None:
            return rule.unit
        own = {
            Unit.Kind.COMMUNITY: self.s["community_units"].get(area_code[:12]),
            Unit.Kind.TOWN: self.s["town_units"].get(area_code[:9]),
        }.get(category.unit_kind)
        return own or queries.route(area_code, category)[0]

    def handler(self, unit: Unit) -> User:
        return self.rng.choice(self.s["handlers"][unit.pk])

    def dispatcher(self, area_code: str) -> User:
        return self.s["dispatchers"].get(area_code[:12]) or self.s["town_staff"][area_code[:9]]

    def supervisor(self, unit: Unit, area_code: str) -> User:
        if not unit.is_area_unit:
            return self.s["unit_supervisors"][unit.pk]
        if unit.kind == Unit.Kind.TOWN:
            return self.s["county_officer"]
        return self.s["dispatchers"].get(area_code[:12]) or self.s["town_staff"][area_code[:9]]

    def other_unit(self, unit: Unit, area_code: str, key: str) -> Unit:
        """Where a dispatcher sends what ``unit`` could not handle."""
        if unit.kind == Unit.Kind.COMMUNITY:
            if key.startswith("property"):
                return self.s["named_units"]["区住建局"]
            return self.s["town_units"][area_code[:9]]
        return self.s["community_units"][area_code[:12]]

    # --- one appeal -----------------------------------------------------------------------

    def appeal(
        self,
        at: dt.datetime,
        community: Area,
        *,
        submitter: User | None = None,
        channel: str | None = None,
        fate: str | None = None,
        category: Category | None = None,
        place: tuple | None = None,
    ) -> _Story:
        rng = self.rng
        rural = community.urban_rural.startswith("2")
        month = at.astimezone(self.tz).month
        category = category or self.category(month, rural)
        key = category.key
        area_code, address, lat, lng = place or self.place(community)
        title, description = self.text(key, month, rural, address)
        tier = self.s["tiers"][category.tier_id]
        if channel is None:
            channel = self.pick(CHANNELS)
            if channel == Channel.CARE_VISIT and key not in CARE_KEYS:
                channel = Channel.WINDOW
            if channel in (Channel.ONLINE, Channel.API) and not self.s["accounts"].get(
                community.code
            ):
                channel = Channel.PHONE
        entered_by = resident = None
        contact_name = contact_phone = ""
        if channel in (Channel.ONLINE, Channel.API):
            submitter = submitter or rng.choice(self.s["accounts"][community.code])
            contact_name, contact_phone = submitter.full_name, submitter.phone or ""
        else:
            grid_staff = self.s["grid_staff"].get(area_code)
            if channel == Channel.PATROL and grid_staff:
                entered_by = grid_staff
            else:
                entered_by = rng.choice(self.s["community_staff"][community.code])
            people = self.s["people"].get(community.code) or []
            if channel == Channel.CARE_VISIT:
                people = self.s["elderly"].get(community.code) or people
            if people and (channel == Channel.CARE_VISIT or self.chance(0.6)):
                person = rng.choice(people)
                resident = person
                contact_name, contact_phone = person["name"], person["phone"]
                submitter = self.s["account_of"].get(person["id"])
            else:
                contact_name = rng.choice(CALLER_NAMES.split())
                contact_phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        attributes = {}
        if key == "property.lift":
            attributes["trapped"] = "no"
        elif key == "noise" and self.chance(0.6):
            attributes["when"] = rng.choice(["evening", "night", "night"])
        unit = self.route(area_code, category)
        pin = lat is not None and self.chance(0.4)
        appeal = Appeal(
            area_code=area_code,
            category=category,
            tier=tier,
            title=title[:80],
            description=description,
            address=address if self.chance(0.9) else "",
            lat=lat if pin else None,
            lng=lng if pin else None,
            attributes=attributes,
            channel=channel,
            submitter=submitter,
            entered_by=entered_by,
            resident_id=resident["id"] if resident else None,
            household_id=resident["household_id"] if resident else None,
            contact_name=contact_name[:50],
            contact_phone=contact_phone or None,
            anonymous=channel == Channel.ONLINE and self.chance(0.1),
            public=category.public and channel == Channel.ONLINE and self.chance(0.5),
            token=f"{rng.getrandbits(128):032x}",
            state=State.SUBMITTED,
            submitted_at=at,
            state_changed_at=at,
            respond_due=tier.respond_due(at),
            resolve_due=tier.resolve_due(at, self.overrides),
            is_demo=True,
        )
        story = _Story(appeal=appeal, key=key)
        if fate is None:
            fate = self.pick(
                [("normal", 85), ("merge", 2.5), ("return", 5), ("reject", 2.5), ("transfer", 3)]
            )
            if key in REDIRECT_KEYS and area_code in self.s["grid_units"] and self.chance(0.5):
                fate = "redirect"
        try:
            self.play(story, unit, fate)
        except _Cut:
            self.sweep(story, self.now)
        self.stories.append(story)
        self.by_place[(area_code[:12], key)].append(story)
        return story

    def play(self, story: _Story, unit: Unit | None, fate: str) -> None:
        a = story.appeal
        at = a.submitted_at
        self.clock(a, at, a.respond_due)
        first = None
        if a.entered_by is not None:
            first = next(
                (
                    u
                    for u in (
                        self.s["grid_units"].get(a.area_code),
                        self.s["community_units"].get(a.area_code[:12]),
                    )
                    if u is not None and u.pk in self.s["acting"].get(a.entered_by.pk, ())
                ),
                None,
            )
        a.accountable_unit = first or unit
        actor = a.entered_by or a.submitter
        msg = _("Your appeal was received. Its number is %(number)s.")
        self.event(story, K.SUBMITTED, at, actor=actor, before="",
                   fmt=lambda: msg % {"number": a.number})  # fmt: skip
        if unit is None:
            return
        before = self.move(a, State.DISPATCHED, at)
        rule = self.rules.get(a.category_id)
        rule = rule if rule is not None and rule.unit_id == unit.pk else None
        note = _("Routed by rule %(rule)s.") % {"rule": rule.pk} if rule else ""
        self.hand(story, unit, at, by=None, kind=K.DISPATCHED, note=note, before=before,
                  initial=True)  # fmt: skip

        if fate == "merge":
            target = self.merge_target(story)
            if target is not None:
                when = at + self.hours(0.5, 10)
                self.advance(story, when)
                self.merge(story, target, when)
                return
        if fate in ("return", "reject"):
            when = at + self.hours(0.5, 8)
            self.advance(story, when)
            self.returned(story, when)
            when += self.hours(0.5, 20)
            self.advance(story, when)
            by = self.dispatcher(a.area_code)
            if fate == "reject":
                self.reject(story, when, by)
                return
            unit = self.other_unit(unit, a.area_code, story.key)
            before = self.move(a, State.DISPATCHED, when)
            self.hand(story, unit, when, by=by, kind=K.DISPATCHED, note="", before=before)
            at = when
        if fate == "redirect":
            when = at + self.minutes(20, 240)
            self.advance(story, when)
            by = self.dispatcher(a.area_code)
            unit = self.s["grid_units"][a.area_code]
            before = self.move(a, State.DISPATCHED, when)
            self.hand(story, unit, when, by=by, kind=K.TRANSFERRED, note=REDIRECT_NOTE,
                      before=before)  # fmt: skip
            at = when
        self.accept(story, at)
        if fate == "transfer":
            when = a.first_accepted_at + self.hours(2, 48)
            self.advance(story, when)
            new = self.other_unit(a.unit, a.area_code, story.key)
            by = self.handler(a.unit)
            before = self.move(a, State.DISPATCHED, when)
            reason = self.rng.choice(TRANSFER_REASONS)
            self.hand(story, new, when, by=by, kind=K.TRANSFERRED, note=reason, before=before)
            self.accept(story, when)
        self.work(story)

    def accept(self, story: _Story, since: dt.datetime) -> None:
        a = story.appeal
        allowed = max((a.due_at - since).total_seconds() / 60, 10)
        if self.chance(0.04):  # late
            when = since + self.minutes(allowed * 1.05, allowed * 3)
        else:
            when = since + self.minutes(min(3, allowed * 0.05), allowed * 0.9)
        self.advance(story, when)
        user = self.handler(a.unit)
        before = self.move(a, State.ACCEPTED, when)
        story.live.accepted_by = user
        story.live.accepted_at = when
        a.accepted_by = user
        a.accountable_unit = a.unit
        if a.first_accepted_at is None:
            a.first_accepted_at = when
            a.responded_on_time = when <= a.respond_due
        open_rect = next((r for r in story.rects if r.done_at is None), None)
        self.clock(a, when, open_rect.due_at if open_rect else a.resolve_due)
        message = self.rng.choice(ACCEPT_MESSAGES) if self.chance(0.4) else ""
        fmt = "" if message else _("%(unit)s has accepted your appeal.") % {"unit": a.unit.name}
        self.event(story, K.ACCEPTED, when, actor=user, unit=a.unit, message=message or fmt,
                   before=before)  # fmt: skip

    def work(self, story: _Story) -> None:
        """From acceptance to the end: work, resolve, the resident's answer, ratings, closing."""
        a = story.appeal
        rng = self.rng
        at = a.state_changed_at
        span = max(a.resolve_due - at, dt.timedelta(hours=1))
        user = a.accepted_by
        if self.chance(0.7):
            at += min(span * 0.1, self.hours(0.2, 6))
            self.advance(story, at)
            before = self.move(a, State.IN_PROGRESS, at)
            msg = _("Work on your appeal has started.")
            self.event(story, K.STARTED, at, actor=user, unit=a.unit, message=msg, before=before)
        if self.chance(0.07):  # late, a third of them weeks late
            stretch = rng.uniform(0.1, 1.5) if self.chance(0.67) else rng.uniform(2, 5)
            end = max(a.resolve_due, at) + span * stretch
        else:
            room = max(a.resolve_due - at, dt.timedelta(minutes=30))
            end = at + max(room * rng.betavariate(1.5, 2.5), dt.timedelta(minutes=10))
        if self.chance(0.3):
            when = at + (end - at) * rng.uniform(0.3, 0.8)
            self.advance(story, when)
            message = rng.choice(PROGRESS_MESSAGES)
            self.event(story, K.PROGRESS, when, actor=user, unit=a.unit, message=message)
        if self.chance(0.15):
            when = at + (end - at) * rng.uniform(0.1, 0.5)
            self.advance(story, when)
            self.event(story, K.NOTE, when, actor=user, unit=a.unit, note=rng.choice(NOTES),
                       public=False)  # fmt: skip
        self.advance(story, end)
        resolution = rng.choice(RESOLUTIONS.get(story.key) or RESOLUTIONS["other"])
        self.resolve(story, end, user, resolution)
        self.answer(story, end, end, 0)

    def resolve(self, story: _Story, when, user, resolution: str) -> None:
        a = story.appeal
        before = self.move(a, State.RESOLVED, when)
        a.resolution = resolution
        a.resolved_at = when
        open_rect = next((r for r in story.rects if r.done_at is None), None)
        if open_rect is not None:
            open_rect.done_at = when
        elif a.resolved_on_time is None:
            a.resolved_on_time = when <= a.resolve_due
        self.clock(a, when, None)
        self.event(story, K.RESOLVED, when, actor=user, unit=a.unit, message=resolution,
                   before=before)  # fmt: skip

    def answer(self, story: _Story, resolved: dt.datetime, after: dt.datetime, round_: int):
        """The resident's (or the callback's) answer to a resolution, and the closing; nothing
        before ``after`` (a callback)."""
        a = story.appeal
        auto = resolved + dt.timedelta(days=self.policy.auto_confirm_days) + self.minutes(1, 5)
        rater = a.submitter
        if rater is not None:
            mode = self.pick([("rate", 62), ("confirm", 15), ("silent", 23)])
        else:
            mode = self.pick([("phone", 80), ("silent", 20)])
        latest = auto - self.hours(1, 10)  # the resident answers before the sweep would
        if mode in ("rate", "phone"):
            when = after + (self.days(0.1, 4) if mode == "rate" else self.days(0.3, 5))
            when = min(when, latest)
            self.advance(story, when)
            by = rater if mode == "rate" else self.supervisor(a.unit, a.area_code)
            self.rate(story, when, by, round_)
            return
        if mode == "confirm":
            when = min(after + self.days(0.1, 3), latest)
            self.advance(story, when)
            before = self.move(a, State.CONFIRMED, when)
            a.confirmed_at = when
            self.event(story, K.CONFIRMED, when, actor=rater, before=before,
                       message="已经处理好了，谢谢。" if self.chance(0.3) else "")  # fmt: skip
        else:
            self.advance(story, auto)
            before = self.move(a, State.CONFIRMED, auto)
            a.confirmed_at = auto
            a.auto_confirmed = True
            days = self.policy.auto_confirm_days
            msg = _("Confirmed automatically after %(days)d days without an answer.") % {
                "days": days
            }
            self.event(story, K.AUTO_CONFIRMED, auto, message=msg, before=before)
        if self.chance(0.5):
            when = a.confirmed_at + self.days(0.5, self.policy.rating_days - 1)
            self.advance(story, when)
            by = (
                rater
                if rater is not None and mode == "confirm"
                else self.supervisor(a.unit, a.area_code)
            )
            self.rate(story, when, by, round_)
            return
        when = a.confirmed_at + dt.timedelta(days=self.policy.rating_days) + self.minutes(1, 5)
        self.advance(story, when)
        self.close(story, when, None)

    def rate(self, story: _Story, when, by: User, round_: int) -> None:
        a = story.appeal
        rng = self.rng
        if round_ == 0:
            level = self.pick([(5, 55), (4, 27), (3, 11), (2, 4), (1, 3)])
        else:
            level = self.pick([(5, 35), (4, 40), (3, 25)])

        def near() -> int:
            return max(1, min(5, level + rng.choice((0, 0, 0, 1, -1))))

        bad = level < 3
        comment = rng.choice(BAD_COMMENTS) if bad else (
            rng.choice(GOOD_COMMENTS) if self.chance(0.4) else ""
        )  # fmt: skip
        rating = Rating(
            appeal=a, round=round_, level=level, efficiency=near(), attitude=near(),
            result=level, comment=comment, unit=a.unit, area_code=a.area_code, by=by, at=when,
        )  # fmt: skip
        story.ratings.append(rating)
        a.rating = level
        a.rated_at = when
        label = str(RatingLevel(level).label)
        self.event(story, K.RATED, when, actor=by, unit=a.unit,
                   message=label + (f": {comment}" if comment else ""))  # fmt: skip
        if bad:
            self.reopen(story, when, by, rating, comment)
            return
        if a.state == State.RESOLVED:
            before = self.move(a, State.CONFIRMED, when)
            a.confirmed_at = when
            self.event(story, K.CONFIRMED, when, actor=by, before=before)
        if not a.callback_due:
            self.close(story, when, by)

    def reopen(self, story: _Story, when, by, rating: Rating, reason: str) -> None:
        """A bad rating: rectification due in working days, a callback due, back to the unit."""
        a = story.appeal
        before = self.move(a, State.IN_PROGRESS, when)
        a.reopen_count += 1
        a.confirmed_at = None
        a.closed_at = None
        due = add_workdays(when, self.policy.rectify_workdays, self.overrides)
        rect = Rectification(appeal=a, rating=rating, unit=a.unit, area_code=a.area_code,
                             opened_at=when, due_at=due)  # fmt: skip
        story.rects.append(rect)
        a.callback_due = True
        self.clock(a, when, due)
        msg = _("Your appeal has gone back to %(unit)s.") % {"unit": a.unit.name}
        self.event(story, K.REOPENED, when, actor=by, unit=a.unit, message=msg, note=reason,
                   before=before)  # fmt: skip
        handler = a.accepted_by or self.handler(a.unit)
        fixed = when + self.days(1, 9)
        self.advance(story, fixed)
        text = "已按居民意见整改：" + self.rng.choice(
            RESOLUTIONS.get(story.key) or RESOLUTIONS["other"]
        )
        self.resolve(story, fixed, handler, text)
        supervisor = self.supervisor(a.unit, a.area_code)
        call = fixed + self.days(0.2, 2)
        self.advance(story, call)
        outcome = self.pick([("satisfied", 75), ("unsatisfied", 15), ("unreachable", 10)])
        self.callback(story, call, supervisor, rating, outcome)
        if outcome == Callback.Outcome.UNREACHABLE:
            call += self.days(0.8, 1.5)
            self.advance(story, call)
            self.callback(story, call, supervisor, rating, Callback.Outcome.SATISFIED)
        self.answer(story, fixed, call, a.reopen_count)

    def callback(self, story: _Story, when, by: User, rating: Rating, outcome: str) -> None:
        a = story.appeal
        note = CALLBACK_NOTES[outcome]
        story.callbacks.append(
            Callback(appeal=a, rating=rating, by=by, at=when, outcome=outcome, note=note)
        )
        if outcome != Callback.Outcome.UNREACHABLE:
            a.callback_due = False
        label = str(Callback.Outcome(outcome).label)
        self.event(story, K.CALLBACK, when, actor=by, public=False, note=f"{label}: {note}")

    def close(self, story: _Story, when, by) -> None:
        a = story.appeal
        before = self.move(a, State.CLOSED, when)
        a.closed_at = when
        self.end_live(story, Dispatch.Outcome.FINISHED, when)
        self.event(story, K.CLOSED, when, actor=by, before=before)

    def returned(self, story: _Story, when) -> None:
        a = story.appeal
        unit = a.unit
        user = self.handler(unit)
        before = self.move(a, State.SUBMITTED, when)
        self.end_live(story, Dispatch.Outcome.RETURNED, when)
        a.unit = None
        self.clock(a, when, self.response_clock(a, when))
        msg = _("Your appeal is being passed to the right unit.")
        self.event(story, K.RETURNED, when, actor=user, unit=unit, message=msg,
                   note=self.rng.choice(RETURN_REASONS), before=before)  # fmt: skip

    def reject(self, story: _Story, when, by: User) -> None:
        a = story.appeal
        before = self.move(a, State.REJECTED, when)
        self.end_live(story, Dispatch.Outcome.WITHDRAWN, when)
        self.clock(a, when, None)
        a.closed_at = when
        self.event(story, K.REJECTED, when, actor=by, message=self.rng.choice(REJECT_REASONS),
                   before=before)  # fmt: skip

    def merge_target(self, story: _Story) -> _Story | None:
        a = story.appeal
        since = a.submitted_at - dt.timedelta(days=30)
        for other in reversed(self.by_place.get((a.area_code[:12], story.key), [])):
            if other.appeal.submitted_at < since:
                break
            if other.appeal.submitted_at < a.submitted_at and other.appeal.state not in (
                State.MERGED,
                State.REJECTED,
            ):
                return other
        return None

    def merge(self, story: _Story, target: _Story, when) -> None:
        a = story.appeal
        by = self.dispatcher(a.area_code)
        before = self.move(a, State.MERGED, when)
        self.end_live(story, Dispatch.Outcome.WITHDRAWN, when)
        a.merged_into = target.appeal
        self.clock(a, when, None)
        into = target.appeal

        def repeats() -> str:
            return _("Your appeal repeats %(number)s, which is being handled; follow it there.") % {
                "number": into.number
            }

        def merged() -> str:
            return _("Appeal %(number)s was merged into this one.") % {"number": a.number}

        self.event(story, K.MERGED, when, actor=by, fmt=repeats, note=MERGE_NOTE, before=before)
        state = next(
            (e[-1] for e in reversed(target.events) if e[1] <= when), into.state
        )  # the main appeal's state at that moment
        target.events.append((K.NOTE, when, by, None, False, "", merged, state, state))

    # --- the mechanics the actions share ------------------------------------------------------

    def move(self, a: Appeal, state: str, when) -> str:
        if state not in TRANSITIONS[a.state]:
            raise AssertionError(f"illegal demo transition {a.state} → {state}")
        before = a.state
        a.state = state
        a.state_changed_at = when
        return before

    def clock(self, a: Appeal, start, due) -> None:
        if due is None:
            a.due_at = a.warn_at = None
            return
        if a.due_at != due:
            a.escalation_level = 0
        a.due_at = due
        a.warn_at = warn_from(start, due)

    def response_clock(self, a: Appeal, when) -> dt.datetime:
        return a.respond_due if a.respond_due > when else a.tier.respond_due(when)

    def hand(self, story: _Story, unit: Unit, when, *, by, kind, note, before, initial=False):
        """Give the appeal to ``unit`` (the caller has moved it to dispatched); a new turn gets
        what is left of the response time, or a fresh one."""
        a = story.appeal
        outcome = (
            Dispatch.Outcome.WITHDRAWN
            if before == State.SUBMITTED
            else Dispatch.Outcome.TRANSFERRED
        )
        self.end_live(story, outcome, when)
        dispatch = Dispatch(appeal=a, unit=unit, dispatched_by=by, dispatched_at=when)
        story.dispatches.append(dispatch)
        story.live = dispatch
        a.unit = unit
        a.accepted_by = None
        if not initial:
            self.clock(a, when, self.response_clock(a, when))
        msg = _("Passed to %(unit)s to handle.") % {"unit": unit.name}
        self.event(story, kind, when, actor=by, unit=unit, message=msg, note=note, before=before)

    def end_live(self, story: _Story, outcome: str, when) -> None:
        if story.live is not None:
            story.live.live = False
            story.live.ended_at = when
            story.live.outcome = outcome
            story.live = None

    def event(self, story, kind, when, *, actor=None, unit=None, message="", note="",
              public=True, fmt=None, before=None) -> None:  # fmt: skip
        a = story.appeal
        before = a.state if before is None else before
        text = fmt if fmt is not None else message
        story.events.append((kind, when, actor, unit, public, text, note, before, a.state))

    def advance(self, story: _Story, when: dt.datetime) -> None:
        """Let the sweep run up to ``when``; stop the story if that lies in the future."""
        self.sweep(story, min(when, self.now))
        if when > self.now:
            raise _Cut

    def sweep(self, story: _Story, until: dt.datetime) -> None:
        """Escalate as the sweep does: when a clock runs out, and again a day later."""
        a = story.appeal
        while a.due_at is not None and a.escalation_level < 2:
            wait = dt.timedelta(hours=self.policy.escalate_again_hours if a.escalation_level else 0)
            when = a.due_at + wait + dt.timedelta(minutes=3)
            if when > until:
                return
            level = a.escalation_level + 1
            a.escalation_level = level
            a.escalated_at = when
            if any(v.level == level and v.due_at == a.due_at for v in story.supervisions):
                continue  # the same deadline again: the sweep's insert meets the unique rule
            unit = a.unit or a.accountable_unit
            if unit is not None:
                code = queries.supervising_code(unit, level)
            else:
                code = COUNTY_CODE if level > 1 else a.area_code[:9] + "000"
            reason = (
                Supervision.Reason.RESPONSE_OVERDUE
                if a.state in (State.SUBMITTED, State.DISPATCHED)
                else Supervision.Reason.RESOLUTION_OVERDUE
            )
            story.supervisions.append(
                Supervision(appeal=a, level=level, reason=reason, supervising_code=code,
                            unit=unit, due_at=a.due_at, at=when)
            )  # fmt: skip
            msg = _("Your appeal is now supervised by a higher level.")
            self.event(story, K.ESCALATED, when, unit=unit, message=msg)


# --- the county's set-up ----------------------------------------------------------------------


@functools.cache
def _password() -> str:
    """The demo password, hashed once for the accounts made here (a hash a person takes
    hundreds of milliseconds on purpose)."""
    return make_password(DEMO_PASSWORD)


def _duty_accounts(communities: list[Area], towns: list[Area], staffed: set[str]) -> list[str]:
    """A community worker for each community and a town officer for each town without one
    (written together; the load's audit event counts them)."""
    rng = random.Random(SEED + 1)
    names = STAFF_NAMES.split()
    rng.shuffle(names)
    wanted = [(c.code, Role.COMMUNITY_WORKER, "worker") for c in communities]
    wanted += [(t.code, Role.TOWN_OFFICER, "town") for t in towns]
    taken = set(User.objects.filter(username__regex=r"^(worker|town)-\d{12}$").values_list(
        "username", flat=True
    ))  # fmt: skip
    made = []
    for index, (code, role, prefix) in enumerate(wanted):
        username = f"{prefix}-{code}"
        if code not in staffed and username not in taken:
            user = User(
                username=username,
                full_name=names[index % len(names)],
                password=_password(),
                home_area_id=code if role == Role.COMMUNITY_WORKER else None,
            )
            made.append((user, role, code))
    User.objects.bulk_create([user for user, _role, _code in made])
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=user, role=role, area_id=code, area_code=code)
        for user, role, code in made
    )
    return [user.username for user, _role, _code in made]


def _setup() -> dict:
    county = Area.objects.get(code=COUNTY_CODE)
    actions.appeal_defaults_load(actor=scoping.SYSTEM, county_code=COUNTY_CODE)
    categories = {
        c.key: c
        for c in Category.objects.filter(area_code=COUNTY_CODE, active=True)
        .exclude(key="")
        .select_related("tier")
    }
    users = {
        u.username: u for u in User.objects.filter(username__in=["dept", "provider", "county"])
    }
    named: dict[str, Unit] = {}
    for kind, name, members in UNITS:
        unit, _created = Unit.objects.get_or_create(
            area=county, name=name, defaults={"kind": kind, "area_code": county.code}
        )
        named[name] = unit
        for username, supervisor in members:
            if username in users:
                UnitMember.objects.get_or_create(
                    unit=unit, user=users[username], defaults={"is_supervisor": supervisor}
                )
    for key, name in RULES:
        if key in categories:
            RoutingRule.objects.get_or_create(
                area=county,
                category=categories[key],
                defaults={"unit": named[name], "prefix": COUNTY, "area_code": COUNTY_CODE},
            )
    demo_areas = Area.objects.filter(code__startswith=COUNTY, is_demo=True)
    communities = list(demo_areas.filter(level=Level.COMMUNITY).order_by("code"))
    towns = list(demo_areas.filter(level=Level.TOWN).order_by("code"))
    grids: dict[str, list[str]] = defaultdict(list)
    for code, parent in demo_areas.filter(level=Level.GRID).values_list("code", "parent_id"):
        grids[parent].append(code)

    assignments = RoleAssignment.objects.filter(area_code__startswith=COUNTY).select_related("user")
    staffed = {
        ra.area_code
        for ra in assignments
        if ra.user.is_active
        and ra.role in (Role.COMMUNITY_WORKER, Role.COMMUNITY_HEAD, Role.TOWN_OFFICER)
    }
    duty = _duty_accounts(communities, towns, staffed)
    community_staff: dict[str, list[User]] = defaultdict(list)
    town_staff: dict[str, User] = {}
    grid_staff: dict[str, User] = {}
    dispatchers: dict[str, User] = {}
    accounts: dict[str, list[User]] = defaultdict(list)
    for ra in assignments.order_by("user__username"):
        code, user = ra.area_code, ra.user
        if not user.is_active:
            continue
        if ra.role in (Role.COMMUNITY_WORKER, Role.COMMUNITY_HEAD) and len(code) == 12:
            community_staff[code].append(user)
            if ra.role == Role.COMMUNITY_HEAD:
                dispatchers.setdefault(code, user)
        elif ra.role == Role.TOWN_OFFICER:
            town_staff.setdefault(code[:9], user)
        elif ra.role == Role.GRID_WORKER and len(code) == 15:
            grid_staff.setdefault(code, user)
        elif ra.role == Role.RESIDENT:
            accounts[code[:12]].append(user)
    community_units = {
        c.code: queries.unit_for_area(c.code, Unit.Kind.COMMUNITY) for c in communities
    }
    town_units = {t.code[:9]: queries.unit_for_area(t.code, Unit.Kind.TOWN) for t in towns}
    grid_units = {code: queries.unit_for_area(code, Unit.Kind.GRID) for code in grid_staff}
    handlers: dict[int, list[User]] = {}
    acting: dict[int, set[int]] = defaultdict(set)
    for code, unit in community_units.items():
        handlers[unit.pk] = community_staff[code]
        for user in community_staff[code]:
            acting[user.pk].add(unit.pk)
    for code, unit in town_units.items():
        handlers[unit.pk] = [town_staff[code]]
    for code, unit in grid_units.items():
        handlers[unit.pk] = [grid_staff[code]]
        acting[grid_staff[code].pk].add(unit.pk)
    supervisors = {}
    for unit in named.values():
        members = list(
            UnitMember.objects.filter(unit=unit).select_related("user").order_by("-is_supervisor")
        )
        handlers[unit.pk] = [m.user for m in members] or [users["county"]]
        supervisors[unit.pk] = members[0].user if members else users["county"]
    policy, _created = Policy.objects.get_or_create(area_code=COUNTY_CODE)
    return {
        "county": county,
        "categories": categories,
        "tiers": {c.tier_id: c.tier for c in categories.values()},
        "communities": communities,
        "grids": grids,
        "named_units": named,
        "community_units": community_units,
        "town_units": town_units,
        "grid_units": grid_units,
        "handlers": handlers,
        "acting": acting,
        "unit_supervisors": supervisors,
        "community_staff": community_staff,
        "town_staff": town_staff,
        "grid_staff": grid_staff,
        "dispatchers": dispatchers,
        "county_officer": users["county"],
        "accounts": accounts,
        "duty": duty,
        "policy": policy,
    }


def _weights(communities: list[Area]) -> list[int]:
    """Each community's latest reported population (3,000 where none is reported)."""
    weights: dict[str, int] = {}
    figures = ReportedFigure.objects.filter(
        area__in=communities, kind=ReportedFigure.Kind.POPULATION
    ).order_by("area_id", "as_of")
    for area_id, value in figures.values_list("area_id", "value"):
        weights[area_id] = value
    return [weights.get(c.code, 3000) for c in communities]


def _registry(setup: dict) -> None:
    """Places (household addresses) and contacts (adults with a phone, older people in a
    group) of the demo registry, a sample per community."""
    from linli.registry.models import Household, Resident

    rng = random.Random(SEED + 2)
    households: dict[str, list[dict]] = defaultdict(list)
    rows = Household.objects.filter(is_demo=True).values(
        "community_id", "area_code", "address", "building__lat", "building__lng"
    )
    for row in rows.order_by("pk"):
        households[row["community_id"]].append(
            {
                "area_code": row["area_code"],
                "address": row["address"],
                "lat": row["building__lat"],
                "lng": row["building__lng"],
            }
        )
    setup["households"] = {
        code: rng.sample(items, min(len(items), 200)) for code, items in households.items()
    }
    today = timezone.localdate()
    adults = Resident.objects.filter(
        is_demo=True,
        status=Resident.Status.ACTIVE,
        phone_bidx__isnull=False,
        birth_date__lte=today.replace(year=today.year - 18),
    ).only("id", "name", "phone", "household_id", "area_code", "account_id")

    def person(r) -> dict:
        return {
            "id": r.pk,
            "name": r.name,
            "phone": r.phone or "",
            "household_id": r.household_id,
            "account_id": r.account_id,
        }

    setup["people"] = {}
    setup["elderly"] = {}
    for community in setup["communities"]:
        found = list(adults.filter(area_code__startswith=community.code).order_by("pk")[:300])
        setup["people"][community.code] = [
            person(r) for r in rng.sample(found, min(80, len(found)))
        ]
    elderly = (
        Resident.objects.filter(
            is_demo=True,
            status=Resident.Status.ACTIVE,
            tags__tag__code__startswith="special_elderly",
            tags__ended_on__isnull=True,
        )
        .distinct()
        .only("id", "name", "phone", "household_id", "area_code", "account_id")
        .order_by("pk")
    )
    for r in elderly:
        setup["elderly"].setdefault(r.area_code[:12], []).append(person(r))


def _resident_accounts(setup: dict, wanted: dict[str, int]) -> int:
    """Accounts for residents who use the app: registry residents with a phone, ``wanted`` per
    community (the demo resident accounts count); linked to their registry entry."""
    from linli.registry.models import Resident

    rng = random.Random(SEED + 3)
    setup["account_of"] = {}
    taken = set(User.objects.exclude(phone_bidx=None).values_list("phone_bidx", flat=True))
    numbers = [
        int(name.rsplit("-", 1)[1])
        for name in User.objects.filter(username__regex=r"^resident-\d+$").values_list(
            "username", flat=True
        )
    ]
    seq = max(numbers, default=0)
    password = _password()
    new_users, links = [], []
    for community in setup["communities"]:
        have = setup["accounts"][community.code]
        need = wanted.get(community.code, 0) - len(have)
        if need <= 0:
            continue
        candidates = [
            p
            for p in setup["people"].get(community.code, [])
            if p["account_id"] is None and blind_index(p["phone"], "phone") not in taken
        ]
        for p in rng.sample(candidates, min(need, len(candidates))):
            seq += 1
            taken.add(blind_index(p["phone"], "phone"))
            user = User(
                username=f"resident-{seq:04d}",
                full_name=p["name"],
                phone=p["phone"],
                home_area_id=community.code,
                password=password,
            )
            new_users.append((community.code, user))
            links.append((p, user))
    User.objects.bulk_create([u for _c, u in new_users])
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=u, role=Role.RESIDENT, area_id=code, area_code=code)
        for code, u in new_users
    )
    for p, user in links:
        Resident.objects.filter(pk=p["id"]).update(account=user)
        p["account_id"] = user.pk
    for code, user in new_users:
        setup["accounts"][code].append(user)
    ids = {p["account_id"] for people in setup["people"].values() for p in people}
    by_id = User.objects.in_bulk([i for i in ids if i is not None])
    setup["account_of"] = {
        p["id"]: by_id[p["account_id"]]
        for people in [*setup["people"].values(), *setup["elderly"].values()]
        for p in people
        if p["account_id"] in by_id
    }
    return len(new_users)


# --- writing ------------------------------------------------------------------------------------


def _bulk(model, rows: list) -> None:
    for start in range(0, len(rows), BATCH):
        model.objects.bulk_create(rows[start : start + BATCH])


def _text(value) -> str:
    return (value() if callable(value) else str(value or ""))[:2000]


def _write(stories: list[_Story]) -> dict[str, int]:
    _bulk(Appeal, [s.appeal for s in stories if s.appeal.merged_into is None])
    _bulk(Appeal, [s.appeal for s in stories if s.appeal.merged_into is not None])
    _bulk(Dispatch, [d for s in stories for d in s.dispatches])
    # Events are most of the rows: inserted as prepared values (a model instance each would
    # cost more than everything else written here).
    adapt = connection.ops.adapt_datetimefield_value
    events = [
        (story.appeal.pk, adapt(at), kind, getattr(actor, "pk", None), getattr(unit, "pk", None),
         public, _text(message), _text(note), before, after)
        for story in stories
        for kind, at, actor, unit, public, message, note, before, after in sorted(
            story.events, key=lambda e: e[1]
        )
    ]  # fmt: skip
    with connection.cursor() as cursor:
        for start in range(0, len(events), BATCH):
            cursor.executemany(
                "INSERT INTO appeals_event (appeal_id, at, kind, actor_id, unit_id, public, "
                "message, note, from_state, to_state) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                events[start : start + BATCH],
            )
    _bulk(Rating, [r for s in stories for r in s.ratings])
    _bulk(Rectification, [r for s in stories for r in s.rects])
    _bulk(Callback, [c for s in stories for c in s.callbacks])
    _bulk(Supervision, [v for s in stories for v in s.supervisions])
    return {
        "appeals": len(stories),
        "events": len(events),
        "ratings": sum(len(s.ratings) for s in stories),
        "rectifications": sum(len(s.rects) for s in stories),
        "callbacks": sum(len(s.callbacks) for s in stories),
        "supervisions": sum(len(s.supervisions) for s in stories),
    }


def _clear() -> int:
    ids = list(Appeal.objects.filter(is_demo=True).values_list("pk", flat=True))
    for start in range(0, len(ids), 500):
        chunk = [str(pk) for pk in ids[start : start + 500]]
        Notification.objects.filter(target_type="appeals.appeal", target_id__in=chunk).delete()
    Appeal.objects.filter(is_demo=True, state=State.MERGED).delete()
    Appeal.objects.filter(is_demo=True).delete()
    return len(ids)


# --- the demo resident's own appeals -------------------------------------------------------

# (state wanted, fate, submitted between … days ago)
OWN = [
    (State.SUBMITTED, "return", 0.15, 0.4),
    (State.ACCEPTED, "normal", 0.1, 1.5),
    (State.IN_PROGRESS, "normal", 2, 6),
    (State.CONFIRMED, "normal", 9, 20),
    (State.CLOSED, "normal", 30, 200),
    (State.CLOSED, "normal", 200, 330),
    (State.REJECTED, "reject", 40, 250),
    (State.MERGED, "merge", 20, 200),
]


def _home_of(user: User) -> tuple[str, str]:
    from linli.registry.models import Resident

    linked = Resident.objects.filter(account=user).select_related("household").first()
    if linked is not None and linked.household is not None:
        return linked.area_code, linked.household.address
    return HOME, ""


def _own_appeals(demo: _Demo, user: User, community: Area) -> None:
    """One appeal of ``user`` in each state of ``OWN``, found by replaying draws until the
    story ends in it (deterministic: the draws are seeded)."""
    area_code, address = _home_of(user)
    for state, fate, low, high in OWN:
        for _attempt in range(300):
            at = demo.submitted_at(low, high)
            category = None
            if fate == "merge":
                keys = [k for (code, k), items in demo.by_place.items() if code == community.code
                        and items and k in demo.s["categories"]]  # fmt: skip
                if not keys:
                    break
                category = demo.s["categories"][demo.rng.choice(sorted(keys))]
                near = demo.by_place[(community.code, category.key)][-1].appeal.submitted_at
                at = min(near + demo.days(0.1, 20), demo.now - demo.hours(1, 5))
            place = (area_code, address or demo.place(community)[1], None, None)
            story = demo.appeal(at, community, submitter=user, channel=Channel.ONLINE,
                                fate=fate, category=category, place=place)  # fmt: skip
            if story.appeal.state == state and (state != State.CLOSED or story.appeal.rating):
                break
            demo.stories.pop()
            demo.by_place[(area_code[:12], story.key)].pop()


# --- through the actions ----------------------------------------------------------------------


def _through_actions(setup: dict) -> list[int]:
    """Three appeals of the demo resident and worker through the real actions: one resolved
    and awaiting her rating, one waiting to be accepted, one taken at the window."""
    from linli.registry.models import Resident

    users = {u.username: u for u in User.objects.filter(username__in=["resident", "worker"])}
    if len(users) < 2 or HOME not in setup["community_units"]:
        return []
    resident, worker = users["resident"], users["worker"]
    cats = setup["categories"]
    area_code, address = _home_of(resident)
    made = []
    leak = actions.appeal_submit(
        actor=resident,
        category_id=cats["property.leak"].pk,
        area_code=area_code,
        title="卫生间顶棚渗水",
        description="卫生间顶棚这两周一直往下渗水，墙角发霉，应该是楼上卫生间防水坏了。",
        address=address,
        attributes={"floor": 3},
    )
    made.append(leak.pk)
    actions.appeal_accept(actor=worker, appeal_id=leak.pk, message="已收到，明天上午上门查看。")
    actions.appeal_start(actor=worker, appeal_id=leak.pk)
    actions.appeal_progress(
        actor=worker, appeal_id=leak.pk, message="已联系楼上住户，约好周六一起查看防水层。"
    )
    actions.appeal_resolve(
        actor=worker,
        appeal_id=leak.pk,
        resolution="楼上卫生间防水层已重做，闭水试验48小时无渗漏，您家顶棚已重新粉刷。",
    )
    noise = actions.appeal_submit(
        actor=resident,
        category_id=cats["noise"].pk,
        area_code=area_code,
        title="楼下商铺夜里搬货噪音大",
        description="楼下超市每天夜里十一点以后卸货，推车和说话声音很大，吵得睡不着。",
        address=address,
        attributes={"when": "night"},
    )
    made.append(noise.pk)
    today = timezone.localdate()
    elder = (
        Resident.objects.filter(
            is_demo=True,
            area_code__startswith=HOME,
            status=Resident.Status.ACTIVE,
            birth_date__lte=today.replace(year=today.year - 75),
        )
        .order_by("pk")
        .first()
    )
    window = actions.appeal_submit(
        actor=worker,
        channel=Channel.WINDOW,
        category_id=cats["elderly"].pk,
        area_code=elder.area_code if elder else HOME,
        title="独居老人申请助餐和定期探访",
        description="老人独自居住，行动不便，子女在外地，来窗口申请社区助餐服务和定期上门探访。",
        resident_id=elder.pk if elder else None,
    )
    made.append(window.pk)
    actions.appeal_accept(actor=worker, appeal_id=window.pk)
    Appeal.objects.filter(pk__in=made).update(is_demo=True)
    return made


def _scripted_count() -> int:
    names = set(User.objects.filter(username__in=["resident", "worker"]).values_list(
        "username", flat=True
    ))  # fmt: skip
    return 3 if len(names) == 2 else 0


# --- the loader ---------------------------------------------------------------------------------


def load_appeals_demo(
    *, residents: int = 20_000, appeals: int | None = None, now: dt.datetime | None = None
) -> str:
    """Load the demo appeals (a DEMO_LOADERS entry): ``appeals`` of them, by default 15 per
    100 ``residents``. Returns a summary for the console; when the same number is already
    loaded, changes nothing."""
    count = appeals if appeals is not None else max(residents, 0) * PER_100_RESIDENTS // 100
    if count < 0:
        raise ValueError("the number of demo appeals cannot be negative")
    if not Area.objects.filter(code=COUNTY_CODE).exists():
        return ""
    existing = Appeal.objects.filter(is_demo=True).count()
    if existing == count + _scripted_count() and Unit.objects.filter(name=UNITS[0][1]).exists():
        return _summary(f"kept the {existing} demo appeals already loaded")
    now = now or timezone.now()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        try:
            replaced = _clear()
        except ProtectedError as exc:
            raise RuntimeError(
                "Other appeals were merged into demo appeals, so the demo appeals cannot be "
                "replaced; start from an empty database (rm -r var/)."
            ) from exc
        setup = _setup()
        _registry(setup)
        communities = setup["communities"]
        weights = _weights(communities)
        total = sum(weights) or 1
        wanted = {
            c.code: max(2, round(count * w / total * 0.35 / 3))
            for c, w in zip(communities, weights, strict=True)
        }
        new_accounts = _resident_accounts(setup, wanted) if count else 0
        demo = _Demo(now, setup)
        own = User.objects.filter(username="resident").first()
        home = next((c for c in communities if c.code == HOME), None)
        bulk = count - (len(OWN) if own and home and count >= 50 else 0)
        # Oldest first (a duplicate is merged into an earlier appeal); a little more each month.
        for ago in sorted((365 * demo.rng.random() ** 1.2 for _ in range(bulk)), reverse=True):
            community = demo.rng.choices(communities, weights=weights)[0]
            demo.appeal(demo.submitted_at(ago, ago), community)
        if bulk < count:
            _own_appeals(demo, own, home)
        counts = _write(demo.stories)
        made = _through_actions(setup)
        stories = [s.appeal for s in demo.stories]
        counts.update(
            {
                "through_actions": len(made),
                "open": sum(a.state in OPEN_STATES for a in stories),
                "overdue": sum(a.due_at is not None and a.due_at < now for a in stories),
                "resident_accounts": new_accounts,
                "duty_accounts": len(setup["duty"]),
                "replaced": replaced,
            }
        )
        audit.record(
            scoping.SYSTEM,
            "appeal.demo_load",
            area_code=COUNTY_CODE,
            target_type="appeals.appeal",
            extra=counts,
        )
    return _summary(
        f"{counts['appeals'] + counts['through_actions']} appeals over the last 12 months "
        f"({counts['open']} open, {counts['overdue']} overdue, {counts['supervisions']} "
        f"escalations, {counts['ratings']} ratings)"
    )


def _summary(headline: str) -> str:
    """The headline and the logins of the units' members, as the demo accounts are listed."""
    lines = [f"Appeals demo: {headline}"]
    members = UnitMember.objects.filter(
        unit__name__in=[name for _kind, name, _members in UNITS], unit__area_id=COUNTY_CODE
    ).select_related("unit", "user")
    if members:
        lines.append(
            "  Appeal handling units and their members (password as for the demo accounts):"
        )
    for member in members.order_by("unit_id", "user__username"):
        user, unit = member.user, member.unit
        role = "supervisor" if member.is_supervisor else "member"
        lines.append(f"  {_pad(unit.name, 22)} {user.username:<14} {user.phone or '':<13} {role}")
    duty = User.objects.filter(username__regex=r"^(worker|town)-\d{12}$").count()
    if duty:
        lines.append(
            f"  {duty} duty accounts for the communities and towns without demo staff: "
            "worker-<community code>, town-<town code>"
        )
    if Appeal.objects.filter(is_demo=True, submitter__username="resident").exists():
        lines.append(
            "  The resident 'resident' has an appeal in every state; one awaits her rating."
        )
    return "\n".join(lines)


def _pad(text: str, width: int) -> str:
    """Pad to a terminal width where Chinese characters take two columns."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - shown, 0)
