"""Demo data for a zero set-up run: August 2021 risk data, announcements, a staff account.

Safe to run again: rows that are already there are left alone (staff edits to
them survive), so a second run writes nothing and records no change row. Risk
data goes through ``policies.services`` like any staff write, so the change rows
of the first run reach the re-evaluation pipeline as usual.

The risk areas and announcements are illustrative, written for this project
from public reports of the time; they are not an official list.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from policies import services
from policies.models import Announcement, Designation, PolicyStatus, PolicyVersion, Region, RiskArea

DEMO_STAFF_USERNAME = "demo-staff"
# Documented in README.md; only used when DEBUG is on and DEMO_STAFF_PASSWORD is unset.
DEMO_STAFF_DEFAULT_PASSWORD = "demo-staff-2021"

SOURCE = "演示数据：据2021年8月公开报道整理，仅作示例，并非官方名单。"

# (county, name, level, designated_on, lifted_on)
RISK_AREAS = [
    ("321002", "汤汪乡（示例）", "high", date(2021, 7, 28), None),
    ("321002", "文峰街道部分小区（示例）", "medium", date(2021, 8, 1), None),
    ("410103", "京广路街道部分小区（示例）", "high", date(2021, 8, 1), None),
    ("410103", "五里堡街道部分小区（示例）", "medium", date(2021, 8, 2), None),
    ("410105", "丰产路街道部分小区（示例）", "medium", date(2021, 8, 2), None),
    ("430802", "西溪坪街道部分小区（示例）", "high", date(2021, 7, 31), None),
    ("320115", "禄口街道（示例）", "high", date(2021, 7, 21), date(2021, 8, 26)),
]

COMMUTER_NOTE = "环京通勤地区（演示数据）"
# (kind, region, valid_from, valid_until, note)
DESIGNATIONS = [
    ("commuter_zone", "131082", date(2021, 1, 1), None, COMMUTER_NOTE),
    ("commuter_zone", "131028", date(2021, 1, 1), None, COMMUTER_NOTE),
    ("commuter_zone", "131024", date(2021, 1, 1), None, COMMUTER_NOTE),
    ("commuter_zone", "130681", date(2021, 1, 1), None, COMMUTER_NOTE),
    ("commuter_zone", "131022", date(2021, 1, 1), None, COMMUTER_NOTE),
    ("case_city", "321000", date(2021, 7, 28), None, "本土病例发生地（演示数据）"),
]

SHANGHAI = ZoneInfo("Asia/Shanghai")

# The pinned one belongs to the version in force today (BJ-2022-03-16): pinned, the
# August 2021 one stood first on the home page, above the rules that replaced it. The
# wording keeps the official terms (绿码, 登机（车）前48小时内, 暂缓进返京).
ANNOUNCEMENTS = [
    {
        "title_zh": "【演示】8月7日起外地人员进返京安排",
        "title_en": "[Demo] Travelling to Beijing from 7 August 2021",
        "body_zh": (
            "> 本公告为演示内容，依据2021年8月的公开信息改写，不代表任何官方通知。\n\n"
            "- 目前尚在中高风险地区所在县（市、区、旗），或14日内有该区域旅居史的人员，"
            "暂缓进返京。\n"
            "- 其他人员持北京健康宝“绿码”和登机（车）前48小时内核酸检测阴性证明进返京，"
            "抵京后按规定落实健康监测等措施。\n"
            "- 出发前可在本站填写行程申报，查看适用于您的安排。"
        ),
        "body_en": (
            "> Demo content, rewritten from public information of August 2021; "
            "not an official notice.\n\n"
            "- If you are still in, or were within the last 14 days in, a county with a "
            "medium- or high-risk area, please postpone your trip to Beijing.\n"
            "- Everyone else may travel with a green health code and a negative nucleic-acid "
            "test taken within 48 hours before boarding, then follow the community's "
            "health monitoring after arrival.\n"
            "- Fill in a travel declaration on this site before you leave to see what applies "
            "to you."
        ),
        "published_at": datetime(2021, 8, 7, 18, 0, tzinfo=SHANGHAI),
        "pinned": False,
        "policy_code": "BJ-2021-08-07",
    },
    {
        "title_zh": "【演示】环京通勤人员如何进返京",
        "title_en": "[Demo] Commuting to Beijing from the surrounding Hebei counties",
        "body_zh": (
            "> 本公告为演示内容，不代表任何官方通知。\n\n"
            "每天在北京与周边通勤地区（如三河、大厂、香河、涿州、固安）之间往返的上班族，"
            "健康码为“绿码”、入京检查时体温正常的，可以正常通行，不必每次出示核酸证明；"
            "途中请佩戴口罩。若近期到过有中、高风险地区的县，则按风险地区的规定处理。"
        ),
        "body_en": (
            "> Demo content; not an official notice.\n\n"
            "People who commute daily between Beijing and the surrounding commuter area "
            "(for example Sanhe, Dachang, Xianghe, Zhuozhou, Gu'an) may enter with a green "
            "code and a normal temperature check, without a test certificate each time. "
            "A recent stay in a county with a risk area still follows the risk-area rules."
        ),
        "published_at": datetime(2021, 8, 8, 9, 0, tzinfo=SHANGHAI),
        "pinned": False,
        "policy_code": "BJ-2021-08-07",
    },
    {
        "title_zh": "【演示】12月13日起离开陆地边境口岸城市须持核酸阴性证明",
        "title_en": "[Demo] Leaving a land-border port city from 13 December 2021",
        "body_zh": (
            "> 本公告为演示内容，不代表任何官方通知。\n\n"
            "自2021年12月13日起至2022年3月15日，从陆地边境口岸城市来京的人员，"
            "须持离开当天或前一天采样的核酸阴性证明。"
        ),
        "body_en": (
            "> Demo content; not an official notice.\n\n"
            "From 13 December 2021 to 15 March 2022, travellers coming to Beijing from a "
            "land-border port city need a negative nucleic-acid test sampled on the day "
            "they leave or the day before."
        ),
        "published_at": datetime(2021, 12, 13, 18, 0, tzinfo=SHANGHAI),
        # The rule it announces lapsed after 15 March 2022.
        "expires_at": datetime(2022, 3, 16, 0, 0, tzinfo=SHANGHAI),
        "pinned": False,
        "policy_code": "BJ-2021-12-13",
    },
    {
        "title_zh": "【演示】2022年3月16日起进返京安排",
        "title_en": "[Demo] Travelling to Beijing from 16 March 2022",
        "body_zh": (
            "> 本公告为演示内容，不代表任何官方通知。\n\n"
            "- 离开陆地边境口岸城市须持核酸阴性证明的要求已于2022年3月15日到期，不再执行。\n"
            "- 目前尚在中高风险地区所在县（市、区、旗），或14日内有该区域旅居史的人员，"
            "暂缓进返京。\n"
            "- 其他人员持北京健康宝“绿码”和登机（车）前48小时内核酸检测阴性证明进返京，"
            "抵京后按规定落实健康监测等措施。\n"
            "- 当前的中高风险地区列在本站首页；出发前可在本站填写行程申报，查看适用于您的安排。"
        ),
        "body_en": (
            "> Demo content; not an official notice.\n\n"
            "- The negative test required when leaving a land-border port city lapsed on "
            "15 March 2022.\n"
            "- If you are still in, or were within the last 14 days in, a county with a "
            "medium- or high-risk area, your trip to Beijing is postponed.\n"
            "- Everyone else may travel with a green Beijing Health Kit code and a negative "
            "nucleic-acid test taken within 48 hours before boarding, then follow the health "
            "monitoring and other measures after arrival.\n"
            "- The current risk areas are listed on this site's home page. Fill in a travel "
            "declaration before you leave to see what applies to you."
        ),
        "published_at": datetime(2022, 3, 16, 9, 0, tzinfo=SHANGHAI),
        "pinned": True,
        "policy_code": "BJ-2022-03-16",
    },
]


class Command(BaseCommand):
    help = "Load illustrative August 2021 risk data, announcements and a demo staff account."

    def handle(self, *args, **options):
        needed = {code for code, *_ in RISK_AREAS} | {code for _, code, *_ in DESIGNATIONS}
        missing = needed - set(
            Region.objects.filter(code__in=needed).values_list("code", flat=True)
        )
        if missing:
            raise CommandError(
                f"Regions missing: {', '.join(sorted(missing))}. Run `manage.py migrate` first."
            )
        with transaction.atomic():
            areas = self._risk_areas()
            designations = self._designations()
            announcements = self._announcements()
        self.stdout.write(
            f"Demo data: {areas} risk areas, {designations} designations and "
            f"{announcements} announcements added "
            f"({len(RISK_AREAS)}, {len(DESIGNATIONS)} and {len(ANNOUNCEMENTS)} in the demo set)."
        )
        self._staff_account()
        # policies never imports travellers: its demo communities come by command name,
        # when the app that owns them is installed.
        if "seed_demo_communities" in get_commands():
            call_command("seed_demo_communities", stdout=self.stdout)

    def _risk_areas(self) -> int:
        added = 0
        for region, name, level, designated_on, lifted_on in RISK_AREAS:
            if RiskArea.objects.filter(
                region_id=region, name=name, designated_on=designated_on
            ).exists():
                continue
            services.risk_area_create(
                region=region,
                name=name,
                level=level,
                designated_on=designated_on,
                lifted_on=lifted_on,
                source=SOURCE,
            )
            added += 1
        return added

    def _designations(self) -> int:
        added = 0
        for kind, region, valid_from, valid_until, note in DESIGNATIONS:
            if Designation.objects.filter(
                kind=kind, region_id=region, valid_from=valid_from
            ).exists():
                continue
            services.designation_create(
                kind=kind, region=region, valid_from=valid_from, valid_until=valid_until, note=note
            )
            added += 1
        return added

    def _announcements(self) -> int:
        added = 0
        for spec in ANNOUNCEMENTS:
            fields = dict(spec)
            policy_code = fields.pop("policy_code")
            if Announcement.objects.filter(title_zh=fields["title_zh"]).exists():
                continue
            Announcement.objects.create(
                **fields,
                status=PolicyStatus.PUBLISHED,
                policy_version=PolicyVersion.objects.filter(code=policy_code).first(),
            )
            added += 1
        return added

    def _staff_account(self) -> None:
        password = os.environ.get("DEMO_STAFF_PASSWORD", "")
        from_env = bool(password)
        if not from_env:
            if not settings.DEBUG:
                # A superuser with a published password must never appear on a real site.
                self.stdout.write(
                    f"Demo staff account not created: set DEMO_STAFF_PASSWORD (or DEBUG=true "
                    f"to use the documented demo password) to get '{DEMO_STAFF_USERNAME}'."
                )
                return
            password = DEMO_STAFF_DEFAULT_PASSWORD

        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=DEMO_STAFF_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created or not (user.is_staff and user.is_superuser and user.check_password(password)):
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()
        shown = "(the value of DEMO_STAFF_PASSWORD)" if from_env else password
        self.stdout.write(
            f"Demo staff account: username '{DEMO_STAFF_USERNAME}', password {shown}. "
            f"Admin at /{settings.ADMIN_PATH}"
        )
