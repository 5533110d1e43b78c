from django.apps import AppConfig


class TravellersConfig(AppConfig):
    name = "travellers"
    verbose_name = "Travellers and declarations"
