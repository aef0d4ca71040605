"""The community work-item list (社区工作事项准入清单) every county can start from.

The five plans ask each county to "build a list of community work items and apply an entry
system to community work" (建立社区工作事项清单，实行社区工作准入制度): what belongs to the
government and its departments is not pushed onto communities; what communities help with comes
with funds and working conditions (费随事转); residents' own affairs are theirs to decide. This
is a typical list of what counties approve, in two parts:

* ``LZ`` (依法履职): what the residents' or villagers' committee does under its organic law;
* ``XZ`` (依法协助): what it helps the government and its departments with, each naming the
  department that may assign it and the law or plan that allows it.

Texts are English msgids (translated in the catalogues); a county's rows store them in Chinese
when loaded and may be renamed, extended or withdrawn afterwards.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop as N_

_ORGANIC_LAWS = N_(
    "Organic Law of the Urban Residents' Committees (城市居民委员会组织法), art. 3; "
    "Organic Law of the Villagers' Committees (村民委员会组织法), art. 5"
)
_CIVIL_AFFAIRS = N_("Civil affairs bureau")
_TOWN = N_("Town government or street office")
_HUMAN_RESOURCES = N_("Human resources and social security bureau")
_HEALTH = N_("Health commission")
_EMERGENCY = N_("Emergency management bureau")
_POLICE = N_("Public security bureau")

# (code, name, department that may assign it, what the community does, policy basis)
WORK_ITEMS: list[tuple[str, str, str, str, str]] = [
    (
        "LZ-01",
        N_("Collecting and updating resident information (一次采集、多方利用)"),
        _CIVIL_AFFAIRS,
        N_("Keep the community's buildings, households and residents up to date in the registry, "
           "collected once and used by every department instead of new forms."),
        N_("14th Five-Year Plan for urban-rural community services (“十四五”城乡社区服务体系建设规划): "
           "collect community data once, use it many times"),
    ),
    (
        "LZ-02",
        N_("Consultation on residents' common affairs (协商议事)"),
        _TOWN,
        N_("Hold residents' meetings and consultations on matters of common interest and publish "
           "what was agreed."),
        _ORGANIC_LAWS,
    ),
    (
        "LZ-03",
        N_("Mediating disputes among residents (人民调解)"),
        N_("Justice bureau"),
        N_("The community's mediation committee finds and mediates disputes between neighbours "
           "and families early, and refers what it cannot settle."),
        N_("People's Mediation Law (人民调解法)"),
    ),
    (
        "XZ-01",
        N_("Care visits to elderly people with special difficulties (特殊困难老年人探访关爱)"),
        _CIVIL_AFFAIRS,
        N_("Visit elderly people living alone, left behind, disabled or of advanced age on the "
           "care roster as often as the county's policy sets, and record every visit."),
        N_("Law on the Protection of the Rights and Interests of the Elderly (老年人权益保障法); "
           "monthly visit rate of 100% in the community service plans"),
    ),
    (
        "XZ-02",
        N_("Home checks for the minimum living allowance and extreme-poverty support (低保、特困入户核查)"),
        _CIVIL_AFFAIRS,
        N_("Help verify applicants' circumstances at home and report changes in the situation of "
           "households receiving help."),
        N_("Interim Measures for Social Assistance (社会救助暂行办法)"),
    ),
    (
        "XZ-03",
        N_("Care for children in difficulty and left-behind children (困境儿童、留守儿童关爱)"),
        _CIVIL_AFFAIRS,
        N_("Find, register and visit children in difficulty and left-behind children, and report "
           "risks to the children's director (儿童主任)."),
        N_("Law on the Protection of Minors (未成年人保护法)"),
    ),
    (
        "XZ-04",
        N_("Disability survey and services for disabled residents (残疾人状况调查与助残服务)"),
        N_("Disabled Persons' Federation"),
        N_("Update the situation of disabled residents and help them apply for rehabilitation, "
           "assistive devices and subsidies."),
        N_("Law on the Protection of Persons with Disabilities (残疾人保障法)"),
    ),
    (
        "XZ-05",
        N_("Employment registration and help for job seekers (就业失业登记与就业援助)"),
        _HUMAN_RESOURCES,
        N_("Register unemployment, pass on vacancies and training, and follow up residents who "
           "find work hard to get: graduates, veterans, disabled people."),
        N_("Employment Promotion Law (就业促进法)"),
    ),
    (
        "XZ-06",
        N_("Residents' pension insurance: publicity and enrolment (城乡居民养老保险)"),
        _HUMAN_RESOURCES,
        N_("Explain the scheme, help residents enrol and pay, and help confirm that pensioners "
           "are still entitled."),
        N_("Social Insurance Law (社会保险法)"),
    ),
    (
        "XZ-07",
        N_("Residents' basic medical insurance: publicity and enrolment (城乡居民医疗保险)"),
        N_("Medical security bureau"),
        N_("Explain the yearly contribution and help residents enrol and pay."),
        N_("Social Insurance Law (社会保险法)"),
    ),
    (
        "XZ-08",
        N_("Visits to veterans and families of entitled groups (退役军人和优抚对象走访慰问)"),
        N_("Veterans affairs bureau"),
        N_("Keep veterans' information current and visit entitled families at festivals and in "
           "hardship."),
        N_("Veterans Protection Law (退役军人保障法)"),
    ),
    (
        "XZ-09",
        N_("Military service registration and recruitment publicity (兵役登记与征兵宣传)"),
        N_("People's armed forces department"),
        N_("Remind young men of registration age to register and publicise recruitment."),
        N_("Military Service Law (兵役法)"),
    ),
    (
        "XZ-10",
        N_("Fire safety checks and publicity (消防安全检查与宣传)"),
        N_("Fire and rescue brigade"),
        N_("Check corridors, fire escapes, electric-bicycle charging and the homes of vulnerable "
           "residents; publicise fire safety; report hazards found."),
        N_("Fire Protection Law (消防法)"),
    ),
    (
        "XZ-11",
        N_("Disaster prevention and disaster information reporting (防灾减灾与灾情报送)"),
        _EMERGENCY,
        N_("The community's disaster information officer (灾害信息员) reports disasters and "
           "losses; warnings reach residents and they are helped to shelters."),
        N_("Emergency Response Law (突发事件应对法); Regulations on Natural Disaster Relief "
           "(自然灾害救助条例)"),
    ),
    (
        "XZ-12",
        N_("Flood-season hazard checks and evacuation (汛期隐患排查与转移避险)"),
        _EMERGENCY,
        N_("Check slopes, low-lying homes and old buildings before and during the flood season "
           "and help move residents to safety."),
        N_("Flood Control Law (防洪法)"),
    ),
    (
        "XZ-13",
        N_("Patriotic health campaigns and health education (爱国卫生与健康教育)"),
        _HEALTH,
        N_("Organise clean-ups, publicise health knowledge and help family doctors reach "
           "residents."),
        N_("Law on Basic Medical and Health Care and the Promotion of Health (基本医疗卫生与健康促进法)"),
    ),
    (
        "XZ-14",
        N_("Help with infectious disease prevention (传染病防控协助)"),
        _HEALTH,
        N_("Pass on prevention notices, help organise vaccination and tell the health centre of "
           "suspected cases."),
        N_("Law on the Prevention and Control of Infectious Diseases (传染病防治法)"),
    ),
    (
        "XZ-15",
        N_("Waste sorting and improving the living environment (垃圾分类与人居环境整治)"),
        N_("Housing and urban-rural development bureau"),
        N_("Publicise household waste sorting, organise clean-ups of yards and surroundings and "
           "report illegal building."),
        N_("Law on the Prevention and Control of Environmental Pollution by Solid Waste "
           "(固体废物污染环境防治法)"),
    ),
    (
        "XZ-16",
        N_("Help with censuses and statistical surveys (统计调查与普查协助)"),
        N_("Statistics bureau"),
        N_("Help enumerators reach households in censuses and surveys ordered by law."),
        N_("Statistics Law (统计法)"),
    ),
    (
        "XZ-17",
        N_("Anti-drug publicity and help with community rehabilitation (禁毒宣传与社区戒毒康复协助)"),
        _POLICE,
        N_("Publicise the dangers of drugs and help the street office with people in community "
           "rehabilitation."),
        N_("Anti-Drug Law (禁毒法)"),
    ),
    (
        "XZ-18",
        N_("Anti-fraud publicity (反电信网络诈骗宣传)"),
        _POLICE,
        N_("Warn residents, elderly residents first, about telephone and online fraud."),
        N_("Anti-Telecom and Online Fraud Law (反电信网络诈骗法)"),
    ),
    (
        "XZ-19",
        N_("Food safety publicity (食品安全宣传)"),
        N_("Market regulation bureau"),
        N_("Publicise food safety and pass on residents' reports about food sellers."),
        N_("Food Safety Law (食品安全法)"),
    ),
]  # fmt: skip

FIELDS = ("name", "department", "description", "basis")
