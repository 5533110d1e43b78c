"""Regions, risk data, policy versions and announcements.

Writes to risk data go through ``policies.services`` so that each one records a
``RiskDataChange`` in the same transaction; published policy versions refuse
every change at the model layer.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    PREFECTURE = "prefecture", _("地级")
    COUNTY = "county", _("县级")


class RegionQuerySet(models.QuerySet):
    def leg_level(self):
        """Regions a leg may name: county-level units and prefectures without counties."""
        return self.filter(county_level=True)

    def within(self, code: str):
        return self.filter(code__startswith=significant_prefix(code))


def significant_prefix(code: str) -> str:
    """'320000' -> '32', '321000' -> '3210', '321002' -> '321002'."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


class Region(models.Model):
    code = models.CharField(_("代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    full_name = models.CharField(_("全称"), max_length=128, db_index=True)
    level = models.CharField(_("级别"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # True for county-level units and the prefecture-level cities that have no counties.
    county_level = models.BooleanField(_("可作为行程地区"), default=False, db_index=True)
    pinyin = models.CharField(_("拼音"), max_length=128, blank=True, db_index=True)
    initials = models.CharField(_("拼音首字母"), max_length=32, blank=True, db_index=True)
    # Codes retired during the data vintage stay so that older itineraries resolve.
    retired = models.BooleanField(_("已撤销"), default=False)
    # Built from the pinyin with the rest of the table (scripts/build_regions.py):
    # "Guangling District" and "Guangling District, Yangzhou, Jiangsu".
    name_en = models.CharField(_("英文名称"), max_length=128, blank=True)
    full_name_en = models.CharField(_("英文全称"), max_length=255, blank=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        # Chinese has one form for both; a msgid of its own lets English say "regions"
        # ("Delete selected risk areas", "10 policy versions").
        verbose_name_plural = pgettext_lazy("plural", "行政区划")

    def __str__(self):
        return f"{self.code} {self.full_name or self.name}"

    @property
    def display_name(self) -> str:
        """The full name for a reader of the active language (see ``region_label``)."""
        return region_label(
            self.full_name or self.name, self.name, self.full_name_en, translation.get_language()
        )


def region_label(chinese: str, name: str, english: str, language: str | None) -> str:
    """How a region is named to a reader of ``language``: ``chinese`` as it is for Chinese
    readers (and when there is no English); for English ones ``english`` with the Chinese
    ``name`` beside it, since signs, tickets and officials use that one: "Guangling
    District, Yangzhou, Jiangsu (广陵区)"."""
    if not english or not (language or "").lower().startswith("en"):
        return chinese
    return f"{english} ({name})"


class RiskLevel(models.TextChoices):
    HIGH = "high", _("高风险")
    MEDIUM = "medium", _("中风险")


class RiskAreaQuerySet(models.QuerySet):
    def active(self, *, on: date):
        return self.filter(Q(lifted_on__isnull=True) | Q(lifted_on__gt=on), designated_on__lte=on)


class RiskArea(models.Model):
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="risk_areas", verbose_name=_("所在区县")
    )
    name = models.CharField(_("地区名称"), max_length=200)
    level = models.CharField(_("风险等级"), max_length=8, choices=RiskLevel.choices)
    designated_on = models.DateField(_("划定日期"))
    lifted_on = models.DateField(_("解除日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RiskAreaQuerySet.as_manager()
    # Who changed what, when, before and after: shown in the admin.
    history = HistoricalRecords()

    class Meta:
        ordering = ["-designated_on", "region_id", "name"]
        verbose_name = _("风险地区")
        verbose_name_plural = pgettext_lazy("plural", "风险地区")
        indexes = [models.Index(fields=["region", "designated_on", "lifted_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(lifted_on__isnull=True) | Q(lifted_on__gt=models.F("designated_on")),
                name="risk_area_lifted_after_designated",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.get_level_display()})"

    def clean(self):
        if self.lifted_on and self.designated_on and self.lifted_on <= self.designated_on:
            raise ValidationError({"lifted_on": _("解除日期必须晚于划定日期。")})
        if (
            self.region_id
            and not Region.objects.filter(code=self.region_id, county_level=True).exists()
        ):
            raise ValidationError({"region": _("风险地区必须位于县级行政区。")})
        if self.region_id and self.region_id.startswith(
            significant_prefix(settings.PORTAL_JURISDICTION)
        ):
            # No leg is inside the jurisdiction, so no answer could ever use it (and the
            # bulk import refuses it in the same words).
            raise ValidationError({"region": _("位于本辖区内：进京管控只针对辖区外的地区。")})


class DesignationKind(models.TextChoices):
    CASE_CITY = "case_city", _("有病例城市")
    LAND_BORDER_PORT_CITY = "land_border_port_city", _("陆地边境口岸城市")
    COMMUTER_ZONE = "commuter_zone", _("环京通勤地区")


class DesignationQuerySet(models.QuerySet):
    def active(self, *, on: date):
        return self.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on), valid_from__lte=on)


class Designation(models.Model):
    kind = models.CharField(_("类别"), max_length=32, choices=DesignationKind.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="designations", verbose_name=_("地区")
    )
    valid_from = models.DateField(_("起始日期"))
    valid_until = models.DateField(_("截止日期（含）"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DesignationQuerySet.as_manager()
    # Who changed what, when, before and after: shown in the admin.
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "region_id", "-valid_from"]
        verbose_name = _("地区认定")
        verbose_name_plural = pgettext_lazy("plural", "地区认定")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="designation_until_not_before_from",
            )
        ]

    def __str__(self):
        # Shown in admin messages and the history: a code alone ("410100") says nothing.
        return _("%(kind)s：%(region)s") % {
            "kind": self.get_kind_display(),
            "region": self.region.display_name,
        }

    def clean(self):
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("截止日期不能早于起始日期。")})


class ChangeKind(models.TextChoices):
    RISK_AREA_CREATED = "risk_area_created", _("新增风险地区")
    RISK_AREA_UPDATED = "risk_area_updated", _("修改风险地区")
    RISK_AREA_LIFTED = "risk_area_lifted", _("解除风险地区")
    RISK_AREA_DELETED = "risk_area_deleted", _("删除风险地区")
    DESIGNATION_CREATED = "designation_created", _("新增地区认定")
    DESIGNATION_UPDATED = "designation_updated", _("修改地区认定")
    DESIGNATION_DELETED = "designation_deleted", _("删除地区认定")
    # The admin page of the same name is an action; this is what happened.
    RISK_AREAS_IMPORTED = "risk_areas_imported", pgettext_lazy("change kind", "批量导入风险地区")
    POLICY_PUBLISHED = "policy_published", _("发布政策版本")
    DATES_PASSED = "dates_passed", _("日期到达")


class RiskDataChangeQuerySet(models.QuerySet):
    def unprocessed(self):
        return self.filter(processed_at__isnull=True)


class RiskDataChange(models.Model):
    """One change to the data the engine reads: the outbox the re-evaluation consumes.

    ``region_codes`` lists the regions whose travellers may be affected (county
    codes, or wider codes for designations; empty with ``all_regions`` for a
    policy change).
    """

    kind = models.CharField(_("类别"), max_length=32, choices=ChangeKind.choices)
    region_codes = models.JSONField(_("涉及地区代码"), default=list)
    all_regions = models.BooleanField(_("涉及全部地区"), default=False)
    summary = models.CharField(_("摘要"), max_length=300)
    object_id = models.BigIntegerField(_("对象编号"), null=True, blank=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    # The first day on which the change matters to an evaluation.
    effective_on = models.DateField(_("生效日期"), default=timezone.localdate)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    objects = RiskDataChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("风险数据变更")
        verbose_name_plural = pgettext_lazy("plural", "风险数据变更")
        indexes = [
            models.Index(
                fields=["created_at"],
                name="change_unprocessed_idx",
                condition=Q(processed_at__isnull=True),
            )
        ]

    def __str__(self):
        return self.summary


class EngineDataStamp(models.Model):
    """One row that database triggers change on every write to the data the engine reads
    (risk areas, designations, policy versions and rules), in the writing transaction.

    While it reads the same, what a process loaded from those tables is still what
    they hold (``policies.snapshots.data_stamp``): the submit path keeps the policy and
    the day's risk rows in memory and asks only for this row. ``version`` counts writes
    (two states of one transaction differ); ``tx`` is a random number drawn by each
    write, so that a rolled-back write (also to a savepoint) leaves no stamp that a
    later write gives again. Raw SQL, COPY and the shell bump it too.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)
    tx = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "engine data stamp"

    def __str__(self):
        return f"engine data {self.version}/{self.tx}"


class ImmutablePolicyError(ValidationError):
    pass


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class PolicyVersionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=PolicyStatus.PUBLISHED)

    def in_force(self, *, on: date):
        """The latest published version with ``effective_from <= on``, or None."""
        return self.published().filter(effective_from__lte=on).order_by("-effective_from").first()

    def delete(self):
        if self.filter(status=PolicyStatus.PUBLISHED).exists():
            raise ImmutablePolicyError(_("已发布的政策版本不能删除。"))
        return super().delete()

    def update(self, **kwargs):
        if self.filter(status=PolicyStatus.PUBLISHED).exists():
            raise ImmutablePolicyError(_("已发布的政策版本不能修改。"))
        return super().update(**kwargs)


class PolicyVersion(models.Model):
    code = models.CharField(_("版本代码"), max_length=32, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    # Shown to English readers (the home page); the Chinese title when left empty.
    title_en = models.CharField(_("英文标题"), max_length=200, blank=True)
    effective_from = models.DateField(_("生效日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    source = models.TextField(_("依据（公告或出处）"), blank=True)
    cloned_from = models.ForeignKey(
        "self",
        verbose_name=_("复制自"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PolicyVersionQuerySet.as_manager()
    # Who changed what, when, before and after: shown in the admin.
    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_from", "code"]
        verbose_name = _("政策版本")
        verbose_name_plural = pgettext_lazy("plural", "政策版本")

    def __str__(self):
        return f"{self.code} ({self.effective_from})"

    def save(self, *args, **kwargs):
        # Publishing is the one write allowed to touch a row that ends up published.
        if self._stored_status() == PolicyStatus.PUBLISHED:
            raise ImmutablePolicyError(_("已发布的政策版本不能修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_status() == PolicyStatus.PUBLISHED:
            raise ImmutablePolicyError(_("已发布的政策版本不能删除。"))
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == PolicyStatus.PUBLISHED

    def _stored_status(self):
        if self.pk is None:
            return None
        return type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()


class PolicyRuleQuerySet(models.QuerySet):
    def _refuse_if_published(self):
        if self.filter(version__status=PolicyStatus.PUBLISHED).exists():
            raise ImmutablePolicyError(_("已发布的政策版本的规则不能修改。"))

    def delete(self):
        self._refuse_if_published()
        return super().delete()

    def update(self, **kwargs):
        self._refuse_if_published()
        return super().update(**kwargs)


class PolicyRule(models.Model):
    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(_("顺序"))
    kind = models.CharField(_("规则类型"), max_length=32)
    params = models.JSONField(_("参数"), default=dict)
    citation = models.TextField(_("依据"), blank=True)

    objects = PolicyRuleQuerySet.as_manager()
    # Who changed what, when, before and after: shown in the admin.
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("政策规则")
        verbose_name_plural = pgettext_lazy("plural", "政策规则")
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="rule_position_unique")
        ]

    def __str__(self):
        return f"{self.position}. {self.kind}"

    def save(self, *args, **kwargs):
        if self._version_published():
            raise ImmutablePolicyError(_("已发布的政策版本的规则不能修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._version_published():
            raise ImmutablePolicyError(_("已发布的政策版本的规则不能修改。"))
        return super().delete(*args, **kwargs)

    def clean(self):
        from policies.engine.catalogue import RuleParamsError, validate_rule

        try:
            self.params = validate_rule(self.kind, self.params)
        except RuleParamsError as exc:
            raise ValidationError({"params": exc.messages}) from exc

    def _version_published(self) -> bool:
        return PolicyVersion.objects.filter(
            pk=self.version_id, status=PolicyStatus.PUBLISHED
        ).exists()


class AnnouncementQuerySet(models.QuerySet):
    def public(self, *, now=None):
        """Published and out: what a link may open, expired ones included."""
        now = now or timezone.now()
        return self.filter(status=PolicyStatus.PUBLISHED, published_at__lte=now)

    def published(self, *, now=None):
        """What is listed: public and not expired."""
        now = now or timezone.now()
        return self.public(now=now).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class Announcement(models.Model):
    title_zh = models.CharField(_("标题（中文）"), max_length=200)
    title_en = models.CharField(_("标题（英文）"), max_length=200, blank=True)
    body_zh = models.TextField(_("正文（中文，Markdown）"))
    body_en = models.TextField(_("正文（英文，Markdown）"), blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    # A notice of a rule that lapses (the port-city rule ran until 2022-03-15) stops
    # being listed as news then; its page stays, saying it expired.
    expires_at = models.DateTimeField(_("失效时间"), null=True, blank=True)
    pinned = models.BooleanField(_("置顶"), default=False)
    policy_version = models.ForeignKey(
        PolicyVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="announcements",
        verbose_name=_("相关政策版本"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AnnouncementQuerySet.as_manager()
    # Who changed what, when, before and after: shown in the admin.
    history = HistoricalRecords()

    class Meta:
        ordering = ["-pinned", "-published_at", "-id"]
        # "公告" alone is the heading of the public list ("Announcements"); the model's
        # singular needs English of its own ("Add announcement").
        verbose_name = pgettext_lazy("singular", "公告")
        verbose_name_plural = pgettext_lazy("plural", "公告")

    def __str__(self):
        return self.title_zh

    def expired(self, *, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())
