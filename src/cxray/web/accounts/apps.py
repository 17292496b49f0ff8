from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cxray.web.accounts"
    label = "accounts"
