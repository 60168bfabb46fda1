# Installed into <prefix>/etc/jupyter by the course's requirements.txt. The stand-alone
# `voila` command reads it at start (and Voila's server extension inside JupyterLab or a
# JupyterHub server reads it too, which is harmless). Kernel messages are then awaited in
# slices, so that a missed zmq wake-up cannot hang a page (course_jupyter.kernel_channels).
# A failure here must not stop Voila: it is reported and Voila runs unpatched.
import sys

try:
    from course_jupyter import poll_in_slices

    poll_in_slices()
    print("course_jupyter (voila.py config): kernel messages are awaited in 1 s slices",
          file=sys.stderr)
except Exception as exc:  # noqa: BLE001 (any failure: warn, and let Voila start)
    print(f"course_jupyter (voila.py config): NOT applied, {type(exc).__name__}: {exc}",
          file=sys.stderr)
