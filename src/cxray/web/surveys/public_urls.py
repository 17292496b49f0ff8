"""Public respondent pages under /s/ (no login)."""

urlpatterns: list = []
