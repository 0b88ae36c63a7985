from django.urls import path

from . import views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_new, name="new"),
    path("restart/", views.complaint_restart, name="restart"),
    path("case/", views.case_track, name="track"),
    path("case/restart/", views.track_restart, name="track_restart"),
    path("case/<str:number>/", views.case, name="case"),
    path("counter/<str:number>/", views.counter_notice, name="counter_notice"),
]
