"""The areas of activity organisations choose from, drawn from the agreements' themes."""

from django.db import migrations

AREAS = [
    ("democracy", "Demokrati och delaktighet", "Democracy and participation"),
    ("public-health", "Folkhälsa", "Public health"),
    ("integration", "Integration", "Integration"),
    ("community", "Gemenskap och social sammanhållning", "Community and social cohesion"),
    ("children-youth", "Barn och unga", "Children and youth"),
    ("older-people", "Äldre", "Older people"),
    ("culture", "Kultur", "Culture"),
    ("sport", "Idrott och friluftsliv", "Sport and outdoor life"),
    ("adult-education", "Folkbildning", "Adult education"),
    ("social-welfare", "Social välfärd och stöd", "Social welfare and support"),
    ("disability", "Funktionsrätt", "Disability rights"),
    ("equality", "Jämställdhet och mänskliga rättigheter", "Equality and human rights"),
    ("employment", "Arbete och sysselsättning", "Work and employment"),
    ("local-community", "Lokalsamhälle och bostadsområden", "Local community and neighbourhoods"),
    ("environment", "Miljö och klimat", "Environment and climate"),
    ("faith", "Tro och livsåskådning", "Faith and beliefs"),
    ("other", "Annat", "Other"),
]


def add_areas(apps, schema_editor):
    ActivityArea = apps.get_model("organisations", "ActivityArea")
    for order, (key, name_sv, name_en) in enumerate(AREAS):
        ActivityArea.objects.update_or_create(
            key=key, defaults={"name_sv": name_sv, "name_en": name_en, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("organisations", "0001_initial")]

    operations = [migrations.RunPython(add_areas, migrations.RunPython.noop)]
