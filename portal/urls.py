from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal import views

# The back office in its own words, not "Django 管理".
admin.site.site_header = _("进返京政策服务 · 管理后台")
admin.site.site_title = _("进返京政策服务管理后台")
admin.site.index_title = _("管理首页")

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", views.health, name="health"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its script as a file: the Content-Security-Policy allows no
    # inline script.
    path(
        "api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"
    ),
    path("api/v1/", views.api_root, name="api-root"),
    path("api/v1/", include("policies.api.urls")),
    path("api/v1/", include("travellers.api.urls")),
    path("", include("policies.urls")),
    path("", include("travellers.urls")),
]
