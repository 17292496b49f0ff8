from django.db import migrations, models


def mark_existing_checked(apps, schema_editor):
    # Answers stored before this version were checked by the intake hook or the scheduled
    # job already; without the mark the checker would open cases for all of past feedback.
    SurveyResponse = apps.get_model("surveys", "SurveyResponse")
    SurveyResponse.objects.filter(case_checked_at__isnull=True).update(
        case_checked_at=models.F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0003_respondent_competitor"),
        ("workspaces", "0002_churn_lag"),
    ]

    operations = [
        migrations.AddField(
            model_name="surveyresponse",
            name="case_checked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(mark_existing_checked, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="surveyresponse",
            index=models.Index(
                condition=models.Q(("case_checked_at__isnull", True)),
                fields=["id"],
                name="survey_response_unchecked",
            ),
        ),
    ]
