"""The privacy check of text posted to a channel (SPEC §7), as pure functions: every broadcast
and every practice-week schedule is checked before it is queued, and again before it posts.

It looks for an NHS number (10 digits, spaced or not, passing the mod-11 check), a UK postcode
(in capitals or not), a date of birth (the words "date of birth", "DOB" or "born" followed by a
date) and any case reference qabot knows. Ordinary text with numbers and dates passes. A
finding says what and where (line and column), never echoing an NHS number, so it is safe to
print and to log.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass

NHS_NUMBER = "an NHS number"
POSTCODE = "a UK postcode"
DATE_OF_BIRTH = "a date of birth"
CASE_REFERENCE = "the case reference"

# 10 digits as one run or grouped 3-3-4 by spaces or hyphens, not part of a longer number
_NHS = re.compile(r"(?<![\d-])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d-])")
# The UK's postcode areas (the letters a postcode starts with), so "q3 1st" or "ok 2nd" is
# never taken for one; and the Crown dependencies' and the forces' codes.
_AREA_NAMES = """
    AB AL B BA BB BD BF BH BL BN BR BS BT BX CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN
    DT DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L
    LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA
    SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV
    YO ZE
"""
_AREAS = tuple(_AREA_NAMES.split())
# outward code: an area, then its district (9, 99, 9A); inward code: a sector digit and two
# unit letters (never C, I, K, M, O or V). In capitals or not: people type them both ways.
_POSTCODE = re.compile(
    r"(?<![\w-])(?:GIR ?0AA|(?:" + "|".join(sorted(_AREAS, key=len, reverse=True)) + r")"
    r"\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})(?![\w-])",
    re.IGNORECASE,
)
# "m1 1st", "e2 3rd": lower-case ordinals read as ordinary text, though M1 1ST is a postcode
_ORDINAL = re.compile(r"\d(?:st|nd|rd|th)")
_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DATE = (
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\b\.?(?:,?\s+\d{{4}})?)"
)
_DOB = re.compile(
    rf"\b(?:date\s+of\s+birth|d\.?o\.?b\.?|born(?:\s+on)?)\W{{0,3}}(?:is\s+|was\s+)?{_DATE}",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Finding:
    """What was found and where: 1-based line and column."""

    what: str
    line: int
    column: int
    case_ref: str = ""

    def describe(self) -> str:
        named = f"{self.what} {self.case_ref}" if self.case_ref else self.what
        return f"line {self.line}, column {self.column}: {named}"


def nhs_number_valid(digits: str) -> bool:
    """The NHS mod-11 check: weights 10 down to 2 on the first nine digits; 11 minus the sum's
    remainder (11 counts as 0, 10 never valid) must be the tenth digit."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def findings(text: str, case_refs: Collection[str] = ()) -> list[Finding]:
    """Everything in `text` that could identify a child, in reading order."""
    found = [*_nhs_numbers(text), *_postcodes(text),
             *_matches(_DOB, DATE_OF_BIRTH, text), *_case_refs(text, case_refs)]  # fmt: skip
    return sorted(found, key=lambda f: (f.line, f.column))


def refusal(found: list[Finding]) -> str:
    """One line naming each finding and where it is."""
    return "; ".join(f.describe() for f in found)


def _where(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _nhs_numbers(text: str) -> Iterator[Finding]:
    for match in _NHS.finditer(text):
        if nhs_number_valid("".join(match.groups())):
            yield Finding(NHS_NUMBER, *_where(text, match.start()))


def _postcodes(text: str) -> Iterator[Finding]:
    for match in _POSTCODE.finditer(text):
        inward = match.group(0)[-3:]
        if _ORDINAL.fullmatch(inward):
            continue
        yield Finding(POSTCODE, *_where(text, match.start()))


def _matches(pattern: re.Pattern[str], what: str, text: str) -> Iterator[Finding]:
    for match in pattern.finditer(text):
        yield Finding(what, *_where(text, match.start()))


def _case_refs(text: str, case_refs: Collection[str]) -> Iterator[Finding]:
    refs = sorted({ref for ref in case_refs if ref.strip()}, key=len, reverse=True)
    if not refs:
        return
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(ref) for ref in refs) + r")(?![\w-])", re.IGNORECASE
    )
    by_lower = {ref.lower(): ref for ref in refs}
    for match in pattern.finditer(text):
        yield Finding(
            CASE_REFERENCE, *_where(text, match.start()), case_ref=by_lower[match.group(1).lower()]
        )
