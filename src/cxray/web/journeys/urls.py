"""Journey maps under /w/<slug>/journeys/.

Each journey page is also reachable without a code (it then opens the list), so that every
route of a workspace can be addressed with the workspace alone (tests/web/test_isolation.py).
"""

from django.urls import path

from cxray.web.journeys import views


def _page(route: str, view, name: str, bare: str | None = None) -> list:  # type: ignore[no-untyped-def]
    bare_route = route if bare is None else bare
    defaults = {"code": None} if bare is None else {"code": None, "key": ""}
    # The bare route first: "-" would otherwise be taken for a journey code.
    return [
        path(f"-/{bare_route}", view, defaults, name=name),
        path(f"<str:code>/{route}", view, name=name),
    ]


urlpatterns = [
    path("", views.journeys, name="journeys"),
    *_page("", views.map_page, "journey_map"),
    *_page("steps/<str:key>/", views.step_edit, "journey_step", bare="steps/"),
    *_page("versions/", views.versions, "journey_versions"),
    *_page("compare/", views.compare, "journey_compare"),
    *_page("journey.yaml", views.yaml_file, "journey_yaml"),
    *_page("journey.svg", views.svg_file, "journey_svg"),
    *_page("journey.pdf", views.pdf_file, "journey_pdf"),
]
