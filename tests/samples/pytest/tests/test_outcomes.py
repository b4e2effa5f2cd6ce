"""Every outcome a report can carry, and failure messages that XML must escape."""
import time

import pytest


def test_passes():
    assert 1 + 1 == 2


def test_fails_with_markup_in_message():
    # <, & and both quotes must survive the JUnit XML, gzip, base64 and the log.
    assert "a < b && c > d" == 'said "yes" & \'no\'', "expected <tag attr=\"v\"> & 'single' quotes"


def test_fails_with_exception():
    raise ValueError("value <none> & nothing \"else\"")


@pytest.fixture
def broken_fixture():
    raise RuntimeError("the fixture broke: <setup> & 'teardown'")


def test_errors_in_fixture(broken_fixture):
    assert broken_fixture


@pytest.mark.skip(reason="skipped on purpose: <not> & \"now\"")
def test_skipped():
    raise AssertionError("never runs")


def test_skipped_at_run_time():
    pytest.skip("decided while running")


@pytest.mark.xfail(reason="known bug", strict=False)
def test_expected_failure():
    assert False


def test_slow():
    # Slow enough that the log streams while the test runs.
    time.sleep(3)
    assert True
