#!/usr/bin/python3
"""Star-detection benchmark: StarPlugin against Source Extractor and sep, same images, one run.

Images come from `starplugin synth stars` (fixed seeds). Every catalogue is scored by
the same one-to-one matcher, `starplugin eval detect` (radius 1.5 px). Times:
StarPlugin and sep are timed in-process after the image is in memory: StarPlugin
through its C API in libstarplugin.so (NativeAOT, as GIMP and native hosts run it;
all cores), sep single-threaded, as it is built. Source Extractor is timed as a
whole process, as it can only be run. (The `starplugin detect` CLI runs on the .NET
runtime, whose first call also compiles the kernels: about 100 ms more at 2048².)
Run: tests/bench/detection_bench.py [--quick]   (needs STARPLUGIN_FULL_DEPS=1 tools/apt-deps.sh)
"""
import ctypes, json, os, subprocess, sys, time, tempfile
import numpy as np
from astropy.io import fits
import sep
sep.set_extract_pixstack(10_000_000)  # dense nebula fields overflow the default 300k

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("STARPLUGIN_CLI", os.path.join(ROOT, "artifacts", "bin", "starplugin"))
LIB = os.environ.get("STARPLUGIN_LIB", os.path.join(ROOT, "artifacts", "native", "libstarplugin.so"))
WORK = os.path.join(ROOT, "tests", "bench", "work")
RESULTS = os.path.join(ROOT, "tests", "bench", "results", "detection.md")

CASES = [  # name, size, stars, nebula (e-), seed
    ("2048² nebula, 2000 stars", 2048, 2000, 3000, 3),
    ("4096² nebula, 8000 stars", 4096, 8000, 3000, 4),
    ("4096² faint nebula, 8000 stars", 4096, 8000, 1000, 6),
    ("2048² flat sky, 2000 stars", 2048, 2000, 0, 5),
]

def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)

def score(truth_csv, cat_csv):
    out = run([CLI, "eval", "detect", truth_csv, cat_csv, "--radius", "1.5", "--json"]).stdout
    return json.loads(out)

def write_csv(path, xs, ys):
    with open(path, "w") as f:
        f.write("x,y\n")
        for x, y in zip(xs, ys):
            f.write(f"{x:.4f},{y:.4f}\n")

class SpImage(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(ctypes.c_float)), ("width", ctypes.c_int32), ("height", ctypes.c_int32),
                ("channels", ctypes.c_int32), ("layout", ctypes.c_int32), ("row_stride", ctypes.c_int64), ("plane_stride", ctypes.c_int64)]

class SpStar(ctypes.Structure):  # native/include/starplugin.h, sp_star
    _fields_ = [("x", ctypes.c_double), ("y", ctypes.c_double), ("flux", ctypes.c_double), ("fwhm", ctypes.c_double),
                ("snr", ctypes.c_double), ("roundness", ctypes.c_double), ("coefficient", ctypes.c_float),
                ("brightness", ctypes.c_float), ("width", ctypes.c_float), ("row", ctypes.c_int32), ("col", ctypes.c_int32),
                ("saturated", ctypes.c_int32)]

_lib = None
def library():
    """libstarplugin.so, the NativeAOT library that GIMP and every native host load (no JIT)."""
    global _lib
    if _lib is None:
        _lib = ctypes.CDLL(LIB)
        _lib.sp_detect_stars.argtypes = [ctypes.POINTER(SpImage), ctypes.c_void_p, ctypes.c_void_p,
                                         ctypes.POINTER(ctypes.POINTER(SpStar)), ctypes.POINTER(ctypes.c_int64), ctypes.c_void_p, ctypes.c_void_p]
        _lib.sp_last_error.restype = ctypes.c_char_p
        _lib.sp_free_stars.argtypes = [ctypes.POINTER(SpStar)]
    return _lib

def ours(img, cat):
    """Timed in-process through the C API after the image is in memory, as sep is."""
    data = np.ascontiguousarray(fits.getdata(img).astype(np.float32))  # FITS file order: y comes back as numpy/astropy count it
    h, w = data.shape
    image = SpImage(data.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), w, h, 1, 0, w, 0)
    stars, count = ctypes.POINTER(SpStar)(), ctypes.c_int64()
    lib = library()
    t0 = time.perf_counter()
    status = lib.sp_detect_stars(ctypes.byref(image), None, None, ctypes.byref(stars), ctypes.byref(count), None, None)
    ms = (time.perf_counter() - t0) * 1000
    if status != 0: raise RuntimeError(f"sp_detect_stars: {status} {lib.sp_last_error().decode()}")
    try: write_csv(cat, [stars[i].x for i in range(count.value)], [stars[i].y for i in range(count.value)])
    finally: lib.sp_free_stars(stars)
    return ms

def run_sep(img, h, cat):
    data = fits.getdata(img).astype(np.float32)  # numpy order: sep's y = FITS row - 1, as our catalogues and truth
    data = np.ascontiguousarray(data)
    t0 = time.perf_counter()
    bkg = sep.Background(data, bw=64, bh=64, fw=3, fh=3)
    sub = data - bkg
    kernel = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=np.float32)
    objs = sep.extract(sub, 1.5, err=bkg.globalrms, minarea=5, filter_kernel=kernel, filter_type="conv")
    ms = (time.perf_counter() - t0) * 1000
    write_csv(cat, objs["x"], objs["y"])
    return ms

def run_sextractor(img, h, cat, work):
    conf = os.path.join(work, "se.conf"); params = os.path.join(work, "se.param"); filt = os.path.join(work, "se.conv")
    with open(params, "w") as f: f.write("X_IMAGE\nY_IMAGE\nXWIN_IMAGE\nYWIN_IMAGE\nFLUX_AUTO\n")
    with open(filt, "w") as f: f.write("CONV NORM\n1 2 1\n2 4 2\n1 2 1\n")
    out = os.path.join(work, "se.cat")
    t0 = time.perf_counter()
    run(["source-extractor", img, "-CATALOG_NAME", out, "-CATALOG_TYPE", "ASCII", "-PARAMETERS_NAME", params,
         "-FILTER_NAME", filt, "-DETECT_THRESH", "1.5", "-DETECT_MINAREA", "5", "-BACK_SIZE", "64",
         "-CHECKIMAGE_TYPE", "NONE", "-VERBOSE_TYPE", "QUIET", "-NTHREADS", "1"], cwd=work)
    ms = (time.perf_counter() - t0) * 1000
    rows = np.loadtxt(out, ndmin=2)
    write_csv(cat, rows[:, 2] - 1, rows[:, 3] - 1)  # windowed centroids (the better ones), 1-based → 0-based
    return ms

def main():
    quick = "--quick" in sys.argv
    os.makedirs(WORK, exist_ok=True)
    lines = ["| image | detector | ms | recall | recall S/N≥10 | precision | F1 | median centroid err px | same, stars all three found |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, size, n, neb, seed in CASES[:1] if quick else CASES:
        img = os.path.join(WORK, f"synth_{size}_{seed}.fits")
        truth = img.replace(".fits", ".truth.csv")
        if not os.path.exists(img):
            run([CLI, "synth", "stars", img, "--width", str(size), "--height", str(size), "--stars", str(n),
                 "--nebula", str(neb), "--seed", str(seed), "--force"])
        results = []
        for det in ["StarPlugin", "sep", "Source Extractor"]:
            cat = img.replace(".fits", f".{det.replace(' ', '_')}.csv")
            times = []
            for _ in range(3):  # best of 3 for every detector
                if det == "StarPlugin": times.append(ours(img, cat))
                elif det == "sep": times.append(run_sep(img, size, cat))
                else: times.append(run_sextractor(img, size, cat, WORK))
            s = score(truth, cat)
            results.append((det, min(times), s, {t: d for t, _, d in s["pairs"]}))
        # Each detector's median centroid error counts the stars it found, so a detector
        # that finds fainter stars is charged for their noisier centroids. On the stars
        # that all three found, the comparison is like for like.
        common = set.intersection(*(set(r[3]) for r in results))
        for det, ms, s, dist in results:
            shared = np.median([dist[i] for i in common]) if common else float("nan")
            lines.append(f"| {name} | {det} | {ms:.0f} | {s['recall']:.3f} | {s.get('recall_snr', float('nan')):.3f} | "
                         f"{s['precision']:.3f} | {s['f1']:.3f} | {s.get('median_centroid_error', float('nan')):.3f} | {shared:.4f} |")
        print("\n".join(lines[-3:]), flush=True)
    cpu = os.cpu_count()
    table = "\n".join(lines)
    header = (f"# Star detection benchmark\n\nOne run of `tests/bench/detection_bench.py` on {cpu} cores. "
              "StarPlugin runs through its C API (libstarplugin.so, NativeAOT, as GIMP and native hosts run it) on all cores; "
              "sep and Source Extractor run single-threaded, as the peers' notes measured them. "
              "Matching: one-to-one within 1.5 px by `starplugin eval detect`. "
              "S/N is the truth's aperture S/N within radius FWHM. The last column takes the median centroid error over "
              "the stars that all three detectors found, so that finding fainter stars (whose centroids are noisier) costs nothing there.\n\n")
    print(table)
    if not quick:
        with open(RESULTS, "w") as f: f.write(header + table + "\n")

if __name__ == "__main__":
    main()
