"""The lens finder's network: a small all-convolutional CNN for 3×101×101 cutouts
(g, r, z as LensInput prepares them). It looks at the central 64×64 pixels (a radius
of 32 px, 8.4" at the survey's 0.262"/px: arcs of Einstein radius up to ~25 px and
their width), where the catalogue puts the lens. Strided convolutions take 64 → 32 →
16 → 8 → 4; global average and max pooling (a faint arc can be small: the max keeps
it) feed one linear unit. About 70 k parameters and 5.5 M multiply-adds per cutout,
cheap to train on a shared CPU and fast to run (ONNX Runtime on two cores)."""
import torch
import torch.nn as nn


def block(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


CROP = 64


class LensNet(nn.Module):
    def __init__(self, width=12, crop=CROP):
        super().__init__()
        self.crop = crop
        w = width
        self.features = nn.Sequential(
            nn.Conv2d(3, w, 5, 2, 2, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True),  # 32
            block(w, 2 * w, 2),                                                                # 16
            block(2 * w, 2 * w, 1),
            block(2 * w, 4 * w, 2),                                                            # 8
            block(4 * w, 4 * w, 1),
            block(4 * w, 6 * w, 2),                                                            # 4
        )
        self.head = nn.Linear(12 * w, 1)

    def forward(self, x):
        a = (x.shape[2] - self.crop) // 2, (x.shape[3] - self.crop) // 2
        f = self.features(x[:, :, a[0]:a[0] + self.crop, a[1]:a[1] + self.crop])
        pooled = torch.cat([f.mean((2, 3)), f.amax((2, 3))], 1)
        return self.head(pooled).squeeze(1)  # logit


class Scored(nn.Module):
    """What ships: P(lens) = sigmoid(logit), shape [N, 1]."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.sigmoid(self.net(x)).unsqueeze(1)


def multiply_adds(net, size=101):
    """Multiply-adds of one forward pass on a size×size cutout (convolutions and the head)."""
    total = [0]

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            total[0] += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            total[0] += m.in_features * m.out_features
    hooks = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        net.eval()(torch.zeros(1, 3, size, size))
    for h in hooks:
        h.remove()
    return total[0]


if __name__ == "__main__":
    for w in (8, 12, 16, 24):
        n = LensNet(w)
        print(w, sum(p.numel() for p in n.parameters()), multiply_adds(n) / 1e6, "M")
