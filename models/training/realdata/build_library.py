#!/usr/bin/python3
"""Builds the real-image training library: for each real photograph, the original, a
star-free background and a star layer, from which realpairs.py composes training pairs.

  build_library.py SRC_DIR CLEAN1_DIR OUT_DIR [--galaxies CSV] [--planetary CSV]

SRC_DIR holds the photographs (PNG/JPEG, any mode). CLEAN1_DIR holds what the current
pipeline made of them (`starplugin remove SRC_DIR --out-dir CLEAN1_DIR --with-mask
--format tif`): NAME_starless.tif and NAME_mask.tif. That pipeline leaves a quarter of
the stars on real photographs, so a second pass here finds what is still star-like with
sep (an independent detector) and fills it from the surrounding sky: a background with
stars left in it would teach the network to keep them.

Per image OUT_DIR/NAME.npz holds: orig (uint8 HxWx3), clean (float16 HxWx3, the
background), stars (float16 HxWx3, the screen-blend star layer: orig = 1 - (1 - clean)
(1 - stars) where the star mask is on), valid (uint8 HxW: 1 where alpha is opaque), psf
(FWHM px of the image's stars), unsure (uint8 HxW: 1 around compact peaks the passes
may have left in the background; the trainer ignores the target there rather than
teach the network to keep what may be a faint star), refilled (uint8 HxW: what the
second pass filled where the pipeline had not touched; on an original as input the
trainer ignores it too, since in galaxy fields it holds small galaxies as well), galaxy
(uint8 HxW: 1 on catalogued galaxies, where the background is the original).

Galaxies: both passes take small galaxies for stars (the pipeline erases every clipped
elliptical of the Fornax cluster), and a background without them, with the galaxies in
the star layer that composites lay on other pictures, teaches the network that galaxies
are stars. With --galaxies (tests/bench/real_dev_galaxies.py's CSV for these pictures:
Stellarium's own catalogue, independent of the pixels) the background is the original
on each catalogued galaxy that shows on the picture, except on compact sources away
from its centre (stars in front of it). An OUT_DIR entry made before this (no galaxy
plane) is brought up to date in place; one made by an older galaxy pass (GALAXY_PASS) is
rebuilt from CLEAN1_DIR.

Clipped stars: the pipeline leaves some bright clipped stars whole (the Dark Shark's,
NGC 691's, M15's spiked ones), and a background that keeps them teaches the network to
keep them. The clipped-star pass fills those from the rim of their halo, away from
what looks like a galaxy or a nebula (fill_clipped_stars); --planetary takes
real_dev_galaxies.py --planetary's CSV, whose planetary nebulae it must not fill.
Entries carry its version (CLIPPED_PASS) as they do the galaxy pass's.
"""
import csv, glob, os, sys
import numpy as np
import sep
from PIL import Image
from scipy import ndimage

sep.set_extract_pixstack(3_000_000)
sep.set_sub_object_limit(4096)


def load_rgb(path):
    """Float RGB in [0,1] and an opacity mask, whatever the file's mode."""
    im = Image.open(path)
    im.load()
    alpha = None
    if im.mode in ("P", "PA", "LA", "RGBA", "La") or "transparency" in im.info:
        im = im.convert("RGBA")
        a = np.asarray(im, dtype=np.float32) / 255.0
        alpha, rgb = a[..., 3], a[..., :3]
    elif im.mode == "F":
        rgb = np.asarray(im, dtype=np.float32)[..., None].repeat(3, 2)
    elif im.mode in ("I;16", "I"):
        rgb = (np.asarray(im, dtype=np.float32) / 65535.0)[..., None].repeat(3, 2)
    else:
        rgb = np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0
    if alpha is None:
        alpha = np.ones(rgb.shape[:2], np.float32)
    return np.ascontiguousarray(rgb), alpha


def load_mask(path):
    m = np.asarray(Image.open(path), dtype=np.float32)
    return m if m.ndim == 2 else m[..., 0]


def image_psf(lum):
    """FWHM of the stars' cores: the lower quartile over confident round sources (bright
    stars in a stretched picture swell, faint ones are noisy; the quartile is the core)."""
    bkg = sep.Background(lum, bw=32, bh=32)
    sub = lum - bkg.back()
    try:
        obj = sep.extract(sub, 10, err=bkg.globalrms, minarea=4)
    except Exception:
        return 2.5
    ok = (obj["flag"] == 0) & (obj["b"] > 0.6 * obj["a"]) & (obj["npix"] < 400)
    if ok.sum() < 8:
        return 2.5
    fwhm = 2.3548 * np.sqrt(0.5 * (obj["a"][ok] ** 2 + obj["b"][ok] ** 2))
    return float(np.clip(np.percentile(fwhm, 25), 1.0, 8.0))


def star_like_mask(lum, psf, valid):
    """Pixels of compact, star-like sources still standing in a background (sep at 2.5σ)."""
    bkg = sep.Background(lum, bw=32, bh=32, mask=valid < 0.5)
    sub = lum - bkg.back()
    rms = max(bkg.globalrms, 1e-4)
    try:
        obj = sep.extract(sub, 2.5, err=rms, minarea=3, mask=valid < 0.5)
    except Exception:
        return np.zeros(lum.shape, bool)
    fwhm = 2.3548 * np.sqrt(0.5 * (obj["a"] ** 2 + obj["b"] ** 2))
    keep = (fwhm <= max(3.0 * psf, 4.0)) & (obj["npix"] <= 40 * psf * psf + 30) & (obj["a"] <= 2.0 * obj["b"])
    mask = np.zeros(lum.shape, np.uint8)
    obj = obj[keep]
    r = 2.5 * np.maximum(obj["a"], psf / 2.3548) + 2.0
    sep.mask_ellipse(mask, obj["x"], obj["y"], obj["a"], obj["b"], obj["theta"], r=r / np.maximum(obj["a"], 1e-3))
    return mask > 0


def clipped_std(v, rounds=5):
    v = v.ravel()
    for _ in range(rounds):
        m, s = v.mean(), v.std()
        v = v[np.abs(v - m) < 3 * s]
    return float(v.std())


def unsure_mask(lum, psf, valid):
    """Compact peaks that stand out of a 7-px median after a matched filter (a Gaussian of
    the stars' width): faint stars in nebulae and in palette-dithered pictures that
    neither pass removed. The threshold is 5σ, but never below the top 1.5 % of the
    filtered map: dithered and JPEG'd pictures have heavy-tailed noise whose σ
    underestimates their peaks (on a palette Milky Way field 5σ marked 20 % of pixels)."""
    r = ndimage.gaussian_filter(lum - ndimage.median_filter(lum, size=7), max(psf, 1.2) / 2.3548)
    inside = r[valid > 0] if valid.any() else r.ravel()
    thr = max(5 * clipped_std(inside), float(np.percentile(inside, 98.5)))
    peak = (r > thr) & (r == ndimage.maximum_filter(r, size=3)) & (valid > 0)
    return ndimage.binary_dilation(peak, iterations=max(1, int(round(psf / 1.5))))


def inpaint(img, hole, rng):
    """Fills the hole pixels of each channel from their surroundings: normalised
    convolution at growing scales (the smallest scale that reaches a pixel wins), then
    noise of the surroundings' σ so the fill does not read as a smooth patch."""
    out = img.copy()
    known = (~hole).astype(np.float32)
    todo = hole.copy()
    for s in (1.5, 3, 6, 12, 24, 48):
        w = ndimage.gaussian_filter(known, s)
        take = todo & (w > 0.15)
        if take.any():
            for c in range(img.shape[2]):
                v = ndimage.gaussian_filter(img[..., c] * known, s)
                out[..., c][take] = v[take] / w[take]
            todo &= ~take
        if not todo.any():
            break
    if todo.any():
        out[todo] = np.median(img[~hole], axis=0) if (~hole).any() else 0
    # Local noise: MAD of horizontal differences in the known pixels around.
    d = np.abs(np.diff(img, axis=1))
    sigma = 1.4826 / np.sqrt(2) * np.median(d[(~hole)[:, 1:]], axis=0) if (~hole).sum() > 100 else np.zeros(3)
    out[hole] += rng.normal(0, 1, (hole.sum(), 3)) * sigma
    return np.clip(out, 0, 1)


def harmonic_fill(img, hole, rng):
    """Fills each connected hole with the harmonic (membrane) surface that meets its rim
    pixel for pixel (red-black over-relaxation from the rim's mean), then noise of the
    surroundings' σ. For discs tens of pixels wide, where inpaint's wide Gaussians reach
    darker sky far away and leave a dark disc inside a brighter rim (a bright star's halo
    outside the hole)."""
    out = img.copy()
    h, w = hole.shape
    lab, _ = ndimage.label(hole)
    for k, sl in enumerate(ndimage.find_objects(lab)):
        y0, y1 = max(0, sl[0].start - 1), min(h, sl[0].stop + 1)
        x0, x1 = max(0, sl[1].start - 1), min(w, sl[1].stop + 1)
        win = out[y0:y1, x0:x1]
        m = lab[y0:y1, x0:x1] == k + 1
        rim = ndimage.binary_dilation(m) & ~m
        if not rim.any():
            continue
        win[m] = win[rim].mean(0)
        pad = np.pad(win, ((1, 1), (1, 1), (0, 0)), mode="edge")
        inner = np.pad(m, 1)
        yy, xx = np.nonzero(inner)
        red = (yy + xx) % 2 == 0
        for _ in range(int(4 * np.sqrt(m.sum())) + 50):
            for part in (red, ~red):
                y, x = yy[part], xx[part]
                avg = 0.25 * (pad[y - 1, x] + pad[y + 1, x] + pad[y, x - 1] + pad[y, x + 1])
                pad[y, x] += 1.9 * (avg - pad[y, x])
        win[m] = pad[1:-1, 1:-1][m]
    d = np.abs(np.diff(img, axis=1))
    sigma = 1.4826 / np.sqrt(2) * np.median(d[(~hole)[:, 1:]], axis=0) if (~hole).sum() > 100 else np.zeros(3)
    out[hole] += rng.normal(0, 1, (hole.sum(), 3)) * sigma
    return np.clip(out, 0, 1)


def read_galaxies(path):
    """picture name -> [(x, y, a, b, theta°)] from real_dev_galaxies.py's CSV (D25 semi-axes in px)."""
    out = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            out.setdefault(r["picture"], []).append(tuple(float(r[k]) for k in ("x", "y", "a", "b", "theta")))
    return out


# Catalogued galaxies the pass gives back: D25 semi-major axis from MIN_GALAXY px (smaller
# ones are star-like at this scale: the catalogue cannot tell them from a star on the
# pixels) to MAX_GALAXY px (larger ones fill the picture, hold many stars, and the
# pipeline keeps them); apertures of APERTURE × the D25 ellipse, at least 4 px, as the
# real-dev bench measures galaxy light.
MIN_GALAXY, MAX_GALAXY, APERTURE = 2.5, 60.0, 2.0
# Version of the galaxy pass an entry was made with: an entry from an older one is rebuilt
# from the pipeline's outputs (its background was already changed by that pass).
GALAXY_PASS = 2


def galaxy_apertures(lum, valid, psf, galaxies):
    """The apertures of the catalogued galaxies that show (a sep object at 5σ within
    max(3, 0.4 a) px of the catalogued centre: on a dense field some entries fall on
    nothing, or only on the Milky Way), and the stars in front of them: compact or clipped
    sources inside an aperture, away from every catalogued centre. Two boolean planes.
    sep deblends finely (contrast 1e-4): at its default a star on a bright galaxy, and a
    small galaxy beside a large one, merge into the large one's footprint."""
    h, w = lum.shape
    aperture, fg = np.zeros((h, w), bool), np.zeros((h, w), bool)
    rows = [g for g in galaxies if MIN_GALAXY <= g[2] <= MAX_GALAXY]
    if not rows:
        return aperture, fg
    bkg = sep.Background(lum, bw=32, bh=32, mask=valid < 0.5)
    sub = lum - bkg.back()
    rms = max(bkg.globalrms, 1e-4)
    try:
        obj = sep.extract(sub, 5, err=rms, minarea=5, mask=valid < 0.5, deblend_cont=1e-4)
    except Exception:
        return aperture, fg
    fwhm = 2.3548 * np.sqrt(0.5 * (obj["a"] ** 2 + obj["b"] ** 2))
    # Compact or clipped (a bright star swells past any width test), and not on any
    # catalogued galaxy's centre (a small galaxy on a larger one's aperture is no star in
    # front of it).
    clipped = obj["peak"] + bkg.back()[np.clip(obj["ycpeak"], 0, h - 1), np.clip(obj["xcpeak"], 0, w - 1)] >= 0.97
    star = (fwhm <= max(2.5 * psf, 4.0)) | clipped
    centre = lambda a: max(3.0, 0.4 * a)
    for x, y, a, _, _ in galaxies:
        star &= np.hypot(obj["x"] - x, obj["y"] - y) > centre(a)
    yy, xx = np.mgrid[0:h, 0:w]
    for x, y, a, b, theta in rows:
        if not (np.hypot(obj["x"] - x, obj["y"] - y) <= centre(a)).any():
            continue
        A, B, t = max(APERTURE * a, 4.0), max(APERTURE * (b if b > 0 else a), 4.0), np.radians(theta)
        R = max(A, B)
        x0, x1, y0, y1 = max(0, int(x - R - 1)), min(w, int(x + R + 2)), max(0, int(y - R - 1)), min(h, int(y + R + 2))
        if x1 <= x0 or y1 <= y0:
            continue
        dx, dy = xx[y0:y1, x0:x1] - x, yy[y0:y1, x0:x1] - y
        u, v = dx * np.cos(t) + dy * np.sin(t), -dx * np.sin(t) + dy * np.cos(t)
        aperture[y0:y1, x0:x1] |= (u / A) ** 2 + (v / B) ** 2 <= 1
        for o in obj[star & (np.abs(obj["x"] - x) <= R) & (np.abs(obj["y"] - y) <= R)]:
            r = 2.5 * max(o["a"], psf / 2.3548) + 2
            fx0, fx1, fy0, fy1 = max(0, int(o["x"] - r)), min(w, int(o["x"] + r) + 2), max(0, int(o["y"] - r)), min(h, int(o["y"] + r) + 2)
            fg[fy0:fy1, fx0:fx1] |= np.hypot(xx[fy0:fy1, fx0:fx1] - o["x"], yy[fy0:fy1, fx0:fx1] - o["y"]) <= r
    aperture &= valid > 0
    return aperture, fg & ndimage.binary_dilation(aperture, iterations=3)


def keep_galaxies(entry, galaxies, rng):
    """The library entry (orig, clean, stars, unsure, refilled, valid, psf) with the
    catalogued galaxies given back to its background, and its galaxy plane: on each
    aperture the background is the original, with the stars in front of the galaxy
    filled from the galaxy around them (inpaint, never above the original: a star only
    adds light) and put in the star layer; a σ = 1 px blur blends the apertures into the
    first passes' background, and the carved discs into the galaxy, so no edge shows.
    Where the blend touches a star, the star layer is remade from the new background,
    so that orig = 1 − (1 − clean)(1 − stars) holds there as everywhere. `unsure` stays
    as it was: a faint star the carving missed keeps its weight of 0."""
    orig = entry["orig"].astype(np.float32) / 255
    lum = np.ascontiguousarray(orig.mean(2), dtype=np.float64)
    aperture, fg = galaxy_apertures(lum, entry["valid"], float(entry["psf"]), galaxies)
    out = dict(entry)
    out["galaxy"] = (aperture & ~fg).astype(np.uint8)
    out["galaxy_pass"] = np.int32(GALAXY_PASS)
    if not aperture.any():
        return out
    soft = ndimage.gaussian_filter(fg.astype(np.float32), 1.0)[..., None]
    galaxy_bg = orig + soft * (np.minimum(inpaint(orig, fg, rng), orig) - orig) if fg.any() else orig
    region = ndimage.gaussian_filter(aperture.astype(np.float32), 1.0)[..., None]
    clean = region * galaxy_bg + (1 - region) * entry["clean"].astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        screen = np.nan_to_num((1 - (1 - orig) / np.maximum(1 - clean, 1e-3)).clip(0, 1))
    screen[clean > 0.985] = 0   # as in main: on a clipped background no star can show
    old_stars = entry["stars"].astype(np.float32)
    remake = (region[..., 0] > 0) & ((old_stars.max(2) > 0) | (soft[..., 0] > 0))
    stars = np.where(remake[..., None], screen, old_stars)
    out["clean"], out["stars"] = clean.astype(np.float16), stars.astype(np.float16)
    out["refilled"] = (entry["refilled"].astype(bool) & ~(aperture & ~fg)).astype(np.uint8)
    return out


# Version of the clipped-star pass an entry was made with: an entry made before any is
# brought up to date in place; one from an older version is rebuilt from CLEAN1_DIR (its
# background was already filled by that version).
CLIPPED_PASS = 2


def clipped_star_holes(orig, clean, valid, galaxy, avoid=()):
    """Discs over the clipped stars the first passes left whole: isolated near-white
    clipped regions of the original (one channel at the picture's top level, all at 0.8
    of it; other clipped pixels within 3R + 3 of the centre at most a quarter of the
    region: globular-cluster cores and nebula bars are not stars), off the galaxy plane,
    the picture's central fifth and twice the size (at least 20 px) of the catalogued
    objects in `avoid` (x, y, a, b, theta rows), whose background keeps at least half of their light. Each disc reaches out to where
    the star's halo falls to 2 % of its height above the sky around it (median rings),
    at least 2R + 2; light that has not fallen so by 10R + 10 (R: the region's
    equal-area radius) is a galaxy's or a nebula's, not filled, and so is light above a
    fifth of the height elongated more than 1.4:1 (an edge-on galaxy). Holes over 3 % of the
    picture in all: none (on the training pictures only galaxies and planetary nebulae
    came near that)."""
    h, w = valid.shape
    hole = np.zeros((h, w), bool)
    ok = valid > 0
    if not ok.any():
        return hole
    top = float(orig[ok].max())
    if int((ok & (orig.max(2) >= top - 0.5 / 255)).sum()) < 20:   # no pile-up at the top: no clip
        return hole
    near_white = (orig.max(2) >= 0.98 * top) & (orig.min(2) >= 0.8 * top) & ok
    lab, n = ndimage.label(near_white)
    if not n:
        return hole
    idx = np.arange(1, n + 1)
    areas = np.asarray(ndimage.sum(near_white, lab, idx))
    cents = ndimage.center_of_mass(near_white, lab, idx)
    lo, lc = orig.mean(2), clean.mean(2)
    kept = np.asarray(ndimage.mean(lc, lab, idx)) / np.maximum(np.asarray(ndimage.mean(lo, lab, idx)), 1e-6)
    for k in np.nonzero((areas >= 10) & (kept >= 0.5))[0]:
        cy, cx = cents[k]
        R = float(np.sqrt(areas[k] / np.pi))
        far = 10 * R + 10
        # A Stellarium texture is centred on its object (a galaxy's or a planetary
        # nebula's clipped core, as often as not): nothing near the centre is taken for a star.
        if np.hypot((cx - w / 2) / w, (cy - h / 2) / h) < 0.2:
            continue
        # Nor near a catalogued galaxy of any size (M99's clipped knots) or planetary nebula.
        if any(np.hypot(cx - ax, cy - ay) <= max(2 * max(aa, ab), 20.0) for ax, ay, aa, ab, _ in avoid):
            continue
        y0, y1, x0, x1 = max(0, int(cy - far - 12)), min(h, int(cy + far + 14)), max(0, int(cx - far - 12)), min(w, int(cx + far + 14))
        d = np.hypot(*np.mgrid[y0:y1, x0:x1][::-1] - np.array([cx, cy])[:, None, None])
        win = (slice(y0, y1), slice(x0, x1))
        if (near_white[win] & (lab[win] != k + 1) & (d <= 3 * R + 3)).sum() > 0.25 * areas[k]:
            continue
        if galaxy[win][d <= far].any():
            continue
        inside = ok[win]
        sky_ring = (d > far) & (d <= far + 10) & inside
        if sky_ring.sum() < 10:
            continue
        sky = float(np.median(lo[win][sky_ring]))
        height = max(top - sky, 1e-3)
        r = 2 * R + 2
        while r < far and (ring := (d >= r) & (d < r + 2) & inside).any() and np.median(lo[win][ring]) - sky > 0.02 * height:
            r += 1
        if r >= far:   # light that does not fall off as a star's halo: a galaxy or a nebula
            continue
        # A star's light is round (spikes cross it evenly); an edge-on galaxy's is not: the
        # second moments of what stands above a fifth of the height, connected to the core.
        blob, _ = ndimage.label(lo[win] - sky > 0.2 * height)
        core_label = blob[int(round(cy)) - y0, int(round(cx)) - x0]
        if core_label:
            py, px = np.nonzero(blob == core_label)
            ev = np.linalg.eigvalsh(np.cov(np.stack([px, py]).astype(np.float64)) + 1e-6 * np.eye(2))
            if np.sqrt(ev[1] / ev[0]) > 1.4:
                continue
        hole[win] |= (d <= r + 2) & inside
    # Stars are a small part of any picture; more means the tests above were fooled.
    return hole if hole.mean() <= 0.03 else np.zeros((h, w), bool)


def fill_clipped_stars(entry, rng, avoid=()):
    """The library entry with the clipped stars the first passes left whole (the pipeline
    keeps some bright spiked stars: the Dark Shark's, NGC 691's, M15's) filled in its
    background from the rim around them and put in its star layer (harmonic_fill, never above the original), remade by the screen
    formula wherever the feathered fill touches, so
    orig = 1 − (1 − clean)(1 − stars) holds. A background that keeps such a star teaches
    the network to keep it. Filled pixels are no longer unsure: the fill is known."""
    out = dict(entry)
    out["clipped_pass"] = np.int32(CLIPPED_PASS)
    orig = entry["orig"].astype(np.float32) / 255
    clean = entry["clean"].astype(np.float32)
    galaxy = entry["galaxy"] if "galaxy" in entry else np.zeros(entry["valid"].shape, np.uint8)
    hole = clipped_star_holes(orig, clean, entry["valid"], galaxy, avoid)
    out["clipped_filled"] = hole.astype(np.uint8)
    if not hole.any():
        return out
    soft = ndimage.gaussian_filter(hole.astype(np.float32), 1.0)[..., None]
    filled = np.minimum(harmonic_fill(clean, hole, rng), orig)
    new_clean = clean + soft * (filled - clean)
    with np.errstate(divide="ignore", invalid="ignore"):
        screen = np.nan_to_num((1 - (1 - orig) / np.maximum(1 - new_clean, 1e-3)).clip(0, 1))
    screen[new_clean > 0.985] = 0
    touched = soft[..., 0] > 0
    out["clean"] = np.where(touched[..., None], new_clean, clean).astype(np.float16)
    out["stars"] = np.where(touched[..., None], screen, entry["stars"].astype(np.float32)).astype(np.float16)
    out["unsure"] = (entry["unsure"].astype(bool) & ~hole).astype(np.uint8)
    return out


def save_entry(dst, entry):
    """Atomically: a run stopped half-way leaves the old entry or none, never a torn one."""
    tmp = dst + ".tmp"   # not *.npz: the trainer loads those
    with open(tmp, "wb") as f:
        np.savez_compressed(f, **entry)
    os.replace(tmp, dst)


def main():
    args = sys.argv[1:]
    galaxies = None
    if "--galaxies" in args:
        k = args.index("--galaxies")
        galaxies = read_galaxies(args[k + 1])
        del args[k:k + 2]
    planetary = {}
    if "--planetary" in args:
        k = args.index("--planetary")
        planetary = read_galaxies(args[k + 1])
        del args[k:k + 2]
    avoid = lambda name: (galaxies or {}).get(name, []) + planetary.get(name, [])
    src, clean1_dir, out = args[:3]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    files = sorted(glob.glob(os.path.join(src, "*")))
    for i, path in enumerate(files):
        name = os.path.splitext(os.path.basename(path))[0]
        dst = os.path.join(out, name + ".npz")
        if os.path.exists(dst):
            with np.load(dst) as d:
                made_by = int(d["galaxy_pass"]) if "galaxy_pass" in d.files else 1 if "galaxy" in d.files else 0
                clipped_by = int(d["clipped_pass"]) if "clipped_pass" in d.files else 0
                entry = {k: d[k] for k in d.files} if (galaxies is not None and made_by == 0) or clipped_by != CLIPPED_PASS else None
            if (galaxies is None or made_by == GALAXY_PASS) and clipped_by == CLIPPED_PASS:
                continue
            if entry is not None and (galaxies is None or made_by in (0, GALAXY_PASS)) and clipped_by == 0:
                # Made before any galaxy pass (its background is the first passes' own), or
                # before the clipped-star pass: brought up to date in place.
                if galaxies is not None and made_by == 0:
                    entry = keep_galaxies(entry, galaxies.get(name, []), rng)
                entry = fill_clipped_stars(entry, rng, avoid(name))
                save_entry(dst, entry)
                if entry["clipped_filled"].any() or entry.get("galaxy", np.zeros(1)).any():
                    print(f"{i + 1}/{len(files)} {name}: {entry['clipped_filled'].mean() * 100:.2f} % clipped stars filled"
                          + (f", {entry['galaxy'].mean() * 100:.2f} % catalogued galaxies" if "galaxy" in entry else ""), flush=True)
                continue
        try:
            orig, alpha = load_rgb(path)
            clean1, _ = load_rgb(os.path.join(clean1_dir, name + "_starless.tif"))
            mask1 = load_mask(os.path.join(clean1_dir, name + "_mask.tif"))
        except (OSError, ValueError) as e:
            print(f"{name}: skipped ({e})", flush=True)
            continue
        valid = (alpha > 0.99).astype(np.uint8)
        psf = image_psf(np.ascontiguousarray(orig.mean(2), dtype=np.float64))
        lum1 = np.ascontiguousarray(clean1.mean(2), dtype=np.float64)
        hole = star_like_mask(lum1, psf, valid)
        hole = ndimage.binary_dilation(hole, iterations=1) & (valid > 0)
        clean = inpaint(clean1, hole, rng) if hole.any() else clean1
        # The star layer lives where either pass found a star, feathered; elsewhere the
        # first pass's small changes to the sky are not stars and stay out of it.
        smask = np.maximum(mask1, ndimage.gaussian_filter(hole.astype(np.float32), 1.0) * 1.5).clip(0, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            stars = 1 - (1 - orig) / np.maximum(1 - clean, 1e-3)
        stars = np.nan_to_num(stars.clip(0, 1)) * smask[..., None]
        stars[clean > 0.985] = 0
        unsure = unsure_mask(clean.mean(2), psf, valid)
        entry = dict(orig=(orig * 255 + 0.5).astype(np.uint8), clean=clean.astype(np.float16),
                     stars=stars.astype(np.float16), valid=valid, psf=np.float32(psf),
                     unsure=unsure.astype(np.uint8), refilled=(hole & (mask1 < 0.05)).astype(np.uint8))
        if galaxies is not None:
            entry = keep_galaxies(entry, galaxies.get(name, []), rng)
        entry = fill_clipped_stars(entry, rng, avoid(name))
        save_entry(dst, entry)
        print(f"{i + 1}/{len(files)} {name}: {orig.shape[1]}x{orig.shape[0]} psf {psf:.2f} px, "
              f"{hole.mean() * 100:.2f} % refilled, {unsure.mean() * 100:.2f} % unsure, {entry['clipped_filled'].mean() * 100:.2f} % clipped stars filled"
              + (f", {entry['galaxy'].mean() * 100:.2f} % catalogued galaxies" if "galaxy" in entry else ""), flush=True)


if __name__ == "__main__":
    main()
