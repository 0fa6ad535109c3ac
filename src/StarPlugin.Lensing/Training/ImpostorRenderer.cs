using StarPlugin.Imaging;
using StarPlugin.Lensing.Finder;
using StarPlugin.Synthesis;

namespace StarPlugin.Lensing.Training;

/// <summary>What fools people (and classifiers) into seeing a lens, as the teaching page lists them.</summary>
public enum ImpostorKind
{
    Spiral, RingGalaxy, Merger, EdgeOnDisk, Stars, TangentialGalaxy,
    DiffractionSpikes, SatelliteTrail, GhostRing, CosmicRays,
}

/// <summary>An impostor's light before the telescope, whether the seeing blurs it, and the S/N range it is drawn at.</summary>
public sealed record Impostor(ImpostorKind Kind, SkyLight Light, bool Blur, double SnrMin, double SnrMax);

/// <summary>
/// Negatives that look like arcs: spiral arms, ring galaxies, mergers with tidal
/// tails, edge-on discs, stars and chance-aligned galaxies next to the lens, and the
/// artefacts of survey images (diffraction spikes, satellite trails, ghost rings,
/// cosmic rays). Each is drawn around (cx, cy), the lens galaxy, with random shape,
/// size and colour.
/// </summary>
public static class ImpostorRenderer
{
    public static Impostor Render(ImpostorKind kind, int size, double cx, double cy, Random rng)
    {
        var sky = new SkyLight(size);
        switch (kind)
        {
            case ImpostorKind.Spiral:
            {
                double s = 5 + rng.NextDouble() * 20, q = 0.35 + rng.NextDouble() * 0.65, pa = rng.NextDouble() * Math.PI;
                var disc = new float[size * size];
                GalaxyRenderer.Spiral(disc, size, size, cx, cy, s, q, pa, 1, 0.2 + rng.NextDouble() * 0.4, 1f, rng);
                SkyLight.Normalise(disc);
                sky.Add(disc, SurveyFieldRenderer.BlueColour(rng, 1));
                sky.Add(SkyLight.Sersic(size, cx, cy, 0.8 + s * 0.08, 2.5, Math.Min(1, q + 0.2), pa), SurveyFieldRenderer.RedColour(rng, 0.3 + rng.NextDouble() * 0.5));
                return new Impostor(kind, sky, true, 15, 300);
            }
            case ImpostorKind.RingGalaxy:
            {
                double radius = 4 + rng.NextDouble() * 14, width = 0.8 + rng.NextDouble() * 1.7, q = 0.6 + rng.NextDouble() * 0.4, pa = rng.NextDouble() * Math.PI;
                // Collisional rings need not be centred on their nucleus.
                double nx = cx + rng.NextGaussian() * radius * 0.15, ny = cy + rng.NextGaussian() * radius * 0.15;
                sky.Add(Ring(size, cx, cy, radius, width, q, pa, rng.Next(0, 9), rng), SurveyFieldRenderer.BlueColour(rng, 1));
                sky.Add(SkyLight.Sersic(size, nx, ny, 0.8 + rng.NextDouble() * 2.5, 1 + rng.NextDouble() * 3, 0.6 + rng.NextDouble() * 0.4, pa), SurveyFieldRenderer.FieldColour(rng, 0.2 + rng.NextDouble() * 1.5));
                return new Impostor(kind, sky, true, 10, 150);
            }
            case ImpostorKind.Merger:
            {
                double sep = 4 + rng.NextDouble() * 14, a = rng.NextDouble() * 2 * Math.PI;
                var g = new[] { (cx, cy), (cx + sep * Math.Cos(a), cy + sep * Math.Sin(a)) };
                foreach (var (x, y) in g)
                    sky.Add(SkyLight.Sersic(size, x, y, 1 + rng.NextDouble() * 4, 1 + rng.NextDouble() * 3, 0.4 + rng.NextDouble() * 0.6, rng.NextDouble() * Math.PI), SurveyFieldRenderer.FieldColour(rng, 1));
                int tails = rng.Next(1, 3);
                for (int t = 0; t < tails; t++)
                {
                    var (x, y) = g[t % 2];
                    sky.Add(TidalTail(size, x, y, 8 + rng.NextDouble() * 25, rng), SurveyFieldRenderer.BlueColour(rng, 0.3 + rng.NextDouble() * 0.7));
                }
                return new Impostor(kind, sky, true, 15, 250);
            }
            case ImpostorKind.EdgeOnDisk:
            {
                double re = 3 + rng.NextDouble() * 12, q = 0.08 + rng.NextDouble() * 0.17, pa = rng.NextDouble() * Math.PI;
                var disc = SkyLight.Sersic(size, cx + rng.NextGaussian() * 4, cy + rng.NextGaussian() * 4, re, 0.8 + rng.NextDouble() * 0.6, q, pa);
                if (rng.NextDouble() < 0.6) DustLane(disc, size, cx, cy, pa, 0.4 + rng.NextDouble() * 0.5, 0.5 + rng.NextDouble() * 0.8);
                sky.Add(disc, SurveyFieldRenderer.FieldColour(rng, 1));
                return new Impostor(kind, sky, true, 15, 250);
            }
            case ImpostorKind.Stars:
            {
                int n = rng.Next(1, 4);
                for (int i = 0; i < n; i++)
                {
                    double r = 4 + rng.NextDouble() * 18, a = rng.NextDouble() * 2 * Math.PI;
                    sky.Add(SkyLight.Point(size, cx + r * Math.Cos(a), cy + r * Math.Sin(a)), SurveyFieldRenderer.StarColour(rng, 0.3 + rng.NextDouble()));
                }
                return new Impostor(kind, sky, true, 10, 200);
            }
            case ImpostorKind.TangentialGalaxy:
            {
                int n = rng.Next(1, 3);
                for (int i = 0; i < n; i++)
                {
                    double r = 5 + rng.NextDouble() * 15, a = rng.NextDouble() * 2 * Math.PI;
                    double pa = a + Math.PI / 2 + rng.NextGaussian() * 0.3;
                    sky.Add(SkyLight.Sersic(size, cx + r * Math.Cos(a), cy + r * Math.Sin(a), 1.2 + rng.NextDouble() * 3, 0.5 + rng.NextDouble(), 0.2 + rng.NextDouble() * 0.3, pa),
                        SurveyFieldRenderer.BlueColour(rng, 0.5 + rng.NextDouble()));
                }
                return new Impostor(kind, sky, true, 10, 80);
            }
            case ImpostorKind.DiffractionSpikes:
            {
                // A bright star, maybe outside the cutout, whose spikes cross it.
                double sx = cx + (rng.NextDouble() * 2 - 1) * size * 0.7, sy = cy + (rng.NextDouble() * 2 - 1) * size * 0.7;
                double len = 20 + rng.NextDouble() * 60, rot = rng.NextDouble() * Math.PI / 2;
                var colour = SurveyFieldRenderer.StarColour(rng, 1);
                var shape = SkyLight.Point(size, sx, sy);
                for (int k = 0; k < 4; k++)
                {
                    double a = rot + k * Math.PI / 2;
                    var path = Enumerable.Range(0, 9).Select(i => (sx + Math.Cos(a) * len * i / 8, sy + Math.Sin(a) * len * i / 8, 0.004 * Math.Exp(-3.0 * i / 8))).ToList();
                    var spike = SkyLight.Tube(size, path, 0.5);
                    for (int i = 0; i < shape.Length; i++) shape[i] += spike[i];
                }
                sky.Add(shape, colour);
                return new Impostor(kind, sky, true, 20, 400);
            }
            case ImpostorKind.SatelliteTrail:
            {
                double a = rng.NextDouble() * Math.PI, ox = cx + (rng.NextDouble() * 2 - 1) * size * 0.4, oy = cy + (rng.NextDouble() * 2 - 1) * size * 0.4;
                var path = new[] { (ox - Math.Cos(a) * size * 1.5, oy - Math.Sin(a) * size * 1.5, 1.0), (ox + Math.Cos(a) * size * 1.5, oy + Math.Sin(a) * size * 1.5, 1.0) };
                sky.Add(SkyLight.Tube(size, path, 0.4 + rng.NextDouble() * 0.8), OneBandOrAll(rng));
                return new Impostor(kind, sky, true, 10, 200);
            }
            case ImpostorKind.GhostRing:
            {
                double gx = cx + (rng.NextDouble() * 2 - 1) * size * 0.3, gy = cy + (rng.NextDouble() * 2 - 1) * size * 0.3;
                sky.Add(Ring(size, gx, gy, 12 + rng.NextDouble() * 30, 1.5 + rng.NextDouble() * 4, 0.85 + rng.NextDouble() * 0.15, 0, 0, rng), OneBandOrAll(rng));
                return new Impostor(kind, sky, true, 10, 120);
            }
            case ImpostorKind.CosmicRays:
            {
                int n = rng.Next(1, 6);
                var shape = new float[size * size];
                for (int i = 0; i < n; i++)
                {
                    double x = cx + (rng.NextDouble() * 2 - 1) * 30, y = cy + (rng.NextDouble() * 2 - 1) * 30, a = rng.NextDouble() * Math.PI, len = rng.NextDouble() * 6;
                    var tube = SkyLight.Tube(size, [(x, y, 1.0), (x + Math.Cos(a) * len, y + Math.Sin(a) * len, 1.0)], 0.35);
                    for (int k = 0; k < shape.Length; k++) shape[k] += tube[k];
                }
                double[] colour = [0, 0, 0];
                colour[rng.Next(3)] = 1;
                sky.Add(shape, colour);
                return new Impostor(kind, sky, false, 10, 150);
            }
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    /// <summary>An elliptical ring of Gaussian profile, with <paramref name="knots"/> star-forming clumps along it.</summary>
    public static float[] Ring(int size, double cx, double cy, double radius, double width, double q, double pa, int knots, Random rng)
    {
        var shape = new float[size * size];
        double c = Math.Cos(pa), s = Math.Sin(pa);
        var knotAngles = Enumerable.Range(0, knots).Select(_ => rng.NextDouble() * 2 * Math.PI).ToArray();
        var knotGain = Enumerable.Range(0, knots).Select(_ => 1 + rng.NextDouble() * 3).ToArray();
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double dx = x - cx, dy = y - cy, u = dx * c + dy * s, v = (-dx * s + dy * c) / q;
                double r = Math.Sqrt(u * u + v * v), d = (r - radius) / width;
                if (d * d > 25) continue;
                double theta = Math.Atan2(v, u), gain = 1;
                for (int k = 0; k < knots; k++)
                {
                    double da = Math.IEEERemainder(theta - knotAngles[k], 2 * Math.PI) * radius / (1.5 * width);
                    gain += knotGain[k] * Math.Exp(-da * da / 2);
                }
                shape[y * size + x] = (float)(Math.Exp(-d * d / 2) * gain);
            }
        SkyLight.Normalise(shape);
        return shape;
    }

    /// <summary>A tail drawn out of a galaxy: a fading tube along a curving path.</summary>
    private static float[] TidalTail(int size, double x, double y, double length, Random rng)
    {
        double a = rng.NextDouble() * 2 * Math.PI, bend = (rng.NextDouble() * 2 - 1) * 0.12;
        var path = new List<(double, double, double)>();
        for (int i = 0; i <= 16; i++)
        {
            double t = length * i / 16, ang = a + bend * t;
            path.Add((x + t * Math.Cos(a) + bend * t * t * 0.5 * -Math.Sin(a), y + t * Math.Sin(a) + bend * t * t * 0.5 * Math.Cos(a), Math.Exp(-2.0 * i / 16) * (0.5 + 0.5 * Math.Cos(ang - a))));
        }
        var shape = SkyLight.Tube(size, path, 0.8 + rng.NextDouble() * 1.5);
        SkyLight.Normalise(shape);
        return shape;
    }

    /// <summary>Dims a disc along its major axis, as dust does in an edge-on spiral.</summary>
    private static void DustLane(float[] disc, int size, double cx, double cy, double pa, double depth, double width)
    {
        double c = Math.Cos(pa), s = Math.Sin(pa);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double v = -(x - cx) * s + (y - cy) * c;
                disc[y * size + x] *= (float)(1 - depth * Math.Exp(-v * v / (2 * width * width)));
            }
    }

    /// <summary>Artefacts of one exposure show in one band; some in all.</summary>
    private static double[] OneBandOrAll(Random rng)
    {
        if (rng.NextDouble() < 0.3) return [1, 1, 1];
        double[] c = [0, 0, 0];
        c[rng.Next(3)] = 1;
        return c;
    }

    /// <summary>
    /// A real galaxy's picture (a Stellarium texture) as light: its sky subtracted, shrunk
    /// by area averaging so its width is <paramref name="width"/> pixels, turned by
    /// <paramref name="quarterTurns"/> × 90° (mirrored if asked) and centred at (cx, cy).
    /// Returned blue-to-red.
    /// </summary>
    public static SkyLight FromPicture(AstroImage picture, BandOrder order, int size, double cx, double cy, double width, int quarterTurns, bool mirror)
    {
        var sky = new SkyLight(size);
        int pw = picture.Width, ph = picture.Height, bands = picture.ColorChannels;
        double scale = width / Math.Max(pw, ph); // output pixels per picture pixel
        for (int k = 0; k < 3; k++)
        {
            int srcBand = bands == 1 ? 0 : order == BandOrder.BlueFirst ? k : 2 - k;
            var src = picture.Plane(srcBand);
            float sky0 = RobustStatistics.Median(src);
            var dst = sky.Bands[k];
            for (int y = 0; y < ph; y++)
                for (int x = 0; x < pw; x++)
                {
                    float v = src[y * pw + x] - sky0;
                    if (!(v > 0)) continue;
                    // Picture pixel → offset from its centre → turned and mirrored → output pixel.
                    double u = (x - pw / 2.0) * scale, w = (y - ph / 2.0) * scale;
                    if (mirror) u = -u;
                    for (int t = 0; t < (quarterTurns & 3); t++) (u, w) = (-w, u);
                    int ox = (int)Math.Floor(cx + u + 0.5), oy = (int)Math.Floor(cy + w + 0.5);
                    if ((uint)ox < (uint)size && (uint)oy < (uint)size) dst[oy * size + ox] += v;
                }
        }
        double total = sky.Bands.Sum(b => b.Sum(v => (double)v)) / 3;
        foreach (var b in sky.Bands) SkyLight.Normalise(b, total);
        return sky;
    }
}
