# Installed into <prefix>/etc/jupyter by the course's requirements.txt; the stand-alone
# `voila` command reads it at start. Kernel messages are then awaited in slices, so that a
# missed zmq wake-up cannot hang a page (see course_jupyter.kernel_channels).
import sys

from course_jupyter import poll_in_slices

poll_in_slices()
print("course_jupyter: kernel messages are awaited in 1 s slices", file=sys.stderr)
