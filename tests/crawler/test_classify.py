"""Link classification: reports and lookalikes (with the reason), the annual-report column, hubs,
attachments and pdf.js viewers."""

import pytest

from crawler.classify import classify_title, column_reason, is_attachment_url, is_hub, is_year_subcolumn, pdfjs_target


@pytest.mark.parametrize(
    "title",
    [
        "某某市人民政府2023年政府信息公开工作年度报告",
        "二〇二二年度某某县统计局政府信息公开工作年报",
        "三门峡市人民政府信息公开工作年度报告（2022年）",
        "宿州市人民政府2019年政府信息公开工作年度报告（图片版）",
    ],
)
def test_report_titles_are_reports(title):
    assert classify_title(title).is_report


@pytest.mark.parametrize(
    ("title", "why"),
    [
        ("某某市2024年政务公开工作要点", "年度报告"),
        ("某某市人民政府政府信息公开指南", "年度报告"),
        ("关于做好2023年政府信息公开工作年度报告编制工作的通知", "通知"),
        ("某某市2023年政府信息公开工作年度报告解读", "解读"),
        ("图解：某某市2023年政府信息公开工作年度报告", "图解"),
        ("某某投资集团有限公司2023年年度报告", "company"),
        ("某某局政府信息公开工作年度报告", "no year"),
    ],
)
def test_lookalikes_are_not_reports_and_say_why(title, why):
    verdict = classify_title(title)
    assert not verdict.is_report
    assert why in verdict.reason


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("政府信息公开年报", "http://x.gov.cn/col/col123/index.html"),
        ("政府信息公开工作年度报告", "http://x.gov.cn/a/"),
        ("某某市交通运输局政府信息公开年报", "http://x.gov.cn/bm/jtj/"),
        ("更多", "http://x.gov.cn/zfxxgk/zfxxgknb/"),
        ("年报", "http://x.gov.cn/zwgk/zfxxgkndbg/index.html"),
        ("2017年", "http://x.gov.cn/zfxxgk/zfxxgknb/gknb2017/"),
    ],
)
def test_column_links_are_recognised_by_text_or_path_token(text, url):
    assert column_reason(text, url)


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("某某市2023年政府信息公开工作年度报告", "http://x.gov.cn/zfxxgknb/202401/t20240119_1.html"),
        ("某某市2023年政府信息公开工作年度报告解读", "http://x.gov.cn/zfxxgknb/202401/t20240120_2.html"),
        ("关于2023年政府信息公开工作年度报告编制的通知", "http://x.gov.cn/tzgg/1.html"),
        ("下载", "http://x.gov.cn/zfxxgknb/202401/P020240119.pdf"),
        ("新闻中心", "http://x.gov.cn/news/"),
        ("zfxxgknb", "http://x.gov.cn/art/2024/1/1/art_12_345.html"),
    ],
)
def test_reports_lookalikes_details_and_files_are_not_columns(text, url):
    assert column_reason(text, url) is None


def test_hubs_lead_towards_the_column_but_guides_do_not():
    assert is_hub("政府信息公开") and is_hub("政务公开") and is_hub("部门信息公开")
    assert not is_hub("政府信息公开指南") and not is_hub("首页")


def test_year_subcolumns():
    assert is_year_subcolumn("2023年") and is_year_subcolumn("2023年度") and is_year_subcolumn("2021")
    assert not is_year_subcolumn("2023年政府信息公开工作年度报告")


def test_attachments_and_viewers():
    assert is_attachment_url("http://x.gov.cn/a/P0202401.PDF")
    assert is_attachment_url("http://x.gov.cn/a/b.wps") and is_attachment_url("http://x.gov.cn/a/b.xlsx")
    assert not is_attachment_url("http://x.gov.cn/a/b.html") and not is_attachment_url("http://x.gov.cn/pdf/")
    assert pdfjs_target("http://x.gov.cn/pdfjs/web/viewer.html?file=/a/b.pdf") == "/a/b.pdf"
    assert pdfjs_target("http://x.gov.cn/a/b.html?file=x.pdf") is None
