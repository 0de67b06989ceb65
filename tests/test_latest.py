"""booktools.latest's report (`make test-latest`): which packages moved from
constraints.txt, and which page each failed test belongs to."""

from booktools.latest import failures, moved, page_of, report

JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite>
<testcase classname="book.neuron.md" name="Cell 0" />
<testcase classname="book.neuron.md" name="Cell 4"><failure message="x"/></testcase>
<testcase classname="tests.test_student_notebooks"
 name="test_each_grader_stops_the_skeleton_and_passes_the_solution[tensors]">
 <error message="y"/></testcase>
</testsuite></testsuites>"""


def test_failed_tests_are_read_from_junit_and_named_by_page(tmp_path):
    junit = tmp_path / "pages.xml"
    junit.write_text(JUNIT)
    failed = failures(junit)
    assert failed == [
        "book.neuron.md::Cell 4",
        "tests.test_student_notebooks::test_each_grader_stops_the_skeleton"
        "_and_passes_the_solution[tensors]",
    ]
    assert [page_of(t) for t in failed] == ["neuron", "tensors"]
    assert failures(tmp_path / "none.xml")[0].startswith("(pytest wrote no report")


def test_moved_packages_leave_out_local_tags_and_the_venvs_tools():
    pins = {"torch": "2.13.0", "numpy": "2.4.6", "sphinx": "7.4.7"}
    now = {"torch": "2.13.0+cpu", "numpy": "2.5.0", "pip": "26.3", "nnbook": "0.1.0"}
    now |= {"rich": "14.0"}
    assert moved(now, pins) == [
        ("numpy", "2.4.6", "2.5.0"),
        ("rich", "-", "14.0"),
        ("sphinx", "7.4.7", "-"),
    ]


def test_the_report_names_the_moved_package_and_the_broken_page():
    text = report(
        {"torch": "2.13.0+cpu", "numpy": "2.5.0"},
        [("numpy", "2.4.6", "2.5.0")],
        {"pages": (1, 80.0, ["book.neuron.md::Cell 4"]), "unit tests": (0, 40.0, [])},
        "torch from local wheels",
    )
    assert "| numpy | 2.4.6 | 2.5.0 |" in text
    assert "## pages: FAILED (1 tests) in 80 s" in text
    assert "- page `neuron`: `book.neuron.md::Cell 4`" in text
    assert "## unit tests: passed in 40 s" in text
