"""Admin for re-evaluation runs and notices.

Runs are read-only records of the pipeline; the only writes are the decisions on a
held run (approve, or discard with a reason) and retrying failed notices, each
delegated to ``travellers.reevaluation``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from policies.admin_common import action_confirmed, confirmation_page
from travellers import reevaluation, scoping
from travellers.admin_declarations import without_number_in_search
from travellers.admin_lookups import FilterLookupsOnly
from travellers.models import Notice, NoticeStatus, Outcome, ReevaluationRun, RunStatus
from travellers.notices import notices_replace_outdated
from travellers.tasks.notices import retry_notice


class DecisionActionForm(helpers.ActionForm):
    reason = forms.CharField(label=_("放弃理由"), required=False, max_length=500)


@admin.register(ReevaluationRun)
class ReevaluationRunAdmin(admin.ModelAdmin):
    action_form = DecisionActionForm
    actions = ["approve_runs", "discard_runs"]
    list_display = [
        "id",
        "trigger",
        "status",
        "change_summary",
        "as_of",
        "created_at",
        "started_at",
        "finished_at",
        "candidates",
        "changed",
        "rewritten",
        "progress",
        "notices_sent",
        "notices_failed",
        "notices_replaced",
        "has_error",
    ]
    list_filter = ["status", "trigger"]
    list_select_related = ["change", "decided_by"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "trigger",
        "change",
        "as_of",
        "status",
        "candidates",
        "processed",
        "changed",
        "rewritten",
        "notices_queued",
        "notices_sent",
        "notices_failed",
        "notices_replaced",
        "progress",
        "hold_threshold",
        "staged_changes",
        "decided_by",
        "decided_at",
        "decision_reason",
        "error",
        "created_at",
        "started_at",
        "finished_at",
    ]
    fields = readonly_fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                chunks_total=Count("chunks", distinct=True),
                chunks_done=Count("chunks", filter=Q(chunks__done_at__isnull=False), distinct=True),
            )
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Viewing is enough to review; decisions go through the actions below.
        return False

    @admin.display(description=_("变更"))
    def change_summary(self, run):
        return run.change.summary if run.change else "—"

    @admin.display(description=_("进度"))
    def progress(self, run):
        total = getattr(run, "chunks_total", None)
        if total is None:
            total = run.chunks.count()
            done = run.chunks.filter(done_at__isnull=False).count()
        else:
            done = run.chunks_done
        return f"{done}/{total}" if total else "—"

    @admin.display(description=_("错误"), boolean=True)
    def has_error(self, run):
        return bool(run.error)

    @admin.display(description=_("预评估结果变化"))
    def staged_changes(self, run):
        summary = reevaluation.staged_summary(run)
        if not summary:
            return "—"
        labels = dict(Outcome.choices)
        return "; ".join(
            f"{labels.get(old, old or '—')} → {labels.get(new, new)}: {count}"
            for (old, new), count in summary.items()
        )

    def has_decide_permission(self, request):
        # Change stays refused (the records are read-only); deciding a held run is the
        # one write, and the change permission is the right that allows it.
        return request.user.has_perm("travellers.change_reevaluationrun")

    @admin.action(
        description=_("批准所选待审批批次（应用结果并发送通知）"), permissions=["decide"]
    )
    def approve_runs(self, request, queryset):
        held = list(queryset.filter(status=RunStatus.HELD).select_related("change"))
        if not held:
            self.message_user(request, _("所选批次都不在待审批状态。"), messages.WARNING)
            return None
        if not action_confirmed(request):
            # Approving emails every citizen whose answer changes: one click is not enough.
            return confirmation_page(
                self,
                request,
                title=_("批准待审批批次"),
                action="approve_runs",
                objects=held,
                lines=[
                    (
                        run,
                        _("批次 %(id)s（%(change)s）：%(count)s 份申报的结果会改变并收到邮件。")
                        % {"id": run.pk, "change": self.change_summary(run), "count": run.changed},
                    )
                    for run in held
                ],
                note=_("批准后，以下批次按今天的数据重新评估、保存结果，并给结果改变的人发送通知邮件："),
                skipped=queryset.count() - len(held),
            )
        for run in held:
            reevaluation.run_approve(run=run, actor=request.user)
            self.message_user(request, _("批次 %(id)s 已批准。") % {"id": run.pk})
        return None

    @admin.action(description=_("放弃所选待审批批次（需填写理由）"), permissions=["decide"])
    def discard_runs(self, request, queryset):
        reason = request.POST.get("reason", "")
        for run in queryset.filter(status=RunStatus.HELD):
            try:
                reevaluation.run_discard(run=run, actor=request.user, reason=reason)
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
                return
            self.message_user(request, _("批次 %(id)s 已放弃。") % {"id": run.pk})


NOTICE_NUMBER_IN_URL_MESSAGE = _(
    "证件号码和手机号码不能输入搜索框（会留在网址和日志中）。通知按查询码查找；"
    "按号码查找申报，请在申报列表中用“按证件号码或手机号码查找”表单。"
)


@admin.register(Notice)
class NoticeAdmin(FilterLookupsOnly, admin.ModelAdmin):
    actions = ["retry_notices"]
    list_display = [
        "id",
        "kind",
        "status",
        "declaration",
        "attempts",
        "last_error_short",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "kind"]
    list_select_related = ["declaration"]
    # The declaration's reference only: identity data stays on the declaration page.
    search_fields = ["declaration__reference"]
    readonly_fields = [
        "declaration",
        "evaluation",
        "kind",
        "status",
        "attempts",
        "last_error",
        "sent_at",
        "created_at",
    ]
    fields = readonly_fields
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        # A notice names a person's reference and answer: a community worker sees their
        # own communities' only, as with the declarations.
        scoped = scoping.declarations_for(request.user).values("pk")
        return super().get_queryset(request).filter(declaration__in=scoped)

    def changelist_view(self, request, extra_context=None):
        # As on the declarations' list: a number typed here must not stay in the URLs.
        refused = without_number_in_search(request)
        if refused is not None:
            messages.warning(request, NOTICE_NUMBER_IN_URL_MESSAGE)
            return refused
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("最近错误"))
    def last_error_short(self, notice):
        return (notice.last_error or "")[:80]

    def has_retry_permission(self, request):
        # Notices are read-only here (has_change_permission is False for everyone); the
        # change permission is what lets the health office send a failed one again.
        return request.user.has_perm("travellers.change_notice")

    @admin.action(description=_("重试所选发送失败的通知"), permissions=["retry"])
    def retry_notices(self, request, queryset):
        failed = list(queryset.filter(status=NoticeStatus.FAILED).values_list("id", flat=True))
        # A failed notice whose declaration has had a newer one since would tell the
        # citizen an out-of-date answer: it is not retried, and the message says so.
        outdated = notices_replace_outdated(notice_ids=failed)
        count = sum(retry_notice(notice_id) for notice_id in failed if notice_id not in outdated)
        self.message_user(request, _("已重新排队 %(count)s 条通知。") % {"count": count})
        if outdated:
            self.message_user(
                request,
                _("另有 %(count)s 条通知已有更新的通知取代，不再发送。") % {"count": len(outdated)},
                messages.WARNING,
            )
