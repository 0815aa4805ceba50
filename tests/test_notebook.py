"""demos/tour.ipynb runs cell by cell (nbclient, the notebook extra) and shows its pictures."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook extra (nbformat) is missing")
nbclient = pytest.importorskip("nbclient", reason="the notebook extra (nbclient) is missing")
pytest.importorskip("ipykernel", reason="the notebook extra (ipykernel) is missing")

ROOT = Path(__file__).resolve().parent.parent


def test_tour_notebook_executes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUMBAGRAD_NOTEBOOK_OUT", str(tmp_path))
    nb = nbformat.read(ROOT / "demos" / "tour.ipynb", as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    kinds = {k for o in outputs for k in o.get("data", {})}
    assert "image/png" in kinds and "image/svg+xml" in kinds  # pictures and graphs inline
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "0.5 + 2.8 - 0 + 1 = 4.3" in text  # the hand-traced guest network
    assert "w.grad = d(" in text  # explain's ledger
    assert (tmp_path / "wine" / "loss_vs_A.png").exists()
