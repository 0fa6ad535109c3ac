#!/usr/bin/python3
"""Lens-finder benchmark: the shipped model (models/lensfinder-v1.onnx) run by
`starplugin lens score`, on data it was never trained or tuned on.

1. Held-out real cutouts: 101x101 cuts centred on the brightest sources (sep) of the
   right 30 % of the five training cluster pictures (training used only x < 0.7 width)
   and of the whole Hydra cluster picture (never used in training), shared/data/real-dev.
   `starplugin mock-lens batch` puts one mock lens in each (its own parameter draw:
   theta_E 4-16 px, arc S/N 10-60); the originals are the negatives.
   Figures: ROC AUC, recall at 1 % false-positive rate (threshold from these negatives).
2. Held-out impostors: `lens trainset` on the same held-out regions with the galaxy
   textures marked "heldout" in models/lensfinder/galaxies.txt (real spirals, a ring,
   mergers, edge-on discs) and synthetic impostors; figures as above, and the share of
   each impostor kind above the 1 % threshold of set 1.
3. Rendered DESI-like g/r/z survey cutouts (a seed the training sets did not use).
4. Throughput: one whole CLI run over 2000 FITS cubes of 101x101x3 (process start,
   reading, scoring, writing), wall and CPU seconds, with the machine's load average.

    tests/bench/lens_bench.py [--work DIR] [--starplugin PATH] [--model PATH]
Writes tests/bench/results/lens.md and lens.json.
"""
import argparse, csv, json, os, resource, subprocess, sys, time
import numpy as np
from PIL import Image
import sep

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# shared/ beside the checkout (../shared), or two up from a worktree.
REAL = next((d for d in (os.path.join(ROOT, "..", "shared", "data", "real-dev"), os.path.join(ROOT, "..", "..", "shared", "data", "real-dev")) if os.path.isdir(d)),
            os.path.join(ROOT, "..", "shared", "data", "real-dev"))
TEX = "/usr/share/stellarium/nebulae/default"
SIZE = 101
QUICK = False


def run(cmd, **kw):
    print("$", " ".join(cmd), flush=True)
    t0, r0 = time.time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {p.stderr[-2000:]}")
    return time.time() - t0, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), p


def roc_auc(s, y):
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s)); ranks[order] = np.arange(1, len(s) + 1)
    _, inv, counts = np.unique(s, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=ranks); ranks = (sums / counts)[inv]  # ties share their mean rank
    n1, n0 = (y == 1).sum(), (y == 0).sum()
    return float((ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def threshold_at(neg, fpr):
    neg = np.sort(neg)[::-1]
    k = int(np.floor(fpr * len(neg)))
    return neg[k] if k < len(neg) else -np.inf


def read_scores(path):
    with open(path) as f:
        return {r["file"]: float(r["score"]) for r in csv.DictReader(f)}


def heldout_cutouts(dst):
    """Cut held-out 101x101 PNGs: brightest sep sources whose window lies in the held-out columns."""
    os.makedirs(dst, exist_ok=True)
    made = []
    for name, frac, most in [("coma", .7, 120), ("fornax", .7, 120), ("hercules", .7, 120), ("leo", .7, 120), ("perseus", .7, 120), ("hydra", 0, 300)]:
        img = np.asarray(Image.open(os.path.join(REAL, f"{name}_cluster.png")).convert("RGB"))
        lum = np.ascontiguousarray(img.mean(2).astype(np.float32))
        bkg = sep.Background(lum)
        objs = sep.extract(lum - bkg.back(), 5, err=max(bkg.globalrms, 1.0), minarea=5)
        order = np.argsort(-objs["flux"])
        h, w = lum.shape
        x0min = int(np.ceil(frac * w)) + SIZE // 2
        taken = []
        for i in order:
            cx, cy = int(round(objs["x"][i])), int(round(objs["y"][i]))
            if cx < x0min or cx + SIZE // 2 >= w or cy < SIZE // 2 or cy + SIZE // 2 >= h:
                continue
            if any(abs(cx - a) < 20 and abs(cy - b) < 20 for a, b in taken):
                continue  # one cutout per source
            taken.append((cx, cy))
            crop = img[cy - SIZE // 2: cy + SIZE // 2 + 1, cx - SIZE // 2: cx + SIZE // 2 + 1]
            path = os.path.join(dst, f"{name}_{cx}_{cy}.png")
            Image.fromarray(crop).save(path)
            made.append((name, path))
            if len(taken) >= (10 if QUICK else most):
                break
    return made


def metrics(scores, labels):
    s, y = np.array(scores), np.array(labels)
    thr = threshold_at(s[y == 0], 0.01)
    return {"n_lens": int((y == 1).sum()), "n_not": int((y == 0).sum()), "auc": roc_auc(s, y),
            "recall_at_1pct_fpr": float((s[y == 1] > thr).mean()), "threshold_1pct_fpr": float(thr)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=os.path.join(ROOT, "tests", "bench", "work", "lens"))
    ap.add_argument("--starplugin", default=os.path.join(ROOT, "artifacts", "bin", "starplugin"))
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "lensfinder-v1.onnx"))
    ap.add_argument("--quick", action="store_true", help="small sets, to try the script (figures not for publishing)")
    a = ap.parse_args()
    global QUICK
    QUICK = a.quick
    sp, w = a.starplugin, a.work
    os.makedirs(w, exist_ok=True)
    out = {"model": os.path.basename(a.model)}

    # 1. Mocks in held-out real cutouts.
    cuts = heldout_cutouts(os.path.join(w, "heldout"))
    n = len(cuts)
    mocks = os.path.join(w, "mocks")
    run([sp, "mock-lens", "batch", "--cutouts", os.path.join(w, "heldout"), "--n", str(n), "--out", mocks, "--seed", "7"])
    run([sp, "lens", "score", mocks, "--out", os.path.join(w, "mocks_scores.csv"), "--model", a.model, "--force"])
    sc = read_scores(os.path.join(w, "mocks_scores.csv"))
    rows = list(csv.DictReader(open(os.path.join(mocks, "manifest.csv"))))
    s = [sc[os.path.join(mocks, r["file"])] for r in rows]
    y = [int(r["label"]) for r in rows]
    out["heldout_real"] = metrics(s, y)
    hydra = [i for i, r in enumerate(rows) if r["cutout"].startswith("hydra")]
    rest = [i for i, r in enumerate(rows) if not r["cutout"].startswith("hydra")]
    out["heldout_real_hydra"] = metrics([s[i] for i in hydra], [y[i] for i in hydra])
    out["heldout_real_bands"] = metrics([s[i] for i in rest], [y[i] for i in rest])
    thr = out["heldout_real"]["threshold_1pct_fpr"]
    bins = {}
    for r, v in zip(rows, s):
        if r["label"] != "1":
            continue
        snr = float(r["arc_snr"]); key = "S/N 10-20" if snr < 20 else "S/N 20-40" if snr < 40 else "S/N 40-60"
        bins.setdefault(key, []).append(v > thr)
    out["recall_by_snr"] = {k: float(np.mean(v)) for k, v in sorted(bins.items())}

    # 2. Held-out impostors (and mocks) in the held-out regions, with held-out galaxy pictures.
    gal = []
    for line in open(os.path.join(ROOT, "models", "lensfinder", "galaxies.txt")):
        p = line.split()
        if len(p) == 3 and not p[0].startswith("#") and p[2] == "heldout":
            gal += ["--galaxy", f"{p[0]}={TEX}/{p[1]}.png"]
    pics = []
    for c in ["coma", "fornax", "hercules", "leo", "perseus", "hydra"]:
        pics += ["--picture", os.path.join(REAL, f"{c}_cluster.png")]
    for name, frac, seed in [("impostors", "1", "99"), ("survey", "0", "98")]:
        d = os.path.join(w, name)
        run([sp, "lens", "trainset", "--out", d, "--n", "200" if QUICK else "2000", "--seed", seed, "--region", "0.7:1", "--real-fraction", frac, "--write-images", "--previews", "48"] + pics + gal)
        run([sp, "lens", "score", os.path.join(d, "images"), "--out", os.path.join(d, "scores.csv"), "--model", a.model, "--force"])
        sc = read_scores(os.path.join(d, "scores.csv"))
        rows2 = list(csv.DictReader(open(os.path.join(d, "labels.csv"))))
        s2 = [sc[os.path.join(d, "images", os.path.basename(r["file"]))] for r in rows2]
        y2 = [int(r["label"]) for r in rows2]
        out[name] = metrics(s2, y2)
        if name == "impostors":
            kinds = {}
            for r, v in zip(rows2, s2):
                if r["label"] == "0" and r["impostor"]:
                    k = r["impostor"].split(":")[0] + (":" + r["impostor"].split(":")[1] if r["impostor"].startswith("picture") else "")
                    kinds.setdefault(k, []).append(v > thr)
            out["impostor_fpr_at_real_threshold"] = {k: [float(np.mean(v)), len(v)] for k, v in sorted(kinds.items())}

    # 4. Throughput: a whole CLI run over 2000 FITS cubes.
    cubes = os.path.join(w, "survey", "images")
    run([sp, "lens", "score", cubes, "--out", os.path.join(w, "warm.csv"), "--model", a.model, "--force"])  # page cache warm
    wall, cpu, _ = run([sp, "lens", "score", cubes, "--out", os.path.join(w, "speed.csv"), "--model", a.model, "--force"])
    nfiles = len([f for f in os.listdir(cubes) if f.endswith(".fits")])
    out["throughput"] = {"cutouts": nfiles, "wall_s": wall, "cpu_s": cpu, "per_s": nfiles / wall, "per_cpu_s": nfiles / cpu,
                         "load_average": os.getloadavg()[0], "cores": os.cpu_count()}
    if QUICK:
        print(json.dumps(out, indent=1)); return
    json.dump(out, open(os.path.join(HERE, "results", "lens.json"), "w"), indent=1)
    write_table(out)
    print(json.dumps(out, indent=1))


def write_table(o):
    L = ["# Lens finder benchmark (tests/bench/lens_bench.py, one run)", "",
         f"Model: `{o['model']}`. Targets (issue 22): ROC AUC ≥ 0.97 and recall ≥ 0.8 at 1 % FPR on mocks in held-out real cutouts; ≥ 500 cutouts/s on 2 cores as a whole CLI run.", "",
         "| set | lenses | non-lenses | ROC AUC | recall at 1 % FPR |", "|---|---:|---:|---:|---:|"]
    for key, label in [("heldout_real", "mocks in held-out real cutouts (all)"), ("heldout_real_bands", "… held-out 30 % of the five training pictures"),
                       ("heldout_real_hydra", "… Hydra cluster picture (never seen)"), ("impostors", "held-out regions + held-out galaxy pictures + impostors"),
                       ("survey", "rendered DESI-like g/r/z cutouts (new seed)")]:
        m = o[key]
        L.append(f"| {label} | {m['n_lens']} | {m['n_not']} | {m['auc']:.4f} | {m['recall_at_1pct_fpr']:.3f} |")
    L += ["", "Recall at the 1 % FPR threshold of the held-out real set, by arc S/N (mock-lens batch's draw):", "",
          "| " + " | ".join(o["recall_by_snr"]) + " |", "|" + "---:|" * len(o["recall_by_snr"]),
          "| " + " | ".join(f"{v:.3f}" for v in o["recall_by_snr"].values()) + " |", "",
          "False positives among held-out impostors at that threshold:", "", "| impostor | share above | n |", "|---|---:|---:|"]
    for k, (v, n) in o["impostor_fpr_at_real_threshold"].items():
        L.append(f"| {k} | {v:.3f} | {n} |")
    t = o["throughput"]
    L += ["", f"Throughput, one whole `starplugin lens score` run over {t['cutouts']} FITS cubes of 101×101×3: "
          f"{t['wall_s']:.2f} s wall = **{t['per_s']:.0f} cutouts/s**; {t['cpu_s']:.2f} CPU-seconds = {t['per_cpu_s']:.0f} cutouts per CPU-second "
          f"({t['cores']} cores, load average {t['load_average']:.1f} during the run: the machine is shared).", ""]
    open(os.path.join(HERE, "results", "lens.md"), "w").write("\n".join(L))


if __name__ == "__main__":
    main()
