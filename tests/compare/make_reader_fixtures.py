#!/usr/bin/env python3
"""Writes every reference-file variant the readers must handle, plus the malformed corpus.

Usage: make_reader_fixtures.py OUT_DIR

OUT_DIR/manifest.json lists
  "good": [{"file", "tensor", "dtype", "shape", "expected"}]  expected = raw little-endian C-order
          bytes (OUT_DIR/expected/N.bin) of what NumPy reads from that file
  "bad":  [{"file", "error"}]  error = a substring the one-line message must contain
safetensors files are written by a small writer following the published layout (the Python
package is not in Debian).
"""
import io
import json
import os
import struct
import sys
import zipfile

import h5py
import numpy as np

out = sys.argv[1]
os.makedirs(os.path.join(out, "expected"), exist_ok=True)
good, bad = [], []
rng = np.random.default_rng(1234)

OUR_DTYPE = {"f2": "f16", "f4": "f32", "f8": "f64", "i1": "i8", "i2": "i16", "i4": "i32",
             "i8": "i64", "u1": "u8", "u2": "u16", "u4": "u32", "u8": "u64", "b1": "bool"}


def sample(code, shape):
    n = int(np.prod(shape)) if len(shape) else 1
    if code == "b1":
        v = rng.integers(0, 2, n).astype(bool)
    elif code[0] == "f":
        v = rng.standard_normal(n) * 100
        if n >= 4:  # specials survive every reader
            v[:4] = [np.nan, np.inf, -np.inf, -0.0]
        v = v.astype(code)
    else:
        info = np.iinfo(np.dtype(code))
        v = rng.integers(info.min, info.max, n, dtype=np.dtype(code), endpoint=True)
    return v.reshape(shape)


def expect(path, name, arr):
    """Records what NumPy reads back from `path` as the truth for tensor `name`."""
    idx = len(good)
    le = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"))
    if arr.dtype.kind == "b":
        le = le.astype(np.uint8)
    with open(os.path.join(out, "expected", f"{idx}.bin"), "wb") as f:
        f.write(le.tobytes(order="C"))
    code = arr.dtype.kind + str(arr.dtype.itemsize)
    good.append({"file": os.path.basename(path), "tensor": name, "dtype": OUR_DTYPE[code],
                 "shape": list(arr.shape), "expected": f"expected/{idx}.bin"})


def save_npy(name, arr, version=None):
    path = os.path.join(out, name + ".npy")
    with open(path, "wb") as f:
        np.lib.format.write_array(f, arr, version=version)
    expect(path, name, np.load(path))
    return path


# --- .npy: every dtype, both byte orders, Fortran order, 0-d, empty, versions 1/2/3
for code in OUR_DTYPE:
    orders = ["|"] if code in ("i1", "u1", "b1") else ["<", ">"]
    for order in orders:
        dt = np.dtype(code).newbyteorder(order) if order != "|" else np.dtype(code)
        arr = sample(code, (3, 5)).astype(dt)
        tag = {"<": "le", ">": "be", "|": "na"}[order]
        save_npy(f"npy_{code}_{tag}", arr)
        save_npy(f"npy_{code}_{tag}_fortran", np.asfortranarray(sample(code, (4, 3, 2)).astype(dt)))
save_npy("npy_scalar", np.array(3.25, dtype=np.float64))
save_npy("npy_empty", np.zeros((0, 7), dtype=np.float32))
save_npy("npy_empty1d", np.zeros((0,), dtype=np.int16))
save_npy("npy_v2", sample("f4", (6, 2)), version=(2, 0))
save_npy("npy_v3", sample("i4", (2, 2, 2)), version=(3, 0))
save_npy("npy_1d", sample("f8", (11,)))


def raw_npy(header_text, payload, version=(1, 0), pad_to=64):
    """A .npy written by hand: for old 16-byte padding and the malformed corpus."""
    pre = 10 if version[0] == 1 else 12
    h = header_text.encode("latin1")
    total = pre + len(h) + 1
    h += b" " * ((-total) % pad_to) + b"\n"
    size = struct.pack("<H", len(h)) if version[0] == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes(version) + size + h + payload


# Older writers padded the header to 16 bytes.
arr16 = sample("f4", (2, 3))
path = os.path.join(out, "npy_pad16.npy")
with open(path, "wb") as f:
    f.write(raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                    arr16.tobytes(), pad_to=16))
expect(path, "npy_pad16", np.load(path))

# --- .npz stored and deflated (NumPy writes members with zip64 extra fields)
members = {"alpha": sample("f4", (4, 4)), "beta": sample("i8", (3,)),
           "gamma": np.asfortranarray(sample("f8", (2, 5))), "delta": np.array(True)}
for kind, saver in (("stored", np.savez), ("deflate", np.savez_compressed)):
    path = os.path.join(out, f"npz_{kind}.npz")
    saver(path, **members)
    with np.load(path) as z:
        for k in z.files:
            expect(path, k, z[k])
# An explicitly zip64 archive, written by zipfile itself.
path = os.path.join(out, "npz_zip64.npz")
with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as z:
    for k, v in members.items():
        buf = io.BytesIO()
        np.lib.format.write_array(buf, v)
        with z.open(k + ".npy", "w", force_zip64=True) as m:
            m.write(buf.getvalue())
with np.load(path) as z:
    for k in z.files:
        expect(path, k, z[k])

# --- safetensors, by the published layout
ST_CODE = {"f2": "F16", "f4": "F32", "f8": "F64", "i1": "I8", "i2": "I16", "i4": "I32",
           "i8": "I64", "u1": "U8", "u2": "U16", "u4": "U32", "u8": "U64", "b1": "BOOL"}


def safetensors_bytes(tensors, metadata=None, pad=True, raw_header=None):
    header, blobs, offset = {}, [], 0
    for name, (st_dtype, shape, data) in tensors.items():
        header[name] = {"dtype": st_dtype, "shape": list(shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata is not None:
        header["__metadata__"] = metadata
    text = raw_header if raw_header is not None else json.dumps(header).encode()
    if pad:
        text += b" " * ((-len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


st = {}
for code, st_dtype in ST_CODE.items():
    arr = sample(code, (2, 3))
    st[f"t_{code}"] = (st_dtype, arr.shape, arr.astype(arr.dtype.newbyteorder("<")).tobytes())
bf = rng.standard_normal(6).astype(np.float32)
bf_bits = (bf.view(np.uint32) >> 16).astype("<u2")  # truncate to bfloat16
st["t_bf16"] = ("BF16", (6,), bf_bits.tobytes())
st["scalar"] = ("F32", (), np.array(1.5, dtype="<f4").tobytes())
st["empty"] = ("F32", (0, 3), b"")
path = os.path.join(out, "tensors.safetensors")
with open(path, "wb") as f:
    f.write(safetensors_bytes(st, metadata={"format": "pt"}))
for name, (st_dtype, shape, data) in st.items():
    if st_dtype == "BF16":
        continue
    code = [c for c, s in ST_CODE.items() if s == st_dtype][0]
    expect(path, name, np.frombuffer(data, dtype=np.dtype(code).newbyteorder("<")).reshape(shape))
# bfloat16: NumPy has no such dtype; the truth is the float32 values of the 16-bit patterns.
good.append({"file": "tensors.safetensors", "tensor": "t_bf16", "dtype": "bf16", "shape": [6],
             "expected": f"expected/{len(good)}.bin"})
with open(os.path.join(out, good[-1]["expected"]), "wb") as f:
    f.write(bf_bits.tobytes())

# --- HDF5 written by h5py: nested groups, big-endian, f16, bool
path = os.path.join(out, "refs.h5")
with h5py.File(path, "w") as f:
    f["top"] = sample("f4", (3, 4))
    f.create_dataset("model/layer1/weight", data=sample("f8", (2, 3)).astype(">f8"))
    f["model/layer1/half"] = sample("f2", (5,))
    f["model/mask"] = sample("b1", (2, 2))
    f["model/layer2/ints"] = sample("i2", (3, 1))
    f["model/scalar"] = np.float32(2.5)
with h5py.File(path, "r") as f:
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            expect(path, name, obj[()] if obj.shape != () else np.array(obj[()]))
    f.visititems(visit)

# --- malformed corpus: each must give a one-line error naming the file and the problem
def write_bad(name, data, error):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
    bad.append({"file": name, "error": error})


ok = raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }",
             np.arange(16, dtype="<f4").tobytes())
write_bad("bad_truncated_data.npy", ok[:-10], "data shorter than the shape needs")
write_bad("bad_truncated_header.npy", ok[:40], "truncated")
write_bad("bad_lying_header.npy",
          raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (100, 4), }",
                  np.arange(16, dtype="<f4").tobytes()), "data shorter than the shape needs")
write_bad("bad_overflow.npy",
          raw_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
                  b"\0" * 64), "overflow")
write_bad("bad_unknown_dtype.npy",
          raw_npy("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", b"\0" * 16),
          "unsupported dtype '<c8'")
buf = io.BytesIO()
np.save(buf, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
write_bad("bad_object.npy", buf.getvalue(), "object array")
write_bad("bad_magic.npy", b"\x93NUMPZ" + ok[6:], "bad magic")
write_bad("bad_version.npy", ok[:6] + b"\x04\x00" + ok[8:], "unsupported .npy format version 4")
write_bad("bad_header_syntax.npy",
          raw_npy("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }", b"\0" * 8),
          "malformed header")
write_bad("bad_structured.npy",
          raw_npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", b"\0" * 8),
          "structured dtype")

good_st = {"w": ("F32", (2, 2), np.arange(4, dtype="<f4").tobytes()),
           "b": ("F32", (2,), np.arange(2, dtype="<f4").tobytes())}
st_ok = safetensors_bytes(good_st)
write_bad("bad_st_truncated.safetensors", st_ok[:-4], "lies outside the file")
write_bad("bad_st_short.safetensors", st_ok[:5], "truncated safetensors file")
write_bad("bad_st_header_len.safetensors", struct.pack("<Q", 10**6) + st_ok[8:],
          "truncated safetensors file")
write_bad("bad_st_huge_header.safetensors", struct.pack("<Q", 200 * 10**6) + st_ok[8:],
          "exceeds the 100 MB limit")


def st_with_header(header, data):
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


data24 = np.arange(6, dtype="<f4").tobytes()
write_bad("bad_st_overlap.safetensors",
          st_with_header({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                          "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}}, data24),
          "overlaps")
write_bad("bad_st_hole.safetensors",
          st_with_header({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                          "b": {"dtype": "F32", "shape": [2], "data_offsets": [16, 24]}}, data24),
          "hole")
write_bad("bad_st_trailing.safetensors",
          st_with_header({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, data24),
          "trailing data bytes")
write_bad("bad_st_dtype.safetensors",
          st_with_header({"a": {"dtype": "F8_E4M3", "shape": [24], "data_offsets": [0, 24]}},
                         data24), "unsupported dtype 'F8_E4M3'")
write_bad("bad_st_shape.safetensors",
          st_with_header({"a": {"dtype": "F32", "shape": [5], "data_offsets": [0, 24]}}, data24),
          "shape needs 20 bytes")
write_bad("bad_st_overflow.safetensors",
          st_with_header({"a": {"dtype": "F64", "shape": [2**62, 16], "data_offsets": [0, 24]}},
                         data24), "overflow")
write_bad("bad_st_json.safetensors", struct.pack("<Q", 9) + b"{not json" + data24,
          "not a JSON object")
write_bad("bad_st_negative.safetensors",
          st_with_header({"a": {"dtype": "F32", "shape": [-6], "data_offsets": [0, 24]}}, data24),
          "negative dimension")

# npz: cut short, and a member whose deflated bytes are corrupted (CRC / inflate error)
with open(os.path.join(out, "npz_deflate.npz"), "rb") as f:
    npz = f.read()
write_bad("bad_truncated.npz", npz[: len(npz) // 2], "not a readable .npz")
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
    z.writestr("x.npy", ok[:-10])
write_bad("bad_member.npz", buf.getvalue(), "x: data shorter than the shape needs")
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
    z.writestr("y.npy", raw_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4096,), }",
                                rng.standard_normal(4096).tobytes()))
corrupt = bytearray(buf.getvalue())
corrupt[400:440] = b"\xff" * 40  # inside the deflated data
write_bad("bad_crc.npz", bytes(corrupt), "y: truncated or corrupt member")

path = os.path.join(out, "bad_strings.h5")
with h5py.File(path, "w") as f:
    f["names"] = np.array([b"abc", b"de"])
bad.append({"file": "bad_strings.h5", "error": "names: unsupported HDF5 element type"})
write_bad("bad_empty.npy", b"", "not a .npy file")
write_bad("bad_model.pt", b"PK\x05\x06" + b"\0" * 18, "are pickles and are not read")

with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump({"good": good, "bad": bad}, f, indent=1)
print(f"{len(good)} good tensors, {len(bad)} malformed files")
