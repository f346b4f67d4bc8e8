"""Writes tests/fixtures/safetensors_all_dtypes.safetensors: one small tensor of every dtype handgrad
supports, a 0-d and an empty tensor, and metadata. The values are exactly representable in their
dtype, so tests/tensor/test_safetensors_fixture.cpp compares them for equality.

Run with Debian's python (it has torch):  /usr/bin/python3 tests/reference/make_safetensors_fixture.py
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "safetensors_all_dtypes.safetensors")


def main():
    tensors = {
        # Insertion order (= data order) is deliberately not alphabetical.
        "f32": torch.tensor([[0.0, 1.5, -2.25], [1024.0, -0.0, 2.0 ** -20]], dtype=torch.float32),
        "f64": torch.tensor([1.0 / 3.0, -1e300, 2.5], dtype=torch.float64),
        "f16": torch.tensor([1.0, -0.5, 65504.0, 2.0 ** -14], dtype=torch.float16),
        "bf16": torch.tensor([[1.0, -2.0], [3.140625, -0.0078125]], dtype=torch.bfloat16),
        "i32": torch.tensor([-2 ** 31, -1, 0, 1, 2 ** 31 - 1], dtype=torch.int32),
        "i64": torch.tensor([-2 ** 63, 0, 2 ** 63 - 1], dtype=torch.int64),
        "u8": torch.tensor([0, 1, 2, 127, 128, 200, 254, 255], dtype=torch.uint8).reshape(2, 2, 2),
        "bool": torch.tensor([True, False, True], dtype=torch.bool),
        "scalar": torch.tensor(42.5, dtype=torch.float32),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
        # A transposed (non-contiguous) source: the writer stores it in row-major order.
        "transposed": torch.arange(6, dtype=torch.int32).reshape(2, 3).t(),
    }
    metadata = {"format": "pt", "producer": "make_safetensors_fixture.py"}
    safetensors_io.save(OUT, tensors, metadata)
    print(f"wrote {os.path.normpath(OUT)} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
