"""Meta pickles for the HO-3D reader (tests/hand/test_ho3d.cpp), in the layout of HO-3D's
meta/<FRAME>.pkl: a dict of numpy arrays (plus a few entries the reader ignores).

Run with /usr/bin/python3 (numpy). Writes into tests/fixtures/:

  ho3d_train_p2.pkl   a fully annotated frame, protocol 2, float64 arrays (variant 0)
  ho3d_train_p4.pkl   a fully annotated frame, protocol 4, float32 arrays (variant 1)
  ho3d_eval_p4.pkl    an evaluation frame: handJoints3D = root only [3], handBoundingBox, no MANO
  ho3d_none_p4.pkl    a frame without hand annotation: handJoints3D = None
  ho3d_bad_nokey.pkl  camMat missing
  ho3d_bad_shape.pkl  camMat of shape [3]
  ho3d_bad_joints.pkl handJoints3D of shape [20, 3]

The values follow formulas the C++ test repeats: joint s (file order, MANO + tips) of variant v is
(0.01 s − 0.1 + 0.001 v, 0.02 + 0.003 s, −(0.5 + 0.01 s + 0.05 v)) in OpenGL axes, and
camMat = [[600 + 10 v, 0, 20.5], [0, 601 + 10 v, 15.25], [0, 0, 1]].
Deterministic: re-running reproduces the same bytes.
"""
import os
import pickle

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")


def joints(v):
    s = np.arange(21, dtype=np.float64)
    return np.stack([0.01 * s - 0.1 + 0.001 * v, 0.02 + 0.003 * s, -(0.5 + 0.01 * s + 0.05 * v)], axis=1)


def cam(v):
    return np.array([[600.0 + 10 * v, 0.0, 20.5], [0.0, 601.0 + 10 * v, 15.25], [0.0, 0.0, 1.0]])


def full_meta(v, dtype):
    return {
        "handPose": (np.arange(48) * 0.01).astype(dtype),
        "handBeta": (np.arange(10) * 0.1).astype(dtype),
        "handTrans": np.array([0.01, 0.02, -0.5], dtype=dtype),
        "handJoints3D": joints(v).astype(dtype),
        "camMat": cam(v).astype(dtype),
        "objName": "003_cracker_box",
        "objRot": np.zeros((3, 1), dtype=dtype),
        "objTrans": np.array([0.0, 0.0, -0.6], dtype=dtype),
        "objLabel": 1,
    }


def write(name, obj, protocol):
    with open(os.path.join(OUT, name), "wb") as f:
        pickle.dump(obj, f, protocol=protocol)


def main():
    write("ho3d_train_p2.pkl", full_meta(0, np.float64), 2)
    write("ho3d_train_p4.pkl", full_meta(1, np.float32), 4)
    ev = {
        "handJoints3D": joints(2)[0].copy(),
        "handBoundingBox": np.array([3.0, 4.0, 30.0, 25.0]),
        "camMat": cam(2),
        "objName": "019_pitcher_base",
    }
    write("ho3d_eval_p4.pkl", ev, 4)
    write("ho3d_none_p4.pkl", {"handJoints3D": None, "handPose": None, "camMat": cam(0)}, 4)
    bad = full_meta(0, np.float64)
    del bad["camMat"]
    write("ho3d_bad_nokey.pkl", bad, 4)
    bad = full_meta(0, np.float64)
    bad["camMat"] = np.array([600.0, 601.0, 1.0])
    write("ho3d_bad_shape.pkl", bad, 4)
    bad = full_meta(0, np.float64)
    bad["handJoints3D"] = joints(0)[:20].copy()
    write("ho3d_bad_joints.pkl", bad, 2)


if __name__ == "__main__":
    main()
