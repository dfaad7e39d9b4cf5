"""Every column list in the package is the canonical tables' (one definition, io/vocabulary.py)."""

from netanalysis.dataset import Dataset  # noqa: F401  (dataset derives its text columns from the tables)
from netanalysis.io import identity, schema, vocabulary
from netanalysis.io.sources import base
from netanalysis.panel import build


def test_schemas_have_the_tables_columns_in_order():
    assert list(schema.Contacts.columns) == list(vocabulary.CONTACT_COLUMNS)
    assert list(schema.Interactions.columns) == list(vocabulary.INTERACTION_COLUMNS)
    assert list(schema.Outcomes.columns) == list(vocabulary.OUTCOME_COLUMNS)
    assert list(schema.Panel.columns) == list(build.COLUMNS)


def test_empty_tables_have_the_schemas_columns():
    assert list(vocabulary.empty_contacts().columns) == list(schema.Contacts.columns)
    # The empty tables leave out group_key, which the models do not require.
    optional = [c for c, col in schema.Interactions.columns.items() if not col.required]
    assert list(vocabulary.empty_interactions().columns) == [c for c in schema.Interactions.columns if c not in optional]
    assert list(vocabulary.empty_outcomes().columns) == [c for c in schema.Outcomes.columns if c != "group_key"]


def test_source_records_are_the_schemas_with_a_ref():
    contacts = list(schema.Contacts.columns)
    assert base.PEOPLE_COLUMNS == ["ref", "name", "emails", "company", "title", "linkedin_url", "first_seen",
                                   "source_row", "record_key"]
    assert set(base.PEOPLE_COLUMNS) - {"ref", "source_row", "record_key"} == set(contacts) - {"contact_id", "sources"}
    assert base.PEOPLE_COLUMNS[:-2] == identity._PEOPLE_COLUMNS
    for record, model, own in ((base.INTERACTION_COLUMNS, schema.Interactions, "interaction_id"),
                               (base.OUTCOME_COLUMNS, schema.Outcomes, "outcome_id")):
        assert set(record) - {"ref", "natural_key"} == set(model.columns) - {own, "contact_id", "source"}
    assert base.INTERACTION_COLUMNS == ["ref", "timestamp", "channel", "direction", "duration_minutes", "source_row",
                                        "natural_key", "group_key"]
    assert base.OUTCOME_COLUMNS == ["ref", "account", "timestamp", "kind", "status", "value", "currency",
                                    "source_row", "natural_key", "group_key", "opened_at"]
