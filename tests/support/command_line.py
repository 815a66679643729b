"""The `appeals` command line run in this process, its output captured."""

from __future__ import annotations

from webhooks.cli import main


def run(capsys, *argv) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `appeals *argv`."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err
