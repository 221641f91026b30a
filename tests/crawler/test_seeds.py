"""The seeds file people edit: comments allowed, clear errors, the shipped Henan list."""

from pathlib import Path

import pytest

from crawler.seeds import SeedsError, adhoc_portals, load_seeds

ROOT = Path(__file__).resolve().parents[2]


def test_comments_blank_lines_and_politeness_overrides(tmp_path):
    seeds = tmp_path / "portals.csv"
    seeds.write_text(
        "# compiled by hand\n"
        "name,homepage,listing_urls,division_code,cms,delay,concurrency,verified,source\n"
        "\n"
        "# a comment between rows\n"
        "某某市,https://www.x.gov.cn/,https://www.x.gov.cn/a/ https://www.x.gov.cn/b/,410000,trs,2,1,yes,hand\n",
        encoding="utf-8",
    )
    [portal] = load_seeds(seeds)
    assert portal.listing_urls == ("https://www.x.gov.cn/a/", "https://www.x.gov.cn/b/")
    assert (portal.cms, portal.delay, portal.concurrency, portal.verified) == ("trs", 2.0, 1, True)
    assert portal.hosts == frozenset({"www.x.gov.cn"})


def test_bad_rows_are_reported_with_their_line(tmp_path):
    seeds = tmp_path / "portals.csv"
    seeds.write_text("name,homepage,delay\n# c\nA,https://a.gov.cn/,fast\n", encoding="utf-8")
    with pytest.raises(SeedsError, match="line 3: delay 'fast'"):
        load_seeds(seeds)


def test_adhoc_urls_root_is_a_homepage_other_urls_listings():
    home, listing = adhoc_portals(["http://a.gov.cn/", "http://b.gov.cn/zfxxgknb/"])
    assert (home.homepage, home.listing_urls) == ("http://a.gov.cn/", ())
    assert (listing.homepage, listing.listing_urls) == ("", ("http://b.gov.cn/zfxxgknb/",))


def test_shipped_seeds_cover_henan_its_17_cities_and_jiyuan():
    portals = load_seeds(ROOT / "seeds" / "portals.csv")
    codes = {portal.division_code for portal in portals}
    cities = {f"41{n:02d}00" for n in range(1, 18)} - {"410000"}
    assert "410000" in codes and "419001" in codes
    assert {code for code in codes if code.endswith("00") and code != "410000"} >= cities
    assert all(portal.homepage.endswith(".gov.cn/") for portal in portals)
    assert not any(portal.verified for portal in portals)
