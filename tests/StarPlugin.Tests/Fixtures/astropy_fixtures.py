#!/usr/bin/python3
"""FITS fixtures written by astropy, and astropy's reading of any FITS file, for the tests.

The tests compare StarPlugin with another implementation: these files are written by
astropy (not by our codec), and what astropy reads from them (or from our outputs) is
the reference. Values travel as raw little-endian float64 in numpy order (row 0 = the
first FITS row), cards as their 80-column images.

  astropy_fixtures.py codecs DIR        integer/float/scaled/blank FITS and cubes + DIR/NAME.json, NAME.f64
  astropy_fixtures.py read FITS OUT     astropy's reading of FITS: OUT.json (bitpix, shape, cards, verify), OUT.f64
  astropy_fixtures.py wcs DIR           headers with a celestial WCS + astropy's pixel<->sky (all_pix2world/all_world2pix)
  astropy_fixtures.py field DIR         a star field (int16, TAN-SIP) with numpy-convention truth, its sky positions, and sep's catalogue
  astropy_fixtures.py sky FITS X Y      prints astropy's (ra, dec) of 0-based pixel X, Y (comma-separated lists)
  astropy_fixtures.py regions FITS REG PNG   renders REG over FITS as DS9 would show it (row 1 at the bottom)
  astropy_fixtures.py astrotiff OUT.tif  a 16-bit Astro-TIFF written with PIL (FITS header in ImageDescription, CR+LF, short lines)
  astropy_fixtures.py cutout OUT.fits    a 128x96 float32 cutout with one galaxy at numpy (x, y) = (70, 40)
  astropy_fixtures.py peak FITS X Y       the brightest pixel within 3 px of numpy (X, Y) and its distance
  astropy_fixtures.py diff A.fits B.fits prints the light-weighted centroid (numpy x, y) of B - A where it is positive
"""
import json, math, os, sys, warnings
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

warnings.simplefilter("ignore")
STRUCTURAL = {"SIMPLE", "XTENSION", "BITPIX", "EXTEND", "BZERO", "BSCALE", "BLANK", "PCOUNT", "GCOUNT", "END", "CHECKSUM", "DATASUM"}


def card_images(header):
    """Every card's 80-column image in file order (CONTINUE cards separate), structural keywords dropped."""
    text = header.tostring(sep="\n", endcard=False, padding=False)
    out = []
    for line in text.split("\n"):
        key = line[:8].strip()
        if key in STRUCTURAL or key.startswith("NAXIS") or not line.strip():
            continue
        out.append(line.ljust(80))
    return out


def dump(hdu, base, extra=None):
    # The header as stored: astropy rewrites BITPIX/BZERO/BSCALE once the data is scaled on access.
    info = {"bitpix": hdu.header["BITPIX"], "bzero": hdu.header.get("BZERO", 0), "bscale": hdu.header.get("BSCALE", 1),
            "blank": hdu.header.get("BLANK"), "cards": card_images(hdu.header)}
    data = hdu.data
    info.update({"shape": list(data.shape), "dtype": str(data.dtype)})
    if extra:
        info.update(extra)
    np.ascontiguousarray(data, dtype="<f8").tofile(base + ".f64")
    with open(base + ".json", "w") as f:
        json.dump(info, f, indent=1)


def header_cards(h):
    h["OBJECT"] = ("M 51", "target")
    h["EXPTIME"] = (300.0, "[s] exposure")
    h["DATE-OBS"] = "2024-03-01T22:13:05.123"
    h["GAIN"] = (1.25, "e-/ADU")
    h["LONGSTR"] = "a long string value " * 6 + "that needs CONTINUE cards"
    h.add_history("dark and flat applied by astropy")
    h.add_comment("written by tests/StarPlugin.Tests/Fixtures/astropy_fixtures.py")
    return h


def codecs(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(18)
    h, w = 12, 20  # non-square: a transposed read shows

    def save(name, hdu):
        hdu.writeto(os.path.join(out, name + ".fits"), overwrite=True)
        # astropy's reading of the file just written: the reference for ours
        with fits.open(os.path.join(out, name + ".fits")) as hl:
            dump(hl[0], os.path.join(out, name))

    # Signed 16-bit with negatives (IRAF's M51 frame holds -1..19936), every extreme included.
    a = rng.integers(-200, 19937, (h, w)).astype(np.int16)
    a[0, 0], a[0, 1], a[1, 0], a[h - 1, w - 1] = -32768, 32767, -1, 19936
    save("int16_signed", fits.PrimaryHDU(a, header_cards(fits.Header())))
    # Unsigned 16-bit: astropy writes BITPIX 16 with BZERO 32768.
    u = rng.integers(0, 65536, (h, w)).astype(np.uint16)
    u[0, 0], u[0, 1] = 0, 65535
    save("uint16", fits.PrimaryHDU(u, header_cards(fits.Header())))
    save("uint8", fits.PrimaryHDU(rng.integers(0, 256, (h, w)).astype(np.uint8)))
    i32 = rng.integers(-(2 ** 24), 2 ** 24, (h, w)).astype(np.int32)  # float32 holds every integer up to 2^24
    i32[0, 0], i32[0, 1] = -(2 ** 24), 2 ** 24
    save("int32", fits.PrimaryHDU(i32))
    f = (rng.normal(500, 300, (h, w))).astype(np.float32)
    f[2, 3], f[5, 7], f[0, 0] = np.nan, -1234.5, 3.0e38
    save("float32_nan", fits.PrimaryHDU(f, header_cards(fits.Header())))
    save("float64", fits.PrimaryHDU(rng.normal(0, 1e6, (h, w)).astype(np.float64)))
    # Scaled integers: physical = 100 + 0.5 * stored.
    s = fits.PrimaryHDU((rng.integers(-30000, 30000, (h, w)) * 0.5 + 100).astype(np.float64))
    s.scale("int16", bzero=100, bscale=0.5)
    save("int16_scaled", s)
    # BLANK: stored -32768 means no data (astropy leaves it raw in an unscaled int array).
    b = rng.integers(0, 5000, (h, w)).astype(np.int16)
    b[3, 4] = b[7, 11] = -32768
    hb = fits.PrimaryHDU(b)
    hb.header["BLANK"] = -32768
    save("int16_blank", hb)
    # Cubes: 3 planes are colour; 2 and 4 planes are not (and must not be read as alpha).
    for n in (3, 2, 4):
        save(f"cube{n}", fits.PrimaryHDU(rng.normal(100, 10, (n, h, w)).astype(np.float32)))
    # Primary empty, image in the first extension, as archives ship it.
    fits.HDUList([fits.PrimaryHDU(header=header_cards(fits.Header())), fits.ImageHDU(a, name="SCI")]).writeto(os.path.join(out, "ext_int16.fits"), overwrite=True)
    with fits.open(os.path.join(out, "ext_int16.fits")) as hl:
        dump(hl[1], os.path.join(out, "ext_int16"))


def read(path, out):
    with fits.open(path) as hl:
        problems = []
        try:
            hl.verify("exception")
        except Exception as e:  # the standard's rules, as astropy checks them
            problems.append(str(e))
        hdu = next(x for x in hl if x.header.get("NAXIS", 0) > 0)  # by header: touching .data rewrites BITPIX
        dump(hdu, out, {"verify": problems})


# --- WCS -----------------------------------------------------------------------------

def base(ctype, crval, crpix=(512.3, 384.7)):
    h = fits.Header()
    h["CTYPE1"], h["CTYPE2"] = "RA---" + ctype, "DEC--" + ctype
    h["CRVAL1"], h["CRVAL2"] = crval
    h["CRPIX1"], h["CRPIX2"] = crpix
    h["RADESYS"] = "ICRS"
    return h


def cd(h, scale=2.8e-4, rot=30.0, flip=True, skew=1.03):
    c, s = math.cos(math.radians(rot)), math.sin(math.radians(rot))
    sx = -scale if flip else scale
    h["CD1_1"], h["CD1_2"], h["CD2_1"], h["CD2_2"] = sx * c, -scale * skew * s, sx * s, scale * skew * c
    return h


def sip(h, order=3):
    """A/B distortion of a few pixels at the edges, and AP/BP fitted to its inverse (as SIP writers do)."""
    h["CTYPE1"], h["CTYPE2"] = h["CTYPE1"] + "-SIP", h["CTYPE2"] + "-SIP"
    A = {(2, 0): 2.1e-6, (1, 1): -1.3e-6, (0, 2): 4.0e-7, (3, 0): 1.5e-9, (2, 1): -2.2e-9, (0, 3): 8e-10}
    B = {(2, 0): -6.0e-7, (1, 1): 1.8e-6, (0, 2): -2.4e-6, (1, 2): 1.1e-9, (3, 0): -7e-10, (0, 3): 2.0e-9}
    h["A_ORDER"], h["B_ORDER"] = order, order
    for (p, q), v in A.items(): h[f"A_{p}_{q}"] = v
    for (p, q), v in B.items(): h[f"B_{p}_{q}"] = v
    g = np.linspace(-700, 700, 41)
    u, v = [x.ravel() for x in np.meshgrid(g, g)]
    U = u + sum(c * u ** p * v ** q for (p, q), c in A.items())
    V = v + sum(c * u ** p * v ** q for (p, q), c in B.items())
    terms = [(p, q) for p in range(order + 1) for q in range(order + 1 - p)]
    M = np.stack([U ** p * V ** q for p, q in terms], axis=1)
    ap = np.linalg.lstsq(M, u - U, rcond=None)[0]
    bp = np.linalg.lstsq(M, v - V, rcond=None)[0]
    h["AP_ORDER"], h["BP_ORDER"] = order, order
    for (p, q), a_, b_ in zip(terms, ap, bp):
        h[f"AP_{p}_{q}"], h[f"BP_{p}_{q}"] = float(a_), float(b_)
    return h


def wcs_headers():
    H = {}
    H["tan_cd"] = cd(base("TAN", (83.8221, -5.3911)))
    h = base("TAN", (202.4696, 47.1952))
    h["CDELT1"], h["CDELT2"] = -3.1e-4, 2.9e-4
    h["PC1_1"], h["PC1_2"], h["PC2_1"], h["PC2_2"] = 0.96, -0.28, 0.27, 0.95
    H["tan_pc"] = h
    h = base("TAN", (10.6847, 41.2690))
    h["CDELT1"], h["CDELT2"], h["CROTA2"] = -2.5e-4, 2.5e-4, 23.5
    del h["RADESYS"]; h["EQUINOX"] = 2000.0
    H["tan_crota"] = h
    H["tan_sip"] = sip(cd(base("TAN", (150.1163, 2.2058))))
    H["tan_sip_no_inverse"] = cd(base("TAN", (150.1163, 2.2058)))
    for k, v in sip(fits.Header({"CTYPE1": "RA---TAN", "CTYPE2": "DEC--TAN"})).items():
        if k.startswith(("A_", "B_")): H["tan_sip_no_inverse"][k] = v
    H["tan_sip_no_inverse"]["CTYPE1"], H["tan_sip_no_inverse"]["CTYPE2"] = "RA---TAN-SIP", "DEC--TAN-SIP"
    H["tan_pole"] = cd(base("TAN", (37.95, 89.26)), scale=1e-3)
    H["tan_ra0"] = cd(base("TAN", (359.97, 12.3)), scale=1e-3, rot=-12)
    H["tan_south"] = cd(base("TAN", (280.0, -72.5)), scale=5e-4, rot=100)
    for p in ("SIN", "ARC", "STG", "ZEA"):
        H[p.lower()] = cd(base(p, (120.5, 33.3)), scale=2e-3, rot=15)
    h = cd(base("TPV", (53.1, -27.8)), rot=5)
    for k, v in {"PV1_0": 1e-5, "PV1_1": 1.0002, "PV1_2": 3e-4, "PV1_4": 2e-3, "PV1_5": -1e-3, "PV1_7": 4e-2, "PV1_11": 3e-2,
                 "PV2_0": -2e-5, "PV2_1": 0.9997, "PV2_2": -2e-4, "PV2_4": -1.5e-3, "PV2_6": 1e-3, "PV2_8": 2e-2, "PV2_10": -1e-2}.items():
        h[k] = v
    H["tpv"] = h
    h = cd(base("TAN", (266.4, -28.9)))
    del h["RADESYS"]; h["RADESYS"], h["EQUINOX"] = "FK4", 1950.0
    H["tan_fk4"] = h
    h = cd(base("TAN", (12.0, 45.0)))
    h["LONPOLE"] = 170.0
    H["tan_lonpole"] = h
    h = fits.Header()  # latitude axis first
    h["CTYPE1"], h["CTYPE2"] = "DEC--TAN", "RA---TAN"
    h["CRVAL1"], h["CRVAL2"], h["CRPIX1"], h["CRPIX2"] = -12.5, 300.2, 40.5, 60.25
    h["CD1_1"], h["CD1_2"], h["CD2_1"], h["CD2_2"] = 0.0, 3e-4, -3e-4, 0.0
    H["tan_dec_first"] = h
    return H


def wcs(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(5)
    index = {}
    for name, h in wcs_headers().items():
        fits.PrimaryHDU(np.zeros((8, 10), np.float32), h).writeto(os.path.join(out, name + ".fits"), overwrite=True)
        w = WCS(fits.getheader(os.path.join(out, name + ".fits")))
        crpix = w.wcs.crpix
        pix = np.vstack([[crpix[0], crpix[1]], [1, 1], [1024, 768], [-1500.5, 2200.25], [3000, -900],
                         rng.uniform(-500, 1500, (40, 2))])
        world = w.all_pix2world(pix, 1)  # columns in the header's axis order
        back = w.all_world2pix(world, 1, tolerance=1e-12, maxiter=200, quiet=True)
        radec = world[:, [w.wcs.lng, w.wcs.lat]]
        index[name] = {"pixel": pix.tolist(), "world": radec.tolist(), "pixel_back": back.tolist(),
                       "radesys": w.wcs.radesys, "equinox": None if np.isnan(w.wcs.equinox) else w.wcs.equinox}
    with open(os.path.join(out, "wcs.json"), "w") as f:
        json.dump(index, f, indent=1)


# --- a star field with numpy-convention truth ---------------------------------------

def field(out, width=512, height=384, n=300, seed=11):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    sky, read_noise = 1000.0, 6.0
    img = np.full((height, width), sky)
    xs = rng.uniform(12, width - 13, n)
    ys = rng.uniform(12, height - 13, n)
    flux = np.exp(rng.uniform(math.log(2500), math.log(250000), n))
    sig = rng.uniform(1.05, 1.45, n)  # FWHM 2.5..3.4 px
    erf = np.vectorize(math.erf)
    for x0, y0, f0, s0 in zip(xs, ys, flux, sig):
        r = int(math.ceil(6 * s0))
        cx, cy = int(round(x0)), int(round(y0))
        gx = np.arange(cx - r, cx + r + 1); gy = np.arange(cy - r, cy + r + 1)
        # Exact pixel integrals of a Gaussian centred at (x0, y0); pixel i covers [i-0.5, i+0.5] (numpy convention).
        px = 0.5 * (erf((gx + 0.5 - x0) / (s0 * math.sqrt(2))) - erf((gx - 0.5 - x0) / (s0 * math.sqrt(2))))
        py = 0.5 * (erf((gy + 0.5 - y0) / (s0 * math.sqrt(2))) - erf((gy - 0.5 - y0) / (s0 * math.sqrt(2))))
        img[gy[0]:gy[-1] + 1, gx[0]:gx[-1] + 1] += f0 * np.outer(py, px)
    noisy = rng.poisson(img) + rng.normal(0, read_noise, img.shape)
    data = np.clip(np.round(noisy), -32768, 32767).astype(np.int16)
    h = sip(cd(base("TAN", (150.1163, 2.2058), crpix=(width / 2 + 0.5, height / 2 + 0.5)), scale=2.8e-4, rot=30))
    h["OBJECT"] = "astropy star field"
    h["GAIN"] = (1.0, "e-/ADU")
    fits.PrimaryHDU(data, h).writeto(os.path.join(out, "field.fits"), overwrite=True)
    # The same field with a blank (BLANK = -32768) 40x40 patch, as a masked bad region.
    blank = data.copy()
    blank[100:140, 200:240] = -32768
    hb = fits.PrimaryHDU(blank, h)
    hb.header["BLANK"] = -32768
    hb.writeto(os.path.join(out, "field_blank.fits"), overwrite=True)
    w = WCS(fits.getheader(os.path.join(out, "field.fits")))
    ra, dec = w.all_pix2world(xs, ys, 0)
    snr = flux / np.sqrt(flux + 4 * math.pi * sig ** 2 * (sky + read_noise ** 2))
    with open(os.path.join(out, "field.truth.csv"), "w") as f:
        f.write("x,y,flux,snr,ra,dec\n")
        for row in zip(xs, ys, flux, snr, ra, dec):
            f.write("%.5f,%.5f,%.3f,%.2f,%.10f,%.10f\n" % row)
    try:
        import sep
        d = data.astype(np.float64)
        bkg = sep.Background(d)
        objs = sep.extract(d - bkg, 5.0, err=bkg.globalrms, minarea=5)
        with open(os.path.join(out, "field.sep.csv"), "w") as f:
            f.write("x,y\n")
            for x, y in zip(objs["x"], objs["y"]):
                f.write("%.4f,%.4f\n" % (x, y))
    except ImportError:
        pass


def sky(path, xs, ys):
    w = WCS(fits.getheader(path))
    x = np.array([float(v) for v in xs.split(",")]); y = np.array([float(v) for v in ys.split(",")])
    ra, dec = w.all_pix2world(x, y, 0)
    print(json.dumps({"ra": ra.tolist(), "dec": dec.tolist()}))


def regions(path, reg, png):
    """Draws the region file over the image as DS9 shows it: circles (image coords) green/red, sky crosses cyan via astropy.wcs."""
    from PIL import Image, ImageDraw
    data = fits.getdata(path).astype(np.float64)
    w = WCS(fits.getheader(path))
    lo, hi = np.nanpercentile(data, [5, 99.7])
    grey = (np.clip((data - lo) / (hi - lo), 0, 1) ** 0.5 * 255).astype(np.uint8)
    h = grey.shape[0]
    scale = 2
    im = Image.fromarray(grey[::-1]).convert("RGB").resize((grey.shape[1] * scale, h * scale), Image.NEAREST)  # row 1 at the bottom
    d = ImageDraw.Draw(im)
    system = None
    circles = crosses = 0
    for line in open(reg):
        line = line.strip()
        if line in ("image", "icrs", "fk5", "fk4"):
            system = line
            continue
        if line.startswith("circle(") and system == "image":
            x, y, r = [float(v) for v in line[7:line.index(")")].split(",")]
            X, Y = (x - 0.5) * scale, (h - y + 0.5) * scale  # DS9 pixel x covers [x-0.5, x+0.5]
            d.ellipse([X - r * scale, Y - r * scale, X + r * scale, Y + r * scale], outline=(255, 60, 60) if "red" in line else (60, 255, 90))
            circles += 1
        elif line.startswith("point(") and system in ("icrs", "fk5", "fk4"):
            ra, dec = [float(v) for v in line[6:line.index(")")].split(",")]
            px, py = w.all_world2pix([[ra, dec]], 1, tolerance=1e-10)[0]
            X, Y = (px - 0.5) * scale, (h - py + 0.5) * scale
            d.line([X - 4, Y, X + 4, Y], fill=(0, 220, 255)); d.line([X, Y - 4, X, Y + 4], fill=(0, 220, 255))
            crosses += 1
    im.save(png)
    print(json.dumps({"circles": circles, "crosses": crosses}))


def astrotiff(out):
    """A Siril/ASTAP-style Astro-TIFF written without our code: 16-bit grey by PIL, header lines of
    varying length ending in CR+LF, WCS for the FITS grid (row 1 at the bottom of the picture)."""
    from PIL import Image
    rng = np.random.default_rng(3)
    h, w = 24, 32
    data = rng.integers(100, 60000, (h, w)).astype(np.uint16)  # FITS order: row 0 = FITS row 1
    head = cd(base("TAN", (83.8221, -5.3911), crpix=(16.5, 12.5)))
    head["OBJECT"] = "M 42"
    head["EXPTIME"] = 120.0
    lines = ["SIMPLE  = T", "BITPIX  = 16", "NAXIS   = 2", f"NAXIS1  = {w}", f"NAXIS2  = {h}", "BZERO   = 32768"]
    lines += [str(c).rstrip() for c in head.cards] + ["END"]
    img = Image.fromarray(data[::-1].astype(np.uint16))  # the picture top-down: first TIFF row = FITS row NAXIS2
    img.save(out, tiffinfo={270: "\r\n".join(lines)}, compression="tiff_deflate")
    np.ascontiguousarray(data, dtype="<f8").tofile(out + ".f64")
    wcs_ = WCS(head)
    print(json.dumps({"ra_dec_of_fits_pixel_1_1": wcs_.all_pix2world([[1, 1]], 1)[0].tolist()}))


def cutout(out):
    rng = np.random.default_rng(4)
    h, w = 96, 128
    y, x = np.mgrid[0:h, 0:w]
    img = 100 + 300 * np.exp(-((x - 70) ** 2 + (y - 40) ** 2) / (2 * 4.0 ** 2)) + rng.normal(0, 2, (h, w))
    fits.PrimaryHDU(img.astype(np.float32)).writeto(out, overwrite=True)


def peak(path, x, y):
    d = fits.getdata(path).astype(np.float64)
    x, y = float(x), float(y)
    x0, y0 = int(round(x)), int(round(y))
    win = d[y0 - 3:y0 + 4, x0 - 3:x0 + 4]
    py, px = np.unravel_index(np.nanargmax(win), win.shape)
    px, py = px + x0 - 3, py + y0 - 3
    print(json.dumps({"x": int(px), "y": int(py), "distance": math.hypot(px - x, py - y)}))


def diff(a, b):
    d = fits.getdata(b).astype(np.float64) - fits.getdata(a).astype(np.float64)
    if d.ndim == 3:
        d = d.sum(axis=0)
    d[d < 0] = 0
    y, x = np.mgrid[0:d.shape[0], 0:d.shape[1]]
    print(json.dumps({"x": float((d * x).sum() / d.sum()), "y": float((d * y).sum() / d.sum())}))


if __name__ == "__main__":
    cmd = sys.argv[1]
    {"codecs": lambda: codecs(sys.argv[2]), "read": lambda: read(sys.argv[2], sys.argv[3]), "wcs": lambda: wcs(sys.argv[2]),
     "field": lambda: field(sys.argv[2]), "sky": lambda: sky(sys.argv[2], sys.argv[3], sys.argv[4]),
     "regions": lambda: regions(sys.argv[2], sys.argv[3], sys.argv[4]), "astrotiff": lambda: astrotiff(sys.argv[2]),
     "cutout": lambda: cutout(sys.argv[2]), "peak": lambda: peak(sys.argv[2], sys.argv[3], sys.argv[4]), "diff": lambda: diff(sys.argv[2], sys.argv[3])}[cmd]()
