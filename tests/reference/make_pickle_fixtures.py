"""Fixtures for tensor/pickle, tensor/npz and hand/mano_io (tests/tensor/test_pickle.cpp,
tests/tensor/test_npz.cpp, tests/hand/test_mano_io.cpp).

Run with /usr/bin/python3 (numpy; torch only for safetensors_io). Writes into tests/fixtures/:

  mano_tiny_RIGHT.pkl        a small random MANO-like model (V=40, F=60, 16 joints) pickled to the
                             layout of the official MANO_RIGHT.pkl: protocol 2, Python-2 style (every
                             str/bytes as BINSTRING, globals copy_reg/__builtin__), ndarrays through
                             numpy.core.multiarray._reconstruct, chumpy.ch.Ch (via copy_reg._reconstructor
                             + BUILD {'x': ...}), chumpy.reordering.Select (NEWOBJ + BUILD), the
                             J_regressor as scipy.sparse.csc.csc_matrix, kintree_table and f as uint32,
                             one Fortran-ordered array, plus a 'fingertips' key (V != 778).
  mano_tiny_p0_RIGHT.pkl     a smaller model (V=10, F=12) the same way at protocol 0 (STRING, text ints).
  mano_tiny_nofingertips.pkl the V=10 model without 'fingertips' (must fail: "no fingertips").
  mano_tiny.npz              the V=40 model as np.savez_compressed (same keys, dense J_regressor).
  mano_tiny_expected.safetensors  the arrays the readers must produce (f64; f, kintree_table,
                             fingertips as int64 with the root parent -1).
  pickle_p{0..5}.pkl         one data structure (see opcode_structure()) at every protocol.
  pickle_py2_p0.pkl / _p1.pkl  Python-2-style str (STRING / BINSTRING) with escapes, at protocols 0/1.
  pickle_objects.pkl         chumpy Ch / Select and scipy csc_matrix objects, valid and broken (bad
                             row index, decreasing indptr, wrong counts, Select index out of range…).
  npz_stored.npz / npz_compressed.npz  every dtype the npz reader knows (np.savez / savez_compressed),
                             C and Fortran order, big-endian, 0-d and empty arrays.
  npy_v1.npy, npy_v2.npy, npy_v3.npy  one array in each .npy format version.

Everything is seeded: re-running reproduces the same pickles and safetensors byte for byte (the
npz files hold the same arrays; zipfile stamps them with the current time).
"""
import copyreg
import io
import os
import pickle
import sys
import types

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")


# ---- fake modules, so the pickles name the same globals as the official file -------------------

def _module(name):
    m = types.ModuleType(name)
    sys.modules[name] = m
    return m


for _name in ("chumpy", "chumpy.ch", "chumpy.reordering", "scipy", "scipy.sparse", "scipy.sparse.csc"):
    _module(_name)


class Ch:
    """Stands for chumpy.ch.Ch: pickled like Python 2 protocol 0/1 pickled new-style objects,
    copy_reg._reconstructor(Ch, object, None) then BUILD with the instance dict."""

    def __init__(self, x):
        self.__dict__.update({"x": x, "_dirty_vars": set(["x"]), "_itr": None, "_make_dense": False,
                              "_make_sparse": False, "_depends_on_deps": {}})

    def __reduce_ex__(self, protocol):
        return (copyreg._reconstructor, (Ch, object, None), dict(self.__dict__))


class Select:
    """Stands for chumpy.reordering.Select: a.r.ravel()[idxs].reshape(preferred_shape); default
    protocol-2 pickling (NEWOBJ + BUILD with the instance dict)."""

    def __init__(self, a, idxs, preferred_shape):
        self.__dict__.update({"a": a, "idxs": idxs, "preferred_shape": preferred_shape,
                              "_dirty_vars": set(["a", "idxs"]), "_itr": None, "_make_dense": False,
                              "_make_sparse": False, "_depends_on_deps": {}})


class csc_matrix:
    """Stands for scipy.sparse.csc.csc_matrix (instance dict as old scipy pickled it)."""

    def __init__(self, data, indices, indptr, shape):
        self.__dict__.update({"data": data, "indices": indices, "indptr": indptr, "_shape": shape,
                              "maxprint": 50})


for _cls, _mod in ((Ch, "chumpy.ch"), (Select, "chumpy.reordering"), (csc_matrix, "scipy.sparse.csc")):
    _cls.__module__ = _mod
    setattr(sys.modules[_mod], _cls.__name__, _cls)


# ---- a pickler that writes bytes and ASCII str the way Python 2 wrote its str -------------------

def _py2_repr(b):
    """Python 2's repr of a str (quotes and escapes as STRING expects)."""
    out = ["'"]
    for c in b:
        ch = chr(c)
        if ch == "'":
            out.append("\\'")
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif 32 <= c < 127:
            out.append(ch)
        else:
            out.append("\\x%02x" % c)
    out.append("'")
    return "".join(out).encode("ascii")


class Py2Pickler(pickle._Pickler):
    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2_str(self, b):
        if self.proto == 0:
            self.write(pickle.STRING + _py2_repr(b) + b"\n")
        elif len(b) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(b)]) + b)
        else:
            self.write(pickle.BINSTRING + len(b).to_bytes(4, "little") + b)

    def save_bytes(self, obj):
        self.save_py2_str(obj)
        self.memoize(obj)

    def save_str(self, obj):
        if obj.isascii():
            self.save_py2_str(obj.encode("ascii"))
            self.memoize(obj)
        else:
            pickle._Pickler.save_str(self, obj)

    dispatch[bytes] = save_bytes
    dispatch[str] = save_str


def py2_dumps(obj, protocol):
    f = io.BytesIO()
    Py2Pickler(f, protocol=protocol, fix_imports=True).dump(obj)
    return f.getvalue()


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


# ---- the MANO-like model -----------------------------------------------------------------------

PARENTS = [-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 0, 10, 11, 0, 13, 14]


def random_model(rng, V, F):
    m = {}
    m["v_template"] = rng.normal(0, 0.05, (V, 3))
    m["shapedirs"] = rng.normal(0, 0.01, (V, 3, 10))
    m["posedirs"] = rng.normal(0, 0.01, (V, 3, 135))
    jr = np.zeros((16, V))
    for j in range(16):  # a few vertices per joint, rows summing to 1
        cols = rng.choice(V, size=3, replace=False)
        w = rng.uniform(0.1, 1.0, 3)
        jr[j, cols] = w / w.sum()
    m["J_regressor"] = jr
    w = rng.uniform(0, 1, (V, 16)) ** 4
    m["weights"] = w / w.sum(axis=1, keepdims=True)
    kt = np.zeros((2, 16), dtype=np.uint32)
    kt[0] = np.array(PARENTS, dtype=np.int64).astype(np.uint32)  # root: 4294967295
    kt[1] = np.arange(16)
    m["kintree_table"] = kt
    m["f"] = rng.integers(0, V, (F, 3)).astype(np.uint32)
    q, _ = np.linalg.qr(rng.normal(size=(45, 45)))
    m["hands_components"] = q.T.copy()
    m["hands_mean"] = rng.normal(0, 0.2, 45)
    m["hands_coeffs"] = rng.normal(0, 1, (7, 45))
    m["J"] = jr @ m["v_template"]
    m["fingertips"] = np.sort(rng.choice(V, size=5, replace=False)).astype(np.int64)
    return m


def csc_of(dense):
    """CSC arrays (data, indices, indptr) of a dense matrix, column by column (int32 indices)."""
    data, indices, indptr = [], [], [0]
    for j in range(dense.shape[1]):
        rows = np.nonzero(dense[:, j])[0]
        data.extend(dense[rows, j])
        indices.extend(rows)
        indptr.append(len(data))
    return (np.array(data, dtype=np.float64), np.array(indices, dtype=np.int32),
            np.array(indptr, dtype=np.int32))


def official_layout(m, rng, with_fingertips=True):
    """The dict as the official pickle holds it: chumpy objects, a CSC regressor, extra keys."""
    d = {}
    d["v_template"] = m["v_template"]
    # shapedirs: a Select over a larger Ch (a permuted flat array with extra entries).
    n = m["shapedirs"].size
    perm = rng.permutation(n + 17)
    flat = np.zeros(n + 17)
    flat[perm[:n]] = m["shapedirs"].ravel()
    d["shapedirs"] = Select(Ch(flat), perm[:n].astype(np.int64), m["shapedirs"].shape)
    d["posedirs"] = Ch(m["posedirs"])
    data, indices, indptr = csc_of(m["J_regressor"])
    d["J_regressor"] = csc_matrix(data, indices, indptr, m["J_regressor"].shape)
    d["weights"] = np.asfortranarray(m["weights"])  # exercise is_fortran = True
    d["kintree_table"] = m["kintree_table"]
    d["f"] = m["f"]
    d["hands_components"] = m["hands_components"]
    d["hands_mean"] = m["hands_mean"]
    d["hands_coeffs"] = m["hands_coeffs"]
    d["J"] = m["J"]
    d["bs_style"] = "lbs"
    d["bs_type"] = "lrotmin"
    if with_fingertips:
        d["fingertips"] = m["fingertips"]
    return d


def expected_tensors(m):
    import torch
    t = {k: torch.from_numpy(np.ascontiguousarray(m[k], dtype=np.float64))
         for k in ("v_template", "shapedirs", "posedirs", "J_regressor", "weights", "hands_components",
                   "hands_mean")}
    t["f"] = torch.from_numpy(m["f"].astype(np.int64))
    kt = m["kintree_table"].astype(np.int64)
    kt[kt == 4294967295] = -1
    t["kintree_table"] = torch.from_numpy(kt)
    t["fingertips"] = torch.from_numpy(m["fingertips"])
    return t


def make_mano():
    rng = np.random.default_rng(20240611)
    m = random_model(rng, 40, 60)
    write("mano_tiny_RIGHT.pkl", py2_dumps(official_layout(m, rng), 2))
    dense = {k: m[k] for k in ("v_template", "shapedirs", "posedirs", "J_regressor", "weights",
                               "kintree_table", "f", "hands_components", "hands_mean", "hands_coeffs",
                               "J", "fingertips")}
    np.savez_compressed(os.path.join(OUT, "mano_tiny.npz"), **dense)
    safetensors_io.save(os.path.join(OUT, "mano_tiny_expected.safetensors"), expected_tensors(m))

    small = random_model(rng, 10, 12)
    write("mano_tiny_p0_RIGHT.pkl", py2_dumps(official_layout(small, rng), 0))
    write("mano_tiny_nofingertips.pkl", py2_dumps(official_layout(small, rng, with_fingertips=False), 2))
    safetensors_io.save(os.path.join(OUT, "mano_tiny_p0_expected.safetensors"), expected_tensors(small))


# ---- one structure at every protocol -------------------------------------------------------------

def opcode_structure(protocol):
    shared = [7, 8]
    s = {
        "ints": [0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31 - 1, 2**31, 2**40, -2**40, 2**63 - 1, -2**63],
        "floats": [0.0, -1.5, 1e300, float("inf"), float("nan")],
        "text": ["", "abc", "\u00fcn\u00ef \u20ac", "a\nb\\u0041\r\x1a\x00"],
        "bytes": [b"", b"\x00\xff\n\\'"],
        "none": None,
        "bools": (True, False),
        "tuples": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)],
        "set": {1, 2, 3},
        "frozenset": frozenset({"a", "b"}),
        "shared": [shared, shared],
        "nested": {"a": {"b": [1, [2, [3]]]}},
        "int_keys": {1: "one", 2: "two", (3, "x"): "tuple"},
        "arrays": {
            "f4": np.arange(6, dtype="<f4").reshape(2, 3) / 4,
            "f8_fortran": np.asfortranarray(np.arange(24, dtype="<f8").reshape(2, 3, 4) - 0.5),
            "f2": np.array([0.5, -2.0, 65504.0], dtype="<f2"),
            "i1": np.array([-128, 127], dtype="i1"),
            "i2": np.array([-32768, 32767], dtype="<i2"),
            "i4": np.array([-5, 6], dtype="<i4"),
            "i8": np.array([-2**62, 2**62], dtype="<i8"),
            "u1": np.array([0, 255], dtype="u1"),
            "u2": np.array([65535], dtype="<u2"),
            "u4": np.array([4294967295, 0], dtype="<u4"),
            "b1": np.array([True, False, True]),
            "be": np.arange(4, dtype=">i4"),
            "be_f8": np.array([1.25, -3.5], dtype=">f8"),
            "zero_d": np.array(2.5),
            "empty": np.zeros((0, 3), dtype="<f4"),
        },
        "scalars": [np.float64(2.5), np.int64(-7), np.bool_(True)],
    }
    if protocol >= 5:
        s["bytearray"] = bytearray(b"xyz")
    return s


def make_protocols():
    for p in range(6):
        write("pickle_p%d.pkl" % p, pickle.dumps(opcode_structure(p), protocol=p))
    py2 = {"s": b"a\x00\xff'\"\\\n\t", "arr": np.arange(3.0), "k": [b"x", u"\u00e9"]}
    write("pickle_py2_p0.pkl", py2_dumps(py2, 0))
    write("pickle_py2_p1.pkl", py2_dumps(py2, 1))


# ---- chumpy / scipy objects, good and bad, for to_dense_array ------------------------------------

def make_objects():
    f8 = lambda v: np.array(v, dtype=np.float64)  # noqa: E731
    i4 = lambda v: np.array(v, dtype=np.int32)  # noqa: E731
    cases = {
        "ch": Ch(f8([[1.0, 2.0], [3.0, 4.0]])),
        "select": Select(Ch(np.arange(6.0)), np.array([5, -1, 0, 2]), (2, -1)),
        "select_flat": Select(Ch(np.arange(6.0)), np.array([1, 3]), None),
        "select_of_select": Select(Select(Ch(np.arange(6.0)), np.array([5, 4, 3]), (3,)), np.array([2, 0]), (2,)),
        "csc": csc_matrix(f8([1.0, 2.0, 3.0, 4.0]), i4([0, 2, 1, 1]), i4([0, 2, 2, 4]), (3, 3)),
        "csc_bad_row": csc_matrix(f8([1.0, 2.0]), i4([0, 5]), i4([0, 1, 2]), (3, 2)),
        "csc_bad_indptr": csc_matrix(f8([1.0, 2.0]), i4([0, 1]), i4([0, 2, 1]), (3, 2)),
        "csc_bad_count": csc_matrix(f8([1.0, 2.0]), i4([0, 1]), i4([0, 1, 3]), (3, 2)),
        "csc_bad_ptrlen": csc_matrix(f8([1.0, 2.0]), i4([0, 1]), i4([0, 2]), (3, 2)),
        "select_bad_idx": Select(Ch(np.arange(4.0)), np.array([0, 9]), (2,)),
        "select_bad_shape": Select(Ch(np.arange(4.0)), np.array([0, 1, 2]), (2, 2)),
        "ch_without_x": Ch(None),
        "nested_list": [[1, 2.5], [3, 4]],
        "ragged_list": [[1, 2], [3]],
    }
    del cases["ch_without_x"].__dict__["x"]
    cases["select_flat"].__dict__.pop("preferred_shape")
    write("pickle_objects.pkl", py2_dumps(cases, 2))


# ---- npz / npy -------------------------------------------------------------------------------------

def npz_arrays():
    return {
        "f2": np.array([[0.5, -2.0], [65504.0, 0.0]], dtype="<f2"),
        "f4": np.arange(12, dtype="<f4").reshape(3, 4) / 8,
        "f8": np.linspace(-1, 1, 7),
        "i1": np.array([-128, 0, 127], dtype="i1"),
        "i2": np.array([-32768, 32767], dtype="<i2"),
        "i4": np.array([[-5, 6, 7]], dtype="<i4"),
        "i8": np.array([-2**62, 3, 2**62], dtype="<i8"),
        "u1": np.array([0, 128, 255], dtype="u1"),
        "u2": np.array([0, 65535], dtype="<u2"),
        "u4": np.array([4294967295, 1], dtype="<u4"),
        "u8": np.array([2**63 - 1, 0], dtype="<u8"),
        "b1": np.array([True, False, False, True]),
        "fortran": np.asfortranarray(np.arange(24, dtype="<f8").reshape(2, 3, 4)),
        "fortran_i4": np.asfortranarray(np.arange(6, dtype="<i4").reshape(2, 3)),
        "big_f8": np.array([1.5, -2.25, 1e10], dtype=">f8"),
        "big_i2": np.array([-2, 300], dtype=">i2"),
        "zero_d": np.array(3.25),
        "empty": np.zeros((0, 3), dtype="<f4"),
    }


def make_npz():
    np.savez(os.path.join(OUT, "npz_stored.npz"), **npz_arrays())
    np.savez_compressed(os.path.join(OUT, "npz_compressed.npz"), **npz_arrays())
    a = np.arange(10, dtype="<i8").reshape(2, 5) * 3
    for v in (1, 2, 3):
        with open(os.path.join(OUT, "npy_v%d.npy" % v), "wb") as f:
            np.lib.format.write_array(f, a, version=(v, 0))


if __name__ == "__main__":
    make_mano()
    make_protocols()
    make_objects()
    make_npz()
