"""Start Voila with kernel messages awaited in slices (tools/kernel_channels.py: a missed
zmq wake-up otherwise hangs a page under load). Usage: python voila_launcher.py <voila args>
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from kernel_channels import poll_in_slices  # noqa: E402

if __name__ == "__main__":
    from voila.app import main

    poll_in_slices()
    sys.exit(main())
