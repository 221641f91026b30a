"""Cell values: numbers as written, and the signs that mean "no value" (never read as 0)."""

import pytest

from extract.values import is_value, parse_value


@pytest.mark.parametrize(
    ("written", "value_type", "number"),
    [
        ("0", "integer", 0),
        ("1,036", "integer", 1036),
        ("１２", "integer", 12),
        ("+1036", "signed_integer", 1036),
        ("-3", "signed_integer", -3),
        ("642.46", "decimal", 642.46),
        ("0.0125", "decimal", 0.0125),
        ("12", "decimal", 12.0),
    ],
)
def test_numbers_are_read_as_written(written, value_type, number):
    value = parse_value(written, value_type)
    assert value.number == number
    assert type(value.number) is type(number)
    assert value.absent_reason is None


@pytest.mark.parametrize(
    ("written", "reason"),
    [("/", "not_applicable"), ("／", "not_applicable"), ("—", "dash"), ("-", "dash"), ("", "blank"),
     ("无", "none_written"), ("——", "dash")],
)
def test_signs_for_no_value_are_absent_with_a_reason(written, reason):
    value = parse_value(written)
    assert value.number is None
    assert value.absent_reason == reason
    assert is_value(written)


def test_a_unit_written_in_the_cell_is_kept_apart():
    value = parse_value("251000元", "decimal")
    assert (value.number, value.unit) == (251000.0, "元")


def test_a_fraction_in_a_count_column_is_flagged_not_rounded():
    value = parse_value("3.5", "integer")
    assert value.number == 3.5
    assert value.not_integer


@pytest.mark.parametrize("text", ["1.属于国家秘密", "1.", "2023年", "结果维持", "（七）总计"])
def test_labels_are_not_values(text):
    assert not is_value(text)
