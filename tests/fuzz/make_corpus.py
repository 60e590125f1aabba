#!/usr/bin/env python3
"""Writes the seed corpus of sgmv-fuzz-problem (tests/fuzz/corpus/).

Each seed is a small, mostly valid call in the byte format that
fuzz_problem.cpp reads (see the comment at its top); the fuzzer mutates from
there. Run from anywhere: python3 tests/fuzz/make_corpus.py
"""
import os
import struct

F16, BF16, F32, I32, I64 = range(5)
SHRINK, EXPAND, EXPAND_MULTI = range(3)
PER_TOKEN, ADD, ALIAS, STRICT = 1, 2, 4, 8


def dim(v):
    assert 0 <= v < 40, v
    return bytes([v])


def val(v):
    assert -4 <= v < 44, v
    return bytes([v + 4])


def tensor(dtype, shape, stride_mode=0, pad=0, pointer=1):
    """dtype, rank, dims, stride mode (0 contiguous, 1 padded rows), pointer."""
    b = bytes([dtype, len(shape) + 1]) + b"".join(dim(d) for d in shape)
    b += bytes([stride_mode])
    if stride_mode == 1:
        b += bytes([pad])
    return b + bytes([pointer])


def meta(values):
    """Default dtype, length and stride; a real pointer; the values."""
    return bytes([0, 0, 0, 1]) + b"".join(val(v) for v in values)


def call(op, flags, meta_dtype, max_seg_len, S, tensors, metas, slices=1, scale=1.0):
    head = bytes([op, flags, slices + 1, meta_dtype]) + struct.pack("<f", scale)
    return head + dim(max_seg_len) + dim(S) + b"".join(tensors) + b"".join(meta(m) for m in metas)


def seeds():
    out = {}
    # shrink, segments, f32: T=8 H=16 R=4 L=3; segments [0,3) [3,5) [6,8) with adapters 0 2 -1.
    out["shrink_segments_f32"] = call(
        SHRINK, 0, I32, 3, 3,
        [tensor(F32, [8, 16]), tensor(F32, [3, 4, 16]), tensor(F32, [8, 4])],
        [[0, 3, 6], [3, 2, 2], [0, 2, -1]], scale=0.5)
    # shrink, per token, bf16 in, f32 out, odd sizes.
    out["shrink_tokens_bf16"] = call(
        SHRINK, PER_TOKEN, I32, 0, 0,
        [tensor(BF16, [5, 7]), tensor(BF16, [2, 3, 7]), tensor(F32, [5, 3])],
        [[0, 1, -1, 1, 0]])
    # shrink with [L, 1, R, H] weights, i64 metadata, padded x rows.
    out["shrink_rank4_i64"] = call(
        SHRINK, 0, I64, 4, 2,
        [tensor(F16, [6, 9], 1, 3), tensor(F16, [2, 1, 5, 9]), tensor(F16, [6, 5])],
        [[0, 4], [4, 2], [1, 0]])
    # expand_slice, segments, f16, add, into columns [2, 7) of a padded [6, 9] output.
    out["expand_slice_add_f16"] = call(
        EXPAND, ADD, I32, 6, 2,
        [tensor(F16, [6, 4]), tensor(F16, [2, 5, 4]), dim(2), tensor(F16, [6, 9], 1, 2)],
        [[0, 2], [2, 4], [1, 0]])
    # expand_multi, 3 slices, per token, bf16: N = 3, 2, 4 at offsets 0, 3, 5.
    out["expand_multi_tokens_bf16"] = call(
        EXPAND_MULTI, PER_TOKEN, I32, 0, 0,
        [tensor(BF16, [4, 2]), tensor(BF16, [2, 3, 2]), dim(0),
         tensor(BF16, [4, 2]), tensor(BF16, [2, 2, 2]), dim(3),
         tensor(BF16, [4, 2]), tensor(BF16, [2, 4, 2]), dim(5),
         tensor(BF16, [4, 9])],
        [[1, -1, 0, 1]], slices=3)
    # Bad device metadata: a segment past T, a negative length, an adapter past L.
    out["bad_metadata"] = call(
        SHRINK, 0, I32, 8, 4,
        [tensor(F32, [8, 8]), tensor(F32, [2, 2, 8]), tensor(F32, [8, 2])],
        [[0, 6, 2, 1], [2, 5, -1, 1], [0, 1, 1, 7]])
    # The same in strict mode: rejected on the host with device_fault.
    out["bad_metadata_strict"] = call(
        SHRINK, STRICT, I32, 8, 2,
        [tensor(F32, [8, 8]), tensor(F32, [2, 2, 8]), tensor(F32, [8, 2])],
        [[0, 6], [2, 5], [0, 1]])
    # Output aliasing the input: validation must refuse it.
    out["alias_output"] = call(
        SHRINK, ALIAS, I32, 2, 1,
        [tensor(F32, [4, 8]), tensor(F32, [1, 2, 8]), tensor(F32, [4, 2])],
        [[0], [2], [0]])
    # Empty batch (S = 0) and empty T: successful no-ops.
    out["empty_batch"] = call(
        EXPAND, 0, I64, 0, 0,
        [tensor(F32, [3, 2]), tensor(F32, [1, 3, 2]), dim(0), tensor(F32, [3, 3])],
        [[], [], []])
    # Per-token expand with max_seg_len ignored and rows beyond a short segment.
    out["expand_tokens_f32"] = call(
        EXPAND, PER_TOKEN | ADD, I64, 0, 0,
        [tensor(F32, [7, 3]), tensor(F32, [3, 5, 3]), dim(0), tensor(F32, [7, 5])],
        [[2, 2, -1, 0, 1, -1, 2]])
    # x one byte off its element alignment (pointer mode 7: misaligned by 1):
    # validation must refuse it, or the kernels load misaligned f16 values.
    out["misaligned_pointer"] = call(
        SHRINK, 0, I32, 2, 1,
        [tensor(F16, [2, 8], pointer=7), tensor(F16, [1, 2, 8]), tensor(F16, [2, 2])],
        [[0], [2], [0]])
    return out


def main():
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(here, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(here, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(seeds())} seeds to {here}")


if __name__ == "__main__":
    main()
