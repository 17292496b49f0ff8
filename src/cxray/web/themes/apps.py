from django.apps import AppConfig


class ThemesConfig(AppConfig):
    name = "cxray.web.themes"
    label = "themes"
