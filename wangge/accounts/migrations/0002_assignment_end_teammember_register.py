"""Assignments end (day and reason) instead of disappearing; team members become register records.

The day a member left was `left_on`; it is renamed to the register's `ended_on`, so existing days are kept.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="assignment",
            name="ended_on",
            field=models.DateField(blank=True, editable=False, null=True, verbose_name="结束日期"),
        ),
        migrations.AddField(
            model_name="assignment",
            name="end_reason",
            field=models.TextField(blank=True, editable=False, verbose_name="结束原因"),
        ),
        migrations.RenameField(model_name="teammember", old_name="left_on", new_name="ended_on"),
        migrations.AlterField(
            model_name="teammember",
            name="ended_on",
            field=models.DateField(blank=True, editable=False, null=True, verbose_name="离开日期"),
        ),
        migrations.AddField(
            model_name="teammember",
            name="end_reason",
            field=models.TextField(blank=True, editable=False, verbose_name="离开原因"),
        ),
        migrations.AddField(
            model_name="teammember",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AddField(
            model_name="teammember",
            name="updated_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AddField(
            model_name="teammember",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.AlterField(
            model_name="teammember",
            name="team",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="members", to="accounts.team"
            ),
        ),
    ]
