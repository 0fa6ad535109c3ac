#!/usr/bin/python3
"""Checks build_library.py's clipped-star pass on a real picture: the Hubble eXtreme
Deep Field (examples/), whose one bright star (clipped, with spikes) a first pass made
here leaves whole, as the pipeline leaves the Dark Shark's and NGC 691's:
- the star goes out of the background: its disc there is the sky around it (no core,
  no dark disc: within 0.02 of the rim's level; inpaint's wide Gaussians leave the
  core 0.028 above it here), never above the original, and no longer unsure;
- it goes into the star layer, and orig = 1 − (1 − clean)(1 − stars) holds;
- nothing changes away from the fill;
- no fill where the first pass already removed the star, on a galaxy (the galaxy plane
  near it), or on a picture with nothing clipped (dimmed, with noise: no level piles up).
Run by the test suite (TrainingSmokeTests); prints "clipped ok"."""
import os, sys
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from build_library import fill_clipped_stars, inpaint

STAR = (753, 578)   # the deep field's clipped star


def main():
    from PIL import Image
    from scipy import ndimage
    repo = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
    orig = np.asarray(Image.open(os.path.join(repo, "examples", "hubble_deep_field.jpg")).convert("RGB"), dtype=np.float32) / 255
    h, w = orig.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    near = np.hypot(xx - STAR[0], yy - STAR[1])
    # First pass: the galaxies' cores filled from around them (a stand-in for the pipeline's
    # background), the star left whole, with the small star layer that leaves, and marked
    # unsure around it.
    lum = orig.mean(2)
    cores = (ndimage.gaussian_filter(lum, 2) > np.percentile(lum, 99)) & (near > 40)
    clean1 = np.minimum(inpaint(orig, ndimage.binary_dilation(cores, iterations=3), np.random.default_rng(1)), orig)
    with np.errstate(divide="ignore", invalid="ignore"):
        stars1 = np.nan_to_num((1 - (1 - orig) / np.maximum(1 - clean1, 1e-3)).clip(0, 1))
    stars1[clean1 > 0.985] = 0
    valid = np.ones((h, w), np.uint8)
    base = dict(orig=(orig * 255 + 0.5).astype(np.uint8), clean=clean1.astype(np.float16), stars=stars1.astype(np.float16),
                valid=valid, unsure=(near <= 12).astype(np.uint8), refilled=np.zeros((h, w), np.uint8),
                galaxy=np.zeros((h, w), np.uint8), psf=np.float32(2.0))
    o8 = base["orig"].astype(np.float32) / 255
    fails = []

    def check(ok, what):
        if not ok:
            fails.append(what)

    out = fill_clipped_stars(base, np.random.default_rng(2))
    hole = out["clipped_filled"].astype(bool)
    clean, stars = out["clean"].astype(np.float32), out["stars"].astype(np.float32)
    core = near <= 2
    check(o8[core].mean() > 0.9 and base["clean"][core].astype(np.float32).mean() > 0.9, "precondition: the star is clipped and the first pass keeps it")
    check(hole[core].all(), f"the star is filled ({hole.sum()} px filled)")
    check(hole.sum() < 0.02 * h * w and (hole <= (near <= 80)).all(), f"only the star is filled ({hole.sum()} px, farthest {near[hole].max() if hole.any() else 0:.0f} px)")
    rim = ndimage.binary_dilation(hole, iterations=3) & ~hole
    rim_level = np.median(clean[rim].mean(1)) if rim.any() else 1.0
    check(abs(clean[core].mean() - rim_level) < 0.02, f"its disc in the background is the sky of its rim (core {clean[core].mean():.3f}, rim {rim_level:.3f})")
    inner = hole & (near <= 0.5 * near[hole].max())
    check(abs(np.median(clean[inner].mean(1)) - rim_level) < 0.02, f"no dark or bright disc inside the fill (inner {np.median(clean[inner].mean(1)):.3f}, rim {rim_level:.3f})")
    check((clean <= o8 + 1 / 512).all(), "the fill is never above the original")
    check(stars[core].mean() > 0.8, f"the star is in the star layer ({stars[core].mean():.2f})")
    soft = ndimage.gaussian_filter(hole.astype(np.float32), 1.0) > 0
    err = np.abs(1 - (1 - clean) * (1 - stars) - o8)[soft]
    check(err.max() <= 0.02, f"orig = 1 - (1 - clean)(1 - stars) over the fill (max error {err.max():.3f})")
    away = ~ndimage.binary_dilation(hole, structure=np.ones((3, 3)), iterations=5)   # the feather's reach
    for k in ("clean", "stars"):
        check(np.array_equal(out[k][away], base[k][away]), f"{k} unchanged away from the fill")
    check(not out["unsure"][hole].any(), "the fill is not unsure")

    removed = dict(base, clean=clean.astype(np.float16), stars=stars.astype(np.float16))
    check(not fill_clipped_stars(removed, np.random.default_rng(2))["clipped_filled"].any(), "no fill where the background already removed the star")
    galaxy = (np.hypot(xx - STAR[0] - 30, yy - STAR[1]) <= 5).astype(np.uint8)
    check(not fill_clipped_stars(dict(base, galaxy=galaxy), np.random.default_rng(2))["clipped_filled"].any(), "no fill beside a catalogued galaxy")
    # Unclipped: dimmed, with a little noise, so that no level holds the brightest pixels.
    noisy = (o8 * 0.8 + np.random.default_rng(3).uniform(0, 0.03, o8.shape)) * 255 + 0.5
    dim = dict(base, orig=noisy.astype(np.uint8), clean=(clean1 * 0.8).astype(np.float16))
    top = dim["orig"].max()
    check((dim["orig"].max(2) == top).sum() < 20, "precondition: the dimmed picture has no pile-up at its top level")
    check(not fill_clipped_stars(dim, np.random.default_rng(2))["clipped_filled"].any(), "no fill on a picture with nothing clipped")
    if fails:
        print("clipped-star pass failed:\n  " + "\n  ".join(fails))
        sys.exit(1)
    print("clipped ok")


if __name__ == "__main__":
    main()
