#!/usr/bin/python3
"""Residual stars where stars are broader than in the 1 Mpx dev pictures (issue 17).

The dev pictures are Stellarium's textures, shrunk to about 1000 px: their stars have
FWHM 1.5-3 px. Photographs at full resolution have broader ones (3-6 px), where a network
trained on small stars may leave them whole. Two sets, from pictures we did not make:
- x2, x3: centre crops of eight dev star and nebula fields, enlarged 2x and 3x (bicubic);
- rim: three 1024-px crops of the full-resolution rim nebula photograph (3056 px, JPEG).
For each model: the default pipeline and the network alone (the same CLI runs as
real_dev_bench.sh), and the share of sep's 3σ star-like sources of the input still found
near their place after removal (FWHM up to 6 px × the enlargement, 9 px on rim; "near":
2 px × the enlargement, 3 px on rim).

usage: tests/bench/broad_stars.py WORK_DIR NAME=MODEL.onnx [NAME=MODEL.onnx ...] [peer=PEER.onnx]
  peer=: the peer model through its own pipeline (RemovalBench peer-run, built by
  real_dev_bench.sh into artifacts/bench), one column.
  env SHARED_DIR (default ../shared), STARPLUGIN_CLI (default artifacts/bin/starplugin)"""
import os, subprocess, sys
import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import real_dev as R

FIELDS = ["ic1805", "m16", "n2244", "sh2-240", "n6960", "ic4628", "rcw32", "barnard150"]
RIM_CROPS = [(1016, 1016), (200, 200), (1800, 600)]


def make_inputs(shared, folder):
    os.makedirs(folder, exist_ok=True)
    for stem in FIELDS:
        im = Image.open(os.path.join(shared, "data/real-dev", stem + ".png")).convert("RGB")
        w, h = im.size
        for f in (2, 3):
            s = 1024 // f
            x, y = (w - s) // 2, (h - s) // 2
            im.crop((x, y, x + s, y + s)).resize((s * f, s * f), Image.BICUBIC).save(os.path.join(folder, f"{stem}_x{f}.png"))
    rim = Image.open(os.path.join(shared, "data/real/samples_rim_nebula.jpg")).convert("RGB")
    for i, (x, y) in enumerate(RIM_CROPS):
        rim.crop((x, y, x + 1024, y + 1024)).save(os.path.join(folder, f"rim{i}.png"))


def residual(inp_path, out_path, scale):
    """Share (%) of the input's star-like sep sources still found after removal."""
    inp, _ = R.load(inp_path)
    out, _ = R.load(out_path)
    none = np.zeros(inp.shape[:2], bool)
    objs, _, _, rms, _ = R.extract(R.lum(inp), none, 3.0)
    snr = objs["flux"] / (rms * np.sqrt(np.maximum(objs["npix"], 1)))
    stars = objs[(objs["flag"] == 0) & (snr >= 10) & (R.fwhm_of(objs) <= 6 * scale) & (objs["a"] <= 1.5 * objs["b"])]
    after, _, _, _, _ = R.extract(R.lum(out), none, 3.0, err=rms)
    hit = R.near_any(stars["x"], stars["y"], after["x"], after["y"], 2.0 * scale)
    return 100.0 * hit.mean() if len(stars) else float("nan"), len(stars), float(np.median(R.fwhm_of(stars))) if len(stars) else 0.0


def main():
    work, models = sys.argv[1], [a.split("=", 1) for a in sys.argv[2:]]
    if not models:
        sys.exit(__doc__)
    shared = os.environ.get("SHARED_DIR", "../shared")
    cli = os.environ.get("STARPLUGIN_CLI", "artifacts/bin/starplugin")
    inputs = os.path.join(work, "in")
    make_inputs(shared, inputs)
    variants = [(n, m, v, extra) for n, m in models if n != "peer" for v, extra in (("default", []), ("network", ["--no-cleanup", "--keep-galaxies", "never"]))]
    for name, model, v, extra in variants:
        out = os.path.join(work, f"{name}-{v}")
        os.makedirs(out, exist_ok=True)
        subprocess.run([cli, "remove", inputs, "--out-dir", out, "--model", model, "--force"] + extra, check=True, stderr=subprocess.DEVNULL)
    for name, model in models:
        if name != "peer":
            continue
        out = os.path.join(work, "peer-pipeline")
        os.makedirs(out, exist_ok=True)
        for f in sorted(os.listdir(inputs)):
            dst = os.path.join(out, f[:-4] + "_starless.png")
            if not os.path.exists(dst):
                subprocess.run(["dotnet", "artifacts/bench/RemovalBench.dll", "peer-run", model, os.path.join(inputs, f), dst], check=True, stdout=subprocess.DEVNULL)
        variants.append(("peer", model, "pipeline", []))
    cols = [f"{n} {v}" for n, _, v, _ in variants]
    print("| picture | stars | median FWHM px | " + " | ".join(cols) + " |")
    print("|---|---:|---:|" + "---:|" * len(cols))
    sums = {}
    for f in sorted(os.listdir(inputs)):
        stem = f[:-4]
        group = stem[-3:] if "_x" in stem else "rim"
        scale = int(stem[-1]) if "_x" in stem else 1.5
        row = []
        for name, _, v, _ in variants:
            r, n, fw = residual(os.path.join(inputs, f), os.path.join(work, f"{name}-{v}", stem + "_starless.png"), scale)
            row.append(r)
        sums.setdefault(group, []).append(row)
        print(f"| {stem} | {n} | {fw:.1f} | " + " | ".join(f"{x:.1f}" for x in row) + " |")
    for g, rows in sorted(sums.items()):
        print(f"| mean, {g} | | | " + " | ".join(f"{x:.1f}" for x in np.nanmean(np.array(rows), 0)) + " |")


if __name__ == "__main__":
    main()
