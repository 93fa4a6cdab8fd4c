"""OutgoingMail now belongs to the core app (core/migrations/0001): the portal app forgets it
without touching the table."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0002_outgoing_mail_sensitive"),
        ("core", "0001_outgoing_mail_from_portal"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="OutgoingMail")],
        ),
    ]
