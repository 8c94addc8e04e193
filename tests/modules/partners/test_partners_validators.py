"""The field validators: canonical values in, Italian messages that name the field out."""

from __future__ import annotations

import pytest

from modules.partners import validators
from modules.partners.validators import InvalidValue
from tests.modules.partners.helpers import piva, wrong_check_digit


def refused(clean, value) -> str:
    with pytest.raises(InvalidValue) as info:
        clean(value)
    return str(info.value)


def test_partita_iva_with_it_prefix_and_spaces_is_stored_in_canonical_form(italian):
    number = piva()
    spaced = f"IT {number[:4]} {number[4:8]} {number[8:]}"
    assert validators.partita_iva(spaced) == number
    assert validators.partita_iva("it" + number) == number


def test_real_check_digits_pass():
    assert validators.partita_iva("00052090958") == "00052090958"  # check digit 8 by the Luhn rule
    assert validators.partita_iva("01234560157") == "01234560157"


def test_partita_iva_with_a_wrong_check_digit_is_refused_naming_the_field(italian):
    assert refused(validators.partita_iva, wrong_check_digit("00052090958")) == \
        "Partita IVA non valida: cifra di controllo errata."


def test_partita_iva_of_wrong_length_or_office_is_refused(italian):
    assert refused(validators.partita_iva, "0123456789") == "Partita IVA non valida: deve avere 11 cifre."
    assert "codice dell'ufficio" in refused(validators.partita_iva, "01234567897")  # office 789 does not exist


def test_organisation_codice_fiscale_may_have_11_digits_or_16_characters(italian):
    assert validators.codice_fiscale("IT 0005 2090 958") == "00052090958"
    assert validators.codice_fiscale("pnnmra70a41g113o") == "PNNMRA70A41G113O"
    assert refused(validators.codice_fiscale, "PNNMRA70A41G113N") == \
        "Codice fiscale non valido: carattere di controllo errato."
    assert refused(validators.codice_fiscale, "12345") == \
        "Codice fiscale non valido: deve avere 11 cifre o 16 caratteri."


def test_legal_representative_needs_a_personal_codice_fiscale(italian):
    assert validators.personal_codice_fiscale("PNNMRA70A41G113O") == "PNNMRA70A41G113O"
    assert "legale rappresentante" in refused(validators.personal_codice_fiscale, "00052090958")


def test_iban_is_stored_compact_and_upper_case(italian):
    assert validators.iban("it30 p010 1517 4000 0000 0012 345") == "IT30P0101517400000000012345"
    assert refused(validators.iban, "IT31P0101517400000000012345") == "IBAN non valido: cifre di controllo errate."


def test_ateco_2025_subcategory_is_stored_dotted(italian):
    assert validators.ateco_code("472410") == "47.24.10"
    assert validators.ateco_code(" 10.71.10 ") == "10.71.10"
    assert "sottocategoria" in refused(validators.ateco_code, "47.24")
    assert "99.99.99" in refused(validators.ateco_code, "99.99.99")


def test_small_fields_are_normalised():
    assert validators.rea("or 123456") == "OR-123456"
    assert validators.cap("9170") == "09170"  # a spreadsheet dropped the leading zero
    assert validators.pec("Info@PEC.Example.it") == "info@pec.example.it"
    assert validators.website("www.example.it") == "https://www.example.it"
    assert validators.runts_section("B)") == "b"
    assert validators.runts_number("104523.0") == "104523"


def test_small_fields_refuse_nonsense(italian):
    assert refused(validators.cap, "ABCDE") == "CAP non valido: deve avere 5 cifre."
    assert refused(validators.pec, "not-an-address").startswith("PEC non valida")
    assert refused(validators.rea, "123456").startswith("Numero REA non valido")
    assert refused(validators.runts_section, "h").startswith("Sezione RUNTS non valida")
