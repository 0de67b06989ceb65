import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from nnbook import notebook  # noqa: E402


def test_glue_shows_figures_and_displayed_values(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    fig = plt.figure()
    notebook.glue("fig-x", fig, display=False)
    notebook.glue("number", 0.25, display=False)
    notebook.glue("shown", 3)
    assert shown == [fig, 3]
    plt.close(fig)
