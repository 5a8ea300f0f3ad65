"""Running `kaoping` in this process from a test: exit code, stdout, stderr."""
from __future__ import annotations

import sys

import pytest


def kaoping(capsys, *args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `kaoping ARGS` run in this process."""
    from kaoping.cli.main import main

    capsys.readouterr()
    sys.argv = ["kaoping", *args]
    with pytest.raises(SystemExit) as exit_info:
        main()
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err
