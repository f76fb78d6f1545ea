"""The merge, step by step, as a docs owner would do it: statements said once (statements.py),
drafting residue and meta text left out (residue.py), one note per disagreement (notes.py)."""
