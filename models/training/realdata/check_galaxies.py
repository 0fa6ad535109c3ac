#!/usr/bin/python3
"""Checks build_library.py's galaxy pass on a real picture: the Hubble eXtreme Deep Field
(examples/), with a first pass made here that erases every source sep finds (galaxies
as well, as the pipeline erases small galaxies on the training pictures; made here, not
by the pipeline, so that a model which learns to keep them does not void the check:
the pass must give back exactly what the first pass took). Catalogue rows written here
for the test (the deep field is in no Stellarium texture; sizes are ours):
- S1, a small galaxy the pipeline erases, with an aperture made large enough to hold the
  field's one bright star (a clipped star with spikes, 41 px away): the galaxy must be
  given back to the background as it is and leave the star layer, the star must stay
  out of the background and in the star layer;
- E1, a large elliptical, with E1b, a compact catalogued source on its aperture, which
  must not be carved out as a star in front, while an uncatalogued compact source there
  must;
- EL, an elongated galaxy at 58°: its aperture must lie along it (the angle's sense);
- EMPTY, a position where nothing shows at 5σ: nothing may change there.
Wherever the pass changes anything, the library must still compose where it did before:
orig = 1 − (1 − clean)(1 − stars).
Everything away from the apertures must be what the library holds without the pass.
Run by the test suite (TrainingSmokeTests); prints "galaxies ok"."""
import os, subprocess, sys, tempfile
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from build_library import inpaint

ROWS = {"E1": (727, 473, 16, 14, 0), "E1b": (705.1, 489.3, 1.5, 1.3, 17), "S1": (790, 560, 24, 24, 0),
        "EL": (838.0, 614.9, 6.6, 2.0, 58), "EMPTY": (150, 650, 6, 6, 0)}
STAR = (753, 578)           # the clipped star in front of S1
LOOSE = (748.0, 458.8)      # an uncatalogued compact source on E1's aperture


def first_pass(picture, out_dir):
    """Every sep source at 3σ erased (filled from around it) and masked, written as the
    pipeline's NAME_starless.tif and NAME_mask.tif."""
    import sep
    from PIL import Image
    from scipy import ndimage
    rgb = np.asarray(Image.open(picture).convert("RGB"), dtype=np.float32) / 255
    lum = np.ascontiguousarray(rgb.mean(2), dtype=np.float64)
    bkg = sep.Background(lum, bw=32, bh=32)
    obj = sep.extract(lum - bkg.back(), 3, err=bkg.globalrms, minarea=5)
    hole = np.zeros(lum.shape, np.uint8)
    sep.mask_ellipse(hole, obj["x"], obj["y"], obj["a"], obj["b"], obj["theta"], r=3.0)
    hole = ndimage.binary_dilation(hole > 0, iterations=2)
    starless = inpaint(rgb, hole, np.random.default_rng(1))
    Image.fromarray((starless * 255 + 0.5).astype(np.uint8)).save(os.path.join(out_dir, "hubble_deep_field_starless.tif"))
    Image.fromarray(ndimage.gaussian_filter(hole.astype(np.float32), 1.0), "F").save(os.path.join(out_dir, "hubble_deep_field_mask.tif"))


def main():
    repo = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
    picture = os.path.join(repo, "examples", "hubble_deep_field.jpg")
    build = os.path.join(HERE, "build_library.py")
    with tempfile.TemporaryDirectory() as tmp:
        src, clean, plain, kept = (os.path.join(tmp, d) for d in ("src", "clean", "plain", "kept"))
        os.makedirs(src); os.makedirs(clean)
        os.symlink(picture, os.path.join(src, "hubble_deep_field.jpg"))
        first_pass(picture, clean)
        csv = os.path.join(tmp, "galaxies.csv")
        with open(csv, "w") as f:
            f.write("picture,name,x,y,a,b,theta\n")
            for name, (x, y, a, b, theta) in ROWS.items():
                f.write(f"hubble_deep_field,{name},{x},{y},{a},{b},{theta}\n")
        subprocess.run([sys.executable, build, src, clean, plain], check=True, capture_output=True)
        subprocess.run([sys.executable, build, src, clean, kept, "--galaxies", csv], check=True, capture_output=True)
        before = dict(np.load(os.path.join(plain, "hubble_deep_field.npz")))
        after = dict(np.load(os.path.join(kept, "hubble_deep_field.npz")))
    orig = before["orig"].astype(np.float32) / 255
    old, new = before["clean"].astype(np.float32), after["clean"].astype(np.float32)
    stars, galaxy = after["stars"].astype(np.float32), after["galaxy"]
    h, w = galaxy.shape
    yy, xx = np.mgrid[0:h, 0:w]
    disc = lambda x, y, r: (xx - x) ** 2 + (yy - y) ** 2 <= r * r
    fails = []

    def check(ok, what):
        if not ok:
            fails.append(what)

    s1 = disc(*ROWS["S1"][:2], 4)
    check(np.abs(old[s1] - orig[s1]).max() > 0.3, "precondition: the first pass erases S1 (else this checks nothing)")
    check(np.abs(new[s1] - orig[s1]).max() <= 1.5 / 255, f"S1 given back as it is (max |clean - orig| {np.abs(new[s1] - orig[s1]).max():.3f})")
    check(galaxy[s1].all(), "S1 on the galaxy plane")
    check(stars[s1].max() < 0.02, f"S1 out of the star layer (max {stars[s1].max():.3f})")
    star = disc(*STAR, 2)
    check(orig[star].mean() > 0.9 and new[star].mean() < 0.5, f"the star in front of S1 stays out of the background (clean {new[star].mean():.2f})")
    check(stars[star].mean() > 0.8, f"the star in front of S1 is in the star layer ({stars[star].mean():.2f})")
    check(not galaxy[star].any(), "the star in front of S1 is off the galaxy plane")
    empty = disc(*ROWS["EMPTY"][:2], 14)
    check(not galaxy[empty].any() and np.array_equal(old[empty], new[empty]), f"nothing changes where a catalogued galaxy does not show (galaxy {galaxy[empty].sum()} px, max change {np.abs(old[empty] - new[empty]).max():.3f})")
    e1 = disc(*ROWS["E1"][:2], 10)
    check(np.abs(new[e1] - orig[e1]).max() <= 1.5 / 255 and galaxy[e1].all(), "E1 given back as it is")
    e1b = disc(*ROWS["E1b"][:2], 1)
    check(galaxy[e1b].all(), "a catalogued source on E1's aperture is not carved out as a star in front")
    loose = disc(*LOOSE, 1)
    check(not galaxy[loose].any() and stars[loose].max() > 0.05, "an uncatalogued compact source on E1's aperture is carved out, into the star layer")
    x, y, a, _, theta = ROWS["EL"]
    along = [(int(round(x + k * 1.7 * a * np.cos(np.radians(theta)))), int(round(y + k * 1.7 * a * np.sin(np.radians(theta))))) for k in (-1, 1)]
    across = [(int(round(x + k * 1.7 * a * np.cos(np.radians(-theta)))), int(round(y + k * 1.7 * a * np.sin(np.radians(-theta))))) for k in (-1, 1)]
    check(all(galaxy[q, p] for p, q in along) and not any(galaxy[q, p] for p, q in across), "EL's aperture lies along its major axis (58° from +x toward +y)")
    composed = 1 - (1 - new) * (1 - stars)
    changed = (new != old).any(2) | (stars != before["stars"].astype(np.float32)).any(2)
    check(changed.sum() > 1000, "the pass changes the apertures")
    # Where the first passes composed (their fills can be brighter than the original, which
    # no star layer undoes; the pass must not add such places).
    held = (np.abs(1 - (1 - old) * (1 - before["stars"].astype(np.float32)) - orig) <= 0.02).all(2)
    err = np.where((changed & held)[..., None], np.abs(composed - orig), 0)
    at = np.unravel_index(err.argmax(), err.shape)
    check(err.max() <= 0.02, f"orig = 1 - (1 - clean)(1 - stars) wherever the pass changed something and it held before (max error {err.max():.3f} at x {at[1]}, y {at[0]}: "
          f"orig {orig[at]:.3f}, clean {new[at]:.3f} (before {old[at]:.3f}), stars {stars[at]:.3f} (before {before['stars'][at]:.3f}))")
    away = np.ones((h, w), bool)
    for x, y, a, b, _ in ROWS.values():
        away &= ~disc(x, y, 2 * max(a, b, 2) + 6)
    for k in ("clean", "stars", "unsure", "refilled"):
        check(np.array_equal(before[k][away], after[k][away]), f"{k} unchanged away from the apertures")
    check(not galaxy[away].any(), "galaxy plane empty away from the apertures")
    if fails:
        print("galaxy pass failed:\n  " + "\n  ".join(fails))
        sys.exit(1)
    print("galaxies ok")


if __name__ == "__main__":
    main()
