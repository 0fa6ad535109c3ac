using System.Globalization;
using StarPlugin.Imaging;
using StarPlugin.IO;

namespace StarPlugin.Tests.Hosts;

/// <summary>
/// Detect Stars draws its circles tile by tile (native/hosts/gimp-filters.c,
/// draw_overlay). On a field several plug-in tiles wide and high (GIMP 2.10 hands
/// plug-ins 64- or 128-pixel tiles), with stars planted on tile borders and corners,
/// the circles GIMP saved must be whole, continuous rings around the planted
/// positions: none missing, none cut or shifted at a border, nothing else drawn.
/// </summary>
public partial class GimpHostTests
{
    /// <summary>A star written into wide.png: where it is (0-based pixel centres, y down), its width, and whether it clips.</summary>
    internal sealed record PlantedStar(double X, double Y, double Sigma, bool Saturated);

    internal const int WideWidth = 704, WideHeight = 448;

    // One GIMP case (runs in the session of GimpHostTests.Cases): detect, save the catalogue and the circles layer alone.
    internal const string WideCase =
        """(let* ((i (open "wide.png"))) (say "WIDE-COUNT " (car (plug-in-starplugin-detect-stars RUN-NONINTERACTIVE i (drw i) 0.58 5 "wide.csv"))) (let ((l (aref (cadr (gimp-image-get-layers i)) 0))) (say "WIDE-LAYER " (car (gimp-item-get-name l)) " " (car (gimp-drawable-width l)) "x" (car (gimp-drawable-height l))) (gimp-file-save RUN-NONINTERACTIVE i l "wide-rings.png" "wide-rings.png")) (gimp-image-delete i))""";

    private List<PlantedStar> _planted = [];

    /// <summary>
    /// Stars on every other corner of the 64-pixel grid (also the corners of a 128-pixel
    /// grid) and, between them, stars on a vertical or a horizontal border only; three
    /// sizes, sub-pixel offsets, one clipped star. Written as an 8-bit RGB PNG (grey
    /// values): a flat sky at 0.1 with noise.
    /// </summary>
    internal static List<PlantedStar> WriteWideField(string path)
    {
        var stars = new List<PlantedStar>();
        double[] sigmas = [1.2, 1.6, 2.2]; // FWHM 2.8 to 5.2 px: what the detector finds at its defaults
        double[] offsets = [0, 0.5, -3.4, 4.25, -5.5, 2.3]; // on the border, or beside it with the circle across it
        int k = 0;
        for (int j = 1; j <= 6; j++)
            for (int i = 1; i <= 10; i++, k++)
            {
                double s = sigmas[k % 3], o = offsets[k % offsets.Length];
                if ((i + j) % 2 == 0) stars.Add(new PlantedStar(64 * i + o, 64 * j - o, s, i == 6 && j == 4));
                else if (k % 2 == 0) stars.Add(new PlantedStar(64 * i + o, 64 * j + 26, s, false)); // on a vertical border
                else stars.Add(new PlantedStar(64 * i + 26, 64 * j + o, s, false));                  // on a horizontal border
            }
        var rng = new Random(21);
        var grey = new float[WideWidth * WideHeight];
        for (int p = 0; p < grey.Length; p++)
        {
            double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
            grey[p] = 0.1f + 0.003f * (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        foreach (var st in stars)
        {
            double amplitude = st.Saturated ? 2.0 : 0.35 + 0.1 * (stars.IndexOf(st) % 5);
            int reach = (int)Math.Ceiling(5 * st.Sigma);
            for (int y = (int)st.Y - reach; y <= (int)st.Y + reach; y++)
                for (int x = (int)st.X - reach; x <= (int)st.X + reach; x++)
                    grey[y * WideWidth + x] += (float)(amplitude * Math.Exp(-((x - st.X) * (x - st.X) + (y - st.Y) * (y - st.Y)) / (2 * st.Sigma * st.Sigma)));
        }
        var img = new AstroImage(WideWidth, WideHeight, 3);
        for (int c = 0; c < 3; c++)
            for (int p = 0; p < grey.Length; p++) img.Plane(c)[p] = Math.Clamp(grey[p], 0f, 1f);
        ImageFile.Write(path, img, new WriteOptions { Depth = SampleFormat.UInt8 });
        return stars;
    }

    /// <summary>One drawn circle: the alpha-weighted centre and mean radius of a connected set of drawn pixels.</summary>
    private sealed record Ring(double X, double Y, double Radius, List<(int X, int Y, float A)> Pixels);

    private static List<Ring> Rings(AstroImage overlay)
    {
        int w = overlay.Width, h = overlay.Height;
        var alpha = overlay.Plane(overlay.AlphaChannel);
        var label = new int[w * h];
        var rings = new List<Ring>();
        for (int start = 0; start < w * h; start++)
        {
            if (alpha[start] <= 0 || label[start] != 0) continue;
            var pixels = new List<(int X, int Y, float A)>();
            var stack = new Stack<int>();
            stack.Push(start); label[start] = rings.Count + 1;
            while (stack.Count > 0)
            {
                int p = stack.Pop(), px = p % w, py = p / w;
                pixels.Add((px, py, alpha[p]));
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int nx = px + dx, ny = py + dy;
                        if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
                        int n = ny * w + nx;
                        if (alpha[n] > 0 && label[n] == 0) { label[n] = rings.Count + 1; stack.Push(n); }
                    }
            }
            double sa = pixels.Sum(q => q.A);
            double cx = pixels.Sum(q => q.A * q.X) / sa, cy = pixels.Sum(q => q.A * q.Y) / sa;
            double r = pixels.Sum(q => q.A * Math.Sqrt((q.X - cx) * (q.X - cx) + (q.Y - cy) * (q.Y - cy))) / sa;
            rings.Add(new Ring(cx, cy, r, pixels));
        }
        return rings;
    }

    private static (int Rings, int V64, int H64, int V128, int H128) Straddling(IEnumerable<(double X, double Y, double R)> circles)
    {
        // How many circles cross a vertical or horizontal line of the 64- and 128-pixel grids.
        static bool Crosses(double c, double r, int step) => Math.Floor((c - r - 1.25) / step) != Math.Floor((c + r + 1.25) / step);
        var list = circles.ToList();
        return (list.Count, list.Count(c => Crosses(c.X, c.R, 64)), list.Count(c => Crosses(c.Y, c.R, 64)),
                list.Count(c => Crosses(c.X, c.R, 128)), list.Count(c => Crosses(c.Y, c.R, 128)));
    }

    [Test]
    public void DetectStarsCirclesEveryStarWholeAcrossTileBorders()
    {
        Assert.That(_log, Does.Contain($"WIDE-LAYER Detected Stars ({_planted.Count}) {WideWidth}x{WideHeight}"),
            "one circles layer over the whole image, named with the count of planted stars");
        var overlay = _h.Read("wide-rings.png");
        Assert.That((overlay.Width, overlay.Height, overlay.HasAlpha), Is.EqualTo((WideWidth, WideHeight, true)));
        var rings = Rings(overlay);

        // The catalogue GIMP wrote: x, y, fwhm, saturated.
        var lines = File.ReadAllLines(Path.Combine(_h.Dir, "wide.csv"));
        var head = lines[0].Split(',').Select((n, i) => (n, i)).ToDictionary(t => t.n, t => t.i);
        var catalogue = lines.Skip(1).Select(l => l.Split(',')).Select(f => (
            X: double.Parse(f[head["x"]], CultureInfo.InvariantCulture), Y: double.Parse(f[head["y"]], CultureInfo.InvariantCulture),
            Fwhm: double.Parse(f[head["fwhm"]], CultureInfo.InvariantCulture), Saturated: f[head["saturated"]] == "1")).ToList();
        Assert.That(catalogue, Has.Count.EqualTo(_planted.Count), "every planted star found, nothing else");

        // The test itself: the circles do cross tile borders, in both directions, on both grids.
        var straddle = Straddling(rings.Select(r => (r.X, r.Y, r.Radius)));
        TestContext.Out.WriteLine($"{straddle.Rings} circles; crossing a vertical/horizontal border of 64 px: {straddle.V64}/{straddle.H64}, of 128 px: {straddle.V128}/{straddle.H128}");
        Assert.That(Math.Min(Math.Min(straddle.V64, straddle.H64), Math.Min(straddle.V128, straddle.H128)), Is.GreaterThanOrEqualTo(15));

        // One whole ring per planted star, centred on it: a ring cut at a border is off centre
        // (or falls apart into pieces), a ring drawn in the wrong tile is off centre or extra.
        Assert.That(rings, Has.Count.EqualTo(_planted.Count), "one connected circle per star (a cut ring falls into pieces)");
        double worstCentre = 0; float worstArc = 1;
        foreach (var star in _planted)
        {
            var ring = rings.MinBy(r => Math.Pow(r.X - star.X, 2) + Math.Pow(r.Y - star.Y, 2))!;
            double off = Math.Sqrt(Math.Pow(ring.X - star.X, 2) + Math.Pow(ring.Y - star.Y, 2));
            worstCentre = Math.Max(worstCentre, off);
            string what = $"star at ({star.X}, {star.Y}), sigma {star.Sigma}: ring at ({ring.X:F2}, {ring.Y:F2}) r {ring.Radius:F2}";
            Assert.That(off, Is.LessThan(0.35), what);
            Assert.That(ring.Radius, Is.InRange(3.0, 60.0), what);

            // Continuous: at every degree round the circle a drawn pixel lies within one
            // pixel of it (the line, 2.5 px wide, always has one; a ring cut at a tile border
            // has none there).
            var alpha = overlay.Plane(overlay.AlphaChannel);
            for (int deg = 0; deg < 360; deg++)
            {
                double px = star.X + ring.Radius * Math.Cos(deg * Math.PI / 180), py = star.Y + ring.Radius * Math.Sin(deg * Math.PI / 180);
                float best = 0;
                for (int y = (int)Math.Floor(py - 1); y <= (int)Math.Ceiling(py + 1); y++)
                    for (int x = (int)Math.Floor(px - 1); x <= (int)Math.Ceiling(px + 1); x++)
                        if ((x - px) * (x - px) + (y - py) * (y - py) <= 1.0) best = Math.Max(best, alpha[y * WideWidth + x]);
                worstArc = Math.Min(worstArc, best);
                Assert.That(best, Is.GreaterThan(0.6f), $"{what}: no circle at {deg} degrees");
            }
            // Nothing but the ring: every drawn pixel of it is on the circle (within the line's width).
            foreach (var (x, y, _) in ring.Pixels)
                Assert.That(Math.Abs(Math.Sqrt((x - star.X) * (x - star.X) + (y - star.Y) * (y - star.Y)) - ring.Radius), Is.LessThan(2.0),
                    $"{what}: stray pixel ({x}, {y})");
            // Larger stars get larger circles, and the colour says saturated (red) or not (green).
            var found = catalogue.MinBy(s => Math.Pow(s.X - star.X, 2) + Math.Pow(s.Y - star.Y, 2));
            Assert.That(Math.Sqrt(Math.Pow(found.X - star.X, 2) + Math.Pow(found.Y - star.Y, 2)), Is.LessThan(0.3), $"{what}: catalogue ({found.X}, {found.Y})");
            if (star.Saturated) Assert.That(found.Saturated, Is.True, $"{what}: clipped star flagged saturated");
            var solid = ring.Pixels.Where(q => q.A >= 0.99).ToList();
            Assert.That(solid, Is.Not.Empty, what);
            double red = solid.Average(q => overlay[0, q.Y, q.X]), green = solid.Average(q => overlay[1, q.Y, q.X]);
            Assert.That(found.Saturated ? red > 0.8 && green < 0.5 : green > 0.8 && red < 0.5, Is.True, $"{what}: colour R {red:F2} G {green:F2} (saturated {found.Saturated})");
        }
        var bySize = _planted.GroupBy(s => s.Sigma).OrderBy(g => g.Key)
            .Select(g => g.Average(s => rings.MinBy(r => Math.Pow(r.X - s.X, 2) + Math.Pow(r.Y - s.Y, 2))!.Radius)).ToList();
        Assert.That(bySize, Is.Ordered.Ascending.And.Unique, "circles grow with the star");
        TestContext.Out.WriteLine($"worst ring centre offset {worstCentre:F3} px; weakest point of a circle: alpha {worstArc:F3}; mean radii by sigma {string.Join(", ", bySize.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}");
    }
}
