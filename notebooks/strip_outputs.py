"""Strips outputs and execution counts from notebooks, or checks that there are none.

    python notebooks/strip_outputs.py notebooks/*.ipynb           # strip in place
    python notebooks/strip_outputs.py --check notebooks/*.ipynb   # exit 1 if any has outputs
"""

import sys
from pathlib import Path

import nbformat


def dirty(nb) -> list[str]:
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            found.append(f"cell {i}: {len(cell.outputs)} output(s)")
        if cell.get("execution_count") is not None:
            found.append(f"cell {i}: execution_count {cell.execution_count}")
    for key in ("widgets", "papermill"):
        if key in nb.metadata:
            found.append(f"notebook metadata '{key}'")
    return found


def strip(nb) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in ("execution", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)
    for key in ("widgets", "papermill"):
        nb.metadata.pop(key, None)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [Path(a) for a in argv if a != "--check"]
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    bad = 0
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        problems = dirty(nb)
        if check:
            if problems:
                bad += 1
                print(f"{path}: has outputs ({'; '.join(problems[:5])}); run "
                      f"`python notebooks/strip_outputs.py {path}`", file=sys.stderr)
        elif problems:
            strip(nb)
            path.write_text(nbformat.writes(nb) + "\n")
            print(f"{path}: stripped")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
