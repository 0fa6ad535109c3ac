#!/usr/bin/python3
"""Checks RealPairs' enlarged samples (--real-enlarge-share), on a small made-up library
(one picture: grainy sky and 2-px stars, its background and star layer known):
- the stars of an enlarged sample are 1.5-3.5x as wide as the library's;
- its grain is per pixel again (a bicubic enlargement alone smooths it into blobs: the
  neighbouring pixels' grain then correlates at about 0.9), and as strong as the picture's
  within a factor of two;
- input = background + star layer, the background within [0, 1];
- at share 0 the sample stream is the one without the option (the held-out samples stay).
Run by the test suite (TrainingSmokeTests); prints "enlarge ok"."""
import os, sys, tempfile
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from realdata.realpairs import RealPairs

FWHM, SIGMA = 2.0, 0.01


def library(folder):
    rng = np.random.default_rng(3)
    n = 320
    sky = np.clip(0.1 + SIGMA * rng.standard_normal((n, n, 1)) * np.ones(3), 0, 1).astype(np.float32)
    yy, xx = np.mgrid[0:n, 0:n]
    layer = np.zeros((n, n), np.float32)
    s = FWHM / 2.3548
    for y, x in rng.uniform(10, n - 10, (300, 2)):
        layer = np.maximum(layer, 0.7 * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * s * s)))
    stars = np.repeat(layer[..., None], 3, 2)
    orig = 1 - (1 - sky) * (1 - stars)
    ones = np.ones((n, n), np.uint8)
    np.savez_compressed(os.path.join(folder, "made.npz"), orig=(orig * 255 + 0.5).astype(np.uint8),
                        clean=sky.astype(np.float16), stars=stars.astype(np.float16), valid=ones,
                        unsure=0 * ones, refilled=0 * ones, galaxy=0 * ones, psf=np.float32(FWHM))


def widths(layer):
    """FWHM (second moments) of the star layer's isolated, round peaks."""
    from scipy import ndimage
    lab, n = ndimage.label(layer > 0.05)
    out = []
    for i, sl in enumerate(ndimage.find_objects(lab), 1):
        p = np.where(lab[sl] == i, layer[sl], 0)
        if p.max() < 0.3 or min(sl[0].start, sl[1].start) == 0 or sl[0].stop >= layer.shape[0] or sl[1].stop >= layer.shape[1]:
            continue
        yy, xx = np.mgrid[sl]
        w = p.sum(); cy, cx = (p * yy).sum() / w, (p * xx).sum() / w
        vy, vx = (p * (yy - cy) ** 2).sum() / w, (p * (xx - cx) ** 2).sum() / w
        cxy = (p * (yy - cy) * (xx - cx)).sum() / w
        l1, l2 = np.linalg.eigvalsh([[vy, cxy], [cxy, vx]])
        if l2 < 1.3 * l1:   # round: one star, not a blend of two
            out.append(2.3548 * np.sqrt((l1 + l2) / 2))
    return out


def main():
    with tempfile.TemporaryDirectory() as tmp:
        library(tmp)
        size = 128
        plain = RealPairs(tmp, size, original_share=1.0)
        big = RealPairs(tmp, size, original_share=1.0, enlarge_share=1.0)
        rng = np.random.default_rng(5)
        ratios, corr, grain = [], [], []
        for _ in range(12):
            inp, st, w, g = big.sample(rng)
            assert big.last_enlarged
            bg = inp - st
            assert bg.min() >= -1e-6 and bg.max() <= 1 + 1e-6, "background out of range"
            ws = widths(st.mean(0))
            assert ws, "no star in an enlarged sample"
            ratios.append(np.median(ws) / np.median(widths(plain.lib.items[0]["stars"].astype(np.float32).mean(2))))
            sky = bg.mean(0)
            quiet = st.mean(0) < 0.002
            d = sky - np.median(sky)
            a, b = d[:, :-1][quiet[:, :-1] & quiet[:, 1:]], d[:, 1:][quiet[:, :-1] & quiet[:, 1:]]
            corr.append(np.corrcoef(a, b)[0, 1])
            grain.append(np.std(a))
        ratios = np.array(ratios)
        print(f"star width ratios {np.round(ratios, 2)}; grain correlation {np.mean(corr):.2f}, sigma {np.mean(grain):.4f} ({SIGMA} in the library)")
        assert ratios.min() >= 1.3 and ratios.max() <= 3.9, "enlarged stars not 1.5-3.5x the library's"
        assert np.mean(corr) < 0.5, "grain is smooth blobs, not per pixel"
        assert 0.5 * SIGMA <= np.mean(grain) <= 2 * SIGMA, "grain not as strong as the picture's"
        # Share 0: the stream of samples drawn without the option.
        r1, r2 = np.random.default_rng(9), np.random.default_rng(9)
        zero = RealPairs(tmp, size, original_share=0.5, enlarge_share=0.0)
        none = RealPairs(tmp, size, original_share=0.5)
        for _ in range(4):
            assert all(np.array_equal(x, y) for x, y in zip(zero.sample(r1), none.sample(r2))), "share 0 changed the stream"
            assert not zero.last_enlarged
    print("enlarge ok")


if __name__ == "__main__":
    main()
