"""Errors in a notebook: a failed check is one line, and other errors show
the reader's own code only (nnbook.errors, installed by importing nnbook)."""

import re

import pytest

IPython = pytest.importorskip("IPython")
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402

from nnbook import errors  # noqa: E402


@pytest.fixture(scope="module")
def shell():
    shell = InteractiveShell.instance()
    errors.install()
    return shell


def run(shell, capsys, cell: str) -> list[str]:
    """The lines a cell shows, colours removed."""
    shell.run_cell(cell)
    out = capsys.readouterr().out
    return [line for line in re.sub(r"\x1b\[[0-9;]*m", "", out).splitlines() if line]


def test_a_failed_check_is_its_message_alone(shell, capsys):
    lines = run(
        shell,
        capsys,
        "from nnbook.grading import grade_ones_tensor\nt = ...\ngrade_ones_tensor(t)",
    )
    assert lines == ["`t` is still `...`: replace the `...` with your answer."]


def test_other_errors_show_the_readers_lines_not_the_librarys(shell, capsys):
    cell = (
        "import torch\n"
        "def predict(x):\n"
        "    return torch.nn.Linear(3, 1)(x)\n"
        "predict(torch.ones(2, 2))"
    )
    text = "\n".join(run(shell, capsys, cell))
    assert "return torch.nn.Linear(3, 1)(x)" in text  # the reader's own line
    assert "RuntimeError: mat1 and mat2 shapes cannot be multiplied" in text
    assert "site-packages" not in text and "torch/" not in text


def test_errors_inside_nnbook_show_the_call_not_nnbooks_code(shell, capsys):
    cell = "from nnbook.train import fit_model\nfit_model(None, None, None, [], [], 1)"
    text = "\n".join(run(shell, capsys, cell))
    assert "fit_model(None, None, None, [], [], 1)" in text
    assert "TypeError: model must be a torch.nn.Module" in text
    assert "nnbook/train.py" not in text


def test_a_placeholder_or_a_missing_name_says_what_to_run_first(shell, capsys):
    assert run(shell, capsys, "x = ...\nx.shape") == [
        "A `...` is still in place (line 2: x.shape): replace it with your "
        "answer, or finish the exercise above and run its cell, then run this "
        "one again."
    ]
    assert "run that cell first" in run(shell, capsys, "print(not_defined_yet)")[-1]


def test_a_model_without_parameters_points_to_its_exercise(shell, capsys):
    cell = (
        "import torch\n"
        "class Net(torch.nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        ...  # your layers\n"
        "torch.optim.SGD(Net().parameters(), lr=0.1)"
    )
    lines = run(shell, capsys, cell)
    assert "ValueError: optimizer got an empty parameter list" in "\n".join(lines)
    assert lines[-1].startswith("The model has no parameters")


def test_without_ipython_importing_nnbook_installs_nothing():
    import subprocess
    import sys

    code = "import sys, nnbook; print('IPython' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_a_check_names_the_readers_line_that_raised(shell, capsys):
    cell = (
        "import torch\n"
        "from nnbook.grading import grade_create_model_and_predict\n"
        "from nnbook.seed import set_seed\n"
        "def create_model():\n"
        "    set_seed(0)\n"
        "    return torch.nn.Linear(1, 1)\n"
        "def predict(model, X):\n"
        "    return model(X.double())\n"
        "grade_create_model_and_predict(create_model, predict)"
    )
    (line,) = run(shell, capsys, cell)
    assert "raised RuntimeError" in line
    assert line.endswith("(in your code, line 8: return model(X.double()))")
