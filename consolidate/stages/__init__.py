"""Pipeline stages: each a pure core function over records; pipeline.py does the I/O."""
