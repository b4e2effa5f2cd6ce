"""A test that writes 50 MB to the terminal: the log is large and the report must still come back whole."""
import sys

LINE = ("x" * 99) + "\n"
MEGABYTES = 50


def test_writes_50_megabytes(capsys):
    # Captured output would stay inside pytest; write around the capture so it reaches the log.
    with capsys.disabled():
        chunk = LINE * 10_000  # about 1 MB
        for _ in range(MEGABYTES):
            sys.stdout.write(chunk)
        sys.stdout.flush()
    assert True


def test_after_the_output():
    assert "still" == "running", "a failure after 50 MB of output"
