"""Files renamed into place from temporary files get ordinary permissions under the umask."""
from __future__ import annotations

import os
import stat

import pytest

from kaoping.reports.files import write_atomic
from kaoping.core.tempfiles import temp_beside


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_written_files_follow_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        target = tmp_path / "out" / "a.xlsx"
        assert write_atomic(target, b"data")
        fd, tmp = temp_beside(tmp_path / "t" / "b.xlsx")
        os.close(fd)
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert stat.S_IMODE(os.stat(tmp).st_mode) == mode
