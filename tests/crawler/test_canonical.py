"""URL canonicalisation: one spelling per resource."""

import pytest

from crawler.canonical import canonical_url, is_tracking_param


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTP://WWW.Example.GOV.CN:80/a/b.html#top", "http://www.example.gov.cn/a/b.html"),
        ("https://x.gov.cn:443/", "https://x.gov.cn/"),
        ("http://x.gov.cn:8080/a", "http://x.gov.cn:8080/a"),
        ("http://x.gov.cn", "http://x.gov.cn/"),
        ("http://x.gov.cn/a.html?utm_source=wechat&utm_medium=x&spm=a.b.c", "http://x.gov.cn/a.html"),
        ("http://x.gov.cn/a.html?from=timeline&timestamp=1700000000&_=123", "http://x.gov.cn/a.html"),
        ("http://x.gov.cn/list.jsp;jsessionid=ABCDEF0123?page=2", "http://x.gov.cn/list.jsp?page=2"),
        ("http://x.gov.cn/list.jsp?JSESSIONID=1&PHPSESSID=2&ASPSESSIONIDQQ=3&id=9", "http://x.gov.cn/list.jsp?id=9"),
        ("http://x.gov.cn/a?b=2&a=1", "http://x.gov.cn/a?a=1&b=2"),
        ("http://x.gov.cn/年报/?q=年报", "http://x.gov.cn/%E5%B9%B4%E6%8A%A5/?q=%E5%B9%B4%E6%8A%A5"),
    ],
)
def test_canonical_spelling(url, canonical):
    assert canonical_url(url) == canonical


def test_content_selecting_parameters_are_kept():
    url = "http://x.gov.cn/gkmlpt/api/all/5?page=2&sid=755031"
    assert canonical_url(url) == url
    assert not is_tracking_param("page") and not is_tracking_param("sid") and not is_tracking_param("columnid")


def test_canonicalisation_is_idempotent():
    url = "HTTP://X.gov.cn:80/a;jsessionid=1?z=1&utm_x=2&a=%e5%b9%b4#f"
    assert canonical_url(canonical_url(url)) == canonical_url(url)
