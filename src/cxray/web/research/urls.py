"""Research pages under /w/<slug>/research/."""

from django.urls import path

from cxray.web.research import views

urlpatterns = [
    path("", views.research, name="research"),
    path("interviews/", views.interviews, name="research_interviews"),
    path("interviews/new/", views.interview_new, name="research_interview_new"),
    path("interviews/<int:pk>/", views.interview, name="research_interview"),
    path("reasons/", views.reasons, name="research_reasons"),
    path("self-tests/", views.assessments, name="research_assessments"),
    path("self-tests/<int:pk>/", views.assessment, name="research_assessment"),
    path("competitors/", views.competitors, name="research_competitors"),
]
