"""The book's machinery: its structure (book.py), the build (build.py), the
student notebooks (notebooks.py) and the benchmark (bench.py). Run by the
Makefile as ``python -m booktools.<module>``; not part of the ``nnbook``
package that readers install."""
