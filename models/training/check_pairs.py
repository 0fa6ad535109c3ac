#!/usr/bin/python3
"""Checks that the trainer sees (input, star layer = input − starless): the pair that
`starplugin synth pairs --out` writes as files must equal what PairStream streams for
the same seed. Run by the test suite (TrainingSmokeTests)."""
import os, subprocess, sys, tempfile
import numpy as np
sys.path.insert(0, os.path.dirname(__file__))
from pairs import PairStream, find_cli, PSF_SCALE


def read_cimg(path):
    with open(path, "rb") as f:
        f.readline()
        w, h, d, c = map(int, f.readline().split())
        return np.frombuffer(f.read(w * h * c * 4), dtype="<f4").reshape(c, h, w)


def main():
    cli, seed = find_cli(), 424242
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([cli, "synth", "pairs", "--out", tmp, "--n", "1", "--size", "64", "--seed", str(seed)], check=True, capture_output=True)
        planes = {}
        for kind in ("input", "target", "stars", "galaxies"):
            subprocess.run([cli, "convert", os.path.join(tmp, f"{seed:05d}_{kind}.tif"), os.path.join(tmp, f"{kind}.cimg")], check=True, capture_output=True)
            p = read_cimg(os.path.join(tmp, f"{kind}.cimg"))
            planes[kind] = np.repeat(p, 3, axis=0) if p.shape[0] == 1 and kind != "galaxies" else p  # the stream replicates mono to RGB
        desc = open(os.path.join(tmp, f"{seed:05d}_pair.txt")).read()
    psf_written = float(desc.split("psf=")[1].split()[0])
    stream = PairStream(64, seed, count=1, reuse=1)
    x, y, g, p = stream.batch(1, np.random.default_rng(0), augment=False)
    stream.close()
    x, y, g, p = x.numpy()[0], y.numpy()[0], g.numpy()[0], p.numpy()[0]
    assert np.allclose(x, planes["input"], atol=1e-6), "streamed input differs from the written input"
    assert np.allclose(y, planes["stars"], atol=1e-5), "the training target is not the star layer (input - starless)"
    assert np.allclose(x - y, planes["target"], atol=1e-5), "input - target is not the starless image"
    assert np.array_equal(g, planes["galaxies"]), "streamed galaxy mask differs from the written mask"
    assert set(np.unique(g)) <= {0.0, 1.0} and 0 < g.mean() < 1, "the galaxy mask is not a 0/1 mask of part of this pair"
    assert p.shape == g.shape and np.all(p == p.flat[0]), "the PSF plane is not one constant plane"
    assert abs(p.flat[0] * PSF_SCALE - psf_written) < 0.006 and 1 <= psf_written <= 8, f"streamed PSF {p.flat[0] * PSF_SCALE} != written {psf_written}"
    print(f"pairs ok: trainer target = star layer, galaxy mask and PSF ({psf_written} px) streamed")


if __name__ == "__main__":
    main()
