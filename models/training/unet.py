"""The star-layer U-Net: 4 levels (16-32-64-128 channels), ReLU, no normalisation
layers, so it exports to plain ONNX convolutions. Input NCHW float32 RGB in the
model domain [0,1]; output the star layer; starless = input - stars (as StarNet)."""
import torch
import torch.nn as nn


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(inplace=True))


class StarUNet(nn.Module):
    def __init__(self, base=16, channels=3):
        super().__init__()
        b = base
        self.e1, self.e2, self.e3, self.mid = block(channels, b), block(b, 2 * b), block(2 * b, 4 * b), block(4 * b, 8 * b)
        self.pool = nn.MaxPool2d(2)
        self.u3, self.d3 = nn.ConvTranspose2d(8 * b, 4 * b, 2, stride=2), block(8 * b, 4 * b)
        self.u2, self.d2 = nn.ConvTranspose2d(4 * b, 2 * b, 2, stride=2), block(4 * b, 2 * b)
        self.u1, self.d1 = nn.ConvTranspose2d(2 * b, b, 2, stride=2), block(2 * b, b)
        self.out = nn.Conv2d(b, channels, 1)

    def forward(self, x):
        e1 = self.e1(x)
        e2 = self.e2(self.pool(e1))
        e3 = self.e3(self.pool(e2))
        m = self.mid(self.pool(e3))
        d3 = self.d3(torch.cat([self.u3(m), e3], 1))
        d2 = self.d2(torch.cat([self.u2(d3), e2], 1))
        d1 = self.d1(torch.cat([self.u1(d2), e1], 1))
        return self.out(d1)
