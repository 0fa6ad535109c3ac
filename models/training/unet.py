"""The star-layer network: a 4-level U-Net (16-32-64-128 channels, ReLU, no
normalisation layers, so it exports to plain ONNX convolutions) that runs at half
resolution. Pixel-unshuffle folds each 2×2 block into channels on the way in and
pixel-shuffle unfolds the prediction on the way out: the same capacity at a quarter
of the cost per megapixel (~17.5 GFLOP/Mpx instead of ~70), which is what lets the
remover beat the peer's throughput by more than 20×. Stars of FWHM ≥ 1.5 px stay
resolved in the 12 folded channels.
Input NCHW float32: RGB in the model domain [0,1], then (psf=True) one plane holding
the stars' FWHM in px / 8 where each pixel stands, as the remover measures it. A
compact galaxy differs from a star mainly in being wider than the PSF, and a patch
seldom holds enough stars to show the PSF; given it, the network need not guess.
Output the star layer; starless = input − stars, as StarNet. H and W must be multiples
of 16."""
import torch
import torch.nn as nn


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(inplace=True))


class StarUNet(nn.Module):
    def __init__(self, base=16, channels=3, fold=2, psf=True):
        super().__init__()
        b, c = base, channels * fold * fold
        self.fold = fold
        self.unshuffle, self.shuffle = nn.PixelUnshuffle(fold), nn.PixelShuffle(fold)
        self.e1, self.e2, self.e3, self.mid = block(c + (fold * fold if psf else 0), b), block(b, 2 * b), block(2 * b, 4 * b), block(4 * b, 8 * b)
        self.pool = nn.MaxPool2d(2)
        self.u3, self.d3 = nn.ConvTranspose2d(8 * b, 4 * b, 2, stride=2), block(8 * b, 4 * b)
        self.u2, self.d2 = nn.ConvTranspose2d(4 * b, 2 * b, 2, stride=2), block(4 * b, 2 * b)
        self.u1, self.d1 = nn.ConvTranspose2d(2 * b, b, 2, stride=2), block(2 * b, b)
        self.out = nn.Conv2d(b, c, 1)

    def forward(self, x):
        e1 = self.e1(self.unshuffle(x))
        e2 = self.e2(self.pool(e1))
        e3 = self.e3(self.pool(e2))
        m = self.mid(self.pool(e3))
        d3 = self.d3(torch.cat([self.u3(m), e3], 1))
        d2 = self.d2(torch.cat([self.u2(d3), e2], 1))
        d1 = self.d1(torch.cat([self.u1(d2), e1], 1))
        return self.shuffle(self.out(d1))


def add_psf_input(state, fold=2):
    """Makes a checkpoint of the RGB-only network PSF-aware: the first convolution gets
    zero weights for the PSF plane's folded channels (unshuffle puts them last), so the
    network starts out computing exactly what it did and learns to use the plane."""
    w = state["e1.0.weight"]
    if w.shape[1] == 3 * fold * fold:
        state = dict(state)
        state["e1.0.weight"] = torch.cat([w, w.new_zeros(w.shape[0], fold * fold, *w.shape[2:])], 1)
    return state
