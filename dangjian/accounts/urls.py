from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_phone, name="login"),
    path("login/code/", views.login_code, name="login_code"),
    path("login/status/", views.login_code_status, name="login_status"),
    path("logout/", views.logout_view, name="logout"),
    path("logout/all/", views.logout_everywhere, name="logout_all"),
    path("me/state/", views.account_state, name="state"),
    path("me/", views.profile, name="profile"),
    path("me/phone/", views.profile_phone, name="profile_phone"),
    path("me/export/", views.profile_export, name="profile_export"),
    path("me/delete/", views.profile_delete, name="profile_delete"),
]
