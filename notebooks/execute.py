"""Executes a notebook headless into a copy, failing on the first cell error.

    python notebooks/execute.py NOTEBOOK.ipynb OUT.ipynb

The committed notebook is never written. The kernel runs in the notebook's own folder
(so relative defaults such as ../target/nb/small work) and inherits the environment
(CARESIM_RESULTS, CARESIM_FIGURES, MPLBACKEND).
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main(src: str, dst: str) -> int:
    src_path, dst_path = Path(src).resolve(), Path(dst).resolve()
    nb = nbformat.read(src_path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(src_path.parent)}})
    start = time.monotonic()
    try:
        client.execute()
    except CellExecutionError as err:
        dst_path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, dst_path)
        print(f"FAILED {src} (partial output in {dst}):\n{err}", file=sys.stderr)
        return 1
    dst_path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dst_path)
    print(f"ok {src} -> {dst} ({time.monotonic() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
