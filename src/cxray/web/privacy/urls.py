from django.urls import path

from cxray.web.privacy import views

urlpatterns = [
    path("", views.customers, name="customers"),
    path("erase/", views.customer_erase_view, name="customer_erase"),
]
