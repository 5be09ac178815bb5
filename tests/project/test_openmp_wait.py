"""torch's OpenMP threads must not busy-wait long: on a 2-core machine with another busy program
they took the core it needed (a drag step 13 times slower, docs/benchmarks.md)."""

import os
import subprocess
import sys


def _run(code: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "GOMP_SPINCOUNT"} | env
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=environment
    ).stdout.strip()


def test_the_package_sets_a_short_openmp_spin_before_torch_loads_and_a_users_own_setting_wins():
    check = "import sys, os, ideepcolor_app; print('torch' in sys.modules, os.environ['GOMP_SPINCOUNT'])"
    assert _run(check) == "False 10000", "set before torch (and libgomp) is loaded"
    assert _run(check, GOMP_SPINCOUNT="5") == "False 5"
    assert _run("import ideepcolor_app.cli, os; print(os.environ['GOMP_SPINCOUNT'])") == "10000"
