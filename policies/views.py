from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from policies.announcements import announcement_body_html, announcement_title
from policies.models import Announcement, PolicyVersion
from policies.risk_listing import active_risk_provinces


def _presented(announcement):
    announcement.display_title = announcement_title(announcement)
    return announcement


def announcement_list(request):
    queryset = Announcement.objects.published().select_related("policy_version")
    page = Paginator(queryset, 20).get_page(request.GET.get("page"))
    for item in page:
        _presented(item)
    return render(request, "policies/announcement_list.html", {"page": page})


def announcement_detail(request, pk: int):
    # An expired announcement still opens (links to it were shared), saying so.
    announcement = get_object_or_404(
        Announcement.objects.public().select_related("policy_version"), pk=pk
    )
    _presented(announcement)
    # Only a published version is named as in force: a draft linked by mistake (or before
    # the form refused drafts) may change or never take effect.
    version = announcement.policy_version
    if version is not None and not version.is_published:
        version = None
    today = timezone.localdate()
    in_force = PolicyVersion.objects.in_force(on=today) if version else None
    replaced_by = (
        in_force
        if version and in_force and in_force.effective_from > version.effective_from
        else None
    )
    return render(
        request,
        "policies/announcement_detail.html",
        {
            "announcement": announcement,
            "body_html": announcement_body_html(announcement),
            "expired": announcement.expired(),
            "version": version,
            "version_upcoming": bool(version and version.effective_from > today),
            "replaced_by": replaced_by,
        },
    )


def risk_area_list(request):
    today = timezone.localdate()
    return render(
        request,
        "policies/risk_areas.html",
        {
            "today": today,
            "provinces": active_risk_provinces(today),
            "english": (get_language() or "").startswith("en"),
        },
    )


class AnnouncementFeed(Feed):
    feed_type = Atom1Feed
    title = _("进返京政策服务公告")
    subtitle = _("风险地区与进返京政策的最新公告")

    def link(self):
        return reverse("policies:announcement-list")

    def items(self):
        return Announcement.objects.published()[:30]

    def item_title(self, item):
        return announcement_title(item)

    def item_description(self, item):
        return announcement_body_html(item)

    def item_link(self, item):
        return reverse("policies:announcement-detail", args=[item.pk])

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at
