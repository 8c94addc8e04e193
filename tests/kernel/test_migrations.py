"""The schema comes only from migrations: autogenerate must find nothing to add on any branch."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_models_and_migrations_agree(app, ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "render_as_batch": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "models and migrations disagree; run `flask db migrate` for:\n" + "\n".join(
        map(str, differences))


def test_every_module_migration_is_a_labelled_branch(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate

    migrate: Migrate = app.extensions["migrate"].migrate
    with app.app_context():
        script = ScriptDirectory.from_config(migrate.get_config())
    labels = {label for rev in script.walk_revisions() for label in (rev.branch_labels or ())}
    loaded = {m.name for m in app.extensions["distretto"].modules if m.migrations_path.is_dir()}
    assert {"kernel"} | loaded <= labels
