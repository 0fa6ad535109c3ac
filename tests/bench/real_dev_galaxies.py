#!/usr/bin/python3
"""Catalogued galaxies on the dev pictures, for the real-image bench's galaxy measures.

Where each galaxy of Stellarium's own deep-sky catalogue lies on a picture of its
texture set: the catalogue (nebulae/default/catalog.dat, DSO format 3.16: gzip of a
big-endian Qt data stream) gives position, D25 size and position angle; textures.json
gives the sky position of each picture's four corners. The galaxy list is thus
independent of StarPlugin and of the pictures' pixels (checked by eye: the ellipses sit
on the galaxies of all six cluster pictures).

The training library uses it too (models/training/train_real.sh places the catalogue's
galaxies on the training pictures, and build_library.py gives them back to the targets).

usage: real_dev_galaxies.py OUT.csv PICTURE... [--stellarium /usr/share/stellarium/nebulae/default] [--planetary]
(--planetary: the catalogue's planetary nebulae instead of its galaxies)
Writes picture,name,x,y,a,b,theta: centre in pixels (x right, y down), semi-axes in
pixels (half the D25 diameters; 0 where the catalogue has no size), theta the major
axis' angle from +x toward +y, degrees.
"""
import gzip, math, os, re, struct, sys
import numpy as np

# NebulaType codes of the catalogue that are galaxies (galaxy, active, radio, interacting,
# quasar, BL Lac, blazar, possible quasar: in these pictures all of them are galaxies).
GALAXY_TYPES = {0, 1, 2, 3, 4, 21, 22, 25}
# Planetary nebulae (planetary, possible, protoplanetary): with --planetary, for the
# training library, whose clipped-star pass must not take their clipped discs for stars.
PLANETARY_TYPES = {11, 26, 27}


def read_catalog(path):
    u = gzip.decompress(open(path, "rb").read())
    p = 0

    def take(fmt):
        nonlocal p
        v = struct.unpack_from(fmt, u, p)[0]
        p += struct.calcsize(fmt)
        return v

    def qstring():
        nonlocal p
        n = take(">I")
        if n == 0xFFFFFFFF:
            return ""
        s = u[p:p + n].decode("utf-16-be")
        p += n
        return s

    version = qstring()
    qstring()  # edition
    if not version.startswith("3."):
        raise SystemExit(f"{path}: DSO catalogue format {version}, expected 3.x")
    out = []
    while p < len(u):
        r = {"id": take(">I"), "ra": take(">d"), "dec": take(">d")}
        take(">d"); take(">d")  # B and V magnitudes
        r["type"] = take(">I")
        qstring()  # morphological type
        r["major"], r["minor"], r["pa"] = take(">d"), take(">d"), take(">I")
        for _ in range(6):
            take(">d")  # redshift, its error, parallax, its error, distance, its error
        ids = {k: take(">I") for k in ("NGC", "IC", "M", "C", "B", "Sh2", "VdB", "RCW", "LDN", "LBN", "Cr", "Mel", "PGC", "UGC")}
        qstring(); take(">I"); take(">I")  # Ced, Arp, VV
        for _ in range(7):
            qstring()  # PK, PN G, SNR G, ACO, HCG, ESO, VdBH
        for _ in range(5):
            take(">I")  # DWB, Tr, St, Ru, VdB-Ha
        r["name"] = next((f"{k} {v}" for k, v in ids.items() if v), f"DSO {r['id']}")
        out.append(r)
    return out


def corners(textures, picture):
    m = re.search(r'"imageUrl"\s*:\s*"' + re.escape(picture) + r'".*?"worldCoords"\s*:\s*(\[\[.*?\]\]\])', textures, re.S)
    if not m:
        return None
    v = [float(x) for x in re.findall(r"-?\d*\.?\d+(?:[eE][-+]?\d+)?", m.group(1))]
    return np.array(v, float).reshape(-1, 2)[:4]  # texture corners (0,0), (1,0), (1,1), (0,1)


def project(ra, dec, ra0, dec0):
    """Gnomonic projection about (ra0, dec0), degrees in and out (ξ toward east, η north)."""
    a, d, a0, d0 = map(np.radians, (ra, dec, ra0, dec0))
    c = np.sin(d0) * np.sin(d) + np.cos(d0) * np.cos(d) * np.cos(a - a0)
    return np.degrees(np.cos(d) * np.sin(a - a0) / c), np.degrees((np.cos(d0) * np.sin(d) - np.sin(d0) * np.cos(d) * np.cos(a - a0)) / c)


def galaxies_on(picture_path, cat, textures, types=GALAXY_TYPES):
    from PIL import Image
    name = os.path.basename(picture_path)
    wc = corners(textures, name)
    if wc is None:
        return []
    w, h = Image.open(picture_path).size
    ra0, dec0 = wc[:, 0].mean(), wc[:, 1].mean()
    cx, cy = project(wc[:, 0], wc[:, 1], ra0, dec0)
    C = np.stack([cx, cy], 1)

    def sky(u, v):  # bilinear map of texture coordinates onto the tangent plane
        return (C[0][:, None] * ((1 - u) * (1 - v)) + C[1][:, None] * (u * (1 - v)) + C[2][:, None] * (u * v) + C[3][:, None] * ((1 - u) * v))

    gal = [r for r in cat if r["type"] in types]
    gx, gy = project(np.degrees([r["ra"] for r in gal]), np.degrees([r["dec"] for r in gal]), ra0, dec0)
    near = np.nonzero((np.abs(gx) < 2 * np.ptp(cx)) & (np.abs(gy) < 2 * np.ptp(cy)))[0]
    u, v = np.full(len(near), 0.5), np.full(len(near), 0.5)
    target = np.stack([gx[near], gy[near]])
    for _ in range(30):  # Newton on the bilinear map
        P = sky(u, v)
        du, dv = (sky(u + 1e-5, v) - P) / 1e-5, (sky(u, v + 1e-5) - P) / 1e-5
        r = target - P
        det = du[0] * dv[1] - du[1] * dv[0]
        u, v = u + (r[0] * dv[1] - r[1] * dv[0]) / det, v + (du[0] * r[1] - du[1] * r[0]) / det
    # Degrees per pixel, and the directions of north and east on the picture.
    mid = sky(np.array([0.5]), np.array([0.5]))[:, 0]
    ex = (sky(np.array([0.5 + 1 / w]), np.array([0.5]))[:, 0] - mid)  # one pixel toward +x, on the sky
    ey = (sky(np.array([0.5]), np.array([0.5 - 1 / h]))[:, 0] - mid)  # one pixel toward +y (down): texture v decreases
    scale = math.hypot(*ex)
    M = np.linalg.inv(np.stack([ex, ey], 1))  # sky offset (ξ, η) → pixel offset
    rows = []
    for k, uu, vv in zip(near, u, v):
        x, y = uu * w, (1 - vv) * h
        if not (0 <= x < w and 0 <= y < h):
            continue
        g = gal[k]
        pa = math.radians(g["pa"])  # from north through east
        d = M @ np.array([math.sin(pa), math.cos(pa)])
        theta = math.degrees(math.atan2(d[1], d[0]))
        a = g["major"] / 2 / scale
        b = (g["minor"] if g["minor"] > 0 else g["major"]) / 2 / scale
        rows.append((g["name"], x, y, a, b, theta))
    return rows


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    root = "/usr/share/stellarium/nebulae/default"
    if "--stellarium" in sys.argv:
        root = sys.argv[sys.argv.index("--stellarium") + 1]
        args.remove(root)
    out, pictures = args[0], args[1:]
    types, kind = (PLANETARY_TYPES, "planetary nebulae") if "--planetary" in sys.argv else (GALAXY_TYPES, "galaxies")
    cat = read_catalog(os.path.join(root, "catalog.dat"))
    textures = open(os.path.join(root, "textures.json")).read()
    with open(out, "w") as f:
        f.write("picture,name,x,y,a,b,theta\n")
        for p in pictures:
            rows = galaxies_on(p, cat, textures, types)
            for name, x, y, a, b, t in rows:
                f.write(f"{os.path.basename(p)[:-4]},{name},{x:.1f},{y:.1f},{a:.1f},{b:.1f},{t:.0f}\n")
            print(f"{os.path.basename(p)}: {len(rows)} catalogued {kind}", file=sys.stderr)


if __name__ == "__main__":
    main()
