"""The GitHub workflows (.github/workflows): each step is a make target (make
stays the one entry point), and `make lint`'s two linters catch the mistakes
they are there for: actionlint a broken expression or a misspelt key, zizmor
an action not pinned to a commit, a template injection, missing permissions."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from booktools.book import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent
# The only run steps that are not make: the container's bootstrap (git and
# make themselves, before the checkout) and the release upload (gh, in the one
# job allowed to write, which runs none of the repository's code).
NOT_MAKE = (r"apt-get update -qq && apt-get install .*", r"gh release create .*")


# The Makefile's targets: its rules' names (a .PHONY name alone is no rule).
TARGETS = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))


def steps(path: Path) -> list[dict]:
    workflow = yaml.safe_load(path.read_text())
    return [s for job in workflow["jobs"].values() for s in job.get("steps", [])]


def test_there_are_workflows_for_each_job():
    names = {p.stem for p in WORKFLOWS}
    assert {"test", "weekly", "latest", "release"} <= names


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_run_step_is_a_make_target(path):
    for step in steps(path):
        if "run" not in step:
            continue
        command = step["run"].strip()
        if any(re.fullmatch(pattern, command) for pattern in NOT_MAKE):
            continue
        assert command.startswith("make "), f"{path.name}: {command!r} is not make"
        target = command.split()[1]
        assert target in TARGETS, f"{path.name}: make {target}: no such target"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit(path):
    for step in steps(path):
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", step["uses"])


def lint(tmp_path: Path, mutate) -> tuple[subprocess.CompletedProcess, ...]:
    """actionlint and zizmor (as make lint runs them) over a copy of .github
    in which ``mutate`` changed test.yml's text."""
    github = tmp_path / ".github"
    shutil.copytree(ROOT / ".github", github)
    workflow = github / "workflows" / "test.yml"
    changed = mutate(workflow.read_text())
    assert changed != workflow.read_text(), "the mutation did not apply"
    workflow.write_text(changed)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    actionlint = subprocess.run(
        [BIN / "actionlint", "-no-color"], cwd=tmp_path, capture_output=True, text=True
    )
    zizmor = subprocess.run(
        [BIN / "zizmor", "--offline", "--no-progress", ".github"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    return actionlint, zizmor


def test_the_linters_pass_the_workflows_as_they_are(tmp_path):
    actionlint, zizmor = lint(tmp_path, lambda text: text + "\n")
    assert actionlint.returncode == 0, actionlint.stdout
    assert zizmor.returncode == 0, zizmor.stdout


def test_actionlint_catches_a_misspelt_context(tmp_path):
    actionlint, _ = lint(
        tmp_path, lambda t: t.replace("github.event_name ==", "github.evnt_name ==", 1)
    )
    assert actionlint.returncode != 0
    assert "evnt_name" in actionlint.stdout


def test_actionlint_catches_an_unknown_key(tmp_path):
    actionlint, _ = lint(
        tmp_path, lambda t: t.replace("timeout-minutes: 60", "timeout-minute: 60", 1)
    )
    assert actionlint.returncode != 0
    assert "timeout-minute" in actionlint.stdout


def test_zizmor_catches_an_action_pinned_to_a_tag(tmp_path):
    _, zizmor = lint(
        tmp_path,
        lambda t: re.sub(r"actions/checkout@[0-9a-f]{40}", "actions/checkout@v7", t),
    )
    assert zizmor.returncode != 0
    assert "unpinned-uses" in zizmor.stdout


def test_zizmor_catches_a_template_injection(tmp_path):
    _, zizmor = lint(
        tmp_path,
        lambda t: t.replace(
            "run: make test\n",
            'run: make test TITLE="${{ github.event.pull_request.title }}"\n',
        ),
    )
    assert zizmor.returncode != 0
    assert "template-injection" in zizmor.stdout


def test_zizmor_catches_a_job_with_the_default_permissions(tmp_path):
    def default_permissions(text: str) -> str:
        text = text.replace("permissions: {}\n", "", 1)
        job = "    permissions:\n      contents: read # to check out the repository\n"
        return text.replace(job, "", 1)

    _, zizmor = lint(tmp_path, default_permissions)
    assert zizmor.returncode != 0
    assert "excessive-permissions" in zizmor.stdout
