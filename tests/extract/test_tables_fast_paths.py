"""The table parser's shortcuts give exactly what the general code gives, and step aside when unsure."""

import json
import random
import sys

from extract import tables
from extract.document import Document, Line
from extract.pipeline import extract_document
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
from tests.generate import make_report, render_broken_text


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


def _general_code(monkeypatch) -> None:
    """The parser without its shortcuts: the label chain always searched, labels read at listed positions,
    header rows judged from the set of numbered rows."""
    monkeypatch.setattr(tables, "_ordered_chain", lambda candidates: None)
    monkeypatch.setattr(Stream, "raw_label_between", lambda stream, start, end: stream.raw_label([*range(start, end)]))
    monkeypatch.setattr(tables, "_header_start", _header_start_by_sets)


def _reshaped(lines: list[str], rng: random.Random) -> list[str]:
    """A layout broken further: lines joined, split, swapped, a label mistyped."""
    lines = list(lines)
    for _ in range(rng.randint(0, 6)):
        at = rng.randrange(len(lines) - 1)
        move = rng.randrange(4)
        if move == 0:
            lines[at : at + 2] = [lines[at] + " " + lines[at + 1]]
        elif move == 1 and len(lines[at]) > 2:
            cut = rng.randrange(1, len(lines[at]))
            lines[at : at + 1] = [lines[at][:cut], lines[at][cut:]]
        elif move == 2:
            lines[at], lines[at + 1] = lines[at + 1], lines[at]
        elif lines[at]:
            lines[at] = lines[at][:-1] + "义"
    return lines


def test_the_records_of_generated_reports_are_those_of_the_parser_without_its_shortcuts(monkeypatch):
    rng = random.Random(12)
    documents = []
    for number in range(30):
        report = make_report(rng, "2021" if number % 2 else "2019", violate=number % 5 == 4)
        lines = render_broken_text(report, random.Random(number)).splitlines()
        for shaped in (lines, _reshaped(lines, rng)):
            paged = [Line(text, 1 + k // 40) for k, text in enumerate(shaped)]
            documents.append(Document("text/plain", "text", lines=paged))
    with_shortcuts = [json.dumps(extract_document(doc, {"path": "t"}), ensure_ascii=False) for doc in documents]
    _general_code(monkeypatch)
    without = [json.dumps(extract_document(doc, {"path": "t"}), ensure_ascii=False) for doc in documents]
    assert without == with_shortcuts


def test_a_long_line_is_running_text_exactly_when_it_holds_enough_cjk_characters():
    rng = random.Random(5)
    cjk = ["报", "告", "㐀", "\ufa11"]
    other = ["，", " ", "1", "a", "（", "\u3000", "ー", "、", "〇", "\U00020000"]  # 〇 and 𠀀 are not in CJK
    for _ in range(3000):
        chars = [rng.choice(cjk) for _ in range(rng.randint(28, 36))]
        chars += [rng.choice(other) for _ in range(rng.randint(0, 20))]
        rng.shuffle(chars)
        text = "".join(chars)
        counted = len(tables.re.findall(f"[{tables.CJK}]", text)) >= tables.PROSE_CJK
        assert (tables._ENOUGH_CJK.match(text) is not None) == counted, text
        is_prose = [item[KIND] for item in items_from_lines([Line(text, 1)])] == ["prose"]
        assert is_prose == ("，" in text and counted), text
