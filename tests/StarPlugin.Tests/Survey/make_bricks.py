#!/usr/bin/python3
"""Survey-like test bricks, written by astropy: g, r and z images of one sky area with a
TAN-SIP WCS at 0.262"/px (as DESI Legacy Surveys bricks), a few galaxies and noise, and
a catalogue (id,ra,dec) that puts objects inside, at every edge and off the bricks.
Then, with the same astropy, the reference each cutout must equal: the pixel values of
a window of the brick's array and the sky position of the window's centre pixel.

    make_bricks.py OUTDIR SIZE [W H]
writes brick-{g,r,z}.fits, brick-z-int.fits (int16 with BSCALE/BZERO/BLANK), catalog.csv,
catalog_xy.csv, reference.json.
"""
import json, sys
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

out, size = sys.argv[1], int(sys.argv[2])
W, H = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (420, 360)
rng = np.random.default_rng(20261202)
w = WCS(naxis=2)
w.wcs.ctype = ["RA---TAN-SIP", "DEC--TAN-SIP"]
w.wcs.crval = [150.1, 2.2]
w.wcs.crpix = [W / 2 + 0.5, H / 2 + 0.5]
w.wcs.cd = np.array([[-0.262 / 3600, 0.00001 / 3600], [0.00002 / 3600, 0.262 / 3600]])
w.sip = None
hdr_sip = w.to_header(relax=True)
# A small SIP distortion, as real bricks' WCS can carry.
hdr_sip["A_ORDER"] = 2; hdr_sip["B_ORDER"] = 2
hdr_sip["A_2_0"] = 2e-6; hdr_sip["A_0_2"] = -1e-6; hdr_sip["B_1_1"] = 1.5e-6; hdr_sip["B_0_2"] = 1e-6
wcs = WCS(hdr_sip)
yy, xx = np.mgrid[:H, :W]
sky = np.zeros((H, W))
for _ in range(25):
    x0, y0, s, f = rng.uniform(0, W), rng.uniform(0, H), rng.uniform(1.5, 5), rng.uniform(0.2, 5)
    sky += f * np.exp(-((xx - x0) ** 2 + (yy - y0) ** 2) / (2 * s * s))
data = {}
for b, k, sig in (("g", 0.3, 0.0035), ("r", 1.0, 0.006), ("z", 2.0, 0.013)):
    d = (k * sky + rng.normal(0, sig, (H, W))).astype(np.float32)
    h = hdr_sip.copy(); h["BAND"] = b; h["BUNIT"] = "nanomaggy"
    fits.PrimaryHDU(d, h).writeto(f"{out}/brick-{b}.fits", overwrite=True)
    data[b] = d
# The z band again as scaled int16 with blank pixels: physical values and BLANK must come through.
zi = np.round((data["z"] - 0.5) / 0.001).clip(-32000, 32000).astype(np.int16)
zi[10:14, 20:30] = -32768
h = hdr_sip.copy(); h["BAND"] = "z"; h["BSCALE"] = 0.001; h["BZERO"] = 0.5; h["BLANK"] = -32768
hdu = fits.PrimaryHDU(zi, h)
hdu.header["BSCALE"] = 0.001; hdu.header["BZERO"] = 0.5; hdu.header["BLANK"] = -32768
hdu.writeto(f"{out}/brick-z-int.fits", overwrite=True)
z_int_phys = fits.getdata(f"{out}/brick-z-int.fits").astype(np.float64)  # astropy applies BSCALE/BZERO; BLANK → NaN below
z_int_phys[fits.getdata(f"{out}/brick-z-int.fits", do_not_scale_image_data=True) == -32768] = np.nan

# Catalogue: a grid of objects inside, objects at each edge and corner, two off the brick.
pix = [(x, y) for x in np.linspace(size, W - size, 4) for y in np.linspace(size, H - size, 3)]
pix += [(1.2, H / 2), (W - 1.6, H / 3), (W / 2, 0.3), (W / 3, H - 1.4), (2.0, 2.0), (W - 3.3, H - 2.2), (15.0, 11.0)]
pix = [(x + rng.uniform(-0.4, 0.4), y + rng.uniform(-0.4, 0.4)) for x, y in pix]
off = [(-60.0, H / 2), (W / 2, H + 90.0)]
radec = wcs.all_pix2world(np.array(pix + off), 0)
refs = {}
with open(f"{out}/catalog.csv", "w") as f, open(f"{out}/catalog_xy.csv", "w") as fxy:
    f.write("id,ra,dec\n"); fxy.write("id,x,y\n")
    for i, ((x, y), (ra, dec)) in enumerate(zip(pix + off, radec)):
        oid = f"obj{i:03d}"
        f.write(f"{oid},{ra!r},{dec!r}\n"); fxy.write(f"{oid},{x!r},{y!r}\n")
        if i >= len(pix):
            continue
        # astropy's position of the object, the nearest pixel, and the window around it.
        px, py = wcs.all_world2pix([[ra, dec]], 0)[0]
        cx, cy = int(np.floor(px + 0.5)), int(np.floor(py + 0.5))
        x0, y0 = cx - size // 2, cy - size // 2
        win = {}
        for b, arr in list(data.items()) + [("z-int", z_int_phys)]:
            cut = np.full((size, size), np.nan)
            ys, xs = slice(max(0, y0), min(H, y0 + size)), slice(max(0, x0), min(W, x0 + size))
            cut[ys.start - y0:ys.stop - y0, xs.start - x0:xs.stop - x0] = arr[ys, xs]
            win[b] = [None if np.isnan(v) else float(v) for v in cut.ravel()]
        edge = x0 < 0 or y0 < 0 or x0 + size > W or y0 + size > H
        centre = wcs.all_pix2world([[cx, cy]], 0)[0]
        refs[oid] = {"x": float(px), "y": float(py), "pixel": [cx, cy], "edge": bool(edge), "centre_radec": [float(centre[0]), float(centre[1])], "window": win}
json.dump({"size": size, "width": W, "height": H, "objects": refs, "outside": [f"obj{len(pix) + k:03d}" for k in range(len(off))]}, open(f"{out}/reference.json", "w"))
