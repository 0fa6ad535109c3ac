#!/usr/bin/python3
"""An independent XISF 1.0 implementation for StarPlugin's tests, written from the
specification (https://pixinsight.com/doc/docs/XISF-1.0-spec/XISF-1.0-spec.html), with
the reference compressors: zlib (Python's), and liblz4 and libzstd (the C libraries)
through ctypes. It shares no code with the C# codec.

  xisf_reference.py write OUTDIR   writes XISF files of every kind the tests cover, and
                                   beside each NAME.xisf a NAME.json saying what it holds
                                   and NAME.raw, its samples as float64 (little-endian,
                                   planar, integers divided by the format's maximum)
  xisf_reference.py read FILE...   decodes each FILE (written by StarPlugin), checks its
                                   layout against the specification and prints a JSON
                                   summary line; its samples go to FILE.raw as above
"""
import base64
import ctypes
import hashlib
import json
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

import numpy as np

NS = "http://www.pixinsight.com/xisf"
ET.register_namespace("", NS)  # the default namespace, as PixInsight writes it
lz4 = ctypes.CDLL("liblz4.so.1")
zstd = ctypes.CDLL("libzstd.so.1")
zstd.ZSTD_compress.restype = ctypes.c_size_t
zstd.ZSTD_decompress.restype = ctypes.c_size_t
zstd.ZSTD_compressBound.restype = ctypes.c_size_t
zstd.ZSTD_isError.restype = ctypes.c_uint
zstd.ZSTD_compress.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
zstd.ZSTD_decompress.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
zstd.ZSTD_compressBound.argtypes = [ctypes.c_size_t]
zstd.ZSTD_isError.argtypes = [ctypes.c_size_t]

DTYPES = {"UInt8": "u1", "UInt16": "u2", "UInt32": "u4", "Float32": "f4", "Float64": "f8"}
WHITE = {"UInt8": 255.0, "UInt16": 65535.0, "UInt32": 4294967295.0, "Float32": 1.0, "Float64": 1.0}


def compress(codec, data):
    if codec == "zlib":
        return zlib.compress(data, 6)
    if codec in ("lz4", "lz4hc"):
        cap = lz4.LZ4_compressBound(len(data))
        out = ctypes.create_string_buffer(cap)
        n = lz4.LZ4_compress_HC(data, out, len(data), cap, 9) if codec == "lz4hc" else lz4.LZ4_compress_default(data, out, len(data), cap)
        assert n > 0
        return out.raw[:n]
    if codec == "zstd":
        cap = zstd.ZSTD_compressBound(len(data))
        out = ctypes.create_string_buffer(cap)
        n = zstd.ZSTD_compress(out, cap, data, len(data), 3)
        assert not zstd.ZSTD_isError(n)
        return out.raw[:n]
    raise ValueError(codec)


def decompress(codec, data, size):
    if codec == "zlib":
        assert data[0] & 0x0F == 8, "zlib stream must use deflate (RFC 1950 CMF)"
        assert ((data[0] << 8) | data[1]) % 31 == 0, "zlib header check bits"
        out = zlib.decompress(data)
    elif codec in ("lz4", "lz4hc"):
        buf = ctypes.create_string_buffer(size)
        n = lz4.LZ4_decompress_safe(data, buf, len(data), size)
        assert n == size, f"lz4 block decodes to {n} bytes, not {size}"
        out = buf.raw
    elif codec == "zstd":
        assert data[:4] == b"\x28\xb5\x2f\xfd", "zstd frame magic"
        buf = ctypes.create_string_buffer(size)
        n = zstd.ZSTD_decompress(buf, size, data, len(data))
        assert not zstd.ZSTD_isError(n) and n == size, "zstd frame"
        out = buf.raw
    else:
        raise ValueError(codec)
    assert len(out) == size
    return out


def shuffle(data, item):
    """Spec §8.5.2: byte k of every item together, k = 0..item-1; a remainder stays at the end."""
    n = len(data) // item
    body = np.frombuffer(data[: n * item], np.uint8).reshape(n, item).T.tobytes()
    return body + data[n * item:]


def unshuffle(data, item):
    n = len(data) // item
    body = np.frombuffer(data[: n * item], np.uint8).reshape(item, n).T.tobytes()
    return body + data[n * item:]


def write_file(path, header_xml, blocks):
    """blocks: list of (element, bytes) to attach; their location attributes are filled in."""
    # Positions are written in the header, so iterate until the header length settles.
    pos_guess = 4096
    while True:
        pos = pos_guess
        for el, data in blocks:
            el.set("location", f"attachment:{pos}:{len(data)}")
            pos = (pos + len(data) + 15) // 16 * 16
        header = ET.tostring(header_xml, encoding="utf-8", xml_declaration=True)
        start = (16 + len(header) + 4095) // 4096 * 4096
        if start == pos_guess:
            break
        pos_guess = start
    with open(path, "wb") as f:
        f.write(b"XISF0100" + struct.pack("<I", len(header)) + b"\0\0\0\0" + header)
        for el, data in blocks:
            at = int(el.get("location").split(":")[1])
            f.write(b"\0" * (at - f.tell()))
            f.write(data)


def make_image(w, h, c, fmt, seed):
    rng = np.random.RandomState(seed)
    if fmt.startswith("UInt"):
        a = rng.randint(0, int(WHITE[fmt]) + 1, size=(c, h, w), dtype=np.uint64).astype(DTYPES[fmt])
        a.flat[0] = 0
        a.flat[1] = int(WHITE[fmt])
    else:
        a = (rng.rand(c, h, w) * 1.2 - 0.1).astype(DTYPES[fmt])  # floats may leave [0, 1]
    return a


def cmd_write(out):
    import os
    os.makedirs(out, exist_ok=True)
    cases = []
    specs = [
        # name, w, h, c, fmt, codec, shuffle, storage, byte order, location, checksum
        ("u8-gray", 31, 17, 1, "UInt8", None, False, "Planar", "little", "attachment", None),
        ("u16-rgb", 29, 13, 3, "UInt16", None, False, "Planar", "little", "attachment", "sha-1"),
        ("u32-gray", 11, 9, 1, "UInt32", None, False, "Planar", "little", "attachment", "sha-256"),
        ("f32-rgb", 21, 19, 3, "Float32", None, False, "Planar", "little", "attachment", "sha-512"),
        ("f64-gray", 15, 14, 1, "Float64", None, False, "Planar", "little", "attachment", None),
        ("u16-rgba", 16, 8, 4, "UInt16", None, False, "Planar", "little", "attachment", None),
        ("u16-normal", 23, 7, 3, "UInt16", None, False, "Normal", "little", "attachment", None),
        ("f32-big", 12, 10, 1, "Float32", None, False, "Planar", "big", "attachment", None),
        ("u8-inline", 6, 5, 1, "UInt8", None, False, "Planar", "little", "inline", None),
        ("f32-embedded", 7, 4, 3, "Float32", None, False, "Planar", "little", "embedded", None),
    ]
    for codec in ["zlib", "lz4", "lz4hc", "zstd"]:
        for sh in [False, True]:
            for fmt in ["UInt16", "Float32"]:
                specs.append((f"{fmt.lower()}-{codec}{'-sh' if sh else ''}", 33, 21, 3 if fmt == "Float32" else 1, fmt, codec, sh, "Planar", "little", "attachment", "sha-1"))
    specs.append(("f64-zstd-sh", 17, 11, 1, "Float64", "zstd", True, "Planar", "little", "attachment", None))
    specs.append(("u32-zlib-sh-normal", 13, 9, 3, "UInt32", "zlib", True, "Normal", "little", "attachment", None))
    specs.append(("u16-zlib-subblocks", 40, 30, 1, "UInt16", "zlib", False, "Planar", "little", "attachment", None))

    for i, (name, w, h, c, fmt, codec, sh, storage, order, location, checksum) in enumerate(specs):
        a = make_image(w, h, c, fmt, 100 + i)
        arr = a if storage == "Planar" else np.transpose(a, (1, 2, 0))  # Normal: channels interleaved
        dt = np.dtype(DTYPES[fmt]).newbyteorder(">" if order == "big" else "<")
        data = np.ascontiguousarray(arr).astype(dt).tobytes()
        root = ET.Element(f"{{{NS}}}xisf", {"version": "1.0"})
        attrs = {"geometry": f"{w}:{h}:{c}", "sampleFormat": fmt, "colorSpace": "RGB" if c >= 3 else "Gray"}
        if fmt.startswith("Float"):
            attrs["bounds"] = "0:1"
        if storage != "Planar":
            attrs["pixelStorage"] = storage
        if order == "big":
            attrs["byteOrder"] = "big"
        img = ET.SubElement(root, f"{{{NS}}}Image", attrs)
        stored = data
        if codec:
            item = np.dtype(DTYPES[fmt]).itemsize
            if name.endswith("subblocks"):
                half = len(data) // 2 + 3  # subblocks need not split on item boundaries
                parts = [compress(codec, data[:half]), compress(codec, data[half:])]
                stored = b"".join(parts)
                img.set("compression", f"{codec}:{len(data)}")
                img.set("subblocks", f"{len(parts[0])},{half}:{len(parts[1])},{len(data) - half}")
            else:
                stored = compress(codec, shuffle(data, item) if sh else data)
                img.set("compression", f"{codec}+sh:{len(data)}:{item}" if sh else f"{codec}:{len(data)}")
        if checksum:
            algo = {"sha-1": hashlib.sha1, "sha-256": hashlib.sha256, "sha-512": hashlib.sha512}[checksum]
            img.set("checksum", f"{checksum}:{algo(stored).hexdigest()}")
        ET.SubElement(img, f"{{{NS}}}FITSKeyword", {"name": "OBJECT", "value": "'NGC 7000'", "comment": "North America"})
        ET.SubElement(img, f"{{{NS}}}FITSKeyword", {"name": "EXPTIME", "value": "300.", "comment": "[s] exposure"})
        ET.SubElement(img, f"{{{NS}}}FITSKeyword", {"name": "HISTORY", "value": "", "comment": "integrated by xisf_reference.py"})
        p = ET.SubElement(img, f"{{{NS}}}Property", {"id": "Observation:Object:Name", "type": "String"})
        p.text = "North America Nebula"
        ET.SubElement(img, f"{{{NS}}}Property", {"id": "Instrument:ExposureTime", "type": "Float32", "value": "300"})
        vec = np.array([1.5, -2.25, 3.0], "<f8").tobytes()
        v = ET.SubElement(img, f"{{{NS}}}Property", {"id": "PCL:Test:Vector", "type": "F64Vector", "length": "3", "location": "inline:base64"})
        v.text = base64.b64encode(vec).decode()
        meta = ET.SubElement(root, f"{{{NS}}}Metadata")
        ET.SubElement(meta, f"{{{NS}}}Property", {"id": "XISF:CreationTime", "type": "TimePoint", "value": "2024-01-01T00:00:00Z"})
        ET.SubElement(meta, f"{{{NS}}}Property", {"id": "XISF:CreatorApplication", "type": "String"}).text = "xisf_reference.py"
        blocks = []
        if location == "attachment":
            blocks.append((img, stored))
        elif location == "inline":
            img.set("location", "inline:base64")
            img.text = base64.b64encode(stored).decode()
        else:
            img.set("location", "embedded")
            ET.SubElement(img, f"{{{NS}}}Data", {"encoding": "hex"}).text = stored.hex()
        # A property whose value is an attached block, as PixInsight stores large ones.
        big = np.arange(600, dtype="<f4").tobytes()
        bp = ET.SubElement(img, f"{{{NS}}}Property", {"id": "PCL:Test:Big", "type": "F32Vector", "length": "600"})
        blocks.append((bp, big))
        write_file(os.path.join(out, name + ".xisf"), root, blocks)
        values = a.astype(np.float64) / WHITE[fmt]
        values.astype("<f8").tofile(os.path.join(out, name + ".raw"))
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump({"width": w, "height": h, "channels": c, "sampleFormat": fmt}, f)
        cases.append(name)
    with open(os.path.join(out, "cases.txt"), "w") as f:
        f.write("\n".join(cases) + "\n")
    print(len(cases), "files")


def cmd_read(path):
    raw = open(path, "rb").read()
    assert raw[:8] == b"XISF0100", "signature"
    (hlen,) = struct.unpack("<I", raw[8:12])
    assert raw[12:16] == b"\0\0\0\0", "reserved field must be zero"
    header = raw[16:16 + hlen]
    root = ET.fromstring(header)
    assert root.tag == f"{{{NS}}}xisf" and root.get("version") == "1.0", "root element"
    meta = root.find(f"{{{NS}}}Metadata")
    ids = {p.get("id") for p in meta.findall(f"{{{NS}}}Property")}
    assert {"XISF:CreationTime", "XISF:CreatorApplication"} <= ids, "required Metadata properties"
    img = root.find(f"{{{NS}}}Image")
    w, h, c = map(int, img.get("geometry").split(":"))
    fmt = img.get("sampleFormat")
    kind, pos, size = img.get("location").split(":")
    pos, size = int(pos), int(size)
    assert kind == "attachment" and pos >= 16 + hlen and pos + size <= len(raw), "block location"
    stored = raw[pos:pos + size]
    if img.get("checksum"):
        algo, digest = img.get("checksum").split(":")
        assert {"sha-1": hashlib.sha1, "sha-256": hashlib.sha256, "sha-512": hashlib.sha512}[algo](stored).hexdigest() == digest.lower(), "checksum"
    data = stored
    comp = img.get("compression")
    if comp:
        parts = comp.split(":")
        codec, usize = parts[0], int(parts[1])
        sh = codec.endswith("+sh")
        codec = codec[:-3] if sh else codec
        data = decompress(codec, stored, usize)
        if sh:
            assert int(parts[2]) == np.dtype(DTYPES[fmt]).itemsize, "item size is the sample size"
            data = unshuffle(data, int(parts[2]))
    assert len(data) == w * h * c * np.dtype(DTYPES[fmt]).itemsize, "block size"
    order = ">" if img.get("byteOrder") == "big" else "<"
    a = np.frombuffer(data, np.dtype(DTYPES[fmt]).newbyteorder(order))
    a = a.reshape(c, h, w) if img.get("pixelStorage", "Planar") == "Planar" else np.transpose(a.reshape(h, w, c), (2, 0, 1))
    (a.astype(np.float64) / WHITE[fmt]).astype("<f8").tofile(path + ".raw")
    summary = {
        "width": w, "height": h, "channels": c, "sampleFormat": fmt,
        "colorSpace": img.get("colorSpace"), "compression": comp, "bounds": img.get("bounds"),
        "fits": [[k.get("name"), k.get("value"), k.get("comment")] for k in img.findall(f"{{{NS}}}FITSKeyword")],
        "properties": {p.get("id"): [p.get("type"), p.get("value") if p.get("value") is not None else (p.text or "")]
                       for p in img.findall(f"{{{NS}}}Property")},
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    if sys.argv[1] == "write":
        cmd_write(sys.argv[2])
    else:
        for path in sys.argv[2:]:
            cmd_read(path)
