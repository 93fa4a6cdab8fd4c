from django.urls import path

from .views import account, officer, officer_import, officer_register, public
from .views.selfservice import accessions, organisation, representatives

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
    # Organisations' own pages (views/selfservice/: organisation, accessions, representatives).
    path("mina-sidor/", organisation.dashboard, name="dashboard"),
    path("organisationer/ny/", organisation.organisation_create, name="create"),
    path("organisationer/<int:pk>/redigera/", organisation.organisation_edit, name="edit"),
    path("organisationer/<int:pk>/underteckna/", accessions.sign, name="sign"),
    path(
        "organisationer/<int:pk>/representanter/",
        representatives.representatives,
        name="representatives",
    ),
    # The representatives' page's actions: one POST view each.
    path(
        "organisationer/<int:pk>/representanter/bjud-in/",
        representatives.representative_invite,
        name="representative-invite",
    ),
    path(
        "organisationer/<int:pk>/representanter/ta-bort/",
        representatives.representative_remove,
        name="representative-remove",
    ),
    path(
        "organisationer/<int:pk>/representanter/godkann-begaran/",
        representatives.access_request_approve,
        name="access-request-approve",
    ),
    path(
        "organisationer/<int:pk>/representanter/avboj-begaran/",
        representatives.access_request_decline,
        name="access-request-decline",
    ),
    path(
        "organisationer/<int:pk>/representanter/aterkalla-inbjudan/",
        representatives.invitation_revoke,
        name="invitation-revoke",
    ),
    path(
        "organisationer/<int:pk>/begar-behorighet/",
        representatives.request_access,
        name="request-access",
    ),
    path("inbjudan/<uuid:token>/", representatives.invitation_accept, name="invitation"),
    path("anslutningar/<int:pk>/", accessions.accession_detail, name="accession"),
    path("anslutningar/<int:pk>/kvitto.pdf", accessions.accession_receipt, name="receipt"),
    path("anslutningar/<int:pk>/protokoll.pdf", accessions.accession_minutes, name="minutes"),
    path(
        "anslutningar/<int:pk>/ansokan/",
        officer_register.accession_application_attach,
        name="application-attach",
    ),
    path(
        "anslutningar/<int:pk>/ansokan.pdf",
        officer_register.accession_application,
        name="application",
    ),
    path("anslutningar/<int:pk>/uttrade/", accessions.accession_withdraw, name="withdraw"),
    path("anslutningar/<int:pk>/bekrafta/", accessions.accession_reconfirm, name="reconfirm"),
    path("anslutningar/<int:pk>/svara/", accessions.accession_answer, name="answer"),
    # Municipal officers' workspace (views/officer.py).
    path("handlaggare/", officer.queue, name="officer"),
    path("handlaggare/organisationer/", officer.organisations, name="officer-organisations"),
    # The list as CSV and as Excel (written by core.exports), with the list's filter.
    path(
        "handlaggare/organisationer.csv",
        officer.organisations_export,
        {"fmt": "csv"},
        name="officer-organisations-csv",
    ),
    path(
        "handlaggare/organisationer.xlsx",
        officer.organisations_export,
        {"fmt": "xlsx"},
        name="officer-organisations-xlsx",
    ),
    path(
        "handlaggare/organisationer/ny/",
        officer_register.organisation_create,
        name="officer-organisation-create",
    ),
    path(
        "handlaggare/organisationer/<int:pk>/registrera-anslutning/",
        officer.record_accession,
        name="record",
    ),
    # Import of an existing register (views/officer_import.py).
    path("handlaggare/import/", officer_import.register_import, name="officer-import"),
    path(
        "handlaggare/import/mall.<slug:kind>",
        officer_import.register_import_template,
        name="officer-import-template",
    ),
    path(
        "handlaggare/import/<slug:token>/bekrafta/",
        officer_import.register_import_confirm,
        name="officer-import-confirm",
    ),
    path(
        "handlaggare/bekraftelser/<slug:slug>/",
        officer.invite_reconfirmations,
        name="invite-reconfirm",
    ),
    path("anslutningar/<int:pk>/verifiera/", officer.verify, name="verify"),
    path("anslutningar/<int:pk>/avvisa/", officer.reject, name="reject"),
    path("anslutningar/<int:pk>/fraga/", officer.request_information, name="request-information"),
    path("handlaggare/e-post/", officer.work_mail, name="officer-work-mail"),
    path(
        "handlaggare/organisationer/<int:pk>/bjud-in-admin/",
        officer.invite_admin,
        name="invite-admin",
    ),
    # The user's own data (views/account.py).
    path("konto/namn/", account.profile, name="profile"),
    path("konto/mina-uppgifter/", account.my_data, name="my-data"),
    path("konto/mina-uppgifter.json", account.my_data_json, name="my-data-json"),
    path("konto/radera/", account.delete_account, name="delete-account"),
]
