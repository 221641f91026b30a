"""The table parser's shortcuts give exactly what the general code gives, and step aside when unsure."""

import random
import sys

from extract.document import Line
from extract.tables import (
    KIND,
    SOURCE_ROW,
    TEXT,
    Stream,
    _header_start,
    _ordered_chain,
    _searched_chain,
    items_from_lines,
)
from extract.values import is_value


def _candidates(rng: random.Random) -> list[list[tuple[int, int]]]:
    """Occurrences per row: often in row order (a label and its core nested), sometimes anywhere."""
    rows, position, out = rng.randint(1, 12), 0, []
    ordered = rng.random() < 0.6
    for _ in range(rows):
        if rng.random() < 0.2:
            out.append([])
            continue
        found = set()
        for _ in range(rng.randint(1, 3)):
            start = position + rng.randint(0, 3) if ordered else rng.randint(0, 40)
            found.add((start, start + rng.randint(1, 6)))
        out.append(sorted(found))
        position = max(end for _, end in found)
    return out


def test_the_ordered_chain_is_the_searched_chain_whenever_it_answers():
    rng = random.Random(5)
    answered = 0
    for _ in range(20000):
        candidates = _candidates(rng)
        ordered = _ordered_chain(candidates)
        if ordered is not None:
            answered += 1
            assert ordered == _searched_chain(candidates), candidates
    assert answered > 8000


def test_the_ordered_chain_steps_aside_when_rows_overlap_or_go_back():
    assert _ordered_chain([[(0, 5)], [(3, 8)]]) is None
    assert _ordered_chain([[(10, 15)], [], [(2, 6)]]) is None
    assert _ordered_chain([[(0, 5), (1, 5)], [(5, 9)], []]) == [(0, 5), (5, 9), None]


def test_a_label_read_between_two_key_positions_is_the_label_read_at_each_position():
    lines = ["（三）不予 1.属于国家 113 180 0", "公开 秘密", "2.其他法律 0 0 159", "行政法规禁", "止公开",
             "（七）总计 966 448", "四、结转下年度继续办理 0 5 12", "“三安 全一稳定” 3"]
    stream = Stream(items_from_lines([Line(text, 1) for text in lines]))
    for start in range(len(stream.keys)):
        for end in range(start, len(stream.keys) + 1):
            assert stream.raw_label_between(start, end) == stream.raw_label(list(range(start, end)))


def test_a_token_of_decimal_digits_is_a_value_as_is_value_says():
    digits = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isdecimal()]
    rng = random.Random(1)
    for digit in digits:
        assert is_value(digit)
    for _ in range(2000):
        token = "".join(rng.choice(digits) for _ in range(rng.randint(1, 12)))
        assert is_value(token), token


def _header_start_by_sets(items: list, hit: int, floor: int) -> int:
    """_header_start as first written: the rows with a number collected first."""
    rows_with_numbers = {item[SOURCE_ROW] for item in items[floor:hit] if item[KIND] == "value" and item[TEXT]}
    start = hit
    while start > floor and items[start - 1][KIND] != "prose" and items[start - 1][SOURCE_ROW] not in rows_with_numbers:
        start -= 1
    return start


def test_the_header_rows_above_an_anchor_are_those_a_set_of_numbered_rows_gives():
    rng = random.Random(8)
    pieces = ["信息内容", "本年制发件数", "自然人", "总计", "0", "12", "—", "规章 0 8 1934", "勾稽关系为：第一项。"]
    for _ in range(300):
        lines = [Line(rng.choice([" ", "\t"]).join(rng.choice([*pieces, ""]) for _ in range(rng.randint(1, 5))), 1)
                 for _ in range(12)]  # tab-separated lines: blank cells between values are blank values
        items = items_from_lines(lines)
        for hit in range(len(items) + 1):
            for floor in range(hit + 1):
                assert _header_start(items, hit, floor) == _header_start_by_sets(items, hit, floor)
