from django.urls import path

from . import views

app_name = "agreements"

urlpatterns = [
    path("overenskommelser/", views.agreement_list, name="list"),
    path("overenskommelser/<slug:slug>/", views.agreement_detail, name="detail"),
    path("overenskommelser/<slug:slug>/pdf/", views.agreement_pdf, name="pdf"),
    path("jamfor/", views.comparison, name="comparison"),
]
