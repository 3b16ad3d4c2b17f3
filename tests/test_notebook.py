"""notebooks/explore.ipynb: committed without outputs, public functions only, and it runs.

The run uses a kernelspec installed for this very interpreter, so the kernel imports the
same Yalu (and the same spaCy model) as the tests, whatever kernels the machine has.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import nbformat
import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "explore.ipynb"


@pytest.fixture(scope="module")
def notebook() -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    return nb


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def test_notebook_is_committed_without_outputs(notebook):
    dirty = [cell.id for cell in code_cells(notebook) if cell.outputs or cell.execution_count is not None]
    assert not dirty, f"clear the outputs of cells {dirty} before committing"
    assert all("execution" not in cell.metadata for cell in code_cells(notebook))
    assert notebook.metadata.kernelspec.name == "python3"


def test_notebook_calls_public_names_only(notebook):
    private = []
    for cell in code_cells(notebook):
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.ImportFrom):
                private += [f"{cell.id}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
            elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.endswith("__"):
                private.append(f"{cell.id}: .{node.attr}")
    assert not private


def test_notebook_explains_every_step(notebook):
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds[0] == "markdown"
    headings = [cell.source.splitlines()[0] for cell in notebook.cells if cell.cell_type == "markdown"
                and cell.source.startswith("## ")]
    assert len(headings) >= 7


@pytest.fixture()
def venv_kernel(tmp_path, monkeypatch) -> str:
    """A ``python3`` kernelspec that starts this interpreter, first on the Jupyter path.

    The kernel also gets its own runtime and IPython directories, so neither a read-only
    home nor a user's IPython startup files can change the run.
    """
    from ipykernel.kernelspec import install
    from jupyter_client.kernelspec import KernelSpecManager

    prefix = tmp_path / "kernel-prefix"
    install(kernel_name="python3", prefix=str(prefix))
    monkeypatch.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "jupyter-runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    spec = KernelSpecManager().get_kernel_spec("python3")
    assert spec.argv[0] == sys.executable, f"kernel python3 resolves to {spec.argv[0]}, not {sys.executable}"
    return "python3"


@pytest.mark.model
@pytest.mark.slow
def test_notebook_runs_top_to_bottom(notebook, venv_kernel, tmp_path):
    from nbclient import NotebookClient

    nb = nbformat.from_dict(notebook)  # a copy: the module fixture stays without outputs
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    client = NotebookClient(nb, kernel_name=venv_kernel, timeout=600,
                            resources={"metadata": {"path": str(workdir)}})
    client.execute()  # raises CellExecutionError, naming the cell, at the first error

    outputs = {cell.id: cell.outputs for cell in code_cells(nb)}
    errors = [cid for cid, outs in outputs.items() if any(o.output_type == "error" for o in outs)]
    assert not errors
    missing = [cid for cid, outs in outputs.items() if not outs and cid != "cleanup"]
    assert not missing, f"cells {missing} showed nothing"

    def data(cid: str, mime: str) -> str:
        return "".join(o.get("data", {}).get(mime, "") for o in outputs[cid])

    assert "3 added" in "".join(o.get("text", "") for o in outputs["ingest"])
    assert "brokerage" in data("brokers", "text/plain")
    assert data("ego-plot", "image/png") and data("timeline-plot", "image/png")
    assert "<iframe srcdoc=" in data("render", "text/html")
    assert list(workdir.iterdir()) == []  # the store lived in a temporary directory, now removed
