from django.urls import path

from .views import account, officer, public, selfservice

app_name = "organisations"

urlpatterns = [
    # The public register and open data (views/public.py).
    path("organisationer/", public.register, name="register"),
    path("organisationer/<int:pk>/", public.organisation_detail, name="detail"),
    path("oppna-data/", public.open_data, name="open-data"),
    path("oppna-data/organisationer.csv", public.register_csv, name="register-csv"),
    path("oppna-data/organisationer.json", public.register_json, name="register-json"),
    path(
        "oppna-data/overenskommelser/<slug:slug>.json", public.agreement_json, name="agreement-json"
    ),
    path("oppna-data/overenskommelser/<slug:slug>.csv", public.agreement_csv, name="agreement-csv"),
    # Organisations' own pages (views/selfservice.py).
    path("mina-sidor/", selfservice.dashboard, name="dashboard"),
    path("organisationer/ny/", selfservice.organisation_create, name="create"),
    path("organisationer/<int:pk>/redigera/", selfservice.organisation_edit, name="edit"),
    path("organisationer/<int:pk>/underteckna/", selfservice.sign, name="sign"),
    path(
        "organisationer/<int:pk>/representanter/",
        selfservice.representatives,
        name="representatives",
    ),
    path(
        "organisationer/<int:pk>/begar-behorighet/",
        selfservice.request_access,
        name="request-access",
    ),
    path("inbjudan/<uuid:token>/", selfservice.invitation_accept, name="invitation"),
    path("anslutningar/<int:pk>/", selfservice.accession_detail, name="accession"),
    path("anslutningar/<int:pk>/kvitto.pdf", selfservice.accession_receipt, name="receipt"),
    path("anslutningar/<int:pk>/protokoll.pdf", selfservice.accession_minutes, name="minutes"),
    path("anslutningar/<int:pk>/uttrade/", selfservice.accession_withdraw, name="withdraw"),
    path("anslutningar/<int:pk>/bekrafta/", selfservice.accession_reconfirm, name="reconfirm"),
    # Municipal officers' workspace (views/officer.py).
    path("handlaggare/", officer.queue, name="officer"),
    path("handlaggare/organisationer/", officer.organisations, name="officer-organisations"),
    path(
        "handlaggare/organisationer/<int:pk>/registrera-anslutning/",
        officer.record_accession,
        name="record",
    ),
    path(
        "handlaggare/bekraftelser/<slug:slug>/",
        officer.invite_reconfirmations,
        name="invite-reconfirm",
    ),
    path("anslutningar/<int:pk>/verifiera/", officer.verify, name="verify"),
    path("anslutningar/<int:pk>/avvisa/", officer.reject, name="reject"),
    # The user's own data (views/account.py).
    path("konto/mina-uppgifter/", account.my_data, name="my-data"),
    path("konto/mina-uppgifter.json", account.my_data_json, name="my-data-json"),
    path("konto/radera/", account.delete_account, name="delete-account"),
]
