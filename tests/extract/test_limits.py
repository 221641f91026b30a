"""Limits are settings: sane defaults, overridden by GOVREPORTS_* environment variables or the CLI."""

import pytest

from extract.limits import MB, Limits


def test_defaults_are_sane_for_annual_reports():
    limits = Limits()
    assert limits.max_file_bytes >= 50 * MB
    assert 100 <= limits.max_pages <= 5000
    assert limits.conversion_timeout >= 30


def test_environment_overrides_in_megabytes_and_seconds():
    limits = Limits.from_env({"GOVREPORTS_MAX_FILE_MB": "5", "GOVREPORTS_CONVERSION_TIMEOUT": "7.5"})
    assert limits.max_file_bytes == 5 * MB
    assert limits.conversion_timeout == 7.5
    assert limits.max_pages == Limits().max_pages


def test_a_bad_environment_value_is_a_clear_error():
    with pytest.raises(ValueError, match="GOVREPORTS_MAX_PAGES"):
        Limits.from_env({"GOVREPORTS_MAX_PAGES": "lots"})
    with pytest.raises(ValueError, match="positive"):
        Limits.from_env({"GOVREPORTS_MAX_PAGES": "0"})


def test_cli_options_left_unset_keep_the_setting():
    limits = Limits().replace(max_pages=3, conversion_timeout=None)
    assert limits.max_pages == 3
    assert limits.conversion_timeout == Limits().conversion_timeout
