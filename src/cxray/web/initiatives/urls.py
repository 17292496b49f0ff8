"""Initiatives and action plans under /w/<slug>/initiatives/."""

from django.urls import path

from cxray.web.initiatives import views

urlpatterns = [
    path("", views.initiatives, name="initiatives"),
    path("new/", views.initiative_create, name="initiative_create"),
    path("<int:pk>/", views.initiative_detail, name="initiative_detail"),
    path("<int:pk>/edit/", views.initiative_edit, name="initiative_edit"),
    path("<int:pk>/items/", views.action_item_post, name="initiative_items"),
]
