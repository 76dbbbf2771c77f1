"""Minimal safetensors reader/writer and bfloat16 conversion, written from the format spec.

safetensors layout: u64 little-endian header length N, then N bytes of UTF-8 JSON
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}},
then the data buffer; offsets are relative to the start of the buffer, tensors are
packed back to back (the reference implementation rejects gaps), little-endian.
"""

import json
import struct

import numpy as np

_NUMPY_DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8"), "F16": np.dtype("<f2"),
                 "I64": np.dtype("<i8"), "I32": np.dtype("<i4")}


def bf16_bits_from_f32(values):
    """Round float32 values to bfloat16 (round to nearest, ties to even) and return the uint16 bit patterns."""
    bits = np.ascontiguousarray(values, dtype="<f4").view("<u4").astype(np.uint64)
    if not np.all(np.isfinite(values)):
        raise ValueError("bf16 rounding: non-finite values are not supported")
    lsb_of_result = (bits >> np.uint64(16)) & np.uint64(1)
    rounded = (bits + np.uint64(0x7FFF) + lsb_of_result) >> np.uint64(16)
    return rounded.astype("<u2")


def f64_from_bf16_bits(bits):
    """Widen bfloat16 bit patterns (uint16) to float64 exactly."""
    as_f32 = (np.asarray(bits, dtype=np.uint32) << np.uint32(16)).view(np.float32)
    return as_f32.astype(np.float64)


def read_safetensors(path):
    """Return (tensors as float64 arrays, metadata dict). bf16 and f16 are widened exactly."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: too short to be a safetensors file")
    (header_len,) = struct.unpack("<Q", raw[:8])
    if 8 + header_len > len(raw):
        raise ValueError(f"{path}: header length {header_len} exceeds file size {len(raw)}")
    header = json.loads(raw[8:8 + header_len].decode("utf-8"))
    data = memoryview(raw)[8 + header_len:]
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        count = int(np.prod(shape, dtype=np.int64))
        chunk = data[begin:end]
        if info["dtype"] == "BF16":
            if end - begin != 2 * count:
                raise ValueError(f"{path}: tensor {name} has {end - begin} bytes, expected {2 * count}")
            arr = f64_from_bf16_bits(np.frombuffer(chunk, dtype="<u2"))
        elif info["dtype"] in _NUMPY_DTYPES:
            dt = _NUMPY_DTYPES[info["dtype"]]
            if end - begin != dt.itemsize * count:
                raise ValueError(f"{path}: tensor {name} has {end - begin} bytes, expected {dt.itemsize * count}")
            arr = np.frombuffer(chunk, dtype=dt).astype(np.float64)
        else:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
        tensors[name] = arr.reshape(shape)
    return tensors, metadata


def write_safetensors(path, tensors, metadata=None):
    """Write tensors given as {name: (dtype, shape, raw little-endian bytes)} in the given order."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    offset = 0
    for name, (dtype, shape, payload) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(payload)]}
        offset += len(payload)
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    # Pad the header with spaces so the data buffer starts 8-byte aligned (allowed by the spec).
    header_bytes += b" " * (-len(header_bytes) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for _, (_, _, payload) in tensors.items():
            f.write(payload)


def f32_entry(values):
    arr = np.ascontiguousarray(values, dtype="<f4")
    return ("F32", arr.shape, arr.tobytes())


def bf16_entry(values):
    arr = np.asarray(values)
    return ("BF16", arr.shape, bf16_bits_from_f32(arr).tobytes())
