#!/usr/bin/python3
"""Real-image star-removal benchmark over the 49 dev photographs (issue 17).

Driven by tests/bench/real_dev_bench.sh, which builds the CLI and RemovalBench first.
For every picture of the dev set it runs, one at a time, as whole processes:
  ours default   starplugin remove IN --starless OUT --model M             (network + cleanup + keep-galaxies auto)
  ours network   ... --no-cleanup --keep-galaxies never                    (the network alone)
  ours never     ... --keep-galaxies never                                 (for the rule: auto == never on star fields)
  peer           RemovalBench peer-run PEER IN OUT  (starrem2k13 with its own pipeline, through our engine);
                 cached under the work folder, keyed by the peer model and its pipeline code, so it runs once.
and measures each result against its input (definitions in measure_image and in the
report's header). Writes the report (markdown), per-image contact sheets (JPEG) and
their index.
"""
import argparse, csv, glob, hashlib, json, os, re, resource, subprocess, sys, time
import numpy as np
import sep
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

# The six galaxy-cluster pictures of issue 17, and the pictures of single galaxies or
# galaxy groups (there keeping galaxies is right, so the auto == never rule is not
# asked of them); everything else is a nebula or star field.
CLUSTERS = {"coma_cluster", "fornax_cluster", "hercules_cluster", "hydra_cluster", "leo_cluster", "perseus_cluster"}
GALAXIES = {"m33", "n2146-vasey", "n4274-dss", "n5363-vasey", "n691group-vasey"}
REMOVERS = ("default", "network", "peer")
LABELS = {"input": "input", "default": "ours, default", "network": "ours, network only", "peer": "starrem2k13 (peer)", "never": "ours, keep-galaxies never"}

sep.set_extract_pixstack(5_000_000)
sep.set_sub_object_limit(4096)


def group(stem):
    return "cluster" if stem in CLUSTERS else "galaxy" if stem in GALAXIES else "field"


def sha(path, extra=b""):
    h = hashlib.sha256(extra)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:12]


# ---------------------------------------------------------------- running

def timed(cmd, log):
    """Runs one whole process; wall seconds and CPU seconds (user + sys) of that process."""
    load = os.getloadavg()[0]
    t0 = time.monotonic()
    with open(log, "ab") as err:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
        out = p.stdout.read()
        _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed with {p.returncode}; see {log}")
    return {"wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "load": load, "stdout": out.decode(errors="replace")}


def run_removers(a, stems, ours_dir, peer_dir):
    times = {}
    log = os.path.join(a.work, "runs.log")
    for i, stem in enumerate(stems):
        src = os.path.join(a.data, stem + ".png")
        times[stem] = {}
        variants = [("default", []), ("network", ["--no-cleanup", "--keep-galaxies", "never"]), ("never", ["--keep-galaxies", "never"])]
        # What the README advises for pictures of galaxies: --keep-galaxies (always).
        if group(stem) != "field":
            variants.append(("always", ["--keep-galaxies", "always"]))
        for variant, extra in variants:
            out = os.path.join(ours_dir, variant, stem + ".png")
            os.makedirs(os.path.dirname(out), exist_ok=True)
            t = timed([a.cli, "remove", src, "--starless", out, "--model", a.model, "--threads", str(a.threads), "--json", "--force"] + extra, log)
            info = json.loads(t.pop("stdout"))
            t["galaxies_kept"] = info.get("galaxies_kept", 0)
            times[stem][variant] = t
        # Second pass: the default result run again. What a remover changes on a picture with
        # no stars left is what it does to a background (the off-star measures on the
        # photographs also count the faint stars under sep's threshold it takes).
        out = os.path.join(ours_dir, "pass2", stem + ".png")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        timed([a.cli, "remove", os.path.join(ours_dir, "default", stem + ".png"), "--starless", out, "--model", a.model, "--threads", str(a.threads), "--json", "--force"], log).pop("stdout")
        peer_png, peer_json = os.path.join(peer_dir, stem + ".png"), os.path.join(peer_dir, stem + ".json")
        if not a.only_ours and not os.path.exists(peer_json):
            os.makedirs(peer_dir, exist_ok=True)
            t = timed(["dotnet", a.bench, "peer-run", a.peer, src, peer_png], log)
            t.pop("stdout")
            with open(peer_json, "w") as f:
                json.dump(t, f)
        peer_pass2 = os.path.join(peer_dir, stem + "-pass2.png")
        if not a.only_ours and os.path.exists(peer_png) and not os.path.exists(peer_pass2):
            timed(["dotnet", a.bench, "peer-run", a.peer, peer_png, peer_pass2], log).pop("stdout")
        if os.path.exists(peer_json):
            times[stem]["peer"] = json.load(open(peer_json))
        d = times[stem]["default"]
        print(f"[{i + 1}/{len(stems)}] {stem}: default {d['wall_s']:.1f} s wall, {d['cpu_s']:.1f} s CPU (load {d['load']:.1f})", file=sys.stderr, flush=True)
    return times


def detect_all(a, paths, out_dir):
    """StarPlugin's detector on every file, in one process (RemovalBench detect-csv)."""
    subprocess.run(["dotnet", a.bench, "detect-csv", out_dir] + paths, check=True, stdout=subprocess.DEVNULL)


# ---------------------------------------------------------------- measures

def load(path):
    im = Image.open(path)
    rgba = np.asarray(im.convert("RGBA"), dtype=np.float32) / 255.0
    alpha = rgba[..., 3] if (im.mode in ("RGBA", "LA") or "transparency" in im.info) else np.ones(rgba.shape[:2], np.float32)
    return np.ascontiguousarray(rgba[..., :3]), alpha


def lum(rgb):
    return np.ascontiguousarray(rgb.mean(axis=2, dtype=np.float64))


def disc_mask(shape, xs, ys, rs):
    h, w = shape
    m = np.zeros(shape, bool)
    for x, y, r in zip(xs, ys, rs):
        x0, x1 = max(0, int(x - r)), min(w - 1, int(x + r) + 1)
        y0, y1 = max(0, int(y - r)), min(h - 1, int(y + r) + 1)
        if x1 < x0 or y1 < y0:
            continue
        yy, xx = np.mgrid[y0:y1 + 1, x0:x1 + 1]
        m[y0:y1 + 1, x0:x1 + 1] |= (xx - x) ** 2 + (yy - y) ** 2 <= r * r
    return m


def extract(L, invalid, thresh, err=None):
    """sep as SExtractor runs it: 64-px background mesh, minarea 5; thresh in units of err
    (the frame's global rms unless given: the same absolute threshold before and after)."""
    bkg = sep.Background(L, mask=invalid, bw=64, bh=64)
    sub = L - bkg.back()
    rms = sky_noise(L, invalid, bkg) if err is None else err
    try:
        objs, seg = sep.extract(sub, thresh, err=rms, mask=invalid, minarea=5, segmentation_map=True)
    except Exception:  # deblending overflow in the densest fields: count blends as one object
        objs, seg = sep.extract(sub, thresh, err=rms, mask=invalid, minarea=5, segmentation_map=True, deblend_nthresh=1, deblend_cont=1.0)
    return objs, seg, sub, rms, bkg


def sky_noise(L, invalid, bkg):
    """sep's global rms, except where the sky is clipped to black (DSS plates, some
    processed pictures): there sep's estimate degenerates (0 or the whole range), and the
    noise is taken as 1.4826 × the MAD of the picture, at least one 8-bit level."""
    v = L[~invalid] if invalid is not None else L.ravel()
    rms = bkg.globalrms
    if np.median(v) <= 1.0 / 255 or not (1e-4 < rms < 0.2):
        rms = max(1.4826 * float(np.median(np.abs(v - np.median(v)))), 1.0 / 255)
    return rms


def fine_detail(img, mask):
    """Mean |Laplacian of Gaussian, σ = 1| over the masked pixels, all channels: the fine detail measure."""
    return float(np.abs(np.stack([ndimage.gaussian_laplace(img[..., c], 1.0) for c in range(3)], axis=2)[mask]).mean())


def fwhm_of(o):
    return 2.3548 * np.sqrt((o["a"] ** 2 + o["b"] ** 2) / 2)


def star_like(objs, rms):
    """Star-like sep objects (as tests/bench/residual_sep.py): unblended, S/N >= 10, FWHM <= 6 px, elongation <= 1.5."""
    snr = objs["flux"] / (rms * np.sqrt(np.maximum(objs["npix"], 1)))
    return (objs["flag"] == 0) & (snr >= 10) & (fwhm_of(objs) <= 6) & (objs["a"] <= 1.5 * objs["b"])


def near_any(xs, ys, ax, ay, radius=2.0):
    """For each (x, y): is any (ax, ay) within radius px?"""
    if len(xs) == 0:
        return np.zeros(0, bool)
    if len(ax) == 0:
        return np.zeros(len(xs), bool)
    order = np.argsort(ay)
    sy, sx = ay[order], ax[order]
    hit = np.zeros(len(xs), bool)
    lo = np.searchsorted(sy, ys - radius, "left")
    hi = np.searchsorted(sy, ys + radius, "right")
    for k in range(len(xs)):
        if hi[k] > lo[k]:
            d2 = (sx[lo[k]:hi[k]] - xs[k]) ** 2 + (sy[lo[k]:hi[k]] - ys[k]) ** 2
            hit[k] = bool((d2 <= radius * radius).any())
    return hit


def galaxy_apertures(stem, shape, catalogue):
    """The catalogued galaxies on this picture (tests/bench/real_dev_galaxies.csv, from
    Stellarium's own deep-sky catalogue: independent of StarPlugin and of the pixels) as
    elliptical apertures of 1.5x the D25 semi-axes (at least 4 px): a label map (the
    smaller galaxy wins where apertures overlap), the centres, and a mask of the galaxies
    that do not fill the frame (< 10 % of it; where stars do not count as stars)."""
    h, w = shape
    rows = [r for r in catalogue if r["picture"] == stem]
    rows.sort(key=lambda r: -r["a"] * r["b"])
    labels = np.zeros(shape, np.int32)
    small = np.zeros(shape, bool)
    yy, xx = np.mgrid[0:h, 0:w]
    for k, r in enumerate(rows, start=1):
        a, b = max(1.5 * r["a"], 4.0), max(1.5 * r["b"], 4.0)
        t = np.radians(r["theta"])
        x0, x1 = max(0, int(r["x"] - a - 1)), min(w, int(r["x"] + a + 2))
        y0, y1 = max(0, int(r["y"] - a - 1)), min(h, int(r["y"] + a + 2))
        dx, dy = xx[y0:y1, x0:x1] - r["x"], yy[y0:y1, x0:x1] - r["y"]
        u, v = dx * np.cos(t) + dy * np.sin(t), -dx * np.sin(t) + dy * np.cos(t)
        inside = (u / a) ** 2 + (v / b) ** 2 <= 1
        labels[y0:y1, x0:x1][inside] = k
        if np.pi * a * b < 0.1 * h * w:
            small[y0:y1, x0:x1] |= inside
    return labels, rows, small


def tile_boundaries(w, remover, tile, overlap):
    """Positions of tile seams along one axis: the peer's 512-px grid; ours, the centres of
    its crossfades (StarPlugin's TileGrid), or the 512-px grid where the frame is one tile."""
    if remover == "peer" or w <= tile:
        return [p for p in range(512, w, 512)], remover != "peer" and w <= tile
    stride, starts, s = max(1, tile - overlap), [], 0
    while True:
        if s + tile >= w:
            starts.append(w - tile)
            break
        starts.append(s)
        s += stride
    starts = sorted(set(starts))
    return [(starts[i + 1] + starts[i] + tile) // 2 for i in range(len(starts) - 1)], False


def half_max_width(sub, x, y, half_box=30):
    """FWHM of a source as the diameter of the disc with the area of the connected region
    above half its peak (background-subtracted; for a clipped star, half the clip level)."""
    h, w = sub.shape
    x0, y0 = max(0, int(round(x)) - half_box), max(0, int(round(y)) - half_box)
    win = sub[y0:min(h, int(round(y)) + half_box + 1), x0:min(w, int(round(x)) + half_box + 1)]
    cx, cy = int(round(x)) - x0, int(round(y)) - y0
    core = win[max(0, cy - 2):cy + 3, max(0, cx - 2):cx + 3]
    peak = float(core.max())
    if peak <= 0:
        return 2.0
    py, px = np.unravel_index(int(np.argmax(core)), core.shape)
    labels, _ = ndimage.label(win >= peak / 2)
    region = labels == labels[max(0, cy - 2) + py, max(0, cx - 2) + px]
    return float(np.clip(2 * np.sqrt(region.sum() / np.pi), 1.5, 20))


def seam_ratio(img, off, bx, by):
    """Mean |Δ result| between neighbouring off-star pixels across the boundaries
    (x = p − 1 | p) ÷ the same across the columns and rows 4–12 px beside them: how much
    a boundary stands out of the result's own pixel-to-pixel variation (1 = no seam)."""
    def steps(axis_diff, pairs_ok, positions, n):
        on = [p for p in positions if 12 < p < n - 12]
        near = sorted({p + o for p in on for o in list(range(-12, -3)) + list(range(4, 13))})
        def mean_at(ps):
            if not ps:
                return np.nan, 0
            v, ok = axis_diff[ps], pairs_ok[ps]
            return v[ok].sum(), int(ok.sum())
        return mean_at(on), mean_at(near)
    d = img.mean(axis=2)
    # Steps across columns: index p holds |d[:, p] − d[:, p − 1]|.
    dx = np.abs(np.diff(d, axis=1)); okx = off[:, 1:] & off[:, :-1]
    dy = np.abs(np.diff(d, axis=0)); oky = off[1:, :] & off[:-1, :]
    (sxb, nxb), (sxn, nxn) = steps(np.vstack([np.zeros((1, dx.shape[0])), dx.T]), np.vstack([np.zeros((1, okx.shape[0]), bool), okx.T]), bx, d.shape[1])
    (syb, nyb), (syn, nyn) = steps(np.vstack([np.zeros((1, dy.shape[1])), dy]), np.vstack([np.zeros((1, oky.shape[1]), bool), oky]), by, d.shape[0])
    on_sum = np.nansum([sxb, syb]); on_n = nxb + nyb
    near_sum = np.nansum([sxn, syn]); near_n = nxn + nyn
    if on_n == 0 or near_n == 0 or near_sum == 0:
        return np.nan
    return float((on_sum / on_n) / (near_sum / near_n))


def read_csv(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return {k: np.array([float(r[k]) for r in rows]) for k in ("x", "y", "snr", "fwhm", "coefficient", "saturated")} if rows else None


def measure_image(stem, a, paths, det_dir, tile, overlap, catalogue):
    inp, alpha = load(paths["input"])
    h, w = alpha.shape
    valid = ndimage.binary_erosion(alpha >= 0.5, iterations=4, border_value=1)
    invalid = ~valid
    L = lum(inp)
    res = {"stem": stem, "group": group(stem), "width": w, "height": h, "valid_fraction": float(valid.mean())}

    # sep on the input: 3σ and 5σ.
    objs3, seg3, sub3, rms, bkg = extract(L, invalid, 3.0)
    objs5, _, _, _, _ = extract(L, invalid, 5.0)
    res["rms"] = float(rms)

    # Catalogued galaxies: their light is measured, and what lies on them is no star.
    gal_labels, gal_rows, gal_mask = galaxy_apertures(stem, (h, w), catalogue)
    res["galaxies"] = len(gal_rows)
    in_gal = lambda xs, ys: gal_mask[np.clip(np.round(ys).astype(int), 0, h - 1), np.clip(np.round(xs).astype(int), 0, w - 1)]

    # Stars before removal: star-like sep objects (off the galaxies).
    before = {}
    for t, objs in ((3.0, objs3), (5.0, objs5)):
        s = objs[star_like(objs, rms)]
        s = s[~in_gal(s["x"], s["y"])]
        before[t] = s
    res["stars_sep3"], res["stars_sep5"] = len(before[3.0]), len(before[5.0])

    # StarPlugin's detector: confident point sources before (coefficient >= 0.8, S/N >= 10, FWHM <= 6).
    dets = {k: read_csv(os.path.join(det_dir, k, stem + ".csv")) for k in ["input"] + [r for r in REMOVERS if r in paths]}
    d_in = dets["input"]
    conf = None
    if d_in is not None:
        c = (d_in["coefficient"] >= 0.8) & (d_in["snr"] >= 10) & (d_in["fwhm"] <= 6)
        ix, iy = d_in["x"][c], d_in["y"][c]
        keep = valid[np.clip(np.round(iy).astype(int), 0, h - 1), np.clip(np.round(ix).astype(int), 0, w - 1)] & ~in_gal(ix, iy)
        conf = (ix[keep], iy[keep])
    res["stars_ours"] = 0 if conf is None else len(conf[0])

    # Bright stars: the top 1 % (at least 3) of the input's 5σ objects by light within 3 px,
    # away from the frame's edge, transparent borders and galaxies.
    dist_invalid = ndimage.distance_transform_edt(valid)
    ap, _, _ = sep.sum_circle(sub3, objs5["x"], objs5["y"], 3.0)
    cand = np.nonzero((objs5["a"] <= 2 * objs5["b"]) & ~in_gal(objs5["x"], objs5["y"]))[0]
    bright = []
    if len(cand):
        cut = np.percentile(ap[cand], 99)
        # Clipped stars tie on the light within 3 px: the larger one first.
        order = cand[np.lexsort((-objs5["flux"][cand], -np.round(ap[cand], 1)))]
        n = max(3, int((ap[cand] >= cut).sum()))
        for o in order:
            x, y = float(objs5["x"][o]), float(objs5["y"][o])
            fwhm = half_max_width(sub3, x, y)
            R = float(np.clip(3 * fwhm, 6, 45))
            if dist_invalid[int(round(y)), int(round(x))] < 2 * R + 12 or x < 2 * R + 13 or y < 2 * R + 13 or x > w - 2 * R - 14 or y > h - 2 * R - 14:
                continue
            bright.append((x, y, R, fwhm))
            if len(bright) >= n:
                break
    res["bright_stars"] = len(bright)
    # Other sources, masked out of each bright star's sky annulus.
    others = disc_mask((h, w), objs3["x"], objs3["y"], np.minimum(3 * fwhm_of(objs3) + 2, 10))

    # Off the stars: outside discs of min(3·FWHM + 2, 10) px around every 3σ object, the
    # bright stars' discs with their halo (R + 12), the galaxies, and transparent borders.
    off = valid & ~disc_mask((h, w), objs3["x"], objs3["y"], np.minimum(3 * fwhm_of(objs3) + 2, 10))
    if bright:
        off &= ~disc_mask((h, w), [b[0] for b in bright], [b[1] for b in bright], [b[2] + 12 for b in bright])
    off &= ~gal_mask
    res["off_fraction"] = float(off.mean())
    detail_in = fine_detail(inp, off) if off.any() else np.nan

    # Nebula pixels: off the stars, where the input's large-scale luminance (4x4 bins,
    # 5-bin median) stands >= 0.08 of the range above the sky (its 5th percentile).
    hb, wb = h // 4 * 4, w // 4 * 4
    small = ndimage.median_filter(L[:hb, :wb].reshape(hb // 4, 4, wb // 4, 4).mean(axis=(1, 3)), size=5)
    smooth = np.zeros_like(L)
    smooth[:hb, :wb] = np.repeat(np.repeat(small, 4, 0), 4, 1)
    sky_level = float(np.percentile(smooth[valid], 5)) if valid.any() else 0.0
    nebula = off & (smooth - sky_level >= 0.08)
    res["nebula_fraction"] = float(nebula.mean())

    # The input scored as a remover that does nothing: the scale of each measure.
    results = {"input": inp}
    for r in ("default", "network", "never", "always", "peer"):
        if r in paths and os.path.exists(paths[r]):
            results[r], _ = load(paths[r])

    def bright_excess(img):
        """Mean over the bright stars of the excess of |img − local sky| within R = 3·FWHM
        of the star over the local roughness, clipped at 0 (a cleaner star cannot cancel a
        worse one): mean over the disc and the channels of |img − sky| minus the roughness,
        both from the image's own annulus 2R..2R+10 around the star (far enough that a
        flat disc or halo the remover leaves counts), other sources masked:
        sky its median per channel, roughness 1.183 × its median |img − sky| (the mean
        absolute deviation of Gaussian noise, robust to a spike crossing the annulus).
        A removal that leaves sky like its surroundings scores about 0; a core left behind,
        a dark hole, a coloured cross or a halo scores its mean excess over the disc. % of
        the range."""
        vals = []
        for x, y, R, _ in bright:
            r0 = int(2 * R + 12)
            x0, y0 = int(round(x)) - r0, int(round(y)) - r0
            yy, xx = np.mgrid[y0:y0 + 2 * r0 + 1, x0:x0 + 2 * r0 + 1]
            d = np.sqrt((xx - x) ** 2 + (yy - y) ** 2)
            win = (slice(y0, y0 + 2 * r0 + 1), slice(x0, x0 + 2 * r0 + 1))
            disc = (d <= R) & valid[win]
            ring = (d >= 2 * R) & (d <= 2 * R + 10) & valid[win]
            quiet = ring & ~others[win]
            if quiet.sum() >= 0.3 * ring.sum():
                ring = quiet
            if disc.sum() < 10 or ring.sum() < 10:
                continue
            s_ = img[win]
            sky = np.median(s_[ring], axis=0)
            rough = 1.183 * np.median(np.abs(s_[ring] - sky), axis=0).mean()
            vals.append(max(0.0, np.abs(s_[disc] - sky).mean() - rough))
        return float(100 * np.mean(vals)) if vals else np.nan

    # Clipped stars: every isolated region of 10 px or more clipped near white (one channel
    # at the picture's top level, all at 0.8 of it; a nebula clipped in one channel is no
    # star), off the galaxies' apertures, largest first. Isolated: other clipped pixels
    # within 3R + 3 of its centre (R its equal-area radius) make at most a quarter of its
    # area; on the dev pictures stars have 0-0.17, the clipped cores of globular clusters
    # (M15, NGC 6752) and nebula bars (M17, NGC 3603) 0.28-6. The top level counts only
    # where the picture piles up at it (IC 2944 clips at 251; RCW 32's 3 px at 232 are no
    # clip). The artefact measure averages over the top 1 % of the stars, so a few stars
    # left whole move it little (2.00 -> 2.04 for a model that kept the brightest clipped
    # star of six pictures whole); these count each one.
    top = float(inp[valid].max()) if valid.any() else 1.0
    near_white = (inp.max(2) >= 0.98 * top) & (inp.min(2) >= 0.8 * top) & valid
    if int((valid & (inp.max(2) >= top - 0.5 / 255)).sum()) < 20:
        near_white[:] = False
    clab, ncl = ndimage.label(near_white)
    clipped = []
    if ncl:
        areas = np.asarray(ndimage.sum(np.ones_like(L), clab, np.arange(1, ncl + 1)))
        cents = ndimage.center_of_mass(np.ones_like(L), clab, np.arange(1, ncl + 1))
        for k in np.argsort(-areas):
            if areas[k] < 10:
                break
            cy_, cx_ = cents[k]
            R = float(np.sqrt(areas[k] / np.pi))
            r3 = 3 * R + 3
            y0, y1 = max(0, int(cy_ - r3)), min(h, int(cy_ + r3) + 2)
            x0, x1 = max(0, int(cx_ - r3)), min(w, int(cx_ + r3) + 2)
            yy, xx = np.mgrid[y0:y1, x0:x1]
            around = (np.hypot(xx - cx_, yy - cy_) <= r3) & near_white[y0:y1, x0:x1] & (clab[y0:y1, x0:x1] != k + 1)
            if around.sum() <= 0.25 * areas[k] and not in_gal(np.array([cx_]), np.array([cy_]))[0]:
                clipped.append((cx_, cy_, max(3.0, 1.5 * R)))
    res["clipped_stars"] = len(clipped)
    back = bkg.back()

    def clipped_kept(img):
        """Per clipped star, the light the result keeps above the input's background
        (sep, 64 px boxes) within 1.5 times the clipped radius, as a fraction of the
        input's: about 1 for a star left whole, about 0 for one removed."""
        Lr, out = lum(img), []
        for x, y, r in clipped:
            y0, y1 = max(0, int(y - r) - 1), min(h, int(y + r) + 2)
            x0, x1 = max(0, int(x - r) - 1), min(w, int(x + r) + 2)
            yy, xx = np.mgrid[y0:y1, x0:x1]
            disc = ((xx - x) ** 2 + (yy - y) ** 2 <= r * r) & valid[y0:y1, x0:x1]
            bk_ = back[y0:y1, x0:x1][disc]
            den = (L[y0:y1, x0:x1][disc] - bk_).sum()
            out.append(float((Lr[y0:y1, x0:x1][disc] - bk_).sum() / den) if den > 0 else np.nan)
        return out

    res["bright_input"] = bright_excess(inp)
    for r, img in results.items():
        if r in ("input", "never"):
            continue
        m = res.setdefault(r, {})
        Lr = lum(img)
        # Residual stars by sep: found at 3σ (5σ) before, and any sep object within 2 px
        # after, at the same absolute threshold (the input's rms), on the result's own background.
        for t in (3.0, 5.0):
            aobjs, _, _, _, _ = extract(Lr, invalid, t, err=rms)
            s = before[t]
            hit = near_any(s["x"], s["y"], aobjs["x"], aobjs["y"])
            m[f"residual_sep{t:g}"] = float(100 * hit.mean()) if len(s) else np.nan
            if t == 3.0 and r == "default":
                # For the residual sheet (not in the measures): the stars left, brightest first.
                left = s[hit]
                order = np.argsort(-left["flux"])
                res["_residual_xy"] = [(float(left["x"][k]), float(left["y"][k])) for k in order]
            if t == 3.0:
                # Chance coincidences: the same positions moved by (9, 6) px.
                m["chance_sep3"] = float(100 * near_any(s["x"] + 9, s["y"] + 6, aobjs["x"], aobjs["y"]).mean()) if len(s) else np.nan
        if conf is not None and dets.get(r) is not None:
            m["residual_ours"] = float(100 * near_any(conf[0], conf[1], dets[r]["x"], dets[r]["y"]).mean()) if len(conf[0]) else np.nan
        m["bright"] = bright_excess(img)
        kept = clipped_kept(img)
        m["clipped_kept_half"] = int(np.sum(np.array(kept) > 0.5)) if kept else 0
        m["largest_clipped_kept"] = float(100 * kept[0]) if kept and np.isfinite(kept[0]) else np.nan
        diff = img - inp
        m["bias"] = float(100 * diff[off].mean()) if off.any() else np.nan
        # The same change with what is smaller than 31 px (faint stars under sep's threshold,
        # knots, grain) taken out: the sky itself lifted or darkened.
        m["bias_smooth"] = float(100 * ndimage.median_filter(diff.mean(axis=2), size=31)[off].mean()) if off.any() else np.nan
        m["detail"] = float(100 * fine_detail(img, off) / detail_in) if off.any() else np.nan
        # Seams: a tile boundary shows as a step in the result from one pixel to the next
        # across it (seam_ratio).
        bx, stand_in = tile_boundaries(w, "peer" if r == "peer" else "ours", tile, overlap)
        by, _ = tile_boundaries(h, "peer" if r == "peer" else "ours", tile, overlap)
        m["seams"] = seam_ratio(img, off, bx, by)
        m["seams_stand_in"] = stand_in
        if nebula.sum() > 0.01 * h * w:
            m["nebula_light"] = float(100 * (Lr[nebula] - sky_level).sum() / (L[nebula] - sky_level).sum())
        if gal_rows:
            # Light above the input's background in the galaxies' apertures, without the
            # discs of star-like sources away from any galaxy's centre: total and per galaxy.
            bk = bkg.back()
            sel = gal_labels > 0
            sl = star_like(objs3, rms)
            cx = np.array([g["x"] for g in gal_rows]); cy = np.array([g["y"] for g in gal_rows])
            away = ~near_any(objs3["x"][sl], objs3["y"][sl], cx, cy, 4.0)
            fg = disc_mask((h, w), objs3["x"][sl][away], objs3["y"][sl][away], np.minimum(3 * fwhm_of(objs3[sl][away]) + 2, 10))
            sel &= ~fg & valid
            lab = np.where(sel, gal_labels, 0)
            ids = np.arange(1, len(gal_rows) + 1)
            num = np.asarray(ndimage.sum(Lr - bk, lab, ids)); den = np.asarray(ndimage.sum(L - bk, lab, ids))
            m["galaxy_light"] = float(100 * num.sum() / den.sum()) if den.sum() > 0 else np.nan
            ok = den > 0
            m["galaxy_median"] = float(100 * np.median(num[ok] / den[ok])) if ok.any() else np.nan
    # Second pass (see run_removers): the off-star change a remover makes to its own starless result.
    for r in ("default", "peer"):
        if r in results and paths.get(r + "_pass2") and os.path.exists(paths[r + "_pass2"]) and off.any():
            again, _ = load(paths[r + "_pass2"])
            res[r]["pass2_bias"] = float(100 * (again - results[r])[off].mean())
            # The first result's detail is its detail kept (above) times the input's.
            res[r]["pass2_detail"] = float(100 * fine_detail(again, off) / (res[r]["detail"] / 100 * detail_in))
    # Keep galaxies auto against never (with the cleanup): identical 8-bit results?
    if "never" in results:
        dd = np.abs(results["default"] - results["never"]) * 255
        changed = (dd > 0.5).any(axis=2)
        res["auto_equals_never"] = not changed.any()
        res["auto_changed_px"] = int(changed.sum())

    # Where to crop for the contact sheet: the densest 320² window (most 3σ star-like
    # objects) and the brightest star.
    S = 320
    s3 = before[3.0]
    best, best_n = (max(0, w // 2 - S // 2), max(0, h // 2 - S // 2)), -1
    for y0 in range(0, max(1, h - S + 1), 32):
        for x0 in range(0, max(1, w - S + 1), 32):
            if valid[y0 + S // 2, x0 + S // 2]:
                n = int(((s3["x"] >= x0) & (s3["x"] < x0 + S) & (s3["y"] >= y0) & (s3["y"] < y0 + S)).sum())
                if n > best_n:
                    best, best_n = (x0, y0), n
    res["crop_dense"] = best
    res["crop_bright"] = (bright[0][0], bright[0][1]) if bright else (w / 2, h / 2)
    return res, results


# ---------------------------------------------------------------- contact sheets

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def synthetic_stars(pictures, case, removers):
    """The synthetic field's true stars (connected regions of its star pixels: where the
    input stands >= 2 levels from its truth in some channel, grown by 1 px, as for the PSNR)
    and, per remover, the share of each star's light (input - truth, luminance summed over
    the region) its result keeps (result - truth): about 1 for a star left whole. Counted
    among the brightest tenth of the stars (at least 10; a faint star's share is mostly
    noise). Returns per remover the count kept over half and their share of the result's
    squared error on all star pixels, how many stars were judged, and the regions' slices,
    worst first, for ours default."""
    load8 = lambda tag: np.asarray(Image.open(os.path.join(pictures, f"{case}-{tag}.png")).convert("RGB"), np.float64)
    inp, truth = load8("input"), load8("truth")
    stars = ndimage.binary_dilation((np.abs(inp - truth) >= 1.5).any(axis=2), np.ones((3, 3), bool))
    lab, n = ndimage.label(stars)
    ids = np.arange(1, n + 1)
    regions = ndimage.find_objects(lab)
    light = np.asarray(ndimage.sum((inp - truth).mean(axis=2), lab, ids))
    order = np.argsort(-light)
    bright = np.zeros(n, bool)
    bright[order[:max(10, n // 10)]] = True
    bright &= light > 0
    out, worst = {}, []
    for r in removers:
        res = load8(r)
        kept = np.asarray(ndimage.sum((res - truth).mean(axis=2), lab, ids)) / np.where(bright, light, 1)
        err = np.asarray(ndimage.sum(((res - truth) ** 2).mean(axis=2), lab, ids))
        whole = bright & (kept > 0.5)
        out[r] = {"kept_half": int(whole.sum()), "error_share": float(err[whole].sum() / max(err.sum(), 1e-9))}
        if r == "default":
            worst = [regions[k] for k in np.argsort(-err)[:8]]
    return out, int(bright.sum()), worst


def synthetic_off_star(pictures, case, removers):
    """Off-star bias and detail kept (as on the real pictures: off discs of min(3·FWHM + 2,
    10) px round every 3σ sep object of the input; the bright stars' halo discs are not
    taken out here) on a synthetic field, for its truth as well as each remover: what a
    perfect removal scores, where faint stars under sep's threshold go with the stars."""
    pic = lambda tag: load(os.path.join(pictures, f"{case}-{tag}.png"))[0]
    inp = pic("input")
    L = lum(inp)
    objs, _, _, _, _ = extract(L, np.zeros(L.shape, bool), 3.0)
    off = ~disc_mask(L.shape, objs["x"], objs["y"], np.minimum(3 * fwhm_of(objs) + 2, 10))
    detail = lambda img: fine_detail(img, off)
    detail_in = detail(inp)
    out = {}
    for r in ("truth",) + tuple(removers):
        img = pic(r)
        out[r] = {"bias": float(100 * (img - inp)[off].mean()), "detail": 100 * detail(img) / detail_in}
    return out


def synthetic_star_counts(entry, pictures):
    """Adds the stars left whole (synthetic_stars) to a field's entry of synthetic.json,
    where its pictures were kept; returns the worst stars' slices for the sheet."""
    # Only results this run scored (a peer picture left from another run is not one).
    have = [r for r in REMOVERS if f"{r}_psnr" in entry and os.path.exists(os.path.join(pictures, f"{entry['case']}-{r}.png"))]
    if "default" not in have:
        return []
    counts, entry["bright_stars"], worst = synthetic_stars(pictures, entry["case"], have)
    entry["stars_kept_half"] = {r: c["kept_half"] for r, c in counts.items()}
    entry["stars_kept_error"] = {r: c["error_share"] for r, c in counts.items()}
    entry["off_star"] = synthetic_off_star(pictures, entry["case"], have)
    return worst


def synthetic_sheet(pictures, case, removers, worst, out_path):
    """The eight true stars with the largest error in ours default, one row each, 100 %
    crops of 48 px (shown at 3x): input | truth | each result."""
    cols = ["input", "truth"] + removers
    imgs = {c: np.asarray(Image.open(os.path.join(pictures, f"{case}-{c}.png")).convert("RGB"), np.float32) / 255 for c in cols}
    S, Z, G, head = 48, 3, 4, 20
    sheet = Image.new("RGB", (len(cols) * (S * Z + G), head + len(worst) * (S * Z + G)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    h, w = imgs["input"].shape[:2]
    for i, c in enumerate(cols):
        draw.text((i * (S * Z + G) + 2, 3), LABELS.get(c, c), fill=(0, 0, 0), font=font(13))
    for j, sl in enumerate(worst):
        cy, cx = (sl[0].start + sl[0].stop) // 2, (sl[1].start + sl[1].stop) // 2
        y0, x0 = int(np.clip(cy - S // 2, 0, h - S)), int(np.clip(cx - S // 2, 0, w - S))
        for i, c in enumerate(cols):
            sheet.paste(to_pil(imgs[c][y0:y0 + S, x0:x0 + S]).resize((S * Z, S * Z), Image.NEAREST), (i * (S * Z + G), head + j * (S * Z + G)))
    sheet.save(out_path, "JPEG", quality=85, optimize=True)


def font(size):
    try:
        return ImageFont.truetype(FONT, size)
    except OSError:
        return ImageFont.load_default()


def to_pil(a):
    return Image.fromarray((np.clip(a, 0, 1) * 255 + 0.5).astype(np.uint8), "RGB")


def display_curve(ref):
    """A brightening curve for a crop: black at the reference's 1st percentile, then a
    gamma that puts its median at 0.2 (gamma 0.35–1)."""
    L = ref.mean(axis=2)
    black = float(np.percentile(L, 1))
    med = max((float(np.median(L)) - black) / max(1 - black, 1e-6), 1e-4)
    gamma = float(np.clip(np.log(0.2) / np.log(med), 0.35, 1.0)) if med < 0.2 else 1.0
    return lambda a: np.clip((a - black) / max(1 - black, 1e-6), 0, 1) ** gamma


def contact_sheet(res, results, out_path):
    """input | ours default | ours network only | peer: whole frame (shrunk), then 100 % crops
    of the densest region and of the brightest star; compact JPEG (< 250 KB)."""
    cols = [k for k in ("input", "default", "network", "peer") if k in results]
    P, G = 336, 4
    h, w = results["input"].shape[:2]
    x0, y0 = res["crop_dense"]
    bx, by = res["crop_bright"]
    BH = 200
    bx0 = int(np.clip(bx - P / 2, 0, w - P)); by0 = int(np.clip(by - BH / 2, 0, h - BH))
    title_h, label_h = 24, 18
    W = len(cols) * P + (len(cols) - 1) * G
    H = title_h + label_h + P + G + P + G + BH
    sheet = Image.new("RGB", (W, H), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    m = lambda r, k, fmt="{:.1f}": fmt.format(res[r][k]) if r in res and k in res[r] and res[r][k] == res[r][k] else "–"
    title = f"{res['stem']} ({res['group']})  residual stars, sep 3σ: " + " / ".join(f"{LABELS[r].split(' (')[0]} {m(r, 'residual_sep3')} %" for r in cols[1:])
    draw.text((4, 3), title, fill=(0, 0, 0), font=font(14))

    scale = P / max(w, h)
    # The crops of every column get the same display curve, made from the input's crop
    # (dark starless results are hard to judge as they are).
    dense_curve = display_curve(results["input"][y0:y0 + P, x0:x0 + P])
    bright_curve = display_curve(results["input"][by0:by0 + BH, bx0:bx0 + P])
    for i, k in enumerate(cols):
        X = i * (P + G)
        draw.text((X + 2, title_h), LABELS[k], fill=(0, 0, 0), font=font(13))
        full = to_pil(results[k]).resize((int(w * scale), int(h * scale)), Image.LANCZOS)
        if k == "input":
            d2 = ImageDraw.Draw(full)
            d2.rectangle([x0 * scale, y0 * scale, (x0 + P) * scale, (y0 + P) * scale], outline=(255, 255, 0))
            d2.rectangle([bx0 * scale, by0 * scale, (bx0 + P) * scale, (by0 + BH) * scale], outline=(0, 255, 255))
        Y = title_h + label_h
        sheet.paste(full, (X, Y))
        sheet.paste(to_pil(dense_curve(results[k][y0:y0 + P, x0:x0 + P])), (X, Y + P + G))
        sheet.paste(to_pil(bright_curve(results[k][by0:by0 + BH, bx0:bx0 + P])), (X, Y + 2 * (P + G)))
    for q in (85, 80, 75, 70, 65, 60, 55, 50):
        sheet.save(out_path, "JPEG", quality=q, optimize=True, progressive=True)
        if os.path.getsize(out_path) <= 250_000:
            break


def residual_sheet(res, results, xy, out_path, n=24, per_row=3):
    """The brightest n (of all) stars sep still finds in ours default, one group of 32-px
    crops each, shown at 3x: input | ours default | ours with --keep-galaxies never | peer,
    each crop on the display curve of its input crop; compact JPEG."""
    cols = [k for k in ("input", "default", "never", "peer") if k in results]
    S, Z, G, head, cap = 32, 3, 4, 22, 14
    cell = S * Z
    group = len(cols) * cell + (len(cols) - 1) * 2
    picks = xy[:n]
    rows_n = max(1, (len(picks) + per_row - 1) // per_row)
    sheet = Image.new("RGB", (per_row * (group + 3 * G), head + rows_n * (cell + cap + G)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    names = {"input": "input", "default": "ours default", "never": "ours, keep-galaxies never", "peer": "peer"}
    draw.text((4, 3), f"{res['stem']}: the {len(picks)} brightest of the {len(xy)} stars sep still finds in ours default (3σ); each group: " + " | ".join(names[c] for c in cols), fill=(0, 0, 0), font=font(13))
    h, w = results["input"].shape[:2]
    for j, (x, y) in enumerate(picks):
        X, Y = (j % per_row) * (group + 3 * G), head + (j // per_row) * (cell + cap + G)
        x0, y0 = int(np.clip(round(x) - S // 2, 0, w - S)), int(np.clip(round(y) - S // 2, 0, h - S))
        curve = display_curve(results["input"][y0:y0 + S, x0:x0 + S])
        draw.text((X + 2, Y), f"({x:.0f}, {y:.0f})", fill=(0, 0, 0), font=font(11))
        for i, c in enumerate(cols):
            sheet.paste(to_pil(curve(results[c][y0:y0 + S, x0:x0 + S])).resize((cell, cell), Image.NEAREST), (X + i * (cell + 2), Y + cap))
    for q in (85, 75, 65, 55):
        sheet.save(out_path, "JPEG", quality=q, optimize=True)
        if os.path.getsize(out_path) <= 250_000:
            break


# ---------------------------------------------------------------- report

def fmt(v, spec="{:.1f}"):
    return "–" if v is None or (isinstance(v, float) and v != v) else spec.format(v)


def triple(res, key, spec="{:.1f}", present=REMOVERS):
    return " / ".join(fmt(res.get(r, {}).get(key), spec) for r in present)


def stats(rows, r, key, worst="max"):
    v = np.array([x[r][key] for x in rows if r in x and key in x[r] and x[r][key] == x[r][key]], float)
    if len(v) == 0:
        return None, None, None
    if worst == "max":
        k = int(np.argmax(v))
    elif worst == "min":
        k = int(np.argmin(v))
    else:  # farthest from 0
        k = int(np.argmax(np.abs(v)))
    names = [x["stem"] for x in rows if r in x and key in x[r] and x[r][key] == x[r][key]]
    return float(v.mean()), float(v[k]), names[k]


def credits(data):
    out = {}
    path = os.path.join(data, "CREDITS.md")
    if os.path.exists(path):
        for line in open(path):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 4 and cells[0].endswith(".png"):
                out[cells[0][:-4]] = cells[3]
    return out


def write_report(a, rows, times, synth, present, meta):
    L = []
    P = lambda s="": L.append(s)
    names = {"default": "ours default", "network": "ours network only", "peer": "peer"}
    P("# Real-image star-removal benchmark (49 dev photographs)")
    P()
    P(f"One run of `tests/bench/real_dev_bench.sh` on {meta['date']}: model `{meta['model']}` (sha256 {meta['model_sha']}), "
      f"peer starrem2k13 (`{meta['peer']}`, sha256 {meta['peer_sha']}; its outputs cached and reused across runs). "
      f"{len(rows)} pictures from `{meta['data']}` (credits in its CREDITS.md and in docs/real-dev/README.md). "
      f"Every result is a whole process run, one at a time, {a.threads} threads, CPU. Contact sheets: docs/real-dev/ "
      "(and, for each picture where ours default leaves more than a point more residual stars than the peer, PICTURE-residual.jpg: the brightest 24 it leaves).")
    P()
    P("Groups: **fields** = nebulae and star fields (" + str(sum(r['group'] == 'field' for r in rows)) + "); **clusters** = the galaxy-cluster pictures coma, fornax, hercules, hydra, leo, perseus; "
      "**galaxies** = pictures of one galaxy or a group (m33, n2146, n4274, n5363, n691group), where keeping galaxies is right.")
    P()
    P("## Summary")
    P()
    hdr = "| measure | group | " + " | ".join(f"{names[r]}: mean | worst" for r in present) + " | target |"
    P(hdr)
    P("|---|---|" + "---:|---:|" * len(present) + "---|")
    groups = [("fields", [r for r in rows if r["group"] == "field"]), ("clusters", [r for r in rows if r["group"] == "cluster"]),
              ("galaxies", [r for r in rows if r["group"] == "galaxy"]), ("all", rows)]
    spec = [
        ("residual stars, sep 3σ %", "residual_sep3", "max", "{:.1f}", ["fields", "clusters", "galaxies", "all"], "default: mean ≤ 3, worst ≤ 10, never > peer + 1; network ≤ 8"),
        ("residual stars, sep 5σ %", "residual_sep5", "max", "{:.1f}", ["fields", "clusters", "all"], ""),
        ("residual stars, StarPlugin's detector %", "residual_ours", "max", "{:.1f}", ["fields", "clusters", "all"], ""),
        ("bright-star artefacts % of range", "bright", "max", "{:.2f}", ["fields", "clusters", "all"], "≈ 0 (input: " + fmt(np.nanmean([r['bright_input'] for r in rows]), "{:.2f}") + ")"),
        ("largest clipped star's light kept %", "largest_clipped_kept", "max", "{:.0f}", ["fields", "clusters", "all"], "≈ 0"),
        ("off-star bias % of range", "bias", "abs", "{:+.2f}", ["fields", "clusters", "all"], "abs ≤ 0.3"),
        ("off-star bias, smooth part (31-px median) % of range", "bias_smooth", "abs", "{:+.2f}", ["fields", "clusters", "all"], ""),
        ("detail kept off the stars %", "detail", "min", "{:.0f}", ["fields", "clusters", "all"], "≥ 90"),
        ("seam error ratio", "seams", "max", "{:.2f}", ["all"], "1.00"),
        ("nebula light kept %", "nebula_light", "min", "{:.1f}", ["fields", "all"], ""),
        ("galaxy light kept %", "galaxy_light", "min", "{:.1f}", ["clusters", "galaxies"], "clusters ≥ 90"),
    ]
    for label, key, worst, sp, gs, target in spec:
        for g, rs in groups:
            if g not in gs:
                continue
            cells = []
            for r in present:
                mean, wv, wn = stats(rs, r, key, worst)
                cells.append(f"{fmt(mean, sp)} | {fmt(wv, sp)}{'' if wn is None else ' (' + wn + ')'}")
            P(f"| {label} | {g} | " + " | ".join(cells) + f" | {target if g == gs[0] else ''} |")
    # Residual against the peer, per image.
    if "peer" in present:
        worse = [(r["stem"], r["default"]["residual_sep3"] - r["peer"]["residual_sep3"]) for r in rows if "peer" in r]
        over = [f"{s} (+{d:.1f})" for s, d in sorted(worse, key=lambda t: -t[1]) if d > 1]
        P()
        P(f"Pictures where ours default leaves more than 1 point more residual stars (sep 3σ) than the peer: {len(over)} of {len(worse)}" + (": " + ", ".join(over) if over else "") + ".")
    for r_ in present:
        n_all = sum(r.get("clipped_stars", 0) for r in rows if r_ in r)
        n_kept = sum(r[r_].get("clipped_kept_half", 0) for r in rows if r_ in r)
        big = [(r["stem"], r[r_]["largest_clipped_kept"]) for r in rows if r_ in r and r[r_].get("largest_clipped_kept", np.nan) > 50]
        big = [f"{s_} ({k:.0f})" for s_, k in sorted(big, key=lambda t: -t[1])]
        P()
        P(f"Clipped stars (10 px or more, off the galaxies) that {names[r_]} leaves with more than half their light: {n_kept} of {n_all}; "
          f"pictures whose largest clipped star keeps more than half: {len(big)}" + (": " + ", ".join(big) if big else "") + ".")
    # Keep galaxies auto.
    fld = [r for r in rows if r["group"] == "field" and "auto_equals_never" in r]
    bad = [f"{r['stem']} ({r['auto_changed_px']} px)" for r in fld if not r["auto_equals_never"]]
    P()
    P(f"Keep galaxies auto == never on the nebula and star fields: {len(fld) - len(bad)} of {len(fld)}" + (" (differs on: " + ", ".join(bad) + ")" if bad else "") + ". "
      "On the clusters and galaxies auto acts on: " + (", ".join(f"{r['stem']} ({times[r['stem']]['default']['galaxies_kept']} sources)" for r in rows if r['group'] != 'field' and times[r['stem']]['default']['galaxies_kept']) or "none") + ".")
    # Keep galaxies always, as the README advises for pictures of galaxies.
    gal_rows = [r for r in rows if r["group"] != "field" and "always" in r]
    if gal_rows:
        P()
        P("With `--keep-galaxies` (always), as the README advises for pictures of galaxies (the default's auto acts on galaxy fields only), on the clusters and galaxies: residual stars (sep 3σ) and galaxy light kept, ours default → always.")
        P()
        P("| picture | group | residual sep 3σ %: default → always | galaxy light %: default → always (median galaxy) |")
        P("|---|---|---|---|")
        for r in gal_rows:
            d, al = r["default"], r["always"]
            P(f"| {r['stem']} | {r['group']} | {fmt(d.get('residual_sep3'))} → {fmt(al.get('residual_sep3'))} | "
              f"{fmt(d.get('galaxy_light'))} → {fmt(al.get('galaxy_light'))} ({fmt(d.get('galaxy_median'), '{:.0f}')} → {fmt(al.get('galaxy_median'), '{:.0f}')}) |")
        for g, label in (("cluster", "clusters"), ("galaxy", "galaxies")):
            gr = [r for r in gal_rows if r["group"] == g]
            if not gr:
                continue
            mean = lambda r_, k: fmt(np.nanmean([x[r_].get(k, np.nan) for x in gr]))
            P(f"| mean | {label} | {mean('default', 'residual_sep3')} → {mean('always', 'residual_sep3')} | {mean('default', 'galaxy_light')} → {mean('always', 'galaxy_light')} |")
    # Second pass.
    p2 = [r_ for r_ in ("default", "peer") if any("pass2_detail" in r.get(r_, {}) for r in rows)]
    if p2:
        P()
        P("Off the stars, each remover's own starless result run through it again (second pass): what it changes on a background with no stars left. "
          "The off-star bias and detail above also count the faint stars under sep's threshold that a remover takes (they lie off the stars).")
        P()
        P("| measure | group | " + " | ".join(f"{names[r_]}: mean | worst" for r_ in p2) + " |")
        P("|---|---|" + "---:|---:|" * len(p2))
        for label, key, worst, sp in (("second pass: off-star bias % of range", "pass2_bias", "abs", "{:+.2f}"), ("second pass: detail kept off the stars %", "pass2_detail", "min", "{:.0f}")):
            for g, rs in groups:
                if g == "galaxies":
                    continue
                cells = []
                for r_ in p2:
                    mean, wv, wn = stats(rs, r_, key, worst)
                    cells.append(f"{fmt(mean, sp)} | {fmt(wv, sp)}{'' if wn is None else ' (' + wn + ')'}")
                P(f"| {label} | {g} | " + " | ".join(cells) + " |")
    # Speed.
    P()
    P("### Time per picture (whole process, start-up, model load and PNG in/out included)")
    P()
    P("| remover | median wall s | worst wall s | median CPU s | Mpx/s (median wall) | Mpx/s on 2 idle cores, at best (Mpx ÷ (CPU s ÷ 2)) | target |")
    P("|---|---:|---:|---:|---:|---:|---|")
    mpx = np.median([r["width"] * r["height"] / 1e6 for r in rows])
    for r, lab in (("default", "ours default"), ("network", "ours network only"), ("peer", "peer (RemovalBench peer-run, cached from its run)")):
        ts = [times[x["stem"]][r] for x in rows if r in times[x["stem"]]]
        if not ts:
            continue
        wall = np.array([t["wall_s"] for t in ts]); cpu = np.array([t["cpu_s"] for t in ts])
        P(f"| {lab} | {np.median(wall):.2f} | {wall.max():.2f} | {np.median(cpu):.2f} | {mpx / np.median(wall):.2f} | {mpx / (np.median(cpu) / 2):.2f} | {'≥ 2' if r == 'default' else ''} |")
    loads = [times[x['stem']]['default']['load'] for x in rows]
    P()
    P(f"This machine is shared (2 cores; load average during our runs: median {np.median(loads):.1f}, max {max(loads):.1f}), so wall times "
      "are inflated by other work; CPU seconds (user + sys of the process) are the steadier figure. "
      + (f"CPU-time ratio peer ÷ ours default: {np.median([times[x['stem']]['peer']['cpu_s'] for x in rows if 'peer' in times[x['stem']]]) / np.median([times[x['stem']]['default']['cpu_s'] for x in rows]):.1f}×." if "peer" in present else ""))
    # Synthetic with truth.
    if synth:
        P()
        P("### Synthetic fields with truth (PSNR dB against the true starless image)")
        P()
        P("RemovalBench's synthetic nebula fields (1024², RGB, display-stretched, 8-bit; seeds 21 and 22 mix FWHM 2–5 px, seed 23 has one PSF). Star pixels: where the 8-bit input and its truth differ by ≥ 2 levels in some channel, grown by 1 px.")
        P()
        cols = [c for c in ("input", "default", "network", "peer") if f"{c}_psnr" in synth[0]]
        P("| field | star pixels | " + " | ".join(f"{LABELS[c]}: all / stars" for c in cols) + (" | ours default − peer, stars |" if "peer" in cols else " |"))
        P("|---|---:|" + "---:|" * len(cols) + ("---:|" if "peer" in cols else ""))
        for s in synth:
            line = f"| {s['case']} | {100 * s['star_pixels'] / s['pixels']:.1f} % | " + " | ".join(f"{s[c + '_psnr']:.2f} / {s[c + '_psnr_stars']:.2f}" for c in cols)
            if "peer" in cols:
                line += f" | {s['default_psnr_stars'] - s['peer_psnr_stars']:+.2f} |"
            P(line)
        if all("stars_kept_half" in s for s in synth):
            P()
            P("Bright stars left whole: of the brightest tenth (at least 10) of the true stars (connected star pixels, by light; touching stars count as one), those whose light the result keeps more than half of (result − truth over input − truth), and their share of the result's squared error on all star pixels. The eight stars with ours default's largest error on seed 22: [docs/real-dev/synthetic-seed22.jpg](../../../docs/real-dev/synthetic-seed22.jpg) (each field's sheet is in the run's sheets folder).")
            P()
            kc = [c for c in cols if c != "input"]
            P("| field | bright stars | " + " | ".join(f"{LABELS[c]}: left whole (error share)" for c in kc) + " |")
            P("|---|---:|" + "---:|" * len(kc))
            for s in synth:
                P(f"| {s['case']} | {s['bright_stars']} | " + " | ".join(f"{s['stars_kept_half'][c]} ({100 * s['stars_kept_error'][c]:.0f} %)" if c in s["stars_kept_half"] else "–" for c in kc) + " |")
        if all("off_star" in s for s in synth):
            P()
            P("Off the stars on these fields, where the truth is known: bias (% of range) and fine detail kept (%), as on the real pictures (the bright stars' halo discs not taken out), with the true starless image scored as a remover. The truth's own figures are what a perfect removal scores: faint stars under sep's threshold lie off the stars and go with them.")
            P()
            oc = ["truth"] + [c for c in cols if c != "input"]
            P("| field | " + " | ".join(("true starless image" if c == "truth" else LABELS[c]) + ": bias / detail" for c in oc) + " |")
            P("|---|" + "---:|" * len(oc))
            for s in synth:
                P(f"| {s['case']} | " + " | ".join(f"{s['off_star'][c]['bias']:+.2f} / {s['off_star'][c]['detail']:.0f}" if c in s["off_star"] else "–" for c in oc) + " |")
        if "peer" in cols:
            dm = np.mean([s["default_psnr_stars"] - s["peer_psnr_stars"] for s in synth])
            nm = np.mean([s["network_psnr_stars"] - s["peer_psnr_stars"] for s in synth])
            P()
            P(f"Mean over the fields, PSNR on star pixels against the peer: ours default {dm:+.2f} dB, network only {nm:+.2f} dB (target ≥ +5).")
    # Definitions.
    P()
    P("## Definitions")
    P()
    P("All measures are taken on the 8-bit results the tools write, against the input, over the opaque part of the picture (alpha ≥ 0.5, eroded by 4 px). Luminance: mean of R, G, B.")
    P()
    P("- **Residual stars, sep**: star-like sep objects of the input luminance (64-px background mesh, minarea 5; unblended, S/N ≥ 10, FWHM ≤ 6 px, elongation ≤ 1.5; on cluster and galaxy pictures not on a galaxy) found at 3σ (5σ) of the input's global rms (where the sky is clipped to black, the median pixel 0 or 1 level, as on " + str(sum(abs(r['rms'] * 255 - 1) < 1e-6 for r in rows)) + " of these pictures, sep's rms is meaningless and σ is one 8-bit level, or 1.4826 × the MAD if larger); residual if sep finds any object within 2 px on the result's luminance at the same absolute threshold (the input's rms), above the result's own background mesh. "
      f"Chance floor: the same positions moved by (9, 6) px find an object after removal in {fmt(np.nanmean([r['default']['chance_sep3'] for r in rows if 'default' in r]))} % (ours default), {fmt(np.nanmean([r['network']['chance_sep3'] for r in rows if 'network' in r]))} % (network only)"
      + (f", {fmt(np.nanmean([r['peer']['chance_sep3'] for r in rows if 'peer' in r]))} % (peer)" if "peer" in present else "") + " of cases (mean over the pictures, 3σ): nebula knots and noise near a star's place count too.")
    P("- **Residual stars, StarPlugin's detector**: confident sources of the input (shipped detector defaults; correlation ≥ 0.8, S/N ≥ 10, FWHM ≤ 6 px) with any detection within 2 px on the result.")
    P("- **Bright-star artefacts**: the top 1 % (at least 3) of the input's 5σ sep objects by light within 3 px (clipped ones by total light), away from edges, transparent borders and galaxies. FWHM: diameter of the disc as large as the region above half the star's peak (for a clipped star, half the clip level); R = 3 FWHM (6–45 px). Per star, on the result: mean |result − local sky| over the disc r ≤ R, all channels, minus the local roughness, clipped at 0; local sky and roughness from the result's own annulus 2R..2R+10, far enough that a disc or halo left behind counts (other sources masked): its median per channel, and 1.183 × its median absolute deviation (the mean |deviation| of Gaussian noise). Checked on made-up results on five real pictures (m3, ic4628, n2506, coma, m8): the bright stars replaced by local sky plus noise like their surroundings score 0.00–0.64 (the most where the annulus crosses a globular cluster or a galaxy), a smooth fill 0.00–0.39, a dark hole 0.1 below sky over R/3 0.12–0.61 (less where nebula texture hides it), a core left behind 1.4–2.6, a green cross 0.4–1.4, the input itself 4.8–10. % of the range; the input scores " + fmt(np.nanmean([r['bright_input'] for r in rows]), "{:.2f}") + " on average here.")
    P("- **Clipped stars kept**: every region of 10 px or more of the input clipped near white (one channel ≥ 0.98 of the picture's top level, all ≥ 0.8 of it: a nebula clipped in one channel is no star; the top level only where 20 px or more reach it), isolated (other such pixels within 3R + 3 of its centre, R its equal-area radius, at most a quarter of its area: the dev pictures' stars have 0–0.17, the clipped cores of M15 and NGC 6752 and the nebula bars of M17 and NGC 3603 0.28–6), off the galaxies' apertures. Per star: luminance above the input's sep background (64 px boxes) within 1.5 × its clipped radius, result ÷ input (about 100 % for a star left whole; on a bright background, where the mesh sits below a remover's fill, a removed star can keep 10–50 %). Counted: those kept over half, and the largest one's figure per picture. The artefact measure averages over the top 1 % of the stars and moved only 2.00 → 2.04 when a model kept the brightest clipped star of six pictures whole.")
    P("- **Off the stars**: outside discs of min(3·FWHM + 2, 10) px around every 3σ sep object, the bright stars' discs out to R + 12, and the galaxies. **Bias**: mean (result − input) there, all channels, % of the range; its **smooth part**: the same mean of the 31-px running median of (result − input) in luminance, i.e. with what is smaller than 31 px (faint stars under sep's threshold, knots, grain) taken out of the change: the sky itself darkened or lifted. **Detail kept**: mean |Laplacian of Gaussian σ = 1| of the result ÷ of the input there (above 100 %: the result is noisier).")
    P("- **Seams**: how much the tile boundaries stand out of the result: mean |difference between neighbouring pixels| of the result across the boundaries ÷ across the columns and rows 4–12 px beside them, off the stars (1 = no seam). The peer: its 512-px tiles (no overlap). Ours: the centres of its crossfades; where the whole picture is one tile (the shipped model's 1024-px tiles on these pictures, marked *), the 512-px grid as a stand-in, which measures what content alone gives.")
    P("- **Nebula light kept**: off the stars, where the input's large-scale luminance (4×4 bins, 5-bin median) is ≥ 0.08 above the sky (its 5th percentile): Σ(result − sky) ÷ Σ(input − sky), luminance; pictures with < 1 % such pixels have no figure.")
    P("- **Galaxy light kept**: the galaxies of Stellarium's own deep-sky catalogue on each picture (NGC, IC, UGC, PGC; placed with the picture's sky corners from the same package, `tests/bench/real_dev_galaxies.py` → `real_dev_galaxies.csv`; checked by eye, the ellipses sit on the galaxies), apertures 1.5× their D25 ellipses, at least 4 px, without discs around star-like sep objects farther than 4 px from a galaxy's centre: Σ(result − background) ÷ Σ(input − background), luminance, background = sep's 64-px mesh of the input. Light-weighted over all galaxies of the group (the median galaxy in the per-picture notes). Stars before removal exclude everything inside galaxy apertures that are under 10 % of the frame.")
    P("- **Keep galaxies auto == never**: the default result against the same run with `--keep-galaxies never`, byte for byte (8-bit).")
    P("- **Second pass**: ours default's result (the peer's) run through ours default (the peer) again; bias and detail kept as above, over the same off-star pixels, of the second result against the first.")
    P("- **With --keep-galaxies**: the same measures on the result of `--keep-galaxies always`, run on the cluster and galaxy pictures only.")
    P()
    P("## Per picture")
    P()
    P("Each cell: " + " / ".join(names[r] for r in present) + ". Stars: star-like sep objects at 3σ before removal. Bright: bright-star artefacts (input in brackets). Clipped: the largest clipped star's light kept %. s: wall seconds of ours default (peer).")
    P()
    P("| picture | group | stars | residual sep 3σ % | sep 5σ % | ours detector % | bright % of range | clipped % | bias % | detail % | seams | nebula light % | galaxy light % | auto = never | s |")
    P("|---|---|---:|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        t = times[r["stem"]]
        secs = f"{t['default']['wall_s']:.1f}" + (f" ({t['peer']['wall_s']:.1f})" if "peer" in t else "")
        auto = "–" if "auto_equals_never" not in r else ("yes" if r["auto_equals_never"] else f"no: {r['auto_changed_px']} px, {t['default']['galaxies_kept']} kept")
        gl = triple(r, "galaxy_light", present=present) + f" (median galaxy {triple(r, 'galaxy_median', '{:.0f}', present)}; {r['galaxies']} galaxies)" if r["galaxies"] else "–"
        P(f"| [{r['stem']}](../../../docs/real-dev/{r['stem']}.jpg) | {r['group']} | {r['stars_sep3']} | {triple(r, 'residual_sep3', present=present)} | {triple(r, 'residual_sep5', present=present)} | "
          f"{triple(r, 'residual_ours', present=present)} | {triple(r, 'bright', '{:.2f}', present)} ({fmt(r['bright_input'], '{:.2f}')}) | {triple(r, 'largest_clipped_kept', '{:.0f}', present)} | {triple(r, 'bias', '{:+.2f}', present)} | "
          f"{triple(r, 'detail', '{:.0f}', present)} | {'*' if r.get('default', {}).get('seams_stand_in') else ''}{triple(r, 'seams', '{:.2f}', present)} | {triple(r, 'nebula_light', present=present) if 'nebula_light' in r.get('default', {}) else '–'} | {gl} | {auto} | {secs} |")
    return "\n".join(L) + "\n"


def write_index(rows, sheets_dir, data, present):
    cr = credits(data)
    L = ["# Contact sheets of the real-image benchmark", "",
         "One sheet per dev picture (`tests/bench/real_dev_bench.sh`, figures in `tests/bench/results/real_dev.md`): "
         "columns input | " + " | ".join(LABELS[r] for r in present) + "; rows: the whole frame (shrunk; the yellow box is the dense crop, the cyan box the bright-star crop), "
         "a 100 % crop of the densest star region, a 100 % crop around the brightest star. "
         "Where ours default leaves more than a point more residual stars (sep 3σ) than the peer, STEM-residual.jpg shows what it leaves.", "",
         "Pictures from Debian's stellarium-data package (GPL-2+, per-source permissions in its copyright file); photographers credited below.", "",
         "| picture | group | credit | residual stars, sep 3σ % (" + " / ".join(LABELS[r] for r in present) + ") |", "|---|---|---|---|"]
    for r in rows:
        L.append(f"| [{r['stem']}]({r['stem']}.jpg) | {r['group']} | {cr.get(r['stem'], '')} | {triple(r, 'residual_sep3', present=present)} |")
    with open(os.path.join(sheets_dir, "README.md"), "w") as f:
        f.write("\n".join(L) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--peer", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--bench", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--sheets", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only-ours", action="store_true")
    ap.add_argument("--images", default="")
    ap.add_argument("--no-sheets", action="store_true")
    ap.add_argument("--report-only", action="store_true", help="rewrite the report and index from the last run's measures of this model")
    ap.add_argument("--reuse", action="store_true", help="reuse the results, detections and synthetic scores of an earlier run of the same model (measures only)")
    a = ap.parse_args()
    a.reuse = a.reuse or a.report_only
    os.makedirs(a.work, exist_ok=True)
    stems = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(a.data, "*.png")))
    if a.images:
        want = set(a.images.split(","))
        stems = [s for s in stems if s in want]
    here = os.path.dirname(os.path.abspath(__file__))
    model_sha = sha(a.model)
    peer_sha = sha(a.peer, open(os.path.join(here, "RemovalBench", "PeerPipeline.cs"), "rb").read())
    ours_dir = os.path.join(a.work, "ours-" + model_sha)
    peer_dir = os.path.join(a.work, "peer-" + peer_sha)
    times_path = os.path.join(ours_dir, "times.json")
    if a.reuse and os.path.exists(times_path):
        times = json.load(open(times_path))
        for s in stems:
            pj = os.path.join(peer_dir, s + ".json")
            if os.path.exists(pj):
                times[s]["peer"] = json.load(open(pj))
    else:
        times = run_removers(a, stems, ours_dir, peer_dir)
        os.makedirs(ours_dir, exist_ok=True)
        json.dump({s: {k: v for k, v in t.items() if k != "peer"} for s, t in times.items()}, open(times_path, "w"), indent=1)
    present = [r for r in REMOVERS if r != "peer" or all(os.path.exists(os.path.join(peer_dir, s + ".png")) for s in stems)]
    meta = {"date": time.strftime("%Y-%m-%d"), "model": os.path.relpath(a.model), "model_sha": model_sha, "peer": a.peer, "peer_sha": sha(a.peer), "data": a.data}
    if a.report_only:
        rows = [r for r in json.load(open(os.path.join(ours_dir, "measures.json"))) if r["stem"] in stems]
        synth = json.load(open(os.path.join(ours_dir, "synthetic.json")))
        for s_ in synth:
            synthetic_star_counts(s_, os.path.join(ours_dir, "synthetic"))
        with open(a.report, "w") as f:
            f.write(write_report(a, rows, times, synth, present, meta))
        if not a.no_sheets:
            write_index(rows, a.sheets, a.data, present)
        return

    # StarPlugin's detector on inputs and results, in one process.
    det_dir = os.path.join(ours_dir, "detect")
    lists = {"input": [os.path.join(a.data, s + ".png") for s in stems]}
    lists.update({r: [os.path.join(ours_dir, r, s + ".png") for s in stems] for r in ("default", "network")})
    if "peer" in present:
        lists["peer"] = [os.path.join(peer_dir, s + ".png") for s in stems]
    for k, ps in lists.items():
        out = os.path.join(det_dir, k)
        if a.reuse and all(os.path.exists(os.path.join(out, os.path.basename(q)[:-4] + ".csv")) for q in ps):
            continue
        print(f"detecting stars: {k}", file=sys.stderr, flush=True)
        detect_all(a, ps, out)

    # Synthetic fields with truth (the peer's results cached beside its real ones).
    synth_json = os.path.join(ours_dir, "synthetic.json")
    synth_pictures = os.path.join(ours_dir, "synthetic")
    if not (a.reuse and os.path.exists(synth_json) and os.path.isdir(synth_pictures)):
        print("synthetic fields with truth", file=sys.stderr, flush=True)
        subprocess.run(["dotnet", a.bench, "synthetic", a.model, "-" if a.only_ours else a.peer, peer_dir, synth_json, synth_pictures], check=True, stdout=subprocess.DEVNULL)
    synth = json.load(open(synth_json))
    for s_ in synth:
        worst = synthetic_star_counts(s_, synth_pictures)
        if not a.no_sheets and worst:
            os.makedirs(a.sheets, exist_ok=True)
            synthetic_sheet(synth_pictures, s_["case"], [r for r in REMOVERS if r in s_["stars_kept_half"]], worst, os.path.join(a.sheets, f"synthetic-{s_['case']}.jpg"))

    import onnx  # model's tiling hints, for the seam positions
    meta_props = {p.key: p.value for p in onnx.load(a.model, load_external_data=False).metadata_props}
    tile, overlap = int(meta_props.get("starplugin.tile", 256)), int(meta_props.get("starplugin.overlap", 32))

    rows = []
    os.makedirs(a.sheets, exist_ok=True)
    with open(os.path.join(here, "real_dev_galaxies.csv")) as f:
        catalogue = [dict(r, x=float(r["x"]), y=float(r["y"]), a=float(r["a"]), b=float(r["b"]), theta=float(r["theta"])) for r in csv.DictReader(f)]
    for i, s in enumerate(stems):
        paths = {"input": os.path.join(a.data, s + ".png")}
        for r in ("default", "network", "never", "always"):
            paths[r] = os.path.join(ours_dir, r, s + ".png")
        paths["default_pass2"] = os.path.join(ours_dir, "pass2", s + ".png")
        if "peer" in present:
            paths["peer"] = os.path.join(peer_dir, s + ".png")
            paths["peer_pass2"] = os.path.join(peer_dir, s + "-pass2.png")
        res, results = measure_image(s, a, paths, det_dir, tile, overlap, catalogue)
        residual_xy = res.pop("_residual_xy", [])
        rows.append(res)
        if not a.no_sheets:
            contact_sheet(res, {k: v for k, v in results.items() if k not in ("never", "always")}, os.path.join(a.sheets, s + ".jpg"))
            # Where ours default leaves more than a point above the peer, what it leaves, to judge by eye.
            if "peer" in res and res["default"]["residual_sep3"] > res["peer"]["residual_sep3"] + 1:
                residual_sheet(res, results, residual_xy, os.path.join(a.sheets, s + "-residual.jpg"))
        d = res["default"]
        print(f"[{i + 1}/{len(stems)}] {s}: residual sep3 " + " / ".join(fmt(res.get(r, {}).get("residual_sep3")) for r in present) + f", bright {fmt(d['bright'], '{:.2f}')}, bias {fmt(d['bias'], '{:+.2f}')}", file=sys.stderr, flush=True)
    json.dump(rows, open(os.path.join(ours_dir, "measures.json"), "w"), indent=1, default=lambda o: o.item() if hasattr(o, "item") else str(o))
    os.makedirs(os.path.dirname(os.path.abspath(a.report)), exist_ok=True)
    with open(a.report, "w") as f:
        f.write(write_report(a, rows, times, synth, present, meta))
    if not a.no_sheets:
        write_index(rows, a.sheets, a.data, present)
    print(a.report, file=sys.stderr)


if __name__ == "__main__":
    main()
