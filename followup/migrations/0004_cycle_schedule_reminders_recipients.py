"""A cycle's reminders become a schedule (CycleReminder rows: e.g. 14 and 3 days before the
deadline, each sent once), a cycle can be scheduled to open and a draft deleted, and a report
records when its invitation really went out (``invited_at``).

The one reminder of an existing cycle (``reminder_days_before``) becomes its first CycleReminder:
planned for a draft or an open cycle not reminded yet, sent where reports were reminded. Reports
of opened cycles count as invited if their respondent has somebody to receive mail now; the others
were mailed nobody, so they are shown as "no recipient" and their reminder dates are cleared.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Exists, Max, OuterRef, Q


def reminders_and_invitations(apps, schema_editor):
    Cycle = apps.get_model("followup", "Cycle")
    CycleReminder = apps.get_model("followup", "CycleReminder")
    Report = apps.get_model("followup", "Report")
    Representative = apps.get_model("organisations", "Representative")
    OfficerRole = apps.get_model("organisations", "OfficerRole")
    CouncilMembership = apps.get_model("organisations", "CouncilMembership")
    for cycle in Cycle.objects.order_by("pk").iterator():
        last = Report.objects.filter(cycle=cycle).aggregate(last=Max("last_reminded_at"))["last"]
        if last is not None:
            values = {"status": "sent", "done_at": last}
        elif cycle.status in ("draft", "open"):
            values = {"status": "planned"}
        else:
            values = {"status": "skipped", "skipped_because": "closed", "done_at": cycle.closed_at}
        CycleReminder.objects.create(
            cycle=cycle, days_before=cycle.reminder_days_before, **values
        )
        if cycle.opened_at is None:
            continue
        active = {"removed_at__isnull": True, "user__is_active": True}
        reached = (
            Q(
                Exists(
                    Representative.objects.filter(
                        organisation_id=OuterRef("organisation_id"), **active
                    ).exclude(user__email="")
                )
            )
            | Q(
                Exists(
                    OfficerRole.objects.filter(unit_id=OuterRef("unit_id"), **active).exclude(
                        user__email=""
                    )
                )
            )
            | Q(
                Exists(
                    CouncilMembership.objects.filter(
                        agreement_id=cycle.agreement_id,
                        user_id=OuterRef("council_member_id"),
                        **active,
                    ).exclude(user__email="")
                )
            )
        )
        Report.objects.filter(cycle=cycle).filter(reached).update(invited_at=cycle.opened_at)
    Report.objects.filter(invited_at__isnull=True).update(last_reminded_at=None)


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0002_version_draft'),
        ('followup', '0003_records_keep_their_people'),
        ('organisations', '0005_user_records_protected_roles_ended'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CycleReminder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('days_before', models.PositiveSmallIntegerField(verbose_name='days before the deadline')),
                ('status', models.CharField(choices=[('planned', 'planned'), ('sent', 'sent'), ('skipped', 'not sent')], default='planned', max_length=20, verbose_name='status')),
                ('skipped_because', models.CharField(blank=True, choices=[('before_opening', 'its day had come when the cycle opened'), ('superseded', 'a later reminder was due at the same time'), ('deadline_moved', 'the notice of the new deadline took its place'), ('deadline_passed', 'the deadline had passed'), ('closed', 'the cycle closed before its day'), ('nobody', 'every respondent had submitted'), ('no_recipient', 'nobody who had not submitted had anyone to receive it'), ('reminded_today', 'everyone it was for had already been reminded that day')], max_length=20, verbose_name='not sent because')),
                ('done_at', models.DateTimeField(blank=True, null=True, verbose_name='sent or passed over')),
                ('reminded', models.PositiveIntegerField(default=0, help_text='Respondents an e-mail was queued for, to at least one address.', verbose_name='respondents reminded')),
                ('unreached', models.PositiveIntegerField(default=0, help_text='Respondents who had not submitted and had nobody to receive the reminder.', verbose_name='respondents without a recipient')),
            ],
            options={
                'verbose_name': 'reminder',
                'verbose_name_plural': 'reminders',
                'ordering': ['cycle', '-days_before'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='cycle',
            name='cycle_unique_period',
        ),
        migrations.RemoveConstraint(
            model_name='cycleevent',
            name='cycle_event_actor_unless_system',
        ),
        migrations.AddField(
            model_name='report',
            name='invited_at',
            field=models.DateTimeField(blank=True, help_text='When the invitation was queued to at least one address; empty while the respondent has nobody to receive it.', null=True, verbose_name='invited'),
        ),
        migrations.AlterField(
            model_name='cycle',
            name='status',
            field=models.CharField(choices=[('draft', 'draft'), ('scheduled', 'scheduled to open'), ('open', 'open for reports'), ('closed', 'closed'), ('in_review', 'in review by the council'), ('published', 'published'), ('deleted', 'deleted draft')], default='draft', max_length=20, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='cycleevent',
            name='kind',
            field=models.CharField(choices=[('created', 'cycle created'), ('updated', "cycle's settings changed"), ('question_added', 'question added'), ('question_changed', 'question changed'), ('question_deleted', 'question deleted'), ('opened', 'cycle opened'), ('deadline_moved', 'deadline moved'), ('report_reopened', 'report reopened'), ('closed', 'cycle closed'), ('evaluation_edited', 'evaluation edited'), ('sent_to_council', 'evaluation sent to the council'), ('commented', 'evaluation commented on'), ('approved', 'evaluation approved'), ('published', 'evaluation published'), ('pdf_retried', 'PDF asked for again'), ('pdf_failed', 'PDF marked failed'), ('scheduled', 'opening scheduled'), ('unscheduled', 'scheduled opening cancelled'), ('opened_on_schedule', 'cycle opened as scheduled'), ('invited', 'invitations sent'), ('reminders_changed', 'reminders changed'), ('reminded', 'reminders sent'), ('reminder_not_sent', 'reminder not sent'), ('recipient_added', 'recipient added'), ('close_notices', 'respondents told of the closing'), ('deleted', 'draft deleted')], max_length=30, verbose_name='what'),
        ),
        migrations.AlterField(
            model_name='report',
            name='last_reminded_at',
            field=models.DateTimeField(blank=True, help_text='Set only when a reminder was queued to at least one address.', null=True, verbose_name='last reminded'),
        ),
        migrations.AddConstraint(
            model_name='cycle',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'deleted'), _negated=True), fields=('agreement', 'kind', 'period_start'), name='cycle_unique_period'),
        ),
        migrations.AddConstraint(
            model_name='cycleevent',
            constraint=models.CheckConstraint(condition=models.Q(('actor__isnull', False), ('kind__in', ['pdf_failed', 'opened_on_schedule', 'invited', 'reminded', 'reminder_not_sent', 'close_notices']), _connector='OR'), name='cycle_event_actor_unless_system'),
        ),
        migrations.AddField(
            model_name='cyclereminder',
            name='cycle',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reminders', to='followup.cycle', verbose_name='cycle'),
        ),
        migrations.AddConstraint(
            model_name='cyclereminder',
            constraint=models.UniqueConstraint(fields=('cycle', 'days_before'), name='reminder_once'),
        ),
        migrations.RunPython(reminders_and_invitations, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='cycle',
            name='reminder_days_before',
        ),
    ]
