from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "cxray.web.workspaces"
    label = "workspaces"
