"""Training pairs on the fly from `starplugin synth pairs --stream` (no dataset on disk).
batch() returns (input, star layer, galaxy mask, PSF plane) with star layer = input −
starless target and the PSF plane the stars' FWHM as the remover measures it, / PSF_SCALE.
Each record: int32 magic 'SPPF', channels, size, float32 PSF FWHM in px, then input and
target planes and one galaxy-mask plane (1 where a resolved small galaxy stands above the
sky noise σ), all float32.
Mono pairs are replicated to 3 channels; each pair is used in two random dihedral
orientations, halving the generator's share of the CPU."""
import os, struct, subprocess, threading, queue
import numpy as np
import torch

MAGIC = 0x46505053
PSF_SCALE = 8.0  # the PSF plane holds FWHM / 8 (about 0.2-0.6), the scale of the image planes


def find_cli():
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    for p in [os.environ.get("STARPLUGIN_CLI", ""), os.path.join(root, "artifacts", "bin", "starplugin"),
              os.path.join(root, "src", "StarPlugin.Cli", "bin", "Release", "net10.0", "starplugin")]:
        if p and os.path.exists(p):
            return p
    raise SystemExit("starplugin CLI not found: build it with `packaging/install.sh --build-only` (artifacts/bin/starplugin), or name it in STARPLUGIN_CLI")


def _die_with_parent():
    # A killed trainer must not leave its generator spinning on both cores (it did once).
    try:
        import ctypes, signal
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class PairStream:
    def __init__(self, size, first_seed, count=0, reuse=2, queue_size=64):
        self.size, self.reuse = size, reuse
        args = [find_cli(), "synth", "pairs", "--stream", "--size", str(size), "--seed", str(first_seed), "--n", str(count)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=1 << 20,
                                     preexec_fn=_die_with_parent)
        self.q = queue.Queue(queue_size)
        self.consumed = 0  # pairs taken from the generator (for resuming at the next seed)
        threading.Thread(target=self._reader, daemon=True).start()

    def _read_exact(self, n):
        buf = self.proc.stdout.read(n)
        if buf is None or len(buf) < n:
            return None
        return buf

    def _reader(self):
        while True:
            head = self._read_exact(16)
            if head is None:
                self.q.put(None); return
            magic, ch, size, psf = struct.unpack("<iiif", head)
            if magic != MAGIC:
                raise RuntimeError("bad pair stream")
            n = ch * size * size
            data = self._read_exact(8 * n + 4 * size * size)
            if data is None:
                self.q.put(None); return
            f = np.frombuffer(data, dtype="<f4")
            a = f[:2 * n].reshape(2, ch, size, size)
            if ch == 1:
                a = np.repeat(a, 3, axis=1)
            # Planes: input RGB, target RGB, galaxy mask, PSF (constant), rotated and flipped together.
            self.q.put(np.concatenate([a.reshape(6, size, size), f[2 * n:].reshape(1, size, size),
                                       np.full((1, size, size), psf / PSF_SCALE, dtype="<f4")]))

    def batch(self, n, rng, augment=True):
        xs, ys, gs, ps = [], [], [], []
        while len(xs) < n:
            a = self.q.get()
            if a is None:
                raise StopIteration
            self.consumed += 1
            for _ in range(self.reuse):
                k, flip = (rng.integers(4), rng.integers(2)) if augment else (0, 0)
                b = np.rot90(a, k, axes=(1, 2))
                if flip:
                    b = b[:, :, ::-1]
                # The stream holds (input, starless target); the network learns the star layer.
                xs.append(b[0:3]); ys.append(b[0:3] - b[3:6]); gs.append(b[6:7]); ps.append(b[7:8])
        x, y, g, p = (torch.from_numpy(np.ascontiguousarray(np.stack(v[:n]))) for v in (xs, ys, gs, ps))
        return x, y, g, p

    def close(self):
        self.proc.kill()
