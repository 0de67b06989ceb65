"""The pages teach in order and show the lesson, not the book's machinery.

What a page teaches comes from book/introduces.yml (Book.introductions); the
checks are booktools.names', and tests/test_fault_injection.py shows each of
them failing on an injected fault.
"""

import pytest

from booktools.book import Book
from booktools.names import drawing_noise, early_uses, shown_machinery, unmentioned

BOOK = Book()
PAGES = BOOK.notebook_pages()


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_visible_cells_show_no_machinery(page):
    shown = shown_machinery(page)
    assert not shown, (
        "A cell the reader sees shows the book's machinery; move it to a cell "
        "tagged remove-cell (and tag the drawing cell remove-output):\n"
        + "\n".join(shown)
    )


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_no_cell_prints_a_drawing_call(page):
    noisy = drawing_noise(page)
    assert not noisy, (
        "A cell ends in a drawing call whose value Jupyter prints (such as "
        "<matplotlib.legend.Legend at 0x...>); end it with plt.show() or an "
        "assignment:\n" + "\n".join(noisy)
    )


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_nothing_is_used_before_it_is_taught(page):
    early, unmapped = early_uses(page)
    assert not unmapped, (
        f"{page}: no page of {BOOK.introductions_path.name} teaches "
        f"{sorted(unmapped)}; add each under the page that does"
    )
    assert not early, (
        "A cell the reader sees uses a name before the book teaches it; teach "
        "it first, or collapse the cell (hide-input) and say in the prose what "
        "it checks:\n" + "\n".join(early)
    )


def test_the_page_that_teaches_a_name_mentions_it():
    missing = unmentioned(BOOK)
    assert not missing, (
        f"{BOOK.introductions_path.name} lists names that their page's prose "
        "never mentions:\n" + "\n".join(missing)
    )
