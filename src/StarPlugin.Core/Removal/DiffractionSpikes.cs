using System.Numerics.Tensors;
using StarPlugin.Imaging;
using StarPlugin.Progress;
using StarPlugin.Threading;

namespace StarPlugin.Removal;

/// <summary>
/// The diffraction spikes of clipped stars: four arms 90° apart that a reflector's spider
/// draws across its brightest stars. The network takes the star and most of each arm's
/// light but leaves the arms' colour fringes: coloured crosses where bright stars were
/// (Leo, Coma, the Dark Shark). Per clipped source of the census (or nearly clipped, <see cref="NearClipped"/>):
/// 1. the input's luminance on rings round the star, less each ring's median (the halo),
///    summed over the rings per degree of angle and folded over four arms 90° apart, gives
///    the spider's angle, the fold's strongest degree; the star has spikes when at least
///    three of the four arms stand <see cref="MinArmSigma"/> σ of that profile's noise
///    above it (a filament of nebula or a neighbour makes one arm, not three) and above
///    their ring's upper quartile on <see cref="MinArmRings"/> of the rings (a line, not
///    neighbour stars that happen to sit at right angles);
/// 2. each arm runs out from the star while its light stands above the pixels beside it,
///    <see cref="MinStepSigma"/> σ, with gaps of up to <see cref="MaxGap"/> px;
/// 3. over each arm and a pixel beyond its end, the starless result is replaced across the
///    arm by the straight line between the pixels just beside it (per colour). The arm is as
///    wide as its light across it (half-width <see cref="MinHalfWidth"/> to
///    <see cref="MaxHalfWidth"/> px).
/// Works on the model-domain star layer in place; per star, a patch of the luminance.
/// </summary>
internal static class DiffractionSpikes
{
    /// <summary>Angular profile: rings from the clipped core's edge out this many pixels.</summary>
    private const int RingSpan = 24;
    /// <summary>
    /// An arm stands when its profile peak is this many σ of the profile's noise above its
    /// median. M15's brightest star has four plain arms at 5.2-5.8 σ (a globular cluster's
    /// stars in the rings make the profile noisy); on the 49 dev pictures the clipped
    /// sources that pass at 5 and not at 6 are all spiked stars (13, none within 30 px of
    /// a catalogued galaxy).
    /// </summary>
    public const double MinArmSigma = 5;
    /// <summary>An arm stands only where it is above its ring's upper quartile on this share of the rings.</summary>
    public const double MinArmRings = 0.6;
    /// <summary>
    /// An arm also stands, however faint, where it is above its ring's upper quartile on this
    /// share of the rings and <see cref="LineArmSigma"/> σ above the profile's median: a line
    /// through nearly every ring is no neighbour star and no noise. Short thin spikes of small
    /// clipped stars sum to 2.5-3.5 σ over the rings (Hydra's, with four arms on 80-96 % of
    /// them) and were left as faint crosses. On Stellarium's 535 pictures under 1000 px this
    /// finds 75 more spiked sources (178 before): by eye all stars with spikes, five of them
    /// on catalogued galaxies' apertures (foreground stars).
    /// </summary>
    public const double LineArmRings = 0.8, LineArmSigma = 2.5;
    /// <summary>An arm goes on while its light stands this many σ (of the sky beside it) above the pixels beside it.</summary>
    public const double MinStepSigma = 2.5;
    /// <summary>Longest run of steps below that an arm may cross.</summary>
    public const int MaxGap = 3;
    public const double MinHalfWidth = 1.5, MaxHalfWidth = 4;
    /// <summary>The longest arm followed, in pixels.</summary>
    public const int MaxArm = 200;
    /// <summary>
    /// Most clipped sources looked at, the brightest by flux: about 0.15 ms each, and 1 ms more
    /// for each with spikes (Leo: 207 clipped, 33 with spikes, 50 ms on one core).
    /// </summary>
    public const int MaxStars = 256;
    /// <summary>
    /// How far out a spiked star's halo is taken away where it goes on past the fills' reach
    /// (<see cref="ResidualStarCleanup.MaxSaturatedRadius"/>): Fornax's and Coma's brightest
    /// stars left a soft disc, the fill's level, inside a halo 50-70 px across.
    /// </summary>
    public const double WideHaloReach = 90;

    private static readonly double[] Cos = Enumerable.Range(0, 360).Select(a => Math.Cos(a * Math.PI / 180)).ToArray();
    private static readonly double[] Sin = Enumerable.Range(0, 360).Select(a => Math.Sin(a * Math.PI / 180)).ToArray();

    /// <summary>
    /// Sources this bright (the detector's contrast-normalised peak) are looked at as the
    /// clipped ones are: on Leo a star peaking at 255, 255, 223 is not clipped in all its
    /// channels, and has spikes.
    /// </summary>
    public const float NearClipped = 0.9f;

    /// <summary>Whether <paramref name="s"/> has a four-armed spider (see the class): a star, whatever its width says.</summary>
    /// <param name="armSigma">How far (σ) three arms must stand (<see cref="MinArmSigma"/>, or lower for a stricter test of stardom).</param>
    /// <param name="armRings">The share of rings they must stand on (<see cref="MinArmRings"/>, or lower).</param>
    public static bool HasSpikes(ResidualStarCleanup.Source s, float[] data, ModelDomain domain, int colours, int w, int h, double armSigma = MinArmSigma, double armRings = MinArmRings) =>
        ReadSpider(s, data, domain, colours, w, h).Angle(armSigma, armRings) is not null;

    /// <summary>The spider test's measurements round <paramref name="s"/>, for <see cref="SpiderReading.Angle"/> at any thresholds.</summary>
    public static SpiderReading ReadSpider(ResidualStarCleanup.Source s, float[] data, ModelDomain domain, int colours, int w, int h) =>
        Spider(new Planes(data, [], domain, colours, w, h), s.X, s.Y, Math.Max(2, 0.5 * s.Fwhm), new double[360]);

    /// <summary>
    /// What the spider test measured round a star (see the class): the fold's strongest
    /// degree, the profile's level and noise away from the arms, and per arm its peak and on
    /// how many of the rings it stands high; none where the star cannot be judged (an arm
    /// off the frame, no noise). One reading answers the test at any thresholds: the
    /// keep-galaxies stage asks at two, about sources the spike stage has read already.
    /// </summary>
    public sealed class SpiderReading
    {
        internal static readonly SpiderReading None = new(false, 0, 0, 0, [], [], 0);
        private readonly bool _judged;
        private readonly int _at, _rings;
        private readonly double _level, _sigma;
        private readonly double[] _peaks;
        private readonly int[] _along;

        internal SpiderReading(bool judged, int at, double level, double sigma, double[] peaks, int[] along, int rings) =>
            (_judged, _at, _level, _sigma, _peaks, _along, _rings) = (judged, at, level, sigma, peaks, along, rings);

        /// <summary>Whether the star could be judged at all (its rings inside the frame, a noise to judge by).</summary>
        public bool Judged => _judged;

        /// <summary>Per arm, how far its peak stands (σ of the profile's noise) and on what share of the rings (the bench's census lists them).</summary>
        public (double Sigmas, double Rings)[] Arms() => _judged
            ? Enumerable.Range(0, 4).Select(arm => ((_peaks[arm] - _level) / _sigma, _along[arm] / (double)_rings)).ToArray()
            : [];

        /// <summary>
        /// The spider's angle (radians, in [0, π/2)) when at least three arms stand
        /// <paramref name="armSigma"/> σ on <paramref name="armRings"/> of the rings, or, with
        /// <paramref name="lines"/>, as lines (<see cref="LineArmRings"/>); else null.
        /// </summary>
        public double? Angle(double armSigma = MinArmSigma, double armRings = MinArmRings, bool lines = true)
        {
            if (!_judged) return null;
            int standing = 0;
            for (int arm = 0; arm < 4; arm++)
            {
                double above = _peaks[arm] - _level;
                if (above >= armSigma * _sigma && _along[arm] >= armRings * _rings || lines && above >= LineArmSigma * _sigma && _along[arm] >= LineArmRings * _rings) standing++;
            }
            return standing >= 3 ? _at * Math.PI / 180 : null;
        }
    }

    /// <summary>Cleans the spikes of the census' clipped sources; returns how many stars had spikes.</summary>
    /// <param name="layers">Model-domain star layer, planar (channel c at c·w·h), edited in place.</param>
    /// <param name="data">The input, planar like the layer, in input units.</param>
    /// <param name="read">Where given, gets the spider readings of the sources looked at, by position (for the keep-galaxies stage).</param>
    public static int Apply(IReadOnlyList<ResidualStarCleanup.Target> census, float[] data, ModelDomain domain, float[] layers, int colours, int w, int h, ProgressReporter progress,
        Dictionary<(double X, double Y, double Fwhm), SpiderReading>? read = null)
    {
        int found = 0;
        var image = new Planes(data, layers, domain, colours, w, h);
        // The brightest clipped sources only: spikes are the brightest stars', and a frame
        // clipped all over (noise at the clip level) lists clipped sources by the thousand.
        var clipped = census.Where(t => t.Star.Saturated || t.Star.Brightness >= NearClipped).OrderByDescending(t => t.Star.Flux).Take(MaxStars).ToArray();
        // The spider tests read only the input: all of them at once, on every core (most of
        // this stage's time: Coma's 200 clipped sources took 80 ms on one). The arms and
        // fills, which write the star layer, then one star after another in that order.
        var readings = new SpiderReading[clipped.Length];
        ParallelWorkers.For(clipped.Length, () => new double[360], (k, profile) =>
        {
            if (progress.IsCancelled) return;
            var s = clipped[k].Star;
            readings[k] = Spider(image, s.X, s.Y, Math.Max(2, 0.5 * s.Fwhm), profile);
        });
        if (read != null)
            for (int k = 0; k < clipped.Length; k++)
                if (readings[k] != null) read[(clipped[k].Star.X, clipped[k].Star.Y, clipped[k].Star.Fwhm)] = readings[k];
        for (int k = 0; k < clipped.Length; k++)
        {
            progress.ThrowIfCancelled();
            var s = clipped[k].Star;
            double core = Math.Max(2, 0.5 * s.Fwhm);
            if (readings[k]?.Angle() is not { } angle) continue;
            found++;
            // Arms that stand only as faint lines are taken from past the core on: their star
            // is not filled below (nor is its core flattened, where the four arms' straight
            // lines met in a square patch of the network's residue: LBN 438, Barnard 72).
            bool plain = readings[k]!.Angle(lines: false) is not null;
            for (int arm = 0; arm < 4; arm++)
            {
                double theta = angle + arm * Math.PI / 2;
                var (length, halfWidth) = Arm(image, s.X, s.Y, theta, core);
                // A pixel wider than the arm's light: the network leaves a dark fringe of the
                // arm's colour beside it (Leo: 1 px each side, red taken where there was none).
                if (length > core) Flatten(image, s.X, s.Y, theta, length + 1, halfWidth + 1, plain ? 0 : core + halfWidth + 2);
            }
            // The spikes say it is a star: its core and halo go too, after the arms (so the
            // fill's annulus is free of them), whatever the network left of it; and where the
            // halo goes on past the fill's reach, the rest of it out to WideHaloReach. Not for
            // arms that stand only as faint lines: Abell 33's bright star has such spikes, and
            // there the fill and the halo took a disc of the planetary nebula round it.
            if (plain && ResidualStarCleanup.FillAnyway(s, data, domain, layers, colours, w, h, out bool haloBeyond) && haloBeyond)
                ResidualStarCleanup.SubtractWideHalo(s, data, domain, layers, colours, w, h, WideHaloReach);
        }
        progress.Advance();
        return found;
    }

    /// <summary>The input (mapped to the model domain on reading) and the star layer.</summary>
    private sealed record Planes(float[] Data, float[] Layers, ModelDomain Domain, int Colours, int Width, int Height)
    {
        public int N => Width * Height;

        public double Luminance(int x, int y)
        {
            double sum = 0;
            for (int c = 0; c < Colours; c++) sum += Domain.Map(Data[c * N + y * Width + x]);
            return sum / Colours;
        }

        public double Luminance(double x, double y) => Bilinear(x, y, -1);

        public double Starless(int c, int x, int y)
        {
            int i = c * N + y * Width + x;
            return Domain.Map(Data[i]) - Layers[i];
        }

        public double Starless(int c, double x, double y) => Bilinear(x, y, c);

        /// <summary>Bilinear in the luminance (<paramref name="c"/> −1) or colour c's starless result; NaN off the frame.</summary>
        private double Bilinear(double x, double y, int c)
        {
            double At(int xi, int yi) => c < 0 ? Luminance(xi, yi) : Starless(c, xi, yi);
            if (!(x >= 0 && y >= 0 && x <= Width - 1 && y <= Height - 1)) return double.NaN;
            int x0 = Math.Min((int)x, Math.Max(0, Width - 2)), y0 = Math.Min((int)y, Math.Max(0, Height - 2));
            int x1 = Math.Min(x0 + 1, Width - 1), y1 = Math.Min(y0 + 1, Height - 1);
            double fx = x - x0, fy = y - y0;
            return (1 - fy) * ((1 - fx) * At(x0, y0) + fx * At(x1, y0)) + fy * ((1 - fx) * At(x0, y1) + fx * At(x1, y1));
        }
    }

    /// <summary>
    /// The spider test's reading round a star (<see cref="SpiderReading.Angle"/> says whether it
    /// has spikes): the input's luminance on 1-px rings from <paramref name="core"/> out
    /// <see cref="RingSpan"/> px, each less its median, summed per degree.
    /// </summary>
    private static SpiderReading Spider(Planes p, double x0, double y0, double core, double[] profile)
    {
        Array.Clear(profile);
        var ring = new double[360];
        var sorted = new float[360];
        // The luminance round the star once (mapping each pixel's colours costs more than the
        // 9,000 bilinear reads the rings make of them).
        int reach = (int)Math.Ceiling(core + 2 + RingSpan);
        int left = (int)Math.Floor(x0) - reach, top = (int)Math.Floor(y0) - reach, side = 2 * reach + 2;
        if (left < 0 || top < 0 || left + side > p.Width || top + side > p.Height) return SpiderReading.None; // an arm off the frame cannot be judged
        var patch = new float[side * side];
        var mapped = new float[side];
        for (int y = 0; y < side; y++)
        {
            var row = patch.AsSpan(y * side, side);
            for (int c = 0; c < p.Colours; c++)
            {
                p.Domain.Map(p.Data.AsSpan(c * p.N + (top + y) * p.Width + left, side), mapped);
                TensorPrimitives.Add(row, mapped, row);
            }
            TensorPrimitives.Multiply(row, 1f / p.Colours, row);
        }
        int first = (int)Math.Ceiling(core + 1), rings = (int)Math.Floor(core + 1 + RingSpan) - first + 1;
        // Per ring, the degrees above its upper quartile: a spike is a line, high on most
        // rings, where a neighbour star is high on a few (on a grid of stars 32 px apart,
        // four neighbours at right angles made a "spider" of their own).
        var high = new bool[rings * 360];
        for (int r = first; r < first + rings; r++)
        {
            for (int a = 0; a < 360; a++)
            {
                double px = x0 + r * Cos[a] - left, py = y0 + r * Sin[a] - top;
                int ix = (int)px, iy = (int)py;
                double fx = px - ix, fy = py - iy;
                int i = iy * side + ix;
                ring[a] = (1 - fy) * ((1 - fx) * patch[i] + fx * patch[i + 1]) + fy * ((1 - fx) * patch[i + side] + fx * patch[i + side + 1]);
            }
            for (int a = 0; a < 360; a++) sorted[a] = (float)ring[a];
            double median = RobustStatistics.Select(sorted, 0, 360, 180), quartile = RobustStatistics.Select(sorted, 0, 360, 270);
            for (int a = 0; a < 360; a++)
            {
                profile[a] += ring[a] - median;
                high[(r - first) * 360 + a] = ring[a] > quartile;
            }
        }

        // The fold's strongest degree: each arm's peak within ±2° of it.
        double best = double.NegativeInfinity;
        int at = 0;
        for (int a = 0; a < 90; a++)
        {
            double sum = 0;
            for (int arm = 0; arm < 4; arm++) sum += profile[(a + 90 * arm) % 360];
            if (sum > best) { best = sum; at = a; }
        }
        // The profile's noise away from the arms.
        var away = new List<double>(360);
        for (int a = 0; a < 360; a++)
        {
            int d = ((a - at) % 90 + 90) % 90;
            if (Math.Min(d, 90 - d) > 8) away.Add(profile[a]);
        }
        double level = Median(away.ToArray());
        for (int i = 0; i < away.Count; i++) away[i] = Math.Abs(away[i] - level);
        double sigma = 1.4826 * Median(away.ToArray());
        if (!(sigma > 0)) return SpiderReading.None;
        var peaks = new double[4];
        var alongs = new int[4];
        for (int arm = 0; arm < 4; arm++)
        {
            double peak = double.NegativeInfinity;
            for (int d = -2; d <= 2; d++) peak = Math.Max(peak, profile[((at + 90 * arm + d) % 360 + 360) % 360]);
            int along = 0;
            for (int r = 0; r < rings; r++)
                for (int d = -2; d <= 2; d++)
                    if (high[r * 360 + ((at + 90 * arm + d) % 360 + 360) % 360]) { along++; break; }
            peaks[arm] = peak;
            alongs[arm] = along;
        }
        return new SpiderReading(true, at, level, sigma, peaks, alongs, rings);
    }

    /// <summary>
    /// An arm's length from the star's centre, and its half-width: out from
    /// <paramref name="core"/> while the luminance on the arm stands above the pixels beside
    /// it (3 to 5 px off the arm on both sides).
    /// </summary>
    private static (double Length, double HalfWidth) Arm(Planes p, double x0, double y0, double theta, double core)
    {
        double ux = Math.Cos(theta), uy = Math.Sin(theta), vx = -uy, vy = ux;
        // The sky's noise beside the arm: the spread of the side samples' differences
        // between neighbouring steps, over the first RingSpan px.
        var steps = new List<double>();
        double previous = double.NaN;
        for (int r = (int)Math.Ceiling(core + 1); r <= core + 1 + RingSpan; r++)
        {
            double side = Side(p, x0 + r * ux, y0 + r * uy, vx, vy, 4);
            if (double.IsNaN(side)) break;
            if (!double.IsNaN(previous)) steps.Add(Math.Abs(side - previous));
            previous = side;
        }
        if (steps.Count < 4) return (0, MinHalfWidth);
        // A difference of two independent samples has √2 their σ; the median |difference| is 0.6745 of it.
        double sigma = Median(steps.ToArray()) / 0.6745 / Math.Sqrt(2);
        if (!(sigma > 0)) sigma = 1e-6;
        double length = core, gap = 0;
        double excessAtCore = double.NaN;
        for (int r = (int)Math.Ceiling(core + 1); r <= MaxArm; r++)
        {
            double cx = x0 + r * ux, cy = y0 + r * uy;
            double on = p.Luminance(cx, cy), side = Side(p, cx, cy, vx, vy, 4);
            if (double.IsNaN(on) || double.IsNaN(side)) break;
            double excess = on - side;
            if (double.IsNaN(excessAtCore)) excessAtCore = excess;
            if (excess >= MinStepSigma * sigma) { length = r; gap = 0; }
            else if (++gap > MaxGap) break;
        }
        // Half-width: across the arm a third of the way out, where its light falls below a quarter of the middle's.
        double mx = x0 + (core + (length - core) / 3) * ux, my = y0 + (core + (length - core) / 3) * uy;
        double middle = p.Luminance(mx, my) - Side(p, mx, my, vx, vy, 5);
        double half = MinHalfWidth;
        for (double u = 1; u <= MaxHalfWidth && middle > 0; u += 0.5)
        {
            double across = 0.5 * (p.Luminance(mx + u * vx, my + u * vy) + p.Luminance(mx - u * vx, my - u * vy)) - Side(p, mx, my, vx, vy, 5);
            if (!(across >= 0.25 * middle)) break;
            half = Math.Max(half, u + 0.5);
        }
        return (length, Math.Min(half, MaxHalfWidth));
    }

    /// <summary>The mean luminance 1 px wide at <paramref name="off"/> px on both sides of the arm's point.</summary>
    private static double Side(Planes p, double x, double y, double vx, double vy, double off) =>
        0.25 * (p.Luminance(x + off * vx, y + off * vy) + p.Luminance(x + (off + 1) * vx, y + (off + 1) * vy)
              + p.Luminance(x - off * vx, y - off * vy) + p.Luminance(x - (off + 1) * vx, y - (off + 1) * vy));

    /// <summary>
    /// Over the arm (from <paramref name="start"/> px out to <paramref name="length"/>, ±<paramref name="halfWidth"/>
    /// across), the starless result becomes the straight line across the arm between the
    /// pixels 1.5 px beyond its edges, read before any is written.
    /// </summary>
    private static void Flatten(Planes p, double x0, double y0, double theta, double length, double halfWidth, double start = 0)
    {
        double ux = Math.Cos(theta), uy = Math.Sin(theta), vx = -uy, vy = ux, edge = halfWidth + 1.5;
        int left = (int)Math.Floor(Math.Min(x0, x0 + length * ux) - edge), right = (int)Math.Ceiling(Math.Max(x0, x0 + length * ux) + edge);
        int top = (int)Math.Floor(Math.Min(y0, y0 + length * uy) - edge), bottom = (int)Math.Ceiling(Math.Max(y0, y0 + length * uy) + edge);
        left = Math.Max(0, left); top = Math.Max(0, top); right = Math.Min(p.Width - 1, right); bottom = Math.Min(p.Height - 1, bottom);
        var writes = new List<(int Index, float Layer)>();
        for (int y = top; y <= bottom; y++)
            for (int x = left; x <= right; x++)
            {
                double dx = x - x0, dy = y - y0, along = dx * ux + dy * uy, across = dx * vx + dy * vy;
                if (along < start || along > length || Math.Abs(across) > halfWidth) continue;
                double bx = x0 + along * ux, by = y0 + along * uy, f = (across + edge) / (2 * edge);
                for (int c = 0; c < p.Colours; c++)
                {
                    double a = p.Starless(c, bx - edge * vx, by - edge * vy), b = p.Starless(c, bx + edge * vx, by + edge * vy);
                    if (double.IsNaN(a) || double.IsNaN(b)) continue;
                    int i = c * p.N + y * p.Width + x;
                    double mapped = p.Domain.Map(p.Data[i]);
                    double starless = Math.Clamp((1 - f) * a + f * b, 0, mapped);
                    writes.Add((i, (float)(mapped - starless)));
                }
            }
        foreach (var (i, layer) in writes) p.Layers[i] = layer;
    }

    private static double Median(double[] values)
    {
        if (values.Length == 0) return 0;
        Array.Sort(values);
        int m = values.Length / 2;
        return values.Length % 2 == 1 ? values[m] : 0.5 * (values[m - 1] + values[m]);
    }
}
