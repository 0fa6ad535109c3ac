"""Training pairs made of real photographs (the library that build_library.py writes).

Two kinds of pair, both with a per-pixel loss weight:
- composite: the background of one real picture with the star layer of another laid on
  it by screen blending (how stars and sky combine in a display-stretched picture),
  scaled, brightened or dimmed, sometimes doubled for Milky Way densities. The target is
  the background: stars are exactly what was added. Weight 0 where the background itself
  may still hold a faint star (`unsure`).
- original: a real picture as it is, against its cleaned background. Weight 0 where the
  cleaning is unsure or where only the second pass filled (see build_library.py).
The input then sometimes goes through what pictures go through: 8-bit quantisation,
JPEG, a 256-colour palette, grey.

sample(rng) returns (input 3xSxS, star layer 3xSxS, weight 1xSxS, galaxy 1xSxS), float32:
galaxy is 1 on the catalogued galaxies the background keeps (build_library.py), for the
trainer's galaxy term; 0 everywhere in a library built without them."""
import glob, io, os
import numpy as np
from PIL import Image


class RealLibrary:
    def __init__(self, folder, names=None):
        files = sorted(glob.glob(os.path.join(folder, "*.npz")))
        if names is not None:
            files = [f for f in files if os.path.splitext(os.path.basename(f))[0] in names]
        if not files:
            raise SystemExit(f"no real-image library in {folder} (models/training/realdata/build_library.py)")
        self.items = []
        for f in files:
            d = np.load(f)
            self.items.append({
                "name": os.path.splitext(os.path.basename(f))[0],
                "orig": d["orig"], "clean": d["clean"], "stars": d["stars"],
                "valid": d["valid"], "unsure": d["unsure"], "refilled": d["refilled"],
                "galaxy": d["galaxy"] if "galaxy" in d.files else np.zeros_like(d["valid"]),
                "psf": float(d["psf"]),
            })
        area = np.array([it["valid"].sum() for it in self.items], dtype=np.float64)
        # Square root: the 1 Mpx pictures weigh more than the 256² thumbnails, but not 16x.
        self.p = np.sqrt(area) / np.sqrt(area).sum()
        # The catalogued galaxies' pixels, per picture (few: 1-7 % of 109 pictures).
        self.galaxy_pixels = [np.flatnonzero(it["galaxy"]) for it in self.items]
        self.with_galaxies = [i for i, g in enumerate(self.galaxy_pixels) if len(g)]
        # Clipped stars the background removes, per picture: the counterweight to the
        # galaxy crops, which alone taught the network to keep the brightest clipped star
        # of M3, NGC 6752, IC 2944 and Coma whole along with the clipped ellipticals.
        self.clipped_star_pixels = [np.flatnonzero(clipped_star_core(it)) for it in self.items]
        self.with_clipped_stars = [i for i, c in enumerate(self.clipped_star_pixels) if len(c)]

    def _pick_around(self, rng, size, candidates, pixels, exclude=-1, centred=False):
        """A crop of size² holding one of pixels[i] (a random one, anywhere in the crop, or
        in its middle half when centred)."""
        if not candidates:
            return None
        for _ in range(20):
            i = candidates[int(rng.integers(len(candidates)))]
            it = self.items[i]
            h, w = it["valid"].shape
            if i == exclude or h < size or w < size:
                continue
            py, px = divmod(int(rng.choice(pixels[i])), w)
            lo, hi = (size // 4, size - size // 4) if centred else (0, size)
            y = int(np.clip(py - rng.integers(lo, hi), 0, h - size))
            x = int(np.clip(px - rng.integers(lo, hi), 0, w - size))
            if it["valid"][y:y + size, x:x + size].mean() > 0.999:
                return i, y, x
        return None

    def pick_clipped_star(self, rng, size, exclude=-1, centred=False):
        """A crop of size² holding a clipped star's core that the background removes."""
        return self._pick_around(rng, size, self.with_clipped_stars, self.clipped_star_pixels, exclude, centred)

    def pick_galaxy(self, rng, size):
        """A crop of size² holding a catalogued galaxy's pixel, anywhere in the crop."""
        return self._pick_around(rng, size, self.with_galaxies, self.galaxy_pixels)

    def pick(self, rng, size, exclude=-1):
        for _ in range(20):
            i = int(rng.choice(len(self.items), p=self.p))
            it = self.items[i]
            h, w = it["valid"].shape
            if i == exclude or h < size or w < size:
                continue
            for _ in range(10):
                y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
                if it["valid"][y:y + size, x:x + size].mean() > 0.999:
                    return i, y, x
        return None


def clipped_star_core(it):
    """Pixels of clipped stars that the background removes: clipped on the original in
    every channel, at least 0.3 darker in every channel of the background (the screen
    star layer's value says little here: it is near 1 on any clipped pixel the background
    leaves below about 0.97, galaxy cores kept white too), off the catalogued galaxies
    and outside what the passes were unsure of."""
    clipped = it["orig"].min(2) >= 250
    removed = (it["orig"].astype(np.float32) / 255 - it["clean"].astype(np.float32)).min(2) > 0.3
    return clipped & removed & (it["galaxy"] == 0) & (it["unsure"] == 0) & (it["valid"] > 0)


def dihedral(a, k, flip):
    a = np.rot90(a, k, axes=(0, 1))
    return a[:, ::-1] if flip else a


def resize(a, size):
    """HxWxC float → size x size, bilinear (PIL per channel)."""
    if a.shape[0] == size:
        return a
    return np.stack([np.asarray(Image.fromarray(a[..., c].astype(np.float32), "F").resize((size, size), Image.BILINEAR))
                     for c in range(a.shape[2])], 2)


class RealPairs:
    def __init__(self, folder, size, names=None, original_share=0.25, galaxy_share=0.0, clipped_star_share=0.0,
                 big_clipped_stars=False, enlarge_share=0.0):
        self.lib = RealLibrary(folder, names)
        # Share of samples cut smaller and enlarged 1.5-3.5x, with grain of their own: the
        # library's stars are 1.3-4.5 px (1000-px textures), and on a picture enlarged 2-3x,
        # as an oversampled camera frame is, the network kept the brightest stars whole and
        # left grey discs where others were (NGC 2244, docs/real-dev/oversampled-n2244.jpg).
        self.enlarge_share = enlarge_share
        self.last_enlarged = False
        self.big_clipped_stars = big_clipped_stars
        self.size = size
        self.original_share = original_share
        # Share of samples cut around a catalogued galaxy: picked by area alone, a crop
        # holds one of a cluster picture's mid-sized ellipticals about once in 700 steps.
        self.galaxy_share = galaxy_share
        # Share of samples holding a clipped star to remove (the original around one, or a
        # composite whose star layer is cut around one), so that galaxy crops do not teach
        # that every clipped disc stays.
        self.clipped_star_share = clipped_star_share
        if galaxy_share + clipped_star_share > 1:
            raise ValueError("galaxy_share + clipped_star_share must not exceed 1")

    def star_layer(self, rng, exclude, clipped_star=False, size=0):
        """A real star layer of size² (the sample's size by default) from another picture:
        scaled, gain-adjusted."""
        s = size or self.size
        # Half the clipped stars are enlarged 1.5-3.5x round their core: the library's
        # removed clipped stars are 6-20 px wide, and the stars the network kept whole on
        # real pictures (the Dark Shark's, NGC 691's, M15's) are 20-40 px with halos
        # 60-100 px across, a size the crops of 0.7-1.6 never showed it removed.
        big = clipped_star and self.big_clipped_stars and rng.random() < 0.5
        lo, hi = (1.5, 3.5) if big else (0.7, 1.6)
        scale = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
        src = max(16, int(round(s / scale)))
        got = self.lib.pick_clipped_star(rng, src, exclude, centred=big) if clipped_star else None
        if got is None:
            got = self.lib.pick(rng, src, exclude)
        if got is None:
            return np.zeros((s, s, 3), np.float32)
        i, y, x = got
        st = self.lib.items[i]["stars"][y:y + src, x:x + src].astype(np.float32)
        st = dihedral(st, int(rng.integers(4)), int(rng.integers(2)))
        st = resize(np.ascontiguousarray(st), s).clip(0, 1)
        # Gain in the screen domain: faint stars scale by g, clipped cores stay clipped.
        g = float(np.exp(rng.uniform(np.log(0.5), np.log(1.8))))
        st = 1 - (1 - st) ** g
        r = rng.random()
        if r < 0.15:
            st = st[..., rng.permutation(3)]
        elif r < 0.25:
            st = np.repeat(st.mean(2, keepdims=True), 3, 2)
        return st

    def sample(self, rng):
        s = self.size
        k = 1.0
        if self.enlarge_share and rng.random() < self.enlarge_share:  # no draw at 0: held-out samples as before
            k = float(np.exp(rng.uniform(np.log(1.5), np.log(3.5))))
        self.last_enlarged = k > 1
        src = s if k == 1 else max(32, int(round(s / k)))
        inp, bg, weight, galaxy = self.compose(rng, src)
        if k > 1:
            inp, bg, weight, galaxy = self.enlarge(inp, bg, weight, galaxy, s, rng)
        inp = self.degrade(inp, rng)
        if rng.random() < 0.1:  # grey pictures
            inp = np.repeat(inp.mean(2, keepdims=True), 3, 2)
            bg = np.repeat(bg.mean(2, keepdims=True), 3, 2)
        stars = inp - bg
        chw = lambda a: np.ascontiguousarray(a.transpose(2, 0, 1), dtype=np.float32)
        return chw(inp), chw(stars), weight[None].astype(np.float32), galaxy[None]

    @staticmethod
    def enlarge(inp, bg, weight, galaxy, size, rng):
        """The pair enlarged to size² (bicubic), with grain per pixel again: enlarging
        smooths the picture's grain into blobs as wide as the factor, where a camera's
        oversampled frame has it pixel by pixel. The same grain goes under both input and
        background (the stars screen-blended over it), so the star layer stays the pair's."""
        star = np.clip(1 - (1 - inp) / np.maximum(1 - bg, 1e-4), 0, 1)
        up = lambda a: np.stack([np.asarray(Image.fromarray(a[..., c].astype(np.float32), "F").resize((size, size), Image.BICUBIC))
                                 for c in range(a.shape[2])], 2)
        nearest = lambda a: np.asarray(Image.fromarray(a.astype(np.uint8)).resize((size, size), Image.NEAREST))
        d = np.abs(np.diff(bg, axis=1))
        sigma = 1.4826 / np.sqrt(2) * float(np.median(d)) if d.size else 0.0
        sigma = max(sigma, 1.0 / 255) * float(rng.uniform(0.5, 1.2))
        bg = np.clip(up(bg) + rng.normal(0, sigma, (size, size, 1)).astype(np.float32) * (1 + 0.2 * rng.standard_normal(3)).astype(np.float32), 0, 1)
        star = np.clip(up(star), 0, 1)
        inp = 1 - (1 - bg) * (1 - star)
        return inp, bg, nearest(weight) > 0, nearest(galaxy).astype(np.float32)

    def compose(self, rng, s):
        """A pair of s² before what pictures go through: (input, background, weight, galaxy)."""
        kind = ""
        if self.galaxy_share or self.clipped_star_share:  # no draw otherwise: the held-out samples stay those of earlier runs
            r = rng.random()
            kind = "galaxy" if r < self.galaxy_share else "clipped star" if r < self.galaxy_share + self.clipped_star_share else ""
        # A clipped-star sample decides first whether it is the original around the star;
        # the others draw after the crop, in the order earlier runs drew (same held-out samples).
        original = rng.random() < 0.5 if kind == "clipped star" else None
        got = None
        if kind == "galaxy":
            got = self.lib.pick_galaxy(rng, s)
        elif kind == "clipped star" and original:
            got = self.lib.pick_clipped_star(rng, s)
        while got is None:
            got = self.lib.pick(rng, s)
        i, y, x = got
        it = self.lib.items[i]
        k, flip = int(rng.integers(4)), int(rng.integers(2))
        cut = lambda a: np.ascontiguousarray(dihedral(a[y:y + s, x:x + s], k, flip))
        bg = cut(it["clean"]).astype(np.float32)
        unsure = cut(it["unsure"]).astype(bool)
        galaxy = cut(it["galaxy"]).astype(np.float32)
        if original is None:
            original = rng.random() < self.original_share
        if original:
            inp = cut(it["orig"]).astype(np.float32) / 255
            weight = ~(unsure | cut(it["refilled"]).astype(bool))
        else:
            st = self.star_layer(rng, i, clipped_star=kind == "clipped star", size=s)
            if rng.random() < 0.3:  # Milky Way densities: a second picture's stars too
                st2 = self.star_layer(rng, i, size=s)
                st = 1 - (1 - st) * (1 - st2)
            inp = 1 - (1 - bg) * (1 - st)
            weight = ~unsure
        return inp, bg, weight, galaxy

    @staticmethod
    def degrade(inp, rng):
        """What pictures go through on their way to the user, on the input only."""
        r = rng.random()
        u8 = (inp.clip(0, 1) * 255 + 0.5).astype(np.uint8)
        if r < 0.15:
            buf = io.BytesIO()
            Image.fromarray(u8).save(buf, "JPEG", quality=int(rng.integers(70, 96)))
            return np.asarray(Image.open(buf), dtype=np.float32) / 255
        if r < 0.25:
            q = Image.fromarray(u8).quantize(256, dither=Image.FLOYDSTEINBERG).convert("RGB")
            return np.asarray(q, dtype=np.float32) / 255
        if r < 0.75:
            return u8.astype(np.float32) / 255
        return inp.clip(0, 1)
