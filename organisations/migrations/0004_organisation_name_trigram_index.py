"""A trigram index for searching the register by any part of a name (PostgreSQL only).

The register's search is ``name__icontains``, which PostgreSQL runs as
``UPPER(name::text) LIKE UPPER('%text%')``. A GIN index of ``pg_trgm`` trigrams on exactly that
expression answers it without reading every organisation, for any fragment of three letters or
more, with the same results as before (docs/performance.md). SQLite, used in development, has no
such index and keeps scanning; its register is small.

``pg_trgm`` ships with PostgreSQL and is a trusted extension: the database's owner may create it.
"""

from django.db import migrations

INDEX = "organisation_name_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON organisations_organisation "
        "USING gin ((UPPER(name::text)) gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("organisations", "0003_reconfirm_invited")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
