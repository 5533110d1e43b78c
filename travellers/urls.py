from django.urls import path

from travellers import views

app_name = "travellers"

urlpatterns = [
    path("", views.home, name="home"),
    path("declare/", views.declare, name="declare"),
    path("declare/check/", views.declare_check, name="declare-check"),
    path("status/", views.status, name="status"),
    path("declarations/<str:reference>/", views.declaration_detail, name="declaration"),
    path("declarations/<str:reference>/amend/", views.amend, name="amend"),
]
