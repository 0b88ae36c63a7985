from django.urls import path

from . import views

app_name = "contributions"
urlpatterns = [
    path("", views.my_submissions, name="mine"),
    path("new/", views.submission_new, name="new"),
    path("<int:submission_id>/", views.submission_edit, name="edit"),
    path("<int:submission_id>/preview/", views.submission_preview, name="preview"),
    path("<int:submission_id>/submit/", views.submission_submit, name="submit"),
    path("<int:submission_id>/withdraw/", views.submission_withdraw, name="withdraw"),
]
