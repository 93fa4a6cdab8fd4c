"""OutgoingMail moved from the portal app to core: the table (portal_outgoingmail) stays as it is;
only Django's record of which app owns the model changes, and its content type (with the
permissions that point at it) follows."""

import django.utils.timezone
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    old = ContentType.objects.using(db).filter(app_label="portal", model="outgoingmail")
    if not ContentType.objects.using(db).filter(app_label="core", model="outgoingmail").exists():
        old.update(app_label="core")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    new = ContentType.objects.using(db).filter(app_label="core", model="outgoingmail")
    if not ContentType.objects.using(db).filter(app_label="portal", model="outgoingmail").exists():
        new.update(app_label="portal")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("portal", "0002_outgoing_mail_sensitive"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="OutgoingMail",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("recipients", models.JSONField(default=list, verbose_name="recipients")),
                        ("subject", models.CharField(max_length=998, verbose_name="subject")),
                        ("body", models.TextField(verbose_name="body")),
                        ("template", models.CharField(blank=True, max_length=200, verbose_name="template")),
                        ("sensitive", models.BooleanField(default=False, help_text="A link or code that gives access: never shown, and blanked once sent.", verbose_name="contains a secret")),
                        ("status", models.CharField(choices=[("pending", "waiting to be sent"), ("sent", "sent"), ("failed", "failed (gave up)")], default="pending", max_length=10, verbose_name="status")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created")),
                        ("attempts", models.PositiveIntegerField(default=0, verbose_name="attempts")),
                        ("next_attempt_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="next attempt")),
                        ("claimed_at", models.DateTimeField(blank=True, null=True, verbose_name="being sent since")),
                        ("last_error", models.TextField(blank=True, verbose_name="last error")),
                        ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent")),
                    ],
                    options={
                        "verbose_name": "outgoing e-mail",
                        "verbose_name_plural": "outgoing e-mail",
                        "ordering": ["-created_at", "-pk"],
                        "db_table": "portal_outgoingmail",
                        "indexes": [models.Index(fields=["status", "next_attempt_at"], name="outgoingmail_due")],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_type, move_content_type_back, elidable=True),
    ]
