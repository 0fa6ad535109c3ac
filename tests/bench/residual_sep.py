#!/usr/bin/python3
"""Residual stars counted by an independent detector (sep, the Source Extractor library).

The removal benchmark's own residual count uses StarPlugin's detector, which the cleanup
stage also uses; this script checks that the result holds when someone else's detector
does the counting. For every CASE__input.fits in DIR and each CASE__TAG.fits beside it:
  stars before: sep objects on the input luminance (5σ and 3σ, minarea 5) that look like stars:
                unblended (flag 0), S/N >= 10, FWHM <= 6 px, elongation <= 1.5;
  residual:     those with any sep object on the result within 2 px.
Prints a markdown table.   usage: residual_sep.py DIR
"""
import glob, os, sys
import numpy as np
import sep
from astropy.io import fits

# Two thresholds: 5σ, sep's usual, and 3σ, about as sensitive as StarPlugin's detector,
# which on real nebula data also counts compact clumps of nebulosity and JPEG noise
# (they stay in every starless image, so they set a floor above 0 there).
THRESHOLDS = (5.0, 3.0)


def luminance(path):
    a = fits.getdata(path).astype(np.float64)
    return np.ascontiguousarray(a.mean(axis=0) if a.ndim == 3 else a)


def extract(lum, thresh):
    bkg = sep.Background(lum, bw=64, bh=64)
    sub = lum - bkg.back()
    sep.set_extract_pixstack(2_000_000)
    return sep.extract(sub, thresh, err=bkg.globalrms, minarea=5), bkg.globalrms


def stars(objects, rms):
    fwhm = 2.3548 * np.sqrt((objects["a"] ** 2 + objects["b"] ** 2) / 2)
    snr = objects["flux"] / (rms * np.sqrt(np.maximum(objects["npix"], 1)))
    keep = (objects["flag"] == 0) & (snr >= 10) & (fwhm <= 6) & (objects["a"] <= 1.5 * objects["b"])
    return objects[keep]


def residual(before, after):
    if len(before) == 0:
        return 0.0
    if len(after) == 0:
        return 0.0
    left = 0
    for x, y in zip(before["x"], before["y"]):
        d2 = (after["x"] - x) ** 2 + (after["y"] - y) ** 2
        left += bool((d2 <= 4).any())
    return left / len(before)


def main():
    root = sys.argv[1]
    print("| image | remover | " + " | ".join(f"stars before, sep {t:g}σ | residual, sep {t:g}σ" for t in THRESHOLDS) + " |")
    print("|---|---|" + "---:|---:|" * len(THRESHOLDS))
    for inp in sorted(glob.glob(os.path.join(root, "*__input.fits"))):
        case = os.path.basename(inp)[: -len("__input.fits")]
        lum = luminance(inp)
        before = {t: stars(*extract(lum, t)) for t in THRESHOLDS}
        for result in sorted(glob.glob(os.path.join(root, case + "__*.fits"))):
            tag = os.path.basename(result)[len(case) + 2: -len(".fits")]
            if tag == "input":
                continue
            out = luminance(result)
            cells = []
            for t in THRESHOLDS:
                after, _ = extract(out, t)
                cells += [str(len(before[t])), f"{100 * residual(before[t], after):.1f} %"]
            print(f"| {case} | {tag} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
