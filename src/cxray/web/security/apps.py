from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "cxray.web.security"
    label = "security"

    def ready(self) -> None:
        # Registers the deployment checks with Django's check framework (`check --deploy`).
        from cxray.web.security import checks  # noqa: F401
