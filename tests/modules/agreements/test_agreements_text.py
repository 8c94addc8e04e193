"""The structured text: edited as plain text, stored as recitals, sections with clauses, appendices."""

from __future__ import annotations

import pytest

from modules.agreements import text


def test_sections_start_with_a_heading_and_their_paragraphs_are_clauses(italian):
    content = text.parse("Prima premessa.\n\nSeconda\npremessa.", "## Oggetto\nUno.\n\nDue.\n## Durata\nTre anni.",
                         "## Allegato tecnico\nTesto.")

    assert content == {
        "recitals": ["Prima premessa.", "Seconda premessa."],
        "sections": [{"title": "Oggetto", "clauses": ["Uno.", "Due."]}, {"title": "Durata", "clauses": ["Tre anni."]}],
        "appendices": [{"title": "Allegato tecnico", "text": "Testo."}],
    }


def test_the_plain_text_reads_back_the_same(italian):
    content = text.parse("Premessa.", "## Oggetto\nUno.\n\nDue.", "## A\nTesto.")

    assert text.parse(*text.to_plain(content)) == content


def test_a_section_without_its_heading_is_refused(italian):
    with pytest.raises(text.TextInvalid):
        text.parse("", "Una clausola senza articolo.", "")


def test_the_hash_changes_with_the_text_the_parties_and_the_terms(italian):
    content = text.parse("Premessa.", "## Oggetto\nUno.", "")
    parties = [{"organisation_id": 1, "name": "CGIL", "role": "signatory", "is_required": True, "signatory": ""}]
    base = text.text_hash(content, parties, {"title": "Accordo"})

    assert base == text.text_hash(text.parse("Premessa.", "## Oggetto\nUno.", ""), parties, {"title": "Accordo"})
    assert base != text.text_hash(text.parse("Premessa.", "## Oggetto\nDue.", ""), parties, {"title": "Accordo"})
    assert base != text.text_hash(content, parties[:0], {"title": "Accordo"})
    assert base != text.text_hash(content, parties, {"title": "Accordo 2"})
