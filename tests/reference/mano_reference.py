#!/usr/bin/python3
"""An independent, plain numpy MANO forward pass (REFERENCE.md §4) and the fixture it produces.

Run with Debian's python3:  /usr/bin/python3 tests/reference/mano_reference.py
Writes tests/fixtures/mano_forward.safetensors: a small random but valid MANO-like model (V = 50)
under "model.*" and several forward cases under "case<k>.*" (inputs, options, outputs).

This is deliberately written differently from the C++ ManoLayer: one hand at a time, Rodrigues from
the unit axis (identity only for an exactly zero vector), J regressed from the shaped vertices,
4x4 homogeneous transforms composed joint by joint, and each vertex skinned with its own blended
4x4 matrix.
"""
import os

import numpy as np
import torch

from safetensors_io import save

PARENTS = [-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 0, 10, 11, 0, 13, 14]
MANO_TO_FREIHAND = [0, 13, 14, 15, 16, 1, 2, 3, 17, 4, 5, 6, 18, 10, 11, 12, 19, 7, 8, 9, 20]


def random_model(rng, num_vertices=50, num_faces=24):
    """Every array has the official shape with V = num_vertices; rows of weights and of J_regressor
    sum to 1, hands_components is orthonormal (QR), hands_mean is non-zero."""
    v = num_vertices
    weights = rng.uniform(0.0, 1.0, (v, 16)) ** 4  # a few dominant joints per vertex
    weights /= weights.sum(axis=1, keepdims=True)
    regressor = rng.uniform(0.0, 1.0, (16, v)) * (rng.uniform(0.0, 1.0, (16, v)) < 0.2)
    regressor[np.arange(16), rng.integers(0, v, 16)] += 0.5  # no empty row
    regressor /= regressor.sum(axis=1, keepdims=True)
    q, r = np.linalg.qr(rng.normal(size=(45, 45)))
    components = (q * np.sign(np.diag(r))).T  # rows orthonormal
    faces = np.stack([rng.choice(v, 3, replace=False) for _ in range(num_faces)])
    return {
        "v_template": rng.uniform(-0.08, 0.08, (v, 3)),
        "shapedirs": rng.normal(0.0, 0.01, (v, 3, 10)),
        "posedirs": rng.normal(0.0, 0.01, (v, 3, 135)),
        "J_regressor": regressor,
        "weights": weights,
        "faces": faces.astype(np.int64),
        "hands_components": components,
        "hands_mean": rng.normal(0.0, 0.3, 45),
        "parents": np.array(PARENTS, dtype=np.int64),
        "fingertips": rng.choice(v, 5, replace=False).astype(np.int64),
    }


def rotation(aa):
    theta = np.sqrt(aa @ aa)
    if theta == 0.0:
        return np.eye(3)
    k = aa / theta
    cross = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + np.sin(theta) * cross + (1.0 - np.cos(theta)) * cross @ cross


def homogeneous(rot, t):
    m = np.eye(4)
    m[:3, :3] = rot
    m[:3, 3] = t
    return m


def one_hand(model, global_rot, coeffs, betas, trans, use_pca, ncomps, flat_hand_mean):
    mean = np.zeros(45) if flat_hand_mean else model["hands_mean"]
    hand = coeffs @ model["hands_components"][:ncomps] if use_pca else coeffs
    full_pose = np.concatenate([global_rot, mean + hand])

    v_shaped = model["v_template"] + np.einsum("vck,k->vc", model["shapedirs"], betas)
    rest = model["J_regressor"] @ v_shaped
    rots = [rotation(full_pose[3 * j:3 * j + 3]) for j in range(16)]
    feature = np.concatenate([(rots[j] - np.eye(3)).reshape(-1) for j in range(1, 16)])
    v_posed = v_shaped + np.einsum("vcp,p->vc", model["posedirs"], feature)

    world = [homogeneous(rots[0], rest[0])]
    for j in range(1, 16):
        p = PARENTS[j]
        world.append(world[p] @ homogeneous(rots[j], rest[j] - rest[p]))
    joints16 = np.array([g[:3, 3] for g in world])
    skin = []
    for j in range(16):
        a = world[j].copy()
        a[:3, 3] -= world[j][:3, :3] @ rest[j]
        skin.append(a)
    vertices = np.zeros_like(v_posed)
    for i in range(v_posed.shape[0]):
        blended = sum(model["weights"][i, j] * skin[j] for j in range(16))
        vertices[i] = (blended @ np.append(v_posed[i], 1.0))[:3]
    vertices += trans
    joints16 = joints16 + trans
    with_tips = np.concatenate([joints16, vertices[model["fingertips"]]])
    return vertices, with_tips[MANO_TO_FREIHAND], joints16, full_pose


def main():
    rng = np.random.default_rng(20261123)
    model = random_model(rng)
    out = {"model." + k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in model.items()}

    # (use_pca, ncomps, flat_hand_mean, batch, pose scale, has_betas, has_trans, zero inputs)
    cases = [
        (True, 6, False, 2, 1.0, True, True, False),
        (True, 30, False, 3, 0.8, True, True, False),
        (True, 45, True, 2, 0.8, True, True, False),
        (False, 45, False, 2, 0.6, True, True, False),
        (False, 45, True, 3, 0.6, False, True, False),
        (True, 12, False, 2, 0.8, True, False, False),
        (False, 45, True, 1, 0.0, True, True, True),  # everything zero: the template hand
        (True, 45, False, 4, 2.0, True, True, False),  # large angles, a global rotation beyond pi
    ]
    for index, (use_pca, ncomps, flat, batch, scale, has_betas, has_trans, zero) in enumerate(cases):
        width = ncomps if use_pca else 45
        global_rot = rng.uniform(-2.0, 2.0, (batch, 3))
        pose = rng.normal(0.0, scale, (batch, width))
        betas = rng.normal(0.0, 1.0, (batch, 10)) if has_betas else np.zeros((batch, 10))
        trans = rng.uniform(-0.2, 0.2, (batch, 3)) if has_trans else np.zeros((batch, 3))
        if zero:
            global_rot[:], pose[:], betas[:], trans[:] = 0.0, 0.0, 0.0, 0.0
        if index == len(cases) - 1:
            global_rot[0] *= 4.0 / np.linalg.norm(global_rot[0])
        results = [one_hand(model, global_rot[b], pose[b], betas[b], trans[b], use_pca, ncomps, flat)
                   for b in range(batch)]
        prefix = "case%d." % index
        options = {"use_pca": int(use_pca), "ncomps": ncomps, "flat_hand_mean": int(flat),
                   "has_betas": int(has_betas), "has_trans": int(has_trans)}
        for k, v in options.items():
            out[prefix + k] = torch.tensor([v], dtype=torch.int64)
        out[prefix + "global_rot"] = torch.from_numpy(global_rot)
        out[prefix + "pose"] = torch.from_numpy(pose)
        out[prefix + "betas"] = torch.from_numpy(betas)
        out[prefix + "trans"] = torch.from_numpy(trans)
        for k, name in enumerate(["vertices", "joints", "joints16", "full_pose"]):
            out[prefix + name] = torch.from_numpy(np.stack([r[k] for r in results]))
    out["num_cases"] = torch.tensor([len(cases)], dtype=torch.int64)

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "mano_forward.safetensors")
    save(path, out, {"generator": "tests/reference/mano_reference.py"})
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
