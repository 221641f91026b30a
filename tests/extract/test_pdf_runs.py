"""The PDF reader's per-run shortcuts give what the general code gives."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from extract.readers.pdf import MARKED_ENDS, QUOTE_MARKS, _closed_up


def test_a_run_takes_the_quotation_path_exactly_when_it_ends_in_a_blank_or_a_quotation_mark():
    blanks = {character for character in map(chr, range(0x110000)) if character.isspace()}
    assert set(MARKED_ENDS) == blanks | set(QUOTE_MARKS)


def test_trailing_blanks_and_marks_are_what_the_regular_expression_finds():
    trailing = re.compile(r"[\s“”‘’「」『』]+$")
    texts = ["落实 三审三校 制度 “ ”", "“", " ", "a\n“ ", "中 “\t”\u3000", "no mark", "“ 前 ” 后  ‘ ’ "]
    for text in texts:
        match = trailing.search(text)
        assert len(text.rstrip(MARKED_ENDS)) == (match.start() if match else len(text))


QUOTE_GAP = re.compile(r" *([“”‘’「」『』]) *")


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="  “”‘’「」『』a中\t\u3000", max_size=14))
def test_spaces_next_to_quotation_marks_go_as_the_regular_expression_takes_them(text):
    assert _closed_up(text) == QUOTE_GAP.sub(lambda match: match.group(1), text)
