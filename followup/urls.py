from django.urls import path

from .views import evaluation, officer, public, reports

app_name = "followup"

urlpatterns = [
    # Officers run the cycles (views/officer.py).
    path("uppfoljning/", officer.cycle_list, name="cycles"),
    path("uppfoljning/ny/<slug:slug>/", officer.cycle_create, name="cycle-create"),
    path("uppfoljning/<int:pk>/", officer.cycle_detail, name="cycle"),
    path("uppfoljning/<int:pk>/redigera/", officer.cycle_edit, name="cycle-edit"),
    path("uppfoljning/<int:pk>/fragor/", officer.questions, name="questions"),
    path(
        "uppfoljning/<int:pk>/fragor/<int:question_pk>/",
        officer.question_edit,
        name="question-edit",
    ),
    path("uppfoljning/<int:pk>/oppna/", officer.cycle_open, name="cycle-open"),
    path("uppfoljning/<int:pk>/schemalagg/", officer.cycle_schedule, name="cycle-schedule"),
    path(
        "uppfoljning/<int:pk>/avbryt-schemalaggning/",
        officer.cycle_unschedule,
        name="cycle-unschedule",
    ),
    path("uppfoljning/<int:pk>/stang/", officer.cycle_close, name="cycle-close"),
    path("uppfoljning/<int:pk>/radera/", officer.cycle_delete, name="cycle-delete"),
    path("uppfoljning/<int:pk>/paminnelser/", officer.cycle_reminders, name="cycle-reminders"),
    path(
        "uppfoljning/<int:pk>/mottagare/<int:unit_pk>/",
        officer.unit_recipient,
        name="unit-recipient",
    ),
    path("uppfoljning/<int:pk>/paminn/", officer.cycle_remind, name="cycle-remind"),
    path(
        "uppfoljning/<int:pk>/sista-svarsdag/", officer.cycle_move_deadline, name="cycle-deadline"
    ),
    # The exports, each as CSV and as Excel (written by core.exports).
    path(
        "uppfoljning/<int:pk>/svar.csv", officer.answers_export, {"fmt": "csv"}, name="answers-csv"
    ),
    path(
        "uppfoljning/<int:pk>/svar.xlsx",
        officer.answers_export,
        {"fmt": "xlsx"},
        name="answers-xlsx",
    ),
    path(
        "uppfoljning/<int:pk>/rapporter.csv",
        officer.reports_export,
        {"fmt": "csv"},
        name="reports-csv",
    ),
    path(
        "uppfoljning/<int:pk>/rapporter.xlsx",
        officer.reports_export,
        {"fmt": "xlsx"},
        name="reports-xlsx",
    ),
    path(
        "uppfoljning/<int:pk>/ej-inskickade.csv",
        officer.pending_export,
        {"fmt": "csv"},
        name="pending-csv",
    ),
    path(
        "uppfoljning/<int:pk>/ej-inskickade.xlsx",
        officer.pending_export,
        {"fmt": "xlsx"},
        name="pending-xlsx",
    ),
    path("rapporter/<int:pk>/ateroppna/", officer.report_reopen, name="report-reopen"),
    # Respondents file their reports (views/reports.py).
    path("mina-rapporter/", reports.my_reports, name="my-reports"),
    path("rapporter/<int:pk>/", reports.report, name="report"),
    # The evaluation and the council's review (views/evaluation.py).
    path("uppfoljning/<int:pk>/utvardering/", evaluation.evaluation, name="evaluation"),
    path("uppfoljning/<int:pk>/utvardering/word/", evaluation.word, name="evaluation-word"),
    path("uppfoljning/<int:pk>/utvardering/status.json", evaluation.pdf_status, name="pdf-status"),
    path("uppfoljning/<int:pk>/utvardering/redigera/", evaluation.edit, name="evaluation-edit"),
    path(
        "uppfoljning/<int:pk>/utvardering/skicka/",
        evaluation.send_to_council,
        name="evaluation-send",
    ),
    path(
        "uppfoljning/<int:pk>/utvardering/kommentera/",
        evaluation.comment,
        name="evaluation-comment",
    ),
    path(
        "uppfoljning/<int:pk>/utvardering/godkann/", evaluation.approve, name="evaluation-approve"
    ),
    path(
        "uppfoljning/<int:pk>/utvardering/publicera/", evaluation.publish, name="evaluation-publish"
    ),
    path(
        "uppfoljning/<int:pk>/utvardering/pdf-igen/",
        evaluation.retry_pdf,
        name="evaluation-retry-pdf",
    ),
    # Published evaluations, for everyone (views/public.py).
    path(
        "overenskommelser/<slug:slug>/utvarderingar/<int:pk>/",
        public.evaluation,
        name="public-evaluation",
    ),
    path(
        "overenskommelser/<slug:slug>/utvarderingar/<int:pk>/pdf/",
        public.evaluation_pdf,
        name="public-evaluation-pdf",
    ),
    path(
        "overenskommelser/<slug:slug>/utvarderingar/<int:pk>/word/",
        public.evaluation_word,
        name="public-evaluation-word",
    ),
]
