"""Label and text normalisation: one key for every way a label is written; PDF wraps joined in the text."""

import random
import re
import statistics
import unicodedata
from collections import Counter
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.document import Line
from extract.normalize import (
    _FULLWIDTH_PUNCTUATION,
    _HEADING_START,
    _NFKC_STABLE,
    _SENTENCE_END,
    KeyedText,
    _join,
    clean_label,
    clean_text,
    display_width,
    join_cjk,
    label_key,
    paragraphs,
    paragraphs_and_table_lines,
    repeated_margins,
    strip_ordinal,
    text_key,
    to_halfwidth,
    without_page_furniture,
    wrap_width,
)


@pytest.mark.parametrize(
    "written",
    [
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "(二) 部分公开 (区分处理的, 只计这一情形, 不计其他情形)",
        "（二）、部分公开（区分处理的，只计这一情形，\n不计其他情形）",
        "（ 二 ）部分 公开（区分处理的，只计这一情形，不计其他情形）",
    ],
)
def test_ways_of_writing_a_label_share_one_key(written):
    assert label_key(written) == label_key("（二）部分公开（区分处理的，只计这一情形，不计其他情形）")


@pytest.mark.parametrize(
    ("written", "core"),
    [
        ("一、本年新收政府信息公开申请数量", "本年新收政府信息公开申请数量"),
        ("（三）不予公开", "不予公开"),
        ("(六)、其他处理", "其他处理"),
        ("1. 属于国家秘密", "属于国家秘密"),
        ("2．其他法律行政法规禁止公开", "其他法律行政法规禁止公开"),
        ("3、危及“三安全一稳定”", "危及“三安全一稳定”"),
        ("2.部分公开", "部分公开"),
    ],
)
def test_ordinals_are_stripped_for_the_core(written, core):
    assert strip_ordinal(written) == core
    assert label_key(written, ordinal=False) == label_key(core)


def test_a_decimal_is_not_an_ordinal():
    assert strip_ordinal("2.5万元") == "2.5万元"


def test_full_width_ascii_becomes_half_width():
    assert to_halfwidth("（１２３）ＡＢ　c") == "(123)AB c"


def test_spaces_and_newlines_between_chinese_characters_are_removed():
    assert join_cjk("结果 维持") == "结果维持"
    assert join_cjk("三、本\n年度办\n理结果") == "三、本年度办理结果"
    assert join_cjk("2023 年 51 件") == "2023 年 51 件"
    assert clean_label("（二）部分公开（区分处理的，只计这一情\n形，不计其他情形）") == (
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    )


WRAPPED = [
    "某某局2023年政府信息公开工作年度报告",
    "一、总体情况",
    "2023年，本局严格按照《条例》规定的主动公开信息范围发布或更新信息，通过开",
    "",
    "发区门户网站主动公开政府信息 2406条，微信公众号发布政府信息 1326条，回复网",
    "民留言 14条。",
    "（一）主动公开情况",
    "全年共处理依申请公开件数 3件，均在时限内妥善办结。",
]


def test_hard_wraps_inside_sentences_are_joined_and_paragraphs_kept():
    text = clean_text([Line(t) for t in WRAPPED])
    assert text.split("\n") == [
        "某某局2023年政府信息公开工作年度报告",
        "一、总体情况",
        "2023年，本局严格按照《条例》规定的主动公开信息范围发布或更新信息，通过开发区门户网站主动公开政府信息 2406条，"
        "微信公众号发布政府信息 1326条，回复网民留言 14条。",
        "（一）主动公开情况",
        "全年共处理依申请公开件数 3件，均在时限内妥善办结。",
    ]


def test_page_numbers_and_running_headers_are_dropped():
    body = ["一、总体情况", "本局全年主动公开信息。", "二、主动公开政府信息情况", "规章 0 0 0"]
    lines = []
    for page, paragraph in enumerate(body, start=1):
        lines.append(Line("某某局政府信息公开工作年度报告", page))
        lines.append(Line(paragraph, page))
        lines.append(Line(f"- {page} -", page))
    text = clean_text(lines)
    assert "- 2 -" not in text
    assert "某某局政府信息公开工作年度报告" not in text
    assert text.split("\n") == body


_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}"
    r"|[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?)\s*$"
)


def _without_page_furniture_line_by_line(lines: list[Line]) -> tuple[list[Line], list[Line]]:
    """without_page_furniture as it was written first: each line's text matched on its own, in a loop."""
    texts = [line.text.strip() for line in lines]
    pages = {line.page for line in lines} - {None}
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for index, (line, text) in enumerate(zip(lines, texts, strict=True)):
        if line.page is not None and text:
            first.setdefault(line.page, index)
            last[line.page] = index
    margins = repeated_margins(((texts[first[page]], texts[last[page]]) for page in first), len(pages))
    last_of_page = set(last.values()) if len(pages) > 1 else set()
    for_text, for_tables = [], []
    for index, (line, text) in enumerate(zip(lines, texts, strict=True)):
        if (len(text) <= 24 and _PAGE_NUMBER.match(text)) or (margins and re.sub(r"\d+", "#", text) in margins):
            continue
        for_tables.append(line)
        if index not in last_of_page or not re.match(r"^\s*\d{1,4}\s*$", text):
            for_text.append(line)
    return for_text, for_tables


# Page numbers of every form, with the spaces and line breaks that could make a search over joined lines go wrong
_LINE_PIECES = [
    "- 3 -", "－12－", "第3页", "第 4 页 共 9 页", "第2页，共3页", "3/9", "Page 3 of 9", "page 2", "12", "7", "  ",
    "\u3000", "\n", "\r", "\x1c", "-", "第", "页", "共", "报告", "某局年度报告 2023", "正文。", "a" * 20,
]
_LINES = st.lists(st.builds(Line, st.lists(st.sampled_from(_LINE_PIECES), max_size=3).map("".join),
                            st.one_of(st.none(), st.integers(1, 4))), max_size=30)


@given(_LINES, st.booleans())
@settings(max_examples=2000, deadline=None)
def test_page_furniture_is_what_matching_each_line_on_its_own_drops(lines, in_page_order):
    if in_page_order:
        lines = sorted(lines, key=lambda line: line.page or 0)
    assert without_page_furniture(lines) == _without_page_furniture_line_by_line(lines)
    for_text, for_tables = _without_page_furniture_line_by_line(lines)
    assert paragraphs_and_table_lines(lines) == (paragraphs(for_text), for_tables)


def test_a_bare_number_is_a_page_number_only_at_the_end_of_a_page():
    lines = [Line("表格", 1), Line("0", 1), Line("正文", 1), Line("1", 1), Line("下一页", 2), Line("2", 2)]
    assert clean_text(lines).split("\n") == ["表格", "0", "正文", "下一页"]


def _wrap_width_by_statistics(texts: list[str]) -> int | None:
    """wrap_width as first written, with the statistics module."""
    widths = [w for w in map(display_width, [t for t in texts if len(t) >= 16]) if w >= 40]
    if len(widths) < 3:
        return None
    median = statistics.median(widths)
    high = [w for w in widths if w >= median]
    return max(Counter(high).most_common(1)[0][0], int(statistics.quantiles(widths, n=10)[-1]) - 2)


def test_the_wrap_width_is_the_median_and_decile_rule_of_the_statistics_module():
    rng = random.Random(3)
    for _ in range(3000):
        texts = ["字" * rng.choice([rng.randint(5, 60), rng.randint(38, 42)]) + "a" * rng.randint(0, 9)
                 for _ in range(rng.randint(0, 30))]
        assert wrap_width(texts) == _wrap_width_by_statistics(texts)


# Characters where a text key could go wrong: full-width forms and punctuation, the ideographic space, CJK
# punctuation with its combining tone marks and the numerals NFKC changes, Kangxi radicals and compatibility
# ideographs (PDF text is full of them), combining marks and kana voicing marks, Hangul jamo that compose,
# enclosed and parenthesised numbers, ligatures, ellipses, dashes and quotation marks.
_KEY_TRAPS = (
    "aZ09 ,.(-\n\t一二十予以公开复议鿿㐀" + "".join(map(chr, range(0xFF01, 0xFF5F, 3))) + "\u3000、。〔〕〪〭〯〶〸〹〺"
    + "\u2f00\u2f08\u2fd5\uf900\ufa0e\ufaff\u0301\u0327\u3099\u309a\u304b\u1100\u1161\u11a8①⑴㈠ﬁⅫ…‥—–“”‘’\u2011"
    + "\u00a0\u2002\uff61\uff76\uffe5"
)


@given(st.text(alphabet=_KEY_TRAPS, max_size=40))
@settings(max_examples=3000, deadline=None)
def test_a_whole_texts_key_is_the_label_key_of_that_text(text):
    assert text_key(text) == label_key.__wrapped__(text)


def test_the_characters_text_key_leaves_to_nfkc_unchanged_are_unchanged_by_it():
    stable = re.compile(f"[{_NFKC_STABLE}]")
    for code in range(0x30000):
        char = chr(code)
        if stable.match(char):
            assert unicodedata.normalize("NFKC", char) == char and not unicodedata.combining(char), hex(code)


# Characters a text may hold and still be searched without keying it: ASCII, ideographs, full-width punctuation, the
# ideographic space, CJK punctuation, dashes and quotation marks
_KEYED_BY_DROPPING = (
    "aZ09 ,.(-\n\t一二十予以公开复议鿿㐀" + "".join(map(chr, range(0xFF01, 0xFF10, 2)))
    + "：＠［｀｛～\u3000、。〔〕—‘”"
)


def _keys_asked(draw, text: str) -> list[str]:
    """Keys to ask a text about: pieces of its own key (in it) and of key characters (mostly not)."""
    key = label_key.__wrapped__(text)
    cuts = sorted(draw(st.lists(st.integers(0, len(key)), min_size=2, max_size=6)))
    return [key[a:b] for a, b in pairwise(cuts)] + [draw(st.text(alphabet="aZ09一二十予以公开复议", max_size=5))]


@st.composite
def _texts_and_keys(draw, alphabet: str) -> tuple[str, list[str]]:
    text = draw(st.text(alphabet=alphabet, max_size=40))
    return text, _keys_asked(draw, text)


@given(st.one_of(_texts_and_keys(_KEYED_BY_DROPPING), _texts_and_keys(_KEY_TRAPS)))
@settings(max_examples=3000, deadline=None)
def test_a_key_is_in_a_keyed_text_when_it_is_in_the_texts_label_key(text_and_keys):
    text, keys = text_and_keys
    keyed = KeyedText(text)
    for key in keys:
        assert (key in keyed) == (key in label_key.__wrapped__(text)), key
    assert keyed.key == label_key.__wrapped__(text)


def test_no_character_a_text_is_searched_with_unkeyed_composes_with_the_one_before_it():
    as_is = re.compile(f"[{_NFKC_STABLE}{_FULLWIDTH_PUNCTUATION}]")
    for code in range(0x110000):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):  # a canonical pair: its second part composes
            assert not as_is.match(chr(int(parts[1], 16))), hex(code)
    assert not any(as_is.match(chr(code)) for code in range(0x1161, 0x11C3))  # Hangul jamo compose by rule


def _paragraphs_line_by_line(texts: list[str]) -> list[str]:
    """paragraphs as first written: every line tested in one loop."""
    width = wrap_width(texts)
    if width is None:
        return [text for text in texts if text]
    out, previous = [], ""
    for text in texts:
        if not text:
            continue
        if (out and 2 * len(previous) >= width - 6 and not previous.endswith(_SENTENCE_END)
                and display_width(previous) >= width - 6 and not _HEADING_START.match(text)):
            out[-1] = _join(out[-1], text)
        else:
            out.append(text)
        previous = text
    return out


_WRAPPED = st.lists(st.one_of(st.just(""), st.builds(lambda n, tail, head: head + "字" * n + tail, st.integers(0, 45),
                                                     st.sampled_from(["", "。", "a", "1", "𠀀" * 9]),
                                                     st.sampled_from(["", "一、", "(二)", "Ab "]))), max_size=25)


@given(_WRAPPED)
@settings(max_examples=2000, deadline=None)
def test_wrapped_lines_join_as_when_every_line_is_tested_in_one_loop(texts):
    assert paragraphs([Line(text, 1) for text in texts]) == _paragraphs_line_by_line([t.strip() for t in texts])
