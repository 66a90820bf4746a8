"""Markdown bodies within the length cap that grow into far more, shared by the tests of every way in."""

# Issue 19: 20 tables, each a 200-column header over 330 rows of "|" that markdown-it fills in to
# 200 cells: 1.3 million cells, 27 s of CPU and 13 MB of HTML before the cell budget.
TWENTY_WIDE_TABLES = ("|" + "a|" * 200 + "\n|" + "-|" * 200 + "\n" + "|\n" * 330 + "\n") * 20
# One link defined with a 14,000-character URL and used 5,000 times: 35 MB of HTML before the HTML budget.
ONE_LINK_USED_THOUSANDS_OF_TIMES = f"[a]: https://example.com/{'a' * 14_000}\n\n" + "[a]" * 5_000
