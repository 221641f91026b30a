"""The PDF reader's per-run shortcuts give what the general code gives."""

from extract.readers.pdf import MARKED_ENDS, QUOTE_MARKS


def test_a_run_takes_the_quotation_path_exactly_when_it_ends_in_a_blank_or_a_quotation_mark():
    blanks = {character for character in map(chr, range(0x110000)) if character.isspace()}
    assert set(MARKED_ENDS) == blanks | set(QUOTE_MARKS)
