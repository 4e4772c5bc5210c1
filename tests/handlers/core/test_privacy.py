"""The privacy check of broadcast text: each kind of identifier refused, with its line and
column, and ordinary text with numbers and dates passed."""

from __future__ import annotations

import pytest

from handlers.core.privacy import (
    CASE_REFERENCE,
    DATE_OF_BIRTH,
    NHS_NUMBER,
    POSTCODE,
    Finding,
    findings,
    nhs_number_valid,
    refusal,
)


@pytest.mark.parametrize("number", ["9434765919", "4010232137", "9990000018", "4505577104"])
def test_valid_nhs_numbers_pass_the_mod_11_check(number: str) -> None:
    assert nhs_number_valid(number)


@pytest.mark.parametrize(
    "number",
    [
        "9434765918",  # the check digit off by one
        "1234567890",  # the check works out as 10: never issued
        "943476591",  # nine digits
        "94347659190",  # eleven
        "943476591a",
    ],
)
def test_invalid_nhs_numbers_fail_it(number: str) -> None:
    assert not nhs_number_valid(number)


@pytest.mark.parametrize("written", ["9434765919", "943 476 5919", "943-476-5919"])
def test_an_nhs_number_is_found_however_it_is_spaced(written: str) -> None:
    text = f"# Learning\n\nThe referral quoted {written} twice."
    assert findings(text) == [Finding(NHS_NUMBER, 3, 21)]


def test_ten_digits_failing_the_check_are_ordinary_numbers() -> None:
    assert findings("Call 0207 946 0000 or quote 1234567890 and 9434765918.") == []


@pytest.mark.parametrize(
    "postcode",
    ["N1 9GU", "SW1A 1AA", "W6 9JU", "TF1 6TE", "DH13UZ", "n1 9gu", "sw1a 1aa", "w6 9Ju", "M1 1ST"],
)
def test_uk_postcodes_are_found(postcode: str) -> None:
    assert findings(f"The family moved to {postcode} last year.") == [Finding(POSTCODE, 1, 21)]


@pytest.mark.parametrize(
    "text",
    [
        "the Q3 1st draft",  # Q starts no postcode area
        "in q3 1st place",
        "on m1 1st floor",  # a lower-case ordinal reads as ordinary text
        "see e2 3rd row",
        "version v2 1ab",  # V starts no area
        "ab12 and 3cd",
        "XN1 9GU",  # part of a longer word
    ],
)
def test_ordinary_text_that_looks_a_little_like_a_postcode_passes(text: str) -> None:
    assert findings(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Date of birth: 12/03/2015",
        "DOB 12.03.15",
        "d.o.b. 2015-03-12",
        "born on 3rd March 2015",
        "She was born 12 Mar, 2015",
    ],
)
def test_date_of_birth_patterns_are_found(text: str) -> None:
    assert [f.what for f in findings(text)] == [DATE_OF_BIRTH]


def test_a_known_case_reference_is_found_and_named_whatever_its_case() -> None:
    text = "# Learning\nWhat we learnt\nfrom c-000123 and C-0001234."
    assert findings(text, {"C-000123"}) == [Finding(CASE_REFERENCE, 3, 6, "C-000123")]
    assert refusal(findings(text, {"C-000123"})) == "line 3, column 6: the case reference C-000123"


def test_ordinary_text_with_numbers_and_dates_passes() -> None:
    text = (
        "# Learning from audits: Q1 2027\n\n"
        "We audited 48 cases between 04/01/2027 and 29/01/2027; 31 were Good.\n"
        "Workshops on 12 March 2027 at 10:00 in room 2.14, and the Q3 1st draft.\n"
        "Born out of the audit: a checklist for the 2026-27 year. Ring 020 7946 0000."
    )
    assert findings(text, {"C-000123"}) == []


def test_every_finding_is_in_reading_order() -> None:
    text = "C-1 at N1 9GU\nDOB 01/02/2016, NHS 9434765919"
    assert [(f.what, f.line) for f in findings(text, {"C-1"})] == [
        (CASE_REFERENCE, 1),
        (POSTCODE, 1),
        (DATE_OF_BIRTH, 2),
        (NHS_NUMBER, 2),
    ]
