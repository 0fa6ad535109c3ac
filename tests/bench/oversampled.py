#!/usr/bin/python3
"""Oversampled-picture benchmark: do bright stars go when the picture's stars are wide?

The dev pictures are 1000-px textures whose stars are 1.3-4.5 px, the width the network was
trained on; a camera's own frame at a long focal length has them 2-3x wider. Each picture is
enlarged 2x and 3x (bicubic) and given grain per pixel again (Gaussian, the picture's own
noise σ, seeded), then run through the CLI as a whole process per remover:
  default   starplugin remove IN -o OUT --model M
  network   ... --no-cleanup --keep-galaxies never
  bin       ... --bin auto                       (the opt-in stopgap)
  peer      RemovalBench peer-run PEER IN OUT     (with --peer; cached in the work folder)
Measures, per picture and scale:
- bright stars kept: of the picture's 30 brightest sources (sep 3σ at 1x, footprint under
  40 px radius), those the default remover takes at 1x (under 30 % of their aperture light
  left: stars, not nebula knots); at 2x and 3x the share of each one's aperture light the
  result keeps (aperture = its footprint's radius, sky = median of the annulus 2-3 radii,
  scaled with the picture), and how many keep over half;
- residual stars: sep's star-like sources (3σ, S/N >= 10, round, FWHM <= 6k px) of the input
  that sep still finds within 2k px in the result at the same absolute threshold, as the
  real-image bench counts them (its mesh, area and widths scaled by k).
Usage: oversampled.py --model M --cli CLI --data DIR --work DIR --report OUT.md
                      [--images a,b] [--peer PEER --bench RemovalBench.dll] [--threads 2]"""
import argparse, hashlib, os, subprocess, sys
import numpy as np
import sep
from PIL import Image

HELD_OUT = "ic1805,m8,n6960,etaCarinae,sh2-264,n7822,barnard150,smc29-2"
SCALES = (2, 3)
sep.set_extract_pixstack(5_000_000)


def lum(a):
    return np.ascontiguousarray(a[..., :3].astype(np.float64).mean(axis=2))


def extract(L, k, rms=None):
    """sep at 3σ with the real-image bench's mesh and minimum area scaled by k; σ is the
    frame's global rms unless given (the input's for a result: the same absolute threshold)."""
    bkg = sep.Background(L, bw=64 * k, bh=64 * k)
    rms = bkg.globalrms if rms is None else rms
    return sep.extract(L - bkg.back(), 3.0, err=rms, minarea=5 * k * k), rms


def starlike(L, k):
    """Star-like sources as real_dev.star_like counts them, FWHM scaled by k; and σ."""
    o, rms = extract(L, k)
    fw = 2.3548 * np.sqrt((o["a"] ** 2 + o["b"] ** 2) / 2)
    snr = o["flux"] / (rms * np.sqrt(np.maximum(o["npix"], 1)))
    return o[(o["flag"] == 0) & (snr >= 10) & (fw <= 6 * k) & (o["a"] <= 1.5 * o["b"])], rms


def light(L, x, y, r):
    """Aperture light of radius r above the median of the annulus 2r-3r."""
    r3 = 3 * r
    y0, y1 = int(max(0, y - r3)), int(min(L.shape[0], y + r3 + 1))
    x0, x1 = int(max(0, x - r3)), int(min(L.shape[1], x + r3 + 1))
    yy, xx = np.mgrid[y0:y1, x0:x1]
    d = np.hypot(yy - y, xx - x)
    p = L[y0:y1, x0:x1]
    return float((p[d < r] - np.median(p[(d >= 2 * r) & (d < r3)])).sum())


def enlarge(src, k, path):
    """The picture enlarged k x (bicubic) with its own grain again, per pixel (seeded)."""
    if os.path.exists(path):
        return
    a = np.asarray(src, np.float64)
    sigma = 1.4826 / np.sqrt(2) * np.median(np.abs(np.diff(a.mean(2), axis=1)))
    big = np.asarray(src.resize((src.width * k, src.height * k), Image.BICUBIC), np.float64)
    big = big + np.random.default_rng(7).normal(0, max(sigma, 1.0), big.shape[:2])[..., None]
    tmp = path + ".tmp.png"
    Image.fromarray(np.clip(big + 0.5, 0, 255).astype(np.uint8)).save(tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--images", default=HELD_OUT)
    ap.add_argument("--peer", default="")
    ap.add_argument("--bench", default="")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    model_id = hashlib.sha256(open(a.model, "rb").read()).hexdigest()[:12]
    removers = {"default": [], "network": ["--no-cleanup", "--keep-galaxies", "never"], "bin": ["--bin", "auto"]}
    if a.peer:
        removers["peer"] = None
    os.makedirs(a.work, exist_ok=True)
    rows = []
    for stem in a.images.split(","):
        src = Image.open(os.path.join(a.data, stem + ".png")).convert("RGB")
        paths = {1: os.path.join(a.work, f"{stem}-x1.png")}
        if not os.path.exists(paths[1]):
            src.save(paths[1])
        for k in SCALES:
            paths[k] = os.path.join(a.work, f"{stem}-x{k}.png")
            enlarge(src, k, paths[k])

        def run(name, k):
            if name == "peer":
                out = os.path.join(a.work, f"{stem}-x{k}-peer-{hashlib.sha256(open(a.peer, 'rb').read()).hexdigest()[:12]}.png")
                cmd = ["dotnet", a.bench, "peer-run", a.peer, paths[k], out]
            else:
                out = os.path.join(a.work, f"{stem}-x{k}-{name}-{model_id}.png")
                cmd = [a.cli, "remove", paths[k], "-o", out, "--threads", str(a.threads), "--model", a.model] + removers[name]
            if not os.path.exists(out):
                r = subprocess.run(cmd + (["--force"] if name != "peer" else []), capture_output=True, text=True)
                if r.returncode != 0:
                    sys.exit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr[-2000:]}")
            return lum(np.asarray(Image.open(out).convert("RGB")))

        A = lum(np.asarray(Image.open(paths[1])))
        B = run("default", 1)
        s1, _ = extract(A, 1)
        s1 = s1[np.sqrt(s1["npix"] / np.pi) < 40]
        s1 = s1[np.argsort(-s1["flux"])[:30]]
        rad = np.maximum(np.sqrt(s1["npix"] / np.pi), 2.0)
        before = np.array([light(A, x, y, r) for x, y, r in zip(s1["x"], s1["y"], rad)])
        after = np.array([light(B, x, y, r) for x, y, r in zip(s1["x"], s1["y"], rad)])
        stars = (before > 0) & (after < 0.3 * before)
        for k in SCALES:
            inp = lum(np.asarray(Image.open(paths[k])))
            counted, rms = starlike(inp, k)
            for name in removers:
                res = run(name, k)
                kept = []
                for x, y, r in zip(s1["x"][stars], s1["y"][stars], rad[stars]):
                    X, Y = (x + 0.5) * k - 0.5, (y + 0.5) * k - 0.5
                    li = light(inp, X, Y, r * k)
                    kept.append(light(res, X, Y, r * k) / li if li > 0 else 0.0)
                found, _ = extract(res, k, rms)
                left = sum(bool((((found["x"] - x) ** 2 + (found["y"] - y) ** 2) <= (2 * k) ** 2).any())
                           for x, y in zip(counted["x"], counted["y"])) if len(found) else 0
                rows.append((stem, k, name, np.array(kept), 100.0 * left / max(len(counted), 1), len(counted)))
                print(f"{stem} x{k} {name}: {len(kept)} bright stars, kept {100 * np.mean(kept) if kept else 0:.1f} %, "
                      f"over half {sum(v > 0.5 for v in kept)}; residual {rows[-1][4]:.1f} % of {len(counted)}", flush=True)
    lines = [f"# Oversampled pictures: {len(a.images.split(','))} dev pictures enlarged 2x and 3x\n",
             f"`tests/bench/oversampled.py`, model `{os.path.basename(a.model)}` (sha256 {model_id}); pictures "
             f"{a.images.replace(',', ', ')}; enlarged bicubic with their own grain per pixel. Bright stars: of each "
             "picture's 30 brightest sources, those the default pipeline takes at 1x; their aperture light kept at 2x/3x "
             "(0 is a clean removal). Residual stars: sep's star-like sources still found, as in real_dev.md.\n",
             ("" if a.peer else "The peer is not in this run (`--peer PEER --bench RemovalBench.dll` adds it, cached; "
              "about 15 minutes on 2 cores for the 16 enlarged pictures).\n"),
             "| scale | remover | bright stars | light kept, mean % | kept over half | residual stars, mean % | worst |",
             "|---|---|---:|---:|---:|---:|---|"]
    for k in SCALES:
        for name in removers:
            rr = [r for r in rows if r[1] == k and r[2] == name]
            kept = np.concatenate([r[3] for r in rr]) if rr else np.zeros(0)
            worst = max(rr, key=lambda r: r[4])
            lines.append(f"| {k}x | {name} | {len(kept)} | {100 * kept.mean():.1f} | {int((kept > 0.5).sum())} | "
                         f"{np.mean([r[4] for r in rr]):.2f} | {worst[4]:.1f} ({worst[0]}) |")
    lines.append("\nPer picture (light kept mean %, kept over half, residual %):\n")
    lines.append("| picture | scale | " + " | ".join(removers) + " |")
    lines.append("|---|---|" + "---|" * len(removers))
    for stem in a.images.split(","):
        for k in SCALES:
            cells = []
            for name in removers:
                r = next(r for r in rows if r[0] == stem and r[1] == k and r[2] == name)
                cells.append(f"{100 * r[3].mean() if len(r[3]) else 0:.0f} % / {int((r[3] > 0.5).sum())} / {r[4]:.1f} %")
            lines.append(f"| {stem} | {k}x | " + " | ".join(cells) + " |")
    tmp = a.report + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, a.report)
    print(a.report)


if __name__ == "__main__":
    main()
