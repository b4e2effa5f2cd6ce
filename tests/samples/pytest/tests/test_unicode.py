"""Test names and messages beyond ASCII."""
import pytest


def test_café_naïve_日本語():
    assert True


def test_fails_with_unicode_message_ü():
    assert "Grüße" == "Gruesse", "Ünïcödé ≠ ASCII: 日本語 & emoji 🚀"


@pytest.mark.parametrize("word", ["ß", "Ω", "中文", "😀"])
def test_parametrized_ids(word):
    assert len(word) == 1 or word == "中文"
