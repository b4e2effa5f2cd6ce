"""A suite of 5,000 cases: the report is large but must come back whole."""
import pytest


@pytest.mark.parametrize("number", range(5000))
def test_case(number):
    # One case in a thousand fails, so the report carries failures among the passes.
    assert number % 1000 != 999, f"case {number} fails on purpose"
