"""Sections by declared headings in order; title, template and scope from the content."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from extract.metadata import _in_order, detect_scope, detect_template, find_title, title_year_body
from extract.normalize import display_width, label_key
from extract.sections import FUZZY_HEADING_SCORE, FoundHeading, _heading_specs, _match, find_headings, split_sections
from extract.template import all_templates, load_template
from vocab.titles import issuing_body, report_year

T = load_template("2021")


def test_declared_headings_in_order_open_the_six_sections():
    paragraphs = ["某局2023年政府信息公开工作年度报告", "一、总体情况", "概况。", "二、主动公开政府信息情况", "表",
                  "三、收到和处理政府信息公开申请情况", "四、结转下年度继续办理 0 0 0 0 0 0 0",
                  "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况", "0 0 0", "五、存在问题及改进情况", "问题。",
                  "六、其他需要报告的事项", "无。"]
    sections, warnings = split_sections(paragraphs, T)
    assert [(s["number"], s["key"]) for s in sections] == [
        (1, "overview"), (2, "proactive"), (3, "applications"), (4, "review_litigation"), (5, "problems"),
        (6, "other"),
    ]
    assert sections[2]["text"] == "四、结转下年度继续办理 0 0 0 0 0 0 0"
    assert sections[3]["heading"] == "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况"
    assert warnings == []


def test_a_missing_section_and_a_renumbered_heading_are_tolerated_with_warnings():
    paragraphs = ["一、总体情况", "概况。", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                  "四、存在的主要问题及改进情况", "问题。", "五、其他需要报告的事项", "无。"]
    sections, warnings = split_sections(paragraphs, T)
    assert [s["number"] for s in sections] == [1, 2, 3, 5, 6]
    assert sections[3]["heading"] == "四、存在的主要问题及改进情况" and sections[3]["text"] == "问题。"
    codes = sorted((w["code"], w["section"]) for w in warnings)
    assert codes == [("section_heading_variant", 5), ("section_heading_variant", 6), ("section_missing", 4)]


def test_a_sentence_that_mentions_a_heading_does_not_open_a_section():
    paragraphs = ["一、总体情况", "本报告由总体情况、主动公开政府信息情况等六部分组成，现报告如下。",
                  "二、主动公开政府信息情况"]
    sections, _ = split_sections(paragraphs, T)
    assert [s["number"] for s in sections] == [1, 2]


def test_legacy_sections_split_at_their_own_headings_with_declared_keys_where_they_match():
    paragraphs = ["某县2012年政府信息公开工作年度报告", "一、概述", "概况。", "二、主动公开政府信息情况", "156 条。",
                  "（一）公开范围", "三、依申请公开情况", "4 件。"]
    sections, warnings = split_sections(paragraphs, None)
    assert [(s["number"], s["key"], s["heading"]) for s in sections] == [
        (1, "section_1", "一、概述"), (2, "proactive", "二、主动公开政府信息情况"),
        (3, "section_3", "三、依申请公开情况"),
    ]
    assert sections[1]["text"] == "156 条。\n（一）公开范围"
    assert warnings == []


def test_the_title_is_the_first_line_that_names_a_report():
    assert find_title(["首页 > 政务公开", "某某区统计局2022年政府信息公开工作年度报告", "一、总体情况"]) == (
        "某某区统计局2022年政府信息公开工作年度报告"
    )
    title = "某某镇2021年政府信息公开工作年度报告"
    assert find_title(["一、总体情况"], declared=title) == title


def test_a_title_broken_after_the_body_is_joined_and_a_page_title_suffix_dropped():
    assert find_title(["某某县人民政府办公室", "2022年政府信息公开工作年度报告", "一、总体情况"]) == (
        "某某县人民政府办公室2022年政府信息公开工作年度报告"
    )
    page_title = "某某局2023年政府信息公开工作年度报告_政府信息公开年报_某某市人民政府"
    assert find_title(["一、总体情况"], declared=page_title) == "某某局2023年政府信息公开工作年度报告"


def test_the_template_is_detected_by_content_not_by_year():
    assert detect_template("2019年度 … 信息内容 本年制发件数 本年废止件数 现行有效件数")[0] == "2021"
    assert detect_template("信息内容 本年新制作数量 本年新公开数量 对外公开总数量")[0] == "2019"
    assert detect_template("2012年政府信息公开工作年度报告 全文电子化率达100%")[0] == "legacy"
    assert detect_template("会议通知")[0] == "unknown"


def test_a_header_split_over_two_lines_still_names_its_template():
    assert detect_template("信息 本年制 本年废 现行有\n内容 发件数 止件数 效件数")[0] == "2021"
    hits = detect_template("信息 本年制 本年废 现行有\n内容 发件数 止件数 效件数\n一、本年新收政府信息公开申请数量")[2]
    assert hits == {"2021": 3, "2019": 0}


def test_scope_from_body_and_text():
    assert detect_scope("本机关全年…", "某某市统计局") == "本级"
    assert detect_scope("全市各级行政机关共收到申请 300 件", "某某市人民政府") == "汇总"
    assert detect_scope("全年收到申请 3 件", "某某市人民政府") == "unknown"
    assert detect_scope("全市共收到政府信息公开申请 5120 件", "北京市") == "汇总"
    assert detect_scope("全市共收到政府信息公开申请 5120 件", "某某市人民政府办公室") == "本级"


def test_a_documents_whole_text_is_not_kept_in_the_label_key_cache():
    from extract.normalize import label_key

    text = "某局2023年政府信息公开工作年度报告 信息内容 本年制发件数 本年废止件数 现行有效件数 " + "正文。" * 2000
    assert detect_template(text)[0] == "2021"
    misses = label_key.cache_info().misses
    label_key(text)  # a miss: detect_template did not cache the text's key
    assert label_key.cache_info().misses == misses + 1
    label_key.cache_clear()


def _detect_template_on_the_whole_key(text: str) -> tuple[str | None, dict[str, int]]:
    """detect_template as it was: the whole text keyed, then each detect string's key looked for in it."""
    key = label_key.__wrapped__(text)
    hits = {t.id: sum(1 for s in t.detect_any if label_key(s) in key) for t in all_templates()}
    if not any(hits.values()):
        hits = {t.id: sum(1 for s in t.detect_any if _in_order(label_key(s), key)) for t in all_templates()}
    best = max(all_templates(), key=lambda t: (hits[t.id], t.id))
    return (best.id if hits[best.id] else None), hits


_DETECT_PIECES = [s for t in all_templates() for s in t.detect_any] + [
    "本年", "发件数", "数量", "（", "）", "，", " ", "\n", "　", "①", "㈠", "Ｏ", "\u0301", "\uf900", "\u2f00", "年报",
]
_NOISE = st.text(alphabet="本年制发件数止九（）\u0301①　", max_size=3)


@given(st.lists(st.one_of(st.sampled_from(_DETECT_PIECES), _NOISE), max_size=12))
@settings(max_examples=1000, deadline=None)
def test_the_template_and_its_hits_are_those_found_in_the_whole_texts_key(pieces):
    text = "".join(pieces)
    template_id, template, hits = detect_template(text)
    assert ((template_id if template else None), hits) == _detect_template_on_the_whole_key(text)


_TITLE_PIECES = [
    "某某县人民政府办公室", "某局", "2022年", "二〇二三年", "2019年度", "政府信息公开", "工作", "年度报告", "年报",
    "_政府信息公开年报_某某市人民政府", "（全文）", "工作要点", " ", "　", "一、总体情况", "。", "：", "a" * 40,
]


@given(st.lists(st.lists(st.sampled_from(_TITLE_PIECES), max_size=5).map("".join), max_size=10),
       st.one_of(st.none(), st.lists(st.sampled_from(_TITLE_PIECES), max_size=5).map("".join)))
@settings(max_examples=1000, deadline=None)
def test_a_titles_year_and_body_are_those_read_from_the_title_found(paragraphs, declared):
    title = find_title(paragraphs, declared)
    expected = (title, report_year(title), issuing_body(title)) if title else (title, None, None)
    assert title_year_body(paragraphs, declared) == expected


_HEADING_CHARS = "总体情况政府信息公开申请行政复议诉讼其他事项ab1"


@st.composite
def _keys_a_few_edits_apart(draw) -> tuple[str, str]:
    declared = draw(st.text(alphabet=_HEADING_CHARS, max_size=30))
    cut = draw(st.integers(0, len(declared)))
    dropped = draw(st.integers(0, 3))
    return declared[:cut] + draw(st.text(alphabet=_HEADING_CHARS, max_size=4)) + declared[cut + dropped:], declared


@given(_keys_a_few_edits_apart())
@settings(max_examples=3000, deadline=None)
def test_a_heading_close_enough_to_a_declared_one_has_a_length_close_enough(keys):
    """The heading match skips the fuzzy ratio of two keys whose lengths alone keep it under the score."""
    core, declared = keys
    if fuzz.ratio(core, declared) >= FUZZY_HEADING_SCORE:
        assert 200 * min(len(core), len(declared)) >= FUZZY_HEADING_SCORE * (len(core) + len(declared))


def _find_headings_trying_every_paragraph(paragraphs, template):
    """find_headings as first written: every paragraph that opens with an ordinal tried on every spec left."""
    found, next_number = [], 1
    for index, paragraph in enumerate(paragraphs):
        if not re.match(r"^\s*[一二三四五六七八九十]+\s*[、.．]", paragraph):
            continue
        keys = (label_key(paragraph), label_key(paragraph, False))
        for spec in _heading_specs(template):
            if spec[0].number < next_number:
                continue
            exact = _match(display_width(paragraph), keys, spec)
            if exact is not None:
                found.append(FoundHeading(index, spec[0], paragraph.strip(), exact))
                next_number = spec[0].number + 1
                break
    return found


_PARAGRAPH_PIECES = [
    *(s.heading for s in T.sections), "四、存在问题及改进情况", "五、存在的主要问题及改进情况", "二、主动公开情况",
    "一、本年新收政府信息公开申请数量", " 1,271 24 466 19 847 583 3,209", "三、本年度办理结果", "（一）予以公开",
    "四、结转下年度继续办理", "正文。", "某某", "一、", "六、其他需要报告的事项事项事项", "等", "的有关情况",
    "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况", "五、政府信息公开工作存在的主要问题及改进情况",
]


@given(st.lists(st.lists(st.sampled_from(_PARAGRAPH_PIECES), min_size=1, max_size=3).map("".join), max_size=20),
       st.sampled_from(["2021", "2019"]))
@settings(max_examples=1000, deadline=None)
def test_the_headings_found_are_those_of_trying_every_paragraph_on_every_heading(paragraphs, template_id):
    template = load_template(template_id)
    assert find_headings(paragraphs, template) == _find_headings_trying_every_paragraph(paragraphs, template)
