"""The site benchmark's pieces: what a page view fetches, its RESULTS.md section, and the nginx sample it serves."""

import shutil
import urllib.request

import pytest

from bench import site_run
from reports import site


@pytest.fixture(scope="module")
def built(public_fixture_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("bench-site") / "site"
    site.build(public_fixture_path, out)
    return out


def test_a_page_view_fetches_the_html_and_every_asset_it_names(built):
    home = site_run.page_assets(built, "en/index.html")
    assert home[0] == "/en/index.html"
    assert [path.split("/")[2].split(".")[0] for path in home[1:]] == ["site", "site"]  # css and js, no plotly
    crime = site_run.page_assets(built, "en/crime.html")
    assert len(crime) == 4 and any(path.startswith("/assets/plotly-") for path in crime)
    for path in crime:
        assert (built / path.lstrip("/")).is_file(), path


def test_results_section_is_replaced_not_repeated(tmp_path):
    results = tmp_path / "RESULTS.md"
    results.write_text("# Bench\n\ngenerated part\n")
    site_run.write_section(results, f"{site_run.SECTION_START}\nfirst\n{site_run.SECTION_END}\n")
    site_run.write_section(results, f"{site_run.SECTION_START}\nsecond\n{site_run.SECTION_END}\n")
    text = results.read_text()
    assert text.startswith("# Bench\n\ngenerated part\n") and "second" in text and "first" not in text
    assert text.count(site_run.SECTION_START) == 1


@pytest.mark.skipif(not shutil.which("nginx"), reason="Debian's nginx is not installed")
def test_the_nginx_sample_serves_the_site_with_its_cache_headers(built):
    with site_run.nginx(built, site_run._free_port()) as origin:
        request = urllib.request.Request(origin + "/en/index.html", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.headers["Content-Encoding"] == "gzip"  # the .gz the build wrote
            assert response.headers["Cache-Control"] == "public, max-age=300"
            assert "default-src 'none'" in response.headers["Content-Security-Policy"]
            assert response.headers["Content-Type"].startswith("text/html")
        asset = site_run.page_assets(built, "en/index.html")[1]
        with urllib.request.urlopen(origin + asset, timeout=10) as response:
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert response.headers["Content-Type"].startswith("text/css")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(origin + "/" + site.MARKER, timeout=10)
        assert refused.value.code == 403
