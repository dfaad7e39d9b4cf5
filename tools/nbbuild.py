"""Helper for writing notebooks from a list of (kind, source) cells (used by developers, not at run time)."""

import sys

import nbformat


def build(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "netanalysis", "display_name": "netanalysis (project)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for kind, src in cells:
        if kind == "md":
            nb.cells.append(nbformat.v4.new_markdown_cell(src.strip()))
        elif kind == "params":
            c = nbformat.v4.new_code_cell(src.strip())
            c.metadata["tags"] = ["parameters"]
            nb.cells.append(c)
        else:
            nb.cells.append(nbformat.v4.new_code_cell(src.strip()))
    nbformat.write(nb, path)


if __name__ == "__main__":
    sys.exit("import build() from this file")
