"""Declarations, their legs, the history of their answers and the notices sent.

Identity and phone numbers are stored encrypted (``travellers.pii``); the
model attributes hold ``Sealed`` values that reveal nothing when printed.
Assign the normalised plaintext (``travellers.identity``) and save: the field
encrypts it and fills the keyed hash used for matching.

Writes go through services; the history tables (``Evaluation``,
``DeclarationEvent``, ``FollowUpNote``) are append-only.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from policies.engine import types as engine
from travellers import pii
from travellers.identity import HK_MACAO_PERMIT, PASSPORT, RESIDENT_ID, TAIWAN_PERMIT
from travellers.references import new_reference


class AppendOnlyError(Exception):
    """A history row may be written once, never changed."""


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only.")
        super().save(*args, **kwargs)


class Community(models.Model):
    code = models.CharField(_("社区代码"), max_length=32, unique=True)
    name = models.CharField(_("社区名称"), max_length=100)
    district = models.ForeignKey(
        "policies.Region",
        on_delete=models.PROTECT,
        related_name="communities",
        verbose_name=_("所属区"),
    )
    # Community staff see and follow up only the declarations of their communities.
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="communities",
        verbose_name=_("社区工作人员"),
    )

    class Meta:
        ordering = ["district_id", "code"]
        verbose_name = _("社区")
        verbose_name_plural = pgettext_lazy("plural", "社区")

    def __str__(self):
        return self.name


class DeclarationKind(models.TextChoices):
    PRE_TRAVEL = engine.PRE_TRAVEL, _("出行前申报")
    ARRIVAL_REPORT = engine.ARRIVAL_REPORT, _("抵京后报备")


class IdType(models.TextChoices):
    RESIDENT_ID = RESIDENT_ID, _("居民身份证")
    PASSPORT = PASSPORT, _("护照")
    HK_MACAO_PERMIT = HK_MACAO_PERMIT, _("港澳通行证")
    TAIWAN_PERMIT = TAIWAN_PERMIT, _("台湾居民来往大陆通行证")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class HealthCode(models.TextChoices):
    GREEN = "green", _("绿码")
    YELLOW = "yellow", _("黄码")
    RED = "red", _("红码")


class ContactStatus(models.TextChoices):
    NONE = "none", _("无接触")
    CLOSE_CONTACT = "close_contact", _("密切接触者")
    # The official term (the 2021 Q&A), with the everyday one people use beside it.
    SECONDARY_CONTACT = "secondary_contact", _("次密切接触者（密接的密接）")
    SECONDARY_CONTACT_COHABITANT = (
        "secondary_contact_cohabitant",
        _("次密切接触者的共同生活或工作人员"),
    )


class NatResult(models.TextChoices):
    NONE = "", _("未检测")
    NEGATIVE = "negative", _("阴性")
    POSITIVE = "positive", _("阳性")


class Outcome(models.TextChoices):
    POSTPONED = "postponed", _("暂缓进返京")
    CENTRAL_OBSERVATION = "central_observation", _("集中观察")
    HOME_OBSERVATION = "home_observation", _("居家观察")
    HEALTH_MONITORING = "health_monitoring", _("健康监测")
    ALLOWED = "allowed", _("可进返京")


class FollowUpStatus(models.TextChoices):
    NOT_CONTACTED = "not_contacted", _("未联系")
    CONTACTED = "contacted", _("已联系")
    OBSERVATION_STARTED = "observation_started", _("已开始观察")
    COMPLETED = "completed", _("已完成")
    UNREACHABLE = "unreachable", _("无法联系")


class DeclarationQuerySet(models.QuerySet):
    def live(self, *, on: date):
        """Declarations whose answer can still change on ``on`` (re-evaluation candidates).

        ``live_until`` is empty while the answer is open-ended (a postponement
        without a date), so those always stay live.
        """
        return self.filter(Q(live_until__isnull=True) | Q(live_until__gte=on))

    def with_id_number(self, number: str):
        """Match a normalised identity number through its keyed hash."""
        return self.filter(id_number_hash=pii.keyed_hash(number))

    def with_phone(self, phone: str):
        return self.filter(phone_hash=pii.keyed_hash(phone))


class Declaration(models.Model):
    # Unique through Meta.constraints: unique=True would add a LIKE index on PostgreSQL.
    reference = models.CharField(_("查询码"), max_length=10, default=new_reference)
    # The lead declaration of a form carries the form's key; companions leave it empty.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # A keyed hash of what was submitted under that key: the same key with other contents
    # is refused instead of answered with this declaration (empty for rows from before).
    idempotency_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    lead = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="companions",
        verbose_name=_("同行申报人"),
        db_index=False,  # declaration_lead_idx, for companions only
    )
    kind = models.CharField(_("申报类型"), max_length=16, choices=DeclarationKind.choices)

    full_name = models.CharField(_("姓名"), max_length=100)
    id_type = models.CharField(_("证件类型"), max_length=16, choices=IdType.choices)
    id_number = pii.EncryptedTextField(_("证件号码"), hash_field="id_number_hash")
    id_number_hash = models.CharField(max_length=64, editable=False)
    phone = pii.EncryptedTextField(_("手机号码"), blank=True, hash_field="phone_hash")
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    email = models.EmailField(_("电子邮箱"), blank=True)
    language = models.CharField(
        _("通知语言"), max_length=8, choices=Language.choices, default=Language.ZH_HANS
    )
    residence_region = models.ForeignKey(
        "policies.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("居住区"),
        db_index=False,  # regions are never deleted, and no page searches by district
    )
    community = models.ForeignKey(
        Community,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name=_("所属社区"),
        db_index=False,  # declaration_community_idx starts with it
    )

    arrival_date = models.DateField(_("抵京日期"))
    health_code = models.CharField(
        _("健康码"), max_length=8, choices=HealthCode.choices, default=HealthCode.GREEN
    )
    commuter = models.BooleanField(_("环京通勤人员"), default=False)
    home_quarantine_possible = models.BooleanField(_("具备居家观察条件"), default=True)
    contact_status = models.CharField(
        _("接触情况"), max_length=32, choices=ContactStatus.choices, default=ContactStatus.NONE
    )
    last_contact_date = models.DateField(_("最后接触日期"), null=True, blank=True)
    international_entry_date = models.DateField(_("入境日期"), null=True, blank=True)
    nat_result = models.CharField(
        _("核酸检测结果"), max_length=8, choices=NatResult.choices, blank=True
    )
    nat_sampled_at = models.DateTimeField(_("核酸采样时间"), null=True, blank=True)
    attested_at = models.DateTimeField(_("承诺时间"))

    # The current answer; earlier ones are in ``evaluations``.
    outcome = models.CharField(_("评估结果"), max_length=24, choices=Outcome.choices, blank=True)
    entry_allowed_from = models.DateField(_("可进京日期"), null=True, blank=True)
    # Indexed only where set (declaration_review_idx): most answers have no review date.
    next_review_on = models.DateField(
        _("下次复核日期"),
        null=True,
        blank=True,
        help_text=_(
            "结果仅因日期推移（措施开始或结束、回溯期届满等）就可能变化的第一天，"
            "系统在这一天自动重新评估。空白表示结果不会仅因日期推移而变化。"
        ),
    )
    live_until = models.DateField(
        _("有效跟踪至"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_(
            "到这一天为止，风险地区或地区认定的变化仍可能改变本申报的结果，系统会随之重新评估；"
            "此后不再重新评估。空白表示结果尚无确定日期（如暂缓进返京且未定可进京日期），一直跟踪。"
        ),
    )
    policy_version = models.ForeignKey(
        "policies.PolicyVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("政策版本"),
        db_index=False,  # published versions are never deleted
    )
    result = models.JSONField(_("评估详情"), default=dict)
    evaluated_at = models.DateTimeField(_("评估时间"), default=timezone.now)

    follow_up_status = models.CharField(
        _("跟进状态"),
        max_length=24,
        choices=FollowUpStatus.choices,
        default=FollowUpStatus.NOT_CONTACTED,
    )
    # The latest of the follow-up notes, for lists and exports; every note is kept
    # in FollowUpNote.
    follow_up_note = models.TextField(_("最新跟进备注"), blank=True)
    follow_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("跟进人"),
        db_index=False,  # declaration_follow_up_by_idx, for followed-up declarations only
    )
    follow_up_at = models.DateTimeField(_("跟进时间"), null=True, blank=True)

    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = DeclarationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("申报")
        verbose_name_plural = pgettext_lazy("plural", "申报")
        # The phone is masked everywhere; calling the citizen needs it whole, one
        # declaration at a time and recorded (travellers.follow_up.reveal_phone).
        permissions = [("reveal_contact", _("可查看完整手机号码"))]
        # Every index is paid for on each re-evaluated answer (a changed outcome is never
        # a HOT update), so only those a query uses: the staff search by identity number
        # uses its hash (plain index: db_index on a CharField adds a LIKE index on
        # PostgreSQL). The rarer search by phone has no index of its own: it reads the
        # staff member's scope (a community worker's through the community index; the
        # office's whole table, some tens of milliseconds at 200,000 rows), which costs
        # less than a third index written on every changed answer.
        indexes = [
            models.Index(fields=["community", "arrival_date"], name="declaration_community_idx"),
            models.Index(fields=["id_number_hash"], name="declaration_id_hash_idx"),
            # Partial: an update of a row outside the condition writes nothing to them.
            models.Index(
                fields=["next_review_on"],
                name="declaration_review_idx",
                condition=Q(next_review_on__isnull=False),
            ),
            models.Index(
                fields=["lead"], name="declaration_lead_idx", condition=Q(lead__isnull=False)
            ),
            models.Index(
                fields=["follow_up_by"],
                name="declaration_follow_up_by_idx",
                condition=Q(follow_up_by__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="declaration_reference_unique"),
            models.CheckConstraint(
                condition=Q(lead__isnull=True) | Q(idempotency_key__isnull=True),
                name="declaration_companion_has_no_key",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def masked_name(self) -> str:
        return pii.mask_name(self.full_name)

    @property
    def masked_id_number(self) -> str:
        return pii.mask_id_number(pii.plaintext(self.id_number))

    @property
    def masked_phone(self) -> str:
        return pii.mask_phone(pii.plaintext(self.phone))

    def phone_last4_matches(self, last4: str) -> bool:
        """Compare in constant time, so timing tells nothing about the stored digits."""
        phone = pii.plaintext(self.phone)
        expected = phone[-4:] if len(phone) >= 4 else ""
        given = (last4 or "").strip()
        # Both sides are compared even when one is malformed, to keep the timing flat.
        same = hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))
        return same and len(expected) == 4


class Leg(models.Model):
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="legs")
    position = models.PositiveSmallIntegerField(_("顺序"))
    region = models.ForeignKey(
        "policies.Region",
        on_delete=models.PROTECT,
        related_name="travel_legs",
        verbose_name=_("地区"),
    )
    start_date = models.DateField(_("到达日期"))
    # The leaving day; empty while the traveller is still there.
    end_date = models.DateField(_("离开日期"), null=True, blank=True)

    class Meta:
        ordering = ["declaration", "position"]
        # The plain 「行程」 is the citizen's "Your trip".
        verbose_name = pgettext_lazy("singular", "行程")
        verbose_name_plural = pgettext_lazy("plural", "行程")
        indexes = [models.Index(fields=["region", "end_date"], name="leg_region_end_idx")]
        constraints = [
            models.UniqueConstraint(fields=["declaration", "position"], name="leg_position_unique"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="leg_end_not_before_start",
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.region_id} {self.start_date}..{self.end_date or ''}"


class RunTrigger(models.TextChoices):
    CHANGE = "change", _("风险数据变更")
    POLICY = "policy", _("政策版本生效")
    DAILY = "daily", _("每日复核")
    MANUAL = "manual", _("手动")


class RunStatus(models.TextChoices):
    PENDING = "pending", _("等待中")
    RUNNING = "running", _("进行中")
    HELD = "held", _("待审批")
    APPROVED = "approved", _("已批准")
    DISCARDED = "discarded", _("已放弃")
    COMPLETED = "completed", _("已完成")
    FAILED = "failed", _("失败")


class ReevaluationRun(models.Model):
    """One re-evaluation pass (after a change, a policy taking effect, or the daily review)."""

    trigger = models.CharField(_("触发原因"), max_length=16, choices=RunTrigger.choices)
    change = models.ForeignKey(
        "policies.RiskDataChange",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("风险数据变更"),
    )
    as_of = models.DateField(_("评估日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=RunStatus.choices, default=RunStatus.PENDING
    )
    candidates = models.PositiveIntegerField(_("候选申报数"), default=0)
    processed = models.PositiveIntegerField(_("已处理"), default=0)
    changed = models.PositiveIntegerField(_("结果变化"), default=0)
    # The same answer for other reasons or under a new version: rewritten, not notified.
    rewritten = models.PositiveIntegerField(_("仅更新原因或版本"), default=0)
    notices_queued = models.PositiveIntegerField(_("已排队通知"), default=0)
    notices_sent = models.PositiveIntegerField(_("已发送通知"), default=0)
    notices_failed = models.PositiveIntegerField(_("发送失败通知"), default=0)
    notices_replaced = models.PositiveIntegerField(_("未发送（被取代或无新内容）"), default=0)
    # Above this many changed answers the run is held for a person to approve.
    hold_threshold = models.PositiveIntegerField(_("审批阈值"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审批说明"), blank=True)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("重新评估批次")
        verbose_name_plural = pgettext_lazy("plural", "重新评估批次")
        indexes = [models.Index(fields=["status", "created_at"], name="run_status_idx")]

    def __str__(self):
        return f"{self.get_trigger_display()} {self.as_of} ({self.get_status_display()})"


class EvaluationTrigger(models.TextChoices):
    SUBMITTED = "submitted", _("提交")
    AMENDED = "amended", _("修改")
    REEVALUATED = "reevaluated", _("重新评估")


class Evaluation(AppendOnlyModel):
    """One answer given to a declaration: the first, and every one that differed since."""

    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.CASCADE,
        related_name="evaluations",
        db_index=False,  # evaluation_history_idx starts with it
    )
    created_at = models.DateTimeField(_("评估时间"), default=timezone.now)
    trigger = models.CharField(_("触发原因"), max_length=16, choices=EvaluationTrigger.choices)
    # change, run and policy_version carry no database constraint: a re-evaluation
    # chunk writes a thousand rows pointing at the one change, run and version it holds,
    # and PostgreSQL would check each reference again at commit (a sixth of a chunk's
    # time). Change rows and published versions are never deleted; Django still applies
    # on_delete for a run.
    change = models.ForeignKey(
        "policies.RiskDataChange",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("风险数据变更"),
        db_constraint=False,
    )
    run = models.ForeignKey(
        ReevaluationRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evaluations",
        verbose_name=_("重新评估批次"),
        db_constraint=False,
    )
    outcome = models.CharField(_("评估结果"), max_length=24, choices=Outcome.choices)
    entry_allowed_from = models.DateField(_("可进京日期"), null=True, blank=True)
    next_review_on = models.DateField(_("下次复核日期"), null=True, blank=True)
    policy_version = models.ForeignKey(
        "policies.PolicyVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("政策版本"),
        db_index=False,  # published versions are never deleted
        db_constraint=False,
    )
    result = models.JSONField(_("评估详情"), default=dict)

    class Meta:
        ordering = ["declaration", "created_at", "id"]
        get_latest_by = ["created_at", "id"]
        verbose_name = _("评估记录")
        verbose_name_plural = pgettext_lazy("plural", "评估记录")
        indexes = [
            models.Index(fields=["declaration", "created_at"], name="evaluation_history_idx")
        ]

    def __str__(self):
        # The day in Beijing: from midnight to 8 a.m. the UTC date is the day before.
        day = timezone.localtime(self.created_at).date()
        return f"{self.declaration_id} {self.get_outcome_display()} ({day.isoformat()})"


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("提交")
    EVALUATED = "evaluated", _("评估")
    AMENDED = "amended", _("修改")
    NOTICE_SENT = "notice_sent", _("发送通知")
    FOLLOW_UP = "follow_up", _("跟进")
    CONTACT_REVEALED = "contact_revealed", _("查看完整手机号码")


class DeclarationEvent(AppendOnlyModel):
    """What happened to a declaration and when. ``data`` never holds personal data."""

    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,  # event_history_idx starts with it
    )
    kind = models.CharField(_("事件"), max_length=16, choices=EventKind.choices)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["declaration", "created_at", "id"]
        verbose_name = _("申报事件")
        verbose_name_plural = pgettext_lazy("plural", "申报事件")
        indexes = [models.Index(fields=["declaration", "created_at"], name="event_history_idx")]

    def __str__(self):
        return f"{self.declaration_id} {self.get_kind_display()}"


class FollowUpNote(AppendOnlyModel):
    """A note of the community's follow-up. A later note adds to the earlier ones: two
    workers on one declaration never overwrite each other's notes.

    Kept apart from ``DeclarationEvent``: staff may write personal details here, and
    only staff who see the declaration read them.
    """

    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.CASCADE,
        related_name="follow_up_notes",
        db_index=False,  # follow_up_note_history_idx starts with it
    )
    text = models.TextField(_("备注"))
    status = models.CharField(_("跟进状态"), max_length=24, choices=FollowUpStatus.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("跟进人"),
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["declaration", "created_at", "id"]
        verbose_name = _("跟进备注")
        verbose_name_plural = pgettext_lazy("plural", "跟进备注")
        indexes = [
            models.Index(fields=["declaration", "created_at"], name="follow_up_note_history_idx")
        ]

    def __str__(self):
        return f"{self.declaration_id} {self.get_status_display()}"


class NoticeKind(models.TextChoices):
    CONFIRMATION = "confirmation", _("申报确认")
    CHANGE = "change", _("结果变更")


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    # Not sent: a later notice for the same declaration carries its newer answer.
    REPLACED = "replaced", _("已被新通知取代")
    # Not sent: its answer is the one the citizen was last sent (a notice between was
    # replaced and the answer came back), so it has nothing new to say.
    SAME = "same", _("与上次通知的结果相同，未发送")


class Notice(models.Model):
    declaration = models.ForeignKey(
        Declaration,
        verbose_name=_("申报"),
        on_delete=models.CASCADE,
        related_name="notices",
        db_index=False,  # notice_once_per_evaluation starts with it
        # The evaluation's own declaration (its constraint holds): not checked twice.
        db_constraint=False,
    )
    evaluation = models.ForeignKey(
        Evaluation,
        # The plain 「评估」 is the event kind "Assessed".
        verbose_name=pgettext_lazy("field", "评估"),
        on_delete=models.CASCADE,
        related_name="notices",
        # Made in the same transaction as its evaluation, never on its own: a chunk's
        # thousand notices are not checked again at commit.
        db_constraint=False,
    )
    kind = models.CharField(_("类别"), max_length=16, choices=NoticeKind.choices)
    status = models.CharField(
        _("状态"), max_length=8, choices=NoticeStatus.choices, default=NoticeStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # When the last attempt failed for now: its retries count from then (the sweep's
    # lost-retry window), not from the notice's creation.
    last_attempt_at = models.DateTimeField(_("最近尝试时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("通知")
        verbose_name_plural = pgettext_lazy("plural", "通知")
        indexes = [models.Index(fields=["status", "created_at"], name="notice_status_idx")]
        constraints = [
            # A redelivered task or a double click can never send the same notice twice.
            models.UniqueConstraint(
                fields=["declaration", "evaluation", "kind"], name="notice_once_per_evaluation"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.declaration_id} ({self.get_status_display()})"


def longest_lookback_days(rules: Iterable[Mapping]) -> int:
    """The longest period, in days, that any rule of a policy reaches back or forward.

    Takes the rules' ``params`` mappings (as in ``PolicyRule.params`` or
    ``RuleSpec.params``). A rule's reach is the larger of its own ``days`` and
    the total length of a chain of ``measures`` (each with ``days``); nested
    parameters (per contact status) are searched the same way.
    """
    return max((_reach(params) for params in rules), default=0)


def _reach(value) -> int:
    if isinstance(value, Mapping):
        own = value.get("days")
        reach = own if isinstance(own, int) and not isinstance(own, bool) else 0
        measures = value.get("measures")
        if isinstance(measures, list | tuple):
            reach = max(reach, sum(_reach(m) for m in measures))
        return max([reach, *(_reach(v) for k, v in value.items() if k != "measures")])
    if isinstance(value, list | tuple):
        return max((_reach(v) for v in value), default=0)
    return 0


def compute_live_until(
    *, arrival_date: date, result: engine.Result, lookback_days: int
) -> date | None:
    """The last date on which a change to risk data could still alter this answer.

    The latest of the arrival date, the end of a postponement and the end of the
    last measure, plus the policy's longest look-back: after that no newly
    designated area or designation can reach one of the declaration's stays.
    None while the answer is open-ended (postponed with no date): it stays live
    until an evaluation gives a date.
    """
    if result.outcome == Outcome.POSTPONED and result.entry_allowed_from is None:
        return None
    latest = arrival_date
    if result.entry_allowed_from is not None:
        latest = max(latest, result.entry_allowed_from)
    for measure in result.measures:
        latest = max(latest, measure.end)
    return latest + timedelta(days=lookback_days)


class ChunkPhase(models.TextChoices):
    # A run whose candidates exceed the hold threshold first stages (evaluates and
    # counts, writes nothing a citizen sees), then applies if it stays under it.
    STAGE = "stage", _("预评估")
    APPLY = "apply", _("应用")


class RunChunk(models.Model):
    """A slice of a run's candidates, processed by one task exactly once.

    The ids live here (not only in the task message) so that the periodic sweep can
    enqueue again a chunk whose message was lost; ``done_at`` is claimed in the same
    transaction as the chunk's writes, so a redelivered task does nothing.
    """

    run = models.ForeignKey(ReevaluationRun, on_delete=models.CASCADE, related_name="chunks")
    phase = models.CharField(_("阶段"), max_length=8, choices=ChunkPhase.choices)
    number = models.PositiveIntegerField(_("序号"))
    declaration_ids = models.JSONField(_("申报"), default=list)
    # Stage phase: [declaration id, old outcome, new outcome] for every answer that
    # would change, what a staff member reviews before approving. Empty when applied:
    # the run's evaluation rows hold those.
    changes = models.JSONField(_("结果变化"), default=list, blank=True)
    enqueued_at = models.DateTimeField(_("排队时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["run", "phase", "number"]
        verbose_name = _("重新评估分片")
        verbose_name_plural = pgettext_lazy("plural", "重新评估分片")
        constraints = [
            models.UniqueConstraint(fields=["run", "phase", "number"], name="run_chunk_unique")
        ]
        indexes = [
            models.Index(
                fields=["enqueued_at"],
                name="run_chunk_pending_idx",
                condition=Q(done_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.run_id}/{self.phase}/{self.number}"
