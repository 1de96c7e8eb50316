"""The app's processes start one BLAS thread each (``app.BLAS_THREADS``): a server's workers already
use every core, and a second BLAS thread on a busy machine makes small matrix products many times
slower and hides their CPU from the budget's thread clock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: After a matrix product large enough for OpenBLAS to use its threads: the process's thread count.
THREADS_AFTER_A_PRODUCT = """
{first}
import os
import numpy as np
a = np.random.default_rng(0).random((400, 400))
a @ a
print(len(os.listdir("/proc/self/task")))
"""


def threads(first: str, **env: str) -> int:
    clean = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    code = THREADS_AFTER_A_PRODUCT.format(first=first)
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def test_importing_the_app_before_numpy_keeps_blas_to_one_thread():
    assert threads("import app") == 1
    if (os.cpu_count() or 1) >= 2:  # the count does see BLAS threads when they are allowed
        assert threads("import app", OPENBLAS_NUM_THREADS="2", OMP_NUM_THREADS="2") >= 2
