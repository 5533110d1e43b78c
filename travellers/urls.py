from django.urls import path

from travellers import views

app_name = "travellers"

urlpatterns = [
    path("", views.home, name="home"),
]
