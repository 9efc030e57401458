from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("insights/", views.dashboard, name="dashboard"),
    path("insights/export/<slug:table>.csv", views.export, name="export"),
    path("insights/terms/", views.terms, name="terms"),
    path("insights/terms/<int:term_id>/delete/", views.term_delete, name="term_delete"),
]
