from django.apps import AppConfig


class Scope3Config(AppConfig):
    name = "scope3"
    verbose_name = "Scope 3"
