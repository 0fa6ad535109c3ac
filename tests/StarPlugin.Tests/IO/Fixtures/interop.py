#!/usr/bin/python3
"""Files written, and files read, by other implementations for StarPlugin's codec tests:
libtiff's tools (raw2tiff, tiffcp), ImageMagick (convert) and G'MIC.

Samples always travel as NAME.raw: planar (channel, row, column), little-endian, in the
file's own sample type, named in the manifest line or JSON next to it.

  interop.py tiff OUTDIR      TIFFs by raw2tiff + tiffcp: every compression, predictor,
                              planar layout, strips and tiles, 8/16/32-bit integers and
                              32/64-bit floats; manifest tiff.tsv
  interop.py tiffread FILE... libtiff decodes each FILE (tiffcp to an uncompressed strip),
                              prints a JSON line and writes FILE.raw
  interop.py png OUTDIR       PNGs by ImageMagick: grey, grey+alpha, RGB, RGBA in 8 and
                              16 bits, palettes, 1/2/4-bit grey, Adam7; manifest png.tsv
  interop.py jpeg OUTDIR      JPEGs by ImageMagick and ImageMagick's decoding of them as
                              8-bit samples; manifest jpeg.tsv
  interop.py imread FILE...   ImageMagick decodes each FILE to 16-bit RGBA: FILE.raw
  interop.py cimg OUTDIR      .cimg by G'MIC (float, uchar) and G'MIC's .asc text of the
                              same image; manifest cimg.tsv
  interop.py gmicread FILE... G'MIC decodes each FILE to .asc; prints a JSON line each
"""
import json
import os
import struct
import subprocess
import sys

import numpy as np

rng = np.random.RandomState(2018)
TIFF_TYPES = {"u8": ("byte", np.uint8), "u16": ("short", np.uint16), "u32": ("long", np.uint32),
              "f32": ("float", np.float32), "f64": ("double", np.float64)}


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def image(kind, w, h, c):
    """A smooth field with noise and a star, in the type's whole range."""
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([(x / w + y / (2 * h) + 0.2 * k) % 1.0 for k in range(c)])
    base = base + 0.05 * rng.rand(c, h, w)
    base[:, h // 2, w // 3] = 1.0
    dt = TIFF_TYPES[kind][1]
    if np.dtype(dt).kind == "u":
        top = np.iinfo(dt).max
        a = np.clip(base, 0, 1) * top
        a = a.astype(np.float64).round().astype(dt)
        a.flat[0], a.flat[1] = 0, top
        return a
    a = (base * 2.5 - 0.5).astype(dt)  # floats beyond [0, 1] must survive
    a.flat[0] = -3.25
    return a


def save_raw(path, a):
    np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tofile(path)


def write_separate_tiff(path, a):
    """A minimal uncompressed TIFF with one strip per plane (PlanarConfiguration 2), the
    layout tiffcp cannot make from contiguous data wider than 8 bits; libtiff then reads and
    recompresses it."""
    c, h, w = a.shape
    dt = a.dtype
    sf = 3 if dt.kind == "f" else 1
    planes = [np.ascontiguousarray(a[k]).astype(dt.newbyteorder("<")).tobytes() for k in range(c)]
    entries = []
    data_at = 8
    offsets = []
    for p in planes:
        offsets.append(data_at)
        data_at += len(p)
    extra = bytearray()
    ifd_at = data_at + (data_at & 1)
    n = 11
    extra_at = ifd_at + 2 + 12 * n + 4

    def arr(typ, values):
        nonlocal extra
        fmt = {3: "H", 4: "I"}[typ]
        raw = struct.pack("<" + fmt * len(values), *values)
        if len(raw) <= 4:
            return raw.ljust(4, b"\0")
        pos = extra_at + len(extra)
        extra += raw
        return struct.pack("<I", pos)

    entries = [(256, 4, [w]), (257, 4, [h]), (258, 3, [dt.itemsize * 8] * c), (259, 3, [1]),
               (262, 3, [2 if c >= 3 else 1]), (273, 4, offsets), (277, 3, [c]), (278, 4, [h]),
               (279, 4, [len(p) for p in planes]), (284, 3, [2]), (339, 3, [sf] * c)]
    assert len(entries) == n
    ifd = struct.pack("<H", n) + b"".join(struct.pack("<HHI", t, typ, len(v)) + arr(typ, v) for t, typ, v in entries) + struct.pack("<I", 0)
    with open(path, "wb") as f:
        f.write(b"II*\0" + struct.pack("<I", ifd_at))
        f.write(b"".join(planes))
        f.write(b"\0" * (ifd_at - data_at))
        f.write(ifd)
        f.write(extra)


def cmd_tiff(out):
    os.makedirs(out, exist_ok=True)
    lines = []
    for kind in ["u8", "u16", "u32", "f32", "f64"]:
        for c in [1, 3, 4]:
            w, h = 45, 33
            a = image(kind, w, h, c)
            src = os.path.join(out, f"src-{kind}-{c}.raw")
            np.ascontiguousarray(np.transpose(a, (1, 2, 0))).astype(a.dtype.newbyteorder("<")).tofile(src)  # pixel-interleaved
            base = os.path.join(out, f"base-{kind}-{c}.tif")
            run("raw2tiff", "-M", "-w", str(w), "-l", str(h), "-b", str(c), "-d", TIFF_TYPES[kind][0],
                "-p", "rgb" if c >= 3 else "minisblack", "-c", "none", src, base)
            os.remove(src)
            pred = "3" if kind.startswith("f") else "2"
            variants = [("none", ["-c", "none"]), ("lzw", ["-c", "lzw"]), ("zip", ["-c", "zip"]),
                        ("lzw-pred", ["-c", f"lzw:{pred}"]), ("zip-pred", ["-c", f"zip:{pred}"]),
                        ("zip-pred-separate", ["-c", f"zip:{pred}", "-p", "separate"]),
                        ("lzw-tiles", ["-c", f"lzw:{pred}", "-t", "-w", "16", "-l", "16"]),
                        ("none-strips-bigendian", ["-c", "none", "-s", "-r", "5", "-B"]),
                        ("lzw-pred-bigendian", ["-c", f"lzw:{pred}", "-B"]),
                        ("zip-fillorder2", ["-c", "zip", "-f", "lsb2msb"])]  # bit-reversed bytes, raw2tiff's default
            if kind in ("u8", "u16"):
                variants += [("packbits", ["-c", "packbits"])]
            if kind == "u8":
                # tiffcp (libtiff 4.5) mangles tiles of separate planes wider than 8 bits, writing and
                # reading (an independent parse of its output agrees with neither), so only 8 bits here.
                variants += [("zip-tiles-separate", ["-c", "zip", "-t", "-w", "32", "-l", "16", "-p", "separate"]),
                             ("packbits-separate-tiles", ["-c", "packbits", "-p", "separate", "-t", "-w", "16", "-l", "32"])]
            separate = os.path.join(out, f"base-{kind}-{c}-separate.tif")
            write_separate_tiff(separate, a)
            for tag, flags in variants:
                name = f"{kind}-{c}-{tag}"
                path = os.path.join(out, name + ".tif")
                run("tiffcp", *flags, separate if "separate" in flags else base, path)
                # The reference is libtiff's reading. Where it differs from the data written,
                # libtiff's writer and reader disagree (libtiff 4.5: floats with predictor 3 in
                # big-endian files); the manifest says so.
                decoded, _ = libtiff_decode(path)
                save_raw(os.path.join(out, name + ".raw"), decoded)
                same = np.array_equal(decoded, a)
                lines.append(f"{name}\t{kind}\t{w}\t{h}\t{c}\t{'as-written' if same else 'libtiff-differs'}")
            os.remove(base)
            os.remove(separate)
    with open(os.path.join(out, "tiff.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")


def parse_plain_tiff(path):
    """Samples of an uncompressed TIFF with one strip per plane (what libtiff_decode asks tiffcp for)."""
    d = open(path, "rb").read()
    e = "<" if d[:2] == b"II" else ">"
    assert struct.unpack(e + "H", d[2:4])[0] == 42
    (ifd,) = struct.unpack(e + "I", d[4:8])
    (n,) = struct.unpack(e + "H", d[ifd:ifd + 2])
    tags = {}
    for i in range(n):
        tag, typ, cnt, val = struct.unpack(e + "HHII", d[ifd + 2 + 12 * i: ifd + 14 + 12 * i])
        size = {1: 1, 3: 2, 4: 4}.get(typ, 0)
        if size * cnt <= 4:
            raw = d[ifd + 10 + 12 * i: ifd + 10 + 12 * i + size * cnt]
        else:
            raw = d[val: val + size * cnt]
        fmt = {1: "B", 3: "H", 4: "I"}.get(typ)
        tags[tag] = list(struct.unpack(e + fmt * cnt, raw)) if fmt else val
    w, h, bits = tags[256][0], tags[257][0], tags[258][0]
    spp = tags.get(277, [1])[0]
    sf = tags.get(339, [1])[0]
    planar = tags.get(284, [1])[0]
    assert tags.get(259, [1])[0] == 1 and tags.get(266, [1])[0] == 1 and len(tags[273]) == (spp if planar == 2 else 1)
    dt = np.dtype({(1, 8): "u1", (1, 16): "u2", (1, 32): "u4", (2, 16): "i2", (3, 32): "f4", (3, 64): "f8"}[(sf, bits)]).newbyteorder(e)
    strips = [np.frombuffer(d[o: o + c], dt) for o, c in zip(tags[273], tags[279])]
    a = np.stack([s.reshape(h, w) for s in strips]) if planar == 2 else np.transpose(strips[0].reshape(h, w, spp), (2, 0, 1))
    return a, {"width": w, "height": h, "channels": spp, "bits": bits, "sampleFormat": sf, "photometric": tags[262][0], "planar": planar}


def libtiff_decode(path):
    """libtiff's reading of PATH: tiffcp decodes it into uncompressed single strips, which are parsed."""
    plain = path + ".plain.tif"
    run("tiffcp", "-c", "none", "-s", "-r", "1000000", "-f", "msb2lsb", path, plain)
    try:
        return parse_plain_tiff(plain)
    finally:
        os.remove(plain)


def cmd_tiffread(files):
    for path in files:
        a, info = libtiff_decode(path)
        save_raw(path + ".raw", a)
        print(json.dumps(info))


def cmd_png(out):
    os.makedirs(out, exist_ok=True)
    lines = []
    w, h = 29, 21
    for depth, dt in [(8, "u8"), (16, "u16")]:
        for c, mode in [(1, "gray"), (2, "graya"), (3, "rgb"), (4, "rgba")]:
            a = image(dt, w, h, c)
            src = os.path.join(out, "src.raw")
            np.ascontiguousarray(np.transpose(a, (1, 2, 0))).astype(a.dtype.newbyteorder("<")).tofile(src)
            fmt = {"gray": "gray", "graya": "graya", "rgb": "rgb", "rgba": "rgba"}[mode]
            for tag, extra in [("", []), ("-adam7", ["-interlace", "PNG"])]:
                name = f"{mode}{depth}{tag}"
                if mode == "graya":
                    # ImageMagick 6 has no graya raw input: build it from grey and alpha planes.
                    g = os.path.join(out, "g.raw"); al = os.path.join(out, "a.raw")
                    a[0].astype(a.dtype.newbyteorder("<")).tofile(g); a[1].astype(a.dtype.newbyteorder("<")).tofile(al)
                    run("convert", "-endian", "LSB", "-size", f"{w}x{h}", "-depth", str(depth), f"gray:{g}", "-size", f"{w}x{h}", "-depth", str(depth), f"gray:{al}",
                        "-alpha", "off", "-compose", "CopyOpacity", "-composite", *extra, "-define", "png:color-type=4",
                        "-define", f"png:bit-depth={depth}", os.path.join(out, name + ".png"))
                    os.remove(g); os.remove(al)
                else:
                    run("convert", "-endian", "LSB", "-size", f"{w}x{h}", "-depth", str(depth), f"{fmt}:{src}", *extra,
                        "-define", f"png:bit-depth={depth}", os.path.join(out, name + ".png"))
                save_raw(os.path.join(out, name + ".raw"), a)
                lines.append(f"{name}\t{dt}\t{w}\t{h}\t{c}")
            os.remove(src)
    # A palette image (12 colours, so PNG8 keeps them exactly) and low-bit-depth greys.
    pal = rng.randint(0, 256, size=(12, 3)).astype(np.uint8)
    idx = rng.randint(0, 12, size=(h, w))
    a = np.transpose(pal[idx], (2, 0, 1))
    src = os.path.join(out, "src.raw")
    np.ascontiguousarray(np.transpose(a, (1, 2, 0))).tofile(src)
    run("convert", "-size", f"{w}x{h}", "-depth", "8", f"rgb:{src}", "PNG8:" + os.path.join(out, "palette.png"))
    save_raw(os.path.join(out, "palette.raw"), a)
    lines.append(f"palette\tu8\t{w}\t{h}\t3")
    for bits in [1, 2, 4]:
        levels = 2 ** bits - 1
        g = (rng.randint(0, levels + 1, size=(1, h, w)) * (255 // levels)).astype(np.uint8)
        g.tofile(src)
        name = f"gray{bits}bit"
        run("convert", "-size", f"{w}x{h}", "-depth", "8", f"gray:{src}", "-define", "png:color-type=0",
            "-define", f"png:bit-depth={bits}", os.path.join(out, name + ".png"))
        save_raw(os.path.join(out, name + ".raw"), g)
        lines.append(f"{name}\tu8\t{w}\t{h}\t1")
    os.remove(src)
    with open(os.path.join(out, "png.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")


def cmd_jpeg(out):
    os.makedirs(out, exist_ok=True)
    lines = []
    w, h = 48, 40
    for c, fmt in [(1, "gray"), (3, "rgb")]:
        a = image("u8", w, h, c)
        src = os.path.join(out, "src.raw")
        np.ascontiguousarray(np.transpose(a, (1, 2, 0))).tofile(src)
        for q, sampling in [(95, "1x1"), (80, "2x2"), (60, "2x1")]:
            name = f"{fmt}-q{q}-{sampling}"
            path = os.path.join(out, name + ".jpg")
            run("convert", "-size", f"{w}x{h}", "-depth", "8", f"{fmt}:{src}", "-quality", str(q), "-sampling-factor", sampling, path)
            decoded = subprocess.run(["convert", path, "-depth", "8", f"{fmt}:-"], check=True, capture_output=True).stdout
            d = np.frombuffer(decoded, np.uint8).reshape(h, w, c)
            save_raw(os.path.join(out, name + ".raw"), np.transpose(d, (2, 0, 1)))
            lines.append(f"{name}\tu8\t{w}\t{h}\t{c}")
        os.remove(src)
    with open(os.path.join(out, "jpeg.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")


def cmd_imread(files):
    for path in files:
        out = subprocess.run(["convert", path, "-alpha", "on", "-depth", "16", "-endian", "LSB", "rgba:-"], check=True, capture_output=True).stdout
        ident = subprocess.run(["identify", "-format", "%w %h %z %[channels]", path], check=True, capture_output=True, text=True).stdout.split()
        w, h = int(ident[0]), int(ident[1])
        a = np.frombuffer(out, "<u2").reshape(h, w, 4)
        save_raw(path + ".raw", np.transpose(a, (2, 0, 1)).astype(np.uint16))
        print(json.dumps({"width": w, "height": h, "depth": int(ident[2]), "channels": ident[3]}))


def read_asc(path):
    with open(path) as f:
        w, h, d, c = map(int, f.readline().split())
        v = np.array([float(t) for t in f.read().split()], np.float64)
    return v.reshape(c, d, h, w)[:, 0], (w, h, d, c)


def cmd_cimg(out):
    os.makedirs(out, exist_ok=True)
    lines = []
    for name, expr, dims, pixel in [("float-rgb", "(x*0.37-y*1.5+c*100)/7", "31,22,1,3", "float"),
                                    ("float-gray", "sin(x/5)*cos(y/3)*1000", "17,26,1,1", "float"),
                                    ("double-rgba", "x/3+y*c-50", "9,8,1,4", "double"),
                                    ("uchar-rgb", "(x*7+y*13+c*50)%256", "31,22,1,3", "uchar"),
                                    ("ushort-gray", "(x*997+y*3001)%65536", "23,19,1,1", "ushort")]:
        path = os.path.join(out, name + ".cimg")
        run("gmic", "-v", "-1", dims + "," + expr, "-o", f"{path},{pixel}", "-o", os.path.join(out, name + ".asc"))
        lines.append(name)
    with open(os.path.join(out, "cimg.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")


def cmd_gmicread(files):
    for path in files:
        asc = path + ".asc"
        run("gmic", "-v", "-1", path, "-o", asc)
        v, (w, h, d, c) = read_asc(asc)
        save_raw(path + ".raw", v.astype("<f8"))
        print(json.dumps({"width": w, "height": h, "depth": d, "channels": c}))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"tiff": lambda: cmd_tiff(args[0]), "tiffread": lambda: cmd_tiffread(args), "png": lambda: cmd_png(args[0]),
     "jpeg": lambda: cmd_jpeg(args[0]), "imread": lambda: cmd_imread(args), "cimg": lambda: cmd_cimg(args[0]),
     "gmicread": lambda: cmd_gmicread(args)}[cmd]()
