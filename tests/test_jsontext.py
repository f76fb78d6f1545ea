"""consolidate/jsontext.py writes what json.dumps(indent=2, ensure_ascii=False) writes, byte for byte."""

import json

import pytest
from hypothesis import given, settings, strategies as st

from consolidate.jsontext import dumps_indented, write_indented

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text()
keys = st.text() | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                      | st.dictionaries(keys, inner, max_size=4), max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(values)
def test_same_text_as_json_dumps(obj):
    assert dumps_indented(obj) == json.dumps(obj, indent=2, ensure_ascii=False)


def test_edge_values():
    obj = {"a": [], "b": {}, "c": [[], {}], "d": float("inf"), "e": -float("inf"), 1: "x", 2.5: True, None: [None],
           "é\u2028\"\\\n": "\x00\t"}
    assert dumps_indented(obj) == json.dumps(obj, indent=2, ensure_ascii=False)


def test_what_json_cannot_hold_is_refused():
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        dumps_indented({"a": {1}})
    with pytest.raises(TypeError):
        dumps_indented({(1, 2): 1})


@settings(max_examples=100, deadline=None)
@given(values)
def test_written_in_small_pieces_it_is_the_same_text(obj):
    out = []
    write_indented(obj, out.append, "\n", piece=1)
    assert "".join(out) == json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def test_write_json_writes_what_dumps_json_gives(tmp_path):
    from consolidate.fsio import confined, dumps_json, write_json

    obj = {"rows": [{"i": i, "text": "é" * i} for i in range(5000)]}
    with confined(tmp_path):
        write_json(tmp_path / "x.json", obj)
    assert (tmp_path / "x.json").read_text(encoding="utf-8") == dumps_json(obj)


@settings(max_examples=300, deadline=None)
@given(values, st.integers(min_value=0, max_value=4), st.integers(min_value=1, max_value=64))
def test_compact_text_is_json_dumps_compact(obj, depth, piece):
    from consolidate.jsontext import write_compact

    out = []
    write_compact(obj, out.append, "\n", depth=depth, piece=piece)
    assert "".join(out) == json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def test_compact_writes_a_generator_as_a_list_made_as_it_is_written():
    from consolidate.jsontext import write_compact

    out, written = [], []  # written: how much text was out when each row was made

    def rows():
        for i in range(3):
            written.append(len("".join(out)))
            yield {"i": i}

    write_compact({"rows": rows(), "none": (x for x in ())}, out.append, piece=1)
    text = "".join(out)
    assert json.loads(text) == {"rows": [{"i": 0}, {"i": 1}, {"i": 2}], "none": []}
    assert written == [text.index(f'{{"i":{i}}}') - 1 for i in range(3)]  # all but its "[" or ","


def test_write_json_digest_is_the_sha256_of_the_file(tmp_path):
    import hashlib

    from consolidate.fsio import confined, write_json

    with confined(tmp_path):
        digest = write_json(tmp_path / "x.json", {"a": ["é"] * 3}, digest=True)
        assert write_json(tmp_path / "y.json", {}) is None
    assert digest == hashlib.sha256((tmp_path / "x.json").read_bytes()).hexdigest()
