from django.urls import path

from . import views

app_name = "cities"
urlpatterns = [
    path("about/", views.about, name="about"),
    path("apply/", views.apply, name="apply"),
    path("apply/restart/", views.apply_restart, name="apply_restart"),
    path("apply/<str:reference>/", views.application, name="application"),
    path("regions/<str:code>/", views.region_children, name="region_children"),
]
