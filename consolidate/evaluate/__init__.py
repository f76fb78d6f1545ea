"""`consolidate eval`: merge quality on fixtures with gold answers and on real consolidations.

fixtures.py loads gold files and lists cases, metrics.py scores one run, realcases.py compares a
run with the pages people made, runner.py runs every backend over everything, report.py prints
and writes the results.
"""
