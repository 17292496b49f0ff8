"""Survey management pages under /w/<slug>/surveys/."""

urlpatterns: list = []
