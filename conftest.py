"""pytest runs on every core (pytest-xdist, see pyproject.toml), each worker executing its
tests and its notebooks' kernels. A BLAS that starts its own threads as well then competes
with the other worker for the same cores: measured on 2 cores, one small matmul-heavy
training run took 29 s instead of 5.5 s while another process was busy. So the workers and
the kernels they start (which inherit this environment) use one BLAS thread each, unless
the variables are already set."""

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
