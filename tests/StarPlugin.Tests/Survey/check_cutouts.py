#!/usr/bin/python3
"""Reads our cutouts with astropy and compares them with make_bricks.py's reference:
pixel values per band (NaN where the window leaves the brick), the sky position of the
centre pixel through the cutout's own WCS, and the edge flag. Prints one JSON object:
{"checked": n, "mismatches": [...]}.

    check_cutouts.py REFERENCE.json CUTOUT_DIR BAND_KEYS (e.g. g,r,z-int)
"""
import json, sys
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

ref = json.load(open(sys.argv[1]))
d, keys = sys.argv[2], sys.argv[3].split(",")
size, bad, n = ref["size"], [], 0
for oid, r in ref["objects"].items():
    h = fits.open(f"{d}/{oid}.fits")[0]
    data = h.data if h.data.ndim == 3 else h.data[None]
    for k, b in enumerate(keys):
        exp = np.array([np.nan if v is None else v for v in r["window"][b]]).reshape(size, size)
        got = data[k].astype(np.float64)
        if not (np.array_equal(np.isnan(exp), np.isnan(got)) and np.allclose(exp[~np.isnan(exp)], got[~np.isnan(exp)], rtol=1e-6, atol=1e-6)):
            bad.append(f"{oid} band {b}: pixels differ")
    c = WCS(h.header, naxis=2).all_pix2world([[size // 2, size // 2]], 0)[0]
    sep = np.hypot((c[0] - r["centre_radec"][0]) * np.cos(np.radians(c[1])), c[1] - r["centre_radec"][1]) * 3600
    if sep > 1e-5:
        bad.append(f"{oid}: WCS centre off by {sep} arcsec")
    if r["edge"] != ("edge" in (h.header.get("CUTFLAGS") or "")):
        bad.append(f"{oid}: edge flag {h.header.get('CUTFLAGS')} but reference edge={r['edge']}")
    n += 1
print(json.dumps({"checked": n, "mismatches": bad}))
