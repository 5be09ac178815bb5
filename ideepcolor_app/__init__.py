"""ideepcolor-app: user-guided colorization (Zhang et al., SIGGRAPH 2017). Qt-free core."""

import os

__version__ = "0.1.0"

OPENMP_SPIN_COUNT = "10000"
"""How long torch's OpenMP threads (GNU libgomp, in PyPI's wheels) busy-wait for work before they
sleep, in spins; libgomp's default is 300000. On a 2-core machine where another program keeps one
core busy, the default made a drag step at 256 on a 12 MP photo take 2.7 s instead of 0.2 s (the
waiting threads spin on the core the other program needs); 10000 costs nothing when the machine is
quiet (docs/benchmarks.md). Set before torch is imported; a value the user sets wins."""

os.environ.setdefault("GOMP_SPINCOUNT", OPENMP_SPIN_COUNT)
