import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.core.money import format_major, to_minor
from marketplace.core.validators import (
    cn_check_digit,
    normalize_ipc,
    normalize_patent_number,
    patent_type_of,
)


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("CN202113530829.1", "CN202113530829.1"),
        ("cn 2021 1353 0829.1", "CN202113530829.1"),
        ("ZL202113530829.1", "CN202113530829.1"),
        ("202113530829.1", "CN202113530829.1"),
        ("202113530829-1", "CN202113530829.1"),
    ],
)
def test_patent_number_accepts_common_spellings(raw, expected):
    assert normalize_patent_number(raw) == expected


def test_wrong_check_digit_is_named_in_the_message():
    with pytest.raises(ValueError, match=r"Wrong check digit: 2 given.*give 1"):
        normalize_patent_number("CN202113530829.2")


@pytest.mark.parametrize(
    "raw", ["", "CN20211353082.1", "CN202143530829.1", "US10123456.1", "CN2021.1"]
)
def test_malformed_numbers_are_rejected(raw):
    with pytest.raises(ValueError, match="Not a CN application number"):
        normalize_patent_number(raw)


def test_check_digit_x_for_remainder_ten():
    # Find a serial whose weighted sum is 10 mod 11 and check the X spelling round-trips.
    for serial in range(10_000):
        digits = f"20211{serial:07d}"
        if cn_check_digit(digits) == "X":
            assert normalize_patent_number(f"CN{digits}.X") == f"CN{digits}.X"
            with pytest.raises(ValueError, match="Wrong check digit"):
                normalize_patent_number(f"CN{digits}.0")
            return
    pytest.fail("no serial with check digit X found")


def test_pre_2003_eight_digit_numbers():
    digits = "98123456"
    check = cn_check_digit(digits)
    assert normalize_patent_number(f"CN{digits}.{check}") == f"CN{digits}.{check}"
    assert patent_type_of(f"CN{digits}.{check}") == "invention"


@given(
    st.integers(min_value=2000, max_value=2030), st.sampled_from("123"), st.integers(0, 9_999_999)
)
def test_every_generated_number_validates_and_any_other_digit_fails(year, kind, serial):
    digits = f"{year}{kind}{serial:07d}"
    good = cn_check_digit(digits)
    assert normalize_patent_number(f"CN{digits}.{good}") == f"CN{digits}.{good}"
    assert (
        patent_type_of(f"CN{digits}.{good}")
        == {"1": "invention", "2": "utility_model", "3": "design"}[kind]
    )
    bad = "0" if good != "0" else "1"
    with pytest.raises(ValueError, match="Wrong check digit"):
        normalize_patent_number(f"CN{digits}.{bad}")


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("H01M4/525", "H01M4/525"),
        ("h01m 10/0567", "H01M10/0567"),
        ("C22C", "C22C"),
        ("G06F 16/35", "G06F16/35"),
    ],
)
def test_ipc_codes(raw, expected):
    assert normalize_ipc(raw) == expected


@pytest.mark.parametrize(
    "raw", ["Z01M4/525", "H1M4/525", "H01M/525", "H01M4/5", "H01M4525", "", "H01M4/52a"]
)
def test_bad_ipc_codes(raw):
    with pytest.raises(ValueError, match="not an IPC code"):
        normalize_ipc(raw)


@pytest.mark.parametrize(
    "raw,minor", [("12.34", 1234), ("600000", 60_000_000), ("1,000.5", 100_050), (7, 700)]
)
def test_to_minor(raw, minor):
    assert to_minor(raw) == minor


@pytest.mark.parametrize("raw", ["12.345", "-1", "abc", "NaN", "Infinity"])
def test_to_minor_rejects(raw):
    with pytest.raises(ValueError):
        to_minor(raw)


def test_format_major():
    assert format_major(60_000_000) == "600,000"
    assert format_major(1234) == "12.34"
    assert format_major(None) == ""
