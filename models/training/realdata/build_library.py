#!/usr/bin/python3
"""Builds the real-image training library: for each real photograph, the original, a
star-free background and a star layer, from which realpairs.py composes training pairs.

  build_library.py SRC_DIR CLEAN1_DIR OUT_DIR

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
trainer ignores it too, since in galaxy fields it holds small galaxies as well).
"""
import glob, os, sys
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


def main():
    src, clean1_dir, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    files = sorted(glob.glob(os.path.join(src, "*")))
    for i, path in enumerate(files):
        name = os.path.splitext(os.path.basename(path))[0]
        dst = os.path.join(out, name + ".npz")
        if os.path.exists(dst):
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
        np.savez_compressed(dst, orig=(orig * 255 + 0.5).astype(np.uint8), clean=clean.astype(np.float16),
                            stars=stars.astype(np.float16), valid=valid, psf=np.float32(psf),
                            unsure=unsure.astype(np.uint8), refilled=(hole & (mask1 < 0.05)).astype(np.uint8))
        print(f"{i + 1}/{len(files)} {name}: {orig.shape[1]}x{orig.shape[0]} psf {psf:.2f} px, "
              f"{hole.mean() * 100:.2f} % refilled, {unsure.mean() * 100:.2f} % unsure", flush=True)


if __name__ == "__main__":
    main()
