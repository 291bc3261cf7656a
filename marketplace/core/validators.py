"""Pure validators for domain identifiers: CN patent application numbers and IPC codes.

They raise ValueError with a message a user can act on (a core.messages template, its
values filled in: ``exc.args[0]``); schemas and services turn that into a per-field 422.
"""

from __future__ import annotations

import re

from marketplace.core.messages import N_, Message

_CN_NEW = re.compile(r"^(?:CN)?(\d{4})([123])(\d{7})\.?([0-9X])$")
_CN_OLD = re.compile(r"^(?:CN)?(\d{2})([123])(\d{5})\.?([0-9X])$")
_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
PATENT_TYPE_BY_DIGIT = {"1": "invention", "2": "utility_model", "3": "design"}

_IPC = re.compile(r"^([A-H])(\d{2})([A-Z])(?:(\d{1,4})/(\d{2,6}))?$")


def cn_check_digit(digits: str) -> str:
    """Check digit of a CN application number's 8 (pre-2003) or 12 digits."""
    total = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=False))
    rest = total % 11
    return "X" if rest == 10 else str(rest)


def normalize_patent_number(value: str) -> str:
    """Return the canonical form ``CN202110123456.7`` or raise ValueError saying what is wrong."""
    raw = re.sub(r"[\s-]", "", str(value or "")).upper()
    if raw.startswith("ZL"):
        raw = "CN" + raw[2:]
    match = _CN_NEW.match(raw) or _CN_OLD.match(raw)
    if not match:
        raise ValueError(
            N_(
                "Not a CN application number: expected CN + 4-digit year + type digit (1, 2 or 3)"
                " + 7-digit serial + '.' + check digit, e.g. CN202110123456.7"
            )
        )
    year, kind, serial, check = match.groups()
    digits = year + kind + serial
    expected = cn_check_digit(digits)
    if check != expected:
        raise ValueError(
            Message(
                N_(
                    "Wrong check digit: %(given)s given, but the digits %(digits)s give %(expected)s"
                ),
                given=check,
                digits=digits,
                expected=expected,
            )
        )
    return f"CN{digits}.{check}"


def patent_type_of(number: str) -> str:
    """The patent type a canonical application number encodes (its type digit)."""
    digits = number[2:].split(".")[0]
    return PATENT_TYPE_BY_DIGIT[digits[4] if len(digits) == 12 else digits[2]]


def normalize_ipc(value: str) -> str:
    """Return an IPC code in the compact form ``H01M10/0567`` or raise ValueError."""
    raw = re.sub(r"\s+", "", str(value or "")).upper()
    if not _IPC.match(raw):
        raise ValueError(
            Message(
                N_(
                    "'%(value)s' is not an IPC code: expected section A–H, 2-digit class, subclass"
                    " letter, and optionally group/subgroup, e.g. H01M4/525"
                ),
                value=value,
            )
        )
    return raw


# 统一社会信用代码 (GB 32100-2015): 18 characters from 31 (no I, O, Z, S, V); the last is
# a check character over the first 17, weighted by powers of 3 modulo 31.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def uscc_check_character(first17: str) -> str:
    """The check character of a unified social credit code's first 17 characters."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    """Return a 统一社会信用代码 upper-cased, or raise ValueError saying what is wrong."""
    raw = re.sub(r"\s+", "", str(value or "")).upper()
    if len(raw) != 18:
        raise ValueError(Message(N_("A unified social credit code has 18 characters.")))
    if not _USCC.match(raw):
        raise ValueError(
            Message(
                N_(
                    "A unified social credit code uses digits and capital letters except I, O,"
                    " Z, S and V; characters 3 to 8 are the region code (digits)."
                )
            )
        )
    if raw[17] != uscc_check_character(raw[:17]):
        raise ValueError(
            Message(
                N_(
                    "The check character does not match: the unified social credit code is"
                    " mistyped."
                )
            )
        )
    return raw
