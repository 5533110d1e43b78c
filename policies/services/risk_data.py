"""Writes to risk areas and designations, each recording one change row."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from policies.models import ChangeKind, Designation, Region, RiskArea
from policies.services.changes import first_day_differs, record_change

RISK_AREA_FIELDS = ("region", "name", "level", "designated_on", "lifted_on", "source")
DESIGNATION_FIELDS = ("kind", "region", "valid_from", "valid_until", "note")


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


def _fields(obj, names) -> dict:
    data = {"id": obj.pk}
    for name in names:
        data[name] = _iso(getattr(obj, "region_id" if name == "region" else name))
    return data


def _region_code(region: Region | str) -> str:
    return region.code if isinstance(region, Region) else region


def _attribute_to(obj, actor) -> None:
    # django-simple-history reads this attribute; services also run outside requests.
    if actor is not None and actor.is_authenticated:
        obj._history_user = actor


def _locked_with_changes(instance, field_names, changes: dict, *, service: str):
    """Lock and re-read the stored row (so ``before`` is what is stored, not a stale
    instance), apply ``changes`` to it and validate; returns (stored, before)."""
    unknown = set(changes) - set(field_names)
    if unknown:
        raise TypeError(f"{service}() got unexpected fields: {sorted(unknown)}")
    stored = type(instance).objects.select_for_update().get(pk=instance.pk)
    before = _fields(stored, field_names)
    for name, value in changes.items():
        if name == "region":
            stored.region_id = _region_code(value)
        else:
            setattr(stored, name, value)
    stored.full_clean()
    return stored, before


def _locked_delete(instance, field_names, *, actor) -> dict:
    """Delete the locked stored row; returns its fields as they were."""
    stored = type(instance).objects.select_for_update().get(pk=instance.pk)
    before = _fields(stored, field_names)
    _attribute_to(stored, actor)
    stored.delete()
    return before


def _region_label(code: str) -> str:
    region = Region.objects.filter(code=code).only("name").first()
    return region.name if region else code


# -- risk areas ---------------------------------------------------------------------


def _risk_area_view(data: dict | None):
    """What the engine sees of an area on a given day: its county and level, or nothing."""

    def seen_on(day: date):
        if data is None:
            return None
        designated = date.fromisoformat(data["designated_on"])
        lifted = date.fromisoformat(data["lifted_on"]) if data["lifted_on"] else None
        if designated <= day and (lifted is None or lifted > day):
            return (data["region"], data["level"], data["name"])
        return None

    return seen_on


def _risk_area_effective_on(before: dict | None, after: dict | None) -> date:
    days = [
        date.fromisoformat(value)
        for data in (before, after)
        if data
        for value in (data["designated_on"], data["lifted_on"])
        if value
    ]
    return first_day_differs(
        before=_risk_area_view(before),
        after=_risk_area_view(after),
        days=days,
        today=timezone.localdate(),
    )


def _check_risk_area_region(area: RiskArea) -> None:
    # Model.clean checks county level; a retired code cannot gain new risk areas.
    if Region.objects.filter(code=area.region_id, retired=True).exists():
        raise ValidationError({"region": _("该行政区划代码已撤销，不能新增风险地区。")})


def _risk_area_summary(verb: str, data: dict) -> str:
    levels = dict(RiskArea._meta.get_field("level").flatchoices)
    # Summaries are stored, so they are written in the site language, not the request's.
    with translation.override(settings.LANGUAGE_CODE):
        level = str(levels.get(data["level"], data["level"]))
    return f"{verb}：{_region_label(data['region'])} {data['name']}（{level}）"


@transaction.atomic
def risk_area_create(
    *,
    region: Region | str,
    name: str,
    level: str,
    designated_on: date,
    lifted_on: date | None = None,
    source: str = "",
    actor=None,
) -> RiskArea:
    area = RiskArea(
        region_id=_region_code(region),
        name=name,
        level=level,
        designated_on=designated_on,
        lifted_on=lifted_on,
        source=source,
    )
    area.full_clean()
    _check_risk_area_region(area)
    _attribute_to(area, actor)
    area.save()
    after = _fields(area, RISK_AREA_FIELDS)
    record_change(
        kind=ChangeKind.RISK_AREA_CREATED,
        summary=_risk_area_summary("新增风险地区", after),
        region_codes=[area.region_id],
        object_id=area.pk,
        after=after,
        effective_on=_risk_area_effective_on(None, after),
        actor=actor,
    )
    return area


@transaction.atomic
def risk_area_update(*, risk_area: RiskArea, actor=None, **changes) -> RiskArea:
    """Change any of RISK_AREA_FIELDS; the change row names the old and the new county."""
    stored, before = _locked_with_changes(
        risk_area, RISK_AREA_FIELDS, changes, service="risk_area_update"
    )
    if stored.region_id != before["region"]:
        _check_risk_area_region(stored)
    after = _fields(stored, RISK_AREA_FIELDS)
    if after == before:
        return stored
    _attribute_to(stored, actor)
    stored.save()
    lifted = not before["lifted_on"] and after["lifted_on"]
    # Its own kind: the email tells a traveller "risk area lifted", not "modified".
    record_change(
        kind=ChangeKind.RISK_AREA_LIFTED if lifted else ChangeKind.RISK_AREA_UPDATED,
        summary=_risk_area_summary("解除风险地区" if lifted else "修改风险地区", after),
        region_codes=[before["region"], after["region"]],
        object_id=stored.pk,
        before=before,
        after=after,
        effective_on=_risk_area_effective_on(before, after),
        actor=actor,
    )
    _refresh(risk_area, stored)
    return stored


def risk_area_lift(*, risk_area: RiskArea, lifted_on: date, actor=None) -> RiskArea:
    """Lift an area: from ``lifted_on`` on it no longer makes its county a risk county."""
    return risk_area_update(risk_area=risk_area, lifted_on=lifted_on, actor=actor)


@transaction.atomic
def risk_area_delete(*, risk_area: RiskArea, actor=None) -> None:
    before = _locked_delete(risk_area, RISK_AREA_FIELDS, actor=actor)
    record_change(
        kind=ChangeKind.RISK_AREA_DELETED,
        summary=_risk_area_summary("删除风险地区", before),
        region_codes=[before["region"]],
        object_id=before["id"],
        before=before,
        effective_on=_risk_area_effective_on(before, None),
        actor=actor,
    )


# -- designations ---------------------------------------------------------------------


def _designation_view(data: dict | None):
    def seen_on(day: date):
        if data is None:
            return None
        valid_from = date.fromisoformat(data["valid_from"])
        until = date.fromisoformat(data["valid_until"]) if data["valid_until"] else None
        if valid_from <= day and (until is None or until >= day):
            return (data["kind"], data["region"])
        return None

    return seen_on


def _designation_effective_on(before: dict | None, after: dict | None) -> date:
    days = []
    for data in (before, after):
        if not data:
            continue
        days.append(date.fromisoformat(data["valid_from"]))
        if data["valid_until"]:
            # valid_until is inclusive: the designation stops mattering the day after.
            days.append(date.fromisoformat(data["valid_until"]) + timedelta(days=1))
    return first_day_differs(
        before=_designation_view(before),
        after=_designation_view(after),
        days=days,
        today=timezone.localdate(),
    )


def _designation_summary(verb: str, data: dict) -> str:
    kinds = dict(Designation._meta.get_field("kind").flatchoices)
    with translation.override(settings.LANGUAGE_CODE):
        kind = str(kinds.get(data["kind"], data["kind"]))
    return f"{verb}：{_region_label(data['region'])}（{kind}）"


@transaction.atomic
def designation_create(
    *,
    kind: str,
    region: Region | str,
    valid_from: date,
    valid_until: date | None = None,
    note: str = "",
    actor=None,
) -> Designation:
    designation = Designation(
        kind=kind,
        region_id=_region_code(region),
        valid_from=valid_from,
        valid_until=valid_until,
        note=note,
    )
    designation.full_clean()
    _attribute_to(designation, actor)
    designation.save()
    after = _fields(designation, DESIGNATION_FIELDS)
    record_change(
        kind=ChangeKind.DESIGNATION_CREATED,
        summary=_designation_summary("新增地区认定", after),
        region_codes=[designation.region_id],
        object_id=designation.pk,
        after=after,
        effective_on=_designation_effective_on(None, after),
        actor=actor,
    )
    return designation


@transaction.atomic
def designation_update(*, designation: Designation, actor=None, **changes) -> Designation:
    stored, before = _locked_with_changes(
        designation, DESIGNATION_FIELDS, changes, service="designation_update"
    )
    after = _fields(stored, DESIGNATION_FIELDS)
    if after == before:
        return stored
    _attribute_to(stored, actor)
    stored.save()
    record_change(
        kind=ChangeKind.DESIGNATION_UPDATED,
        summary=_designation_summary("修改地区认定", after),
        region_codes=[before["region"], after["region"]],
        object_id=stored.pk,
        before=before,
        after=after,
        effective_on=_designation_effective_on(before, after),
        actor=actor,
    )
    _refresh(designation, stored)
    return stored


@transaction.atomic
def designation_delete(*, designation: Designation, actor=None) -> None:
    before = _locked_delete(designation, DESIGNATION_FIELDS, actor=actor)
    record_change(
        kind=ChangeKind.DESIGNATION_DELETED,
        summary=_designation_summary("删除地区认定", before),
        region_codes=[before["region"]],
        object_id=before["id"],
        before=before,
        effective_on=_designation_effective_on(before, None),
        actor=actor,
    )


def _refresh(target, source) -> None:
    # Callers keep using the instance they passed in: give it the saved values.
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
