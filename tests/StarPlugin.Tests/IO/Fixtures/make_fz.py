#!/usr/bin/python3
"""Writes tile-compressed FITS files with astropy (CompImageHDU) and cfitsio's fpack,
and beside each one the data as astropy reads it, for the C# tests to compare with.

usage: make_fz.py OUTDIR

For every case NAME it writes
  NAME.fz          the compressed file (the image in HDU 1)
  NAME.raw         astropy's reading of it with do_not_scale_image_data=True, the stored
                   array values in big-endian FITS order (what an uncompressed HDU holds)
  NAME.fits        funpack's decompression of NAME.fz (cfitsio, the second reference)
and a line in cases.tsv: name, BITPIX, NAXIS1, NAXIS2, NAXIS3, how it was made.
Before writing a case it checks that astropy's and funpack's readings agree exactly,
so the two references cannot drift apart unnoticed.
"""
import os
import subprocess
import sys

import numpy as np
from astropy.io import fits

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.RandomState(18)
cases = []


def sky(shape, level, noise, stars=12):
    """A sky: flat background, Gaussian noise and a few Gaussian stars."""
    ny, nx = shape[-2:]
    y, x = np.mgrid[0:ny, 0:nx]
    img = level + rng.normal(0, noise, size=(ny, nx))
    for _ in range(stars):
        cx, cy = rng.uniform(0, nx), rng.uniform(0, ny)
        img += rng.uniform(20, 400) * noise * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * rng.uniform(0.8, 2.5) ** 2))
    if len(shape) == 3:
        img = np.stack([img * (1 + 0.1 * k) for k in range(shape[0])])
    return img


def header(extra=True):
    h = fits.Header()
    if extra:
        h["OBJECT"] = ("M 51", "target")
        h["EXPTIME"] = (300.0, "seconds")
        h["HISTORY"] = "written by make_fz.py for StarPlugin's tests"
    return h


def images():
    """(label, array, header additions) for every kind of pixel the convention covers."""
    i16 = np.clip(sky((45, 67), 300, 40), -32768, 32767).astype(np.int16)
    i16[0, :5] = [-32768, -1, 0, 1, 32767]  # extremes and signs survive the differences
    u16 = np.clip(sky((45, 67), 20000, 300) , 0, 65535).astype(np.uint16)
    u16[0, :3] = [0, 65535, 32768]
    i32 = sky((33, 50), 1e6, 5e4).astype(np.int32)
    i32[0, :4] = [-2147483647, 2147483647, 0, -1]
    u8 = np.clip(sky((40, 37), 60, 8), 0, 255).astype(np.uint8)
    f32 = sky((45, 67), 1000, 10).astype(np.float32)
    f32[3, 7] = np.nan
    f32[10, 20:23] = np.nan
    f32[5, 5:9] = 0.0  # exact zeros: SUBTRACTIVE_DITHER_2 keeps them
    f64 = sky((30, 41), -5, 0.5).astype(np.float64)
    rgb = np.clip(sky((3, 24, 31), 500, 30), 0, 32767).astype(np.int16)
    return {"i16": i16, "u16": u16, "i32": i32, "u8": u8, "f32": f32, "f64": f64, "rgb16": rgb}


def stored(a):
    """The array as an uncompressed HDU stores it, big-endian."""
    return np.ascontiguousarray(a).astype(a.dtype.newbyteorder(">")).tobytes()


def add_case(name, how):
    fz = os.path.join(out, name + ".fz")
    unpacked = os.path.join(out, name + ".fits")
    if os.path.exists(unpacked):
        os.remove(unpacked)
    subprocess.run(["funpack", "-O", unpacked, fz], check=True)
    with fits.open(fz, do_not_scale_image_data=True) as f:
        a = f[1].data.copy()
        zbitpix = f[1]._header["ZBITPIX"]
    with fits.open(unpacked, do_not_scale_image_data=True) as f:
        hdu = next(h for h in f if h.data is not None)
        b = hdu.data
        if a.dtype.str[1:] != b.dtype.str[1:] or a.shape != b.shape:
            sys.exit(f"{name}: astropy and funpack read different arrays")
        if not np.array_equal(a, b, equal_nan=a.dtype.kind == "f"):
            # astropy 5.2 ignores a ZBLANK header keyword (fpack writes one): its null pixels
            # come back as numbers where cfitsio, as the standard says, gives NaN. Only there
            # may the two differ; the reference is then cfitsio's.
            differ = ~((a == b) | (np.isnan(a) & np.isnan(b))) if a.dtype.kind == "f" else a != b
            if a.dtype.kind != "f" or not np.array_equal(differ, np.isnan(b) & ~np.isnan(a)):
                sys.exit(f"{name}: astropy and funpack read different data")
            how += f" (astropy 5.2 misses {int(differ.sum())} ZBLANK nulls; reference: funpack)"
            a = np.array(b)
    with open(os.path.join(out, name + ".raw"), "wb") as g:
        g.write(stored(a))
    shape = a.shape[::-1] + (1,) * (3 - a.ndim)
    cases.append((name, str(zbitpix), *map(str, shape), how))


data = images()

# astropy's CompImageHDU: every compression type on the integer images, quantised floats
# with each dithering method, tiles that do not divide the image.
for label in ["i16", "u16", "i32", "u8", "rgb16"]:
    for ctype in ["RICE_1", "GZIP_1", "GZIP_2", "HCOMPRESS_1"]:
        if ctype == "HCOMPRESS_1" and label == "u8":
            continue  # HCOMPRESS does not take 8-bit data in this cfitsio
        a = data[label]
        tile = None if ctype != "HCOMPRESS_1" else ([16, 12] if a.ndim == 2 else [16, 12, 1])
        if ctype == "RICE_1" and label in ("i16", "i32"):
            tile = [20, 7] if a.ndim == 2 else None  # edge tiles in both axes
        h = header()
        hdu = fits.CompImageHDU(a, header=h, compression_type=ctype, tile_size=tile)
        name = f"astropy-{label}-{ctype.lower()}"
        fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(os.path.join(out, name + ".fz"), overwrite=True)
        add_case(name, f"astropy CompImageHDU {ctype} tile={tile}")

for label in ["f32", "f64"]:
    for ctype in ["RICE_1", "GZIP_1", "GZIP_2", "HCOMPRESS_1"]:
        for method, mname in [(-1, "nodither"), (1, "dither1"), (2, "dither2")]:
            tile = [16, 12] if ctype == "HCOMPRESS_1" else [30, 4]
            hdu = fits.CompImageHDU(data[label], header=header(), compression_type=ctype, tile_size=tile,
                                    quantize_level=8.0, quantize_method=method, dither_seed=1234 + method)
            name = f"astropy-{label}-{ctype.lower()}-{mname}"
            fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(os.path.join(out, name + ".fz"), overwrite=True)
            add_case(name, f"astropy CompImageHDU {ctype} quantize_method={method}")

# Lossless floats: GZIP without quantisation.
for ctype in ["GZIP_1", "GZIP_2"]:
    hdu = fits.CompImageHDU(data["f32"], header=header(), compression_type=ctype, quantize_level=0.0)
    name = f"astropy-f32-{ctype.lower()}-lossless"
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(os.path.join(out, name + ".fz"), overwrite=True)
    add_case(name, f"astropy CompImageHDU {ctype} lossless")

# HCOMPRESS lossy with smoothing on an integer image.
hdu = fits.CompImageHDU(data["i16"], header=header(), compression_type="HCOMPRESS_1", tile_size=[67, 45],
                        hcomp_scale=2.5, hcomp_smooth=1)
fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(os.path.join(out, "astropy-i16-hcompress-smooth.fz"), overwrite=True)
add_case("astropy-i16-hcompress-smooth", "astropy CompImageHDU HCOMPRESS_1 scale=2.5 smooth=1")

# fpack from uncompressed files astropy wrote.
for label in ["i16", "u16", "i32", "f32", "rgb16"]:
    src = os.path.join(out, f"src-{label}.fits")
    fits.PrimaryHDU(data[label], header=header()).writeto(src, overwrite=True)
    runs = [("r", ["-r"]), ("g1", ["-g1"]), ("g2", ["-g2"]), ("h", ["-h"]), ("hs", ["-h", "-s", "4"]), ("rt", ["-r", "-t", "10,9"])]
    if label == "f32":
        runs = [("r-q4", ["-r", "-q", "4"]), ("r-q0", ["-r", "-q0", "4"]), ("r-qz", ["-r", "-qz", "4"]),
                ("r-q77", ["-r", "-q77", "4"]), ("g1-q4", ["-g1", "-q", "4"]), ("g2-lossless", ["-g2", "-q", "0"]),
                ("h-q4", ["-h", "-q", "4"]), ("r-w", ["-r", "-w", "-q", "4"])]
    for tag, flags in runs:
        name = f"fpack-{label}-{tag}"
        dst = os.path.join(out, name + ".fz")
        if os.path.exists(dst):
            os.remove(dst)
        subprocess.run(["fpack", *flags, "-O", dst, src], check=True)
        add_case(name, "fpack " + " ".join(flags))
    os.remove(src)

with open(os.path.join(out, "cases.tsv"), "w") as g:
    for c in cases:
        g.write("\t".join(c) + "\n")
print(f"{len(cases)} cases")
