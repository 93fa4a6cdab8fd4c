from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("tillganglighet/", views.accessibility, name="accessibility"),
    path("personuppgifter/", views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("", include("agreements.urls")),
    path("", include("organisations.urls")),
    path("", include("followup.urls")),
    path("konto/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "portal.views.permission_denied"
handler500 = "portal.views.server_error"
