from django.urls import path

from policies import views

app_name = "policies"

urlpatterns = [
    path("announcements/", views.announcement_list, name="announcement-list"),
    path("announcements/feed/", views.AnnouncementFeed(), name="announcement-feed"),
    path("announcements/<int:pk>/", views.announcement_detail, name="announcement-detail"),
    path("risk-areas/", views.risk_area_list, name="risk-areas"),
]
