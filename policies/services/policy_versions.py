"""Drafting and publishing policy versions.

A published version is immutable (the model layer refuses every write); staff
change policy by cloning a version into a draft, editing the draft's rules and
publishing it with its own ``effective_from``.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from policies.models import ChangeKind, PolicyRule, PolicyStatus, PolicyVersion
from policies.services.changes import record_change


@transaction.atomic
def policy_version_clone(
    *,
    source: PolicyVersion,
    code: str,
    title: str,
    effective_from: date,
    title_en: str = "",
    actor=None,
) -> PolicyVersion:
    """A draft with ``source``'s rules, in order; drafts are invisible to the engine."""
    draft = PolicyVersion(
        code=code,
        title=title,
        title_en=title_en,
        effective_from=effective_from,
        status=PolicyStatus.DRAFT,
        source=source.source,
        cloned_from=source,
    )
    draft.full_clean()
    draft.save()
    for rule in source.rules.order_by("position"):
        PolicyRule.objects.create(
            version=draft,
            position=rule.position,
            kind=rule.kind,
            params=rule.params,
            citation=rule.citation,
        )
    return draft


@transaction.atomic
def policy_version_publish(
    *, version: PolicyVersion, effective_from: date | None = None, actor=None
) -> PolicyVersion:
    """Validate every rule, freeze the version and record a change for all regions."""
    from policies.engine.catalogue import RuleParamsError, validate_rule

    stored = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if stored.status == PolicyStatus.PUBLISHED:
        raise ValidationError({"status": _("该政策版本已发布。")})
    if effective_from is not None:
        stored.effective_from = effective_from

    rules = list(stored.rules.order_by("position"))
    if not rules:
        raise ValidationError({"rules": _("政策版本至少需要一条规则。")})
    errors = []
    for rule in rules:
        try:
            normalised = validate_rule(rule.kind, rule.params)
        except RuleParamsError as exc:
            errors.extend(
                _("第 %(position)s 条规则（%(kind)s）：%(message)s")
                % {"position": rule.position, "kind": rule.kind, "message": message}
                for message in exc.messages
            )
            continue
        if normalised != rule.params:
            # Store the normalised form: the engine then reads exactly what was validated.
            rule.params = normalised
            rule.save(update_fields=["params"])
    if errors:
        raise ValidationError({"rules": errors})

    clash = (
        PolicyVersion.objects.published()
        .filter(effective_from=stored.effective_from)
        .exclude(pk=stored.pk)
        .values_list("code", flat=True)
        .first()
    )
    if clash:
        raise ValidationError(
            {"effective_from": _("已发布的政策版本 %(code)s 使用同一生效日期。") % {"code": clash}}
        )

    stored.status = PolicyStatus.PUBLISHED
    stored.published_at = timezone.now()
    stored.full_clean()
    if actor is not None and actor.is_authenticated:
        stored._history_user = actor
    stored.save()
    record_change(
        kind=ChangeKind.POLICY_PUBLISHED,
        summary=f"发布政策版本：{stored.code}（{stored.effective_from.isoformat()} 起生效）",
        all_regions=True,
        object_id=stored.pk,
        after={
            "id": stored.pk,
            "code": stored.code,
            "effective_from": stored.effective_from.isoformat(),
            "rules": [{"kind": r.kind, "params": r.params} for r in rules],
        },
        effective_on=stored.effective_from,
        actor=actor,
    )
    version.refresh_from_db()
    return stored
