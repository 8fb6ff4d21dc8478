"""Alembic: one head, and the migrated schema matches the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Migrate

from jobmatch import MIGRATIONS_DIR
from jobmatch.extensions import db


def test_single_alembic_head(app):
    config = app.extensions["migrate"].migrate.get_config(str(MIGRATIONS_DIR))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several Alembic heads: {heads}"


def test_migrations_match_the_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(context, db.metadata)]
    assert diff == [], diff


def test_migrate_extension_points_at_the_package(app):
    assert isinstance(app.extensions["migrate"].migrate, Migrate)
    assert app.extensions["migrate"].directory == str(MIGRATIONS_DIR)
