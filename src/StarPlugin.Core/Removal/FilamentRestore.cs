using System.Numerics.Tensors;
using StarPlugin.Progress;
using StarPlugin.Threading;

namespace StarPlugin.Removal;

/// <summary>
/// Gives back the nebula filaments the network took with the stars. Thin bright filaments
/// look like stars to a small network: on the Veil (NGC 6960) it took the white and blue
/// filaments whole, and the starless result kept half the nebula's light. A star's light is
/// round; a filament's runs along a line, with less on both sides of it. So, on the
/// luminance of the star layer clamped to [0, input]:
/// 1. a grey opening by a line <see cref="LineLength"/> px long, at <see cref="Orientations"/>
///    angles: what stays of the layer where a line of that length fits under it, which no
///    star narrower than the line leaves;
/// 2. the ridge test: how far each angle's opening, less <see cref="RingAllowance"/> of it,
///    stands above the higher of the openings <see cref="Side"/> px to either side across the line.
///    A filament stands above both sides; a broad glow, a slope and a round halo do not (along
///    a line out from a star its halo falls all the way and the opening keeps it, but across
///    that line lies the same ring of halo);
/// 3. the most any angle stands is taken out of the layer (given back to the starless
///    image), each colour its share of the layer there (the filament's colour).
/// Two kinds of lines are stars' own: diffraction spikes and close pairs. So nothing is given
/// back within a disc round each source of the cleanup's census (<see cref="ExclusionRadius"/>:
/// wide round clipped stars, whose halos are wide too), nor, within <see cref="SpikeReach"/>
/// px of a clipped or nearly clipped star, along lines that run out from it.
/// Past the frame's edge the layer counts as 0, so a star at the edge is no line.
/// Runs after the other stages: what they took or gave back is the layer it reads.
/// Works on the model-domain star layer in place, in bands of <see cref="Band"/> rows read
/// with <see cref="HaloRows"/> rows each side, whose luminance is copied before any band
/// writes (about 2 · HaloRows / Band, a fifth, of one plane), so the result does not
/// depend on the threads. Memory per worker: about 4.5 band-sized planes of floats and one
/// of bytes (14 MB at 6000 px wide). Cancellation is checked per band; workers that see it
/// stop, and the calling thread throws.
/// </summary>
internal static class FilamentRestore
{
    /// <summary>The line's length in pixels: longer than a faint star is wide, shorter than a filament.</summary>
    public const int LineLength = 11;
    /// <summary>Angles of the line, evenly over 180°.</summary>
    public const int Orientations = 8;
    /// <summary>How far from a clipped star (px) lines running out from it are not given back: its spikes' reach.</summary>
    public const int SpikeReach = 150;
    /// <summary>A line within this share of the angle step of the direction to such a star runs out from it.</summary>
    public const double SpikeAngleShare = 1;
    /// <summary>Brightest clipped or nearly clipped sources (census and fill-only) whose lines are kept: as many as <see cref="DiffractionSpikes"/> looks at.</summary>
    public const int MaxSpikedStars = DiffractionSpikes.MaxStars;
    /// <summary>A clipped source's disc: this many times its fill's radius from its width, at most 1.5 × the fills' largest.</summary>
    public const double ClippedDiscScale = 3;
    /// <summary>The ridge test's reach (px): wider than a filament the line fits along, narrower than the gaps between filaments.</summary>
    public const int Side = 4;
    /// <summary>
    /// The share of a line's opening a ridge must stand above both sides by. Across a line on
    /// a round halo the sides lie a little further out on it, and stand lower by
    /// 1 − exp(−Side² / 2σ²): 12 % for a halo of σ 8 px, of which 8 % came back without the
    /// allowance. At 10 % 2 % of it does; at 20 % none, but a third less of the Veil's filaments.
    /// </summary>
    public const float RingAllowance = 0.1f;
    /// <summary>Rows per band.</summary>
    private const int Band = 128;

    private const int Reach = LineLength / 2;
    /// <summary>Rows a band reads beyond its own: the openings' reach (erosion and dilation) and the ridge test's.</summary>
    private const int HaloRows = 2 * Reach + Side;
    /// <summary>Each angle's line as pixel offsets (dx, dy) from its middle.</summary>
    private static readonly (int Dx, int Dy)[][] Lines = MakeLines();
    /// <summary>Per angle, the offset <see cref="Side"/> px across its line (rounded).</summary>
    private static readonly (int Dx, int Dy)[] Across = Enumerable.Range(0, Orientations)
        .Select(o => ((int)Math.Round(-Math.Sin(o * Math.PI / Orientations) * Side), (int)Math.Round(Math.Cos(o * Math.PI / Orientations) * Side))).ToArray();
    /// <summary>For each offset (dx, dy) within <see cref="SpikeReach"/>, the angles (bit per angle) of lines that run out along it; row-major, side 2·SpikeReach + 1.</summary>
    private static readonly byte[] Radial = MakeRadial();

    /// <summary>Per row of <see cref="Radial"/>, the bits set anywhere in it.</summary>
    private static readonly byte[] RadialRowAny = Enumerable.Range(0, 2 * SpikeReach + 1)
        .Select(r => Radial.AsSpan(r * (2 * SpikeReach + 1), 2 * SpikeReach + 1).ToArray().Aggregate((byte)0, (a, v) => (byte)(a | v))).ToArray();

    private static (int, int)[][] MakeLines()
    {
        var lines = new (int, int)[Orientations][];
        for (int o = 0; o < Orientations; o++)
        {
            double t = o * Math.PI / Orientations;
            var set = new List<(int, int)>();
            // Sampled finely along the line and rounded, so every pixel it crosses is in.
            for (int i = 0; i < 4 * LineLength; i++)
            {
                double s = -Reach + 2.0 * Reach * i / (4 * LineLength - 1);
                var p = ((int)Math.Round(Reach + s * Math.Cos(t)) - Reach, (int)Math.Round(Reach + s * Math.Sin(t)) - Reach);
                if (!set.Contains(p)) set.Add(p);
            }
            lines[o] = [.. set];
        }
        return lines;
    }

    private static byte[] MakeRadial()
    {
        int side = 2 * SpikeReach + 1;
        var bits = new byte[side * side];
        double step = 180.0 / Orientations;
        for (int dy = -SpikeReach; dy <= SpikeReach; dy++)
            for (int dx = -SpikeReach; dx <= SpikeReach; dx++)
            {
                if (dx * dx + dy * dy > SpikeReach * SpikeReach) continue;
                double angle = (Math.Atan2(dy, dx) * 180 / Math.PI % 180 + 180) % 180;
                byte b = 0;
                for (int o = 0; o < Orientations; o++)
                {
                    double d = Math.Abs(((angle - o * step + 90) % 180 + 180) % 180 - 90);
                    if (d <= SpikeAngleShare * step) b |= (byte)(1 << o);
                }
                bits[(dy + SpikeReach) * side + dx + SpikeReach] = b;
            }
        return bits;
    }

    /// <summary>Where nothing is given back round <paramref name="s"/>: its fill's reach and a pixel, or, clipped, <see cref="ClippedDiscScale"/> times its fill's radius from its width.</summary>
    public static double ExclusionRadius(in ResidualStarCleanup.Source s) => s.Saturated
        ? Math.Min(1.5 * ResidualStarCleanup.MaxSaturatedRadius, ClippedDiscScale * (ResidualStarCleanup.RadiusScale * s.Fwhm + 2))
        : ResidualStarCleanup.FillRadius(s) + 1;

    /// <param name="census">The cleanup's census: discs round its sources are left alone; the clipped and nearly clipped ones' lines too.</param>
    /// <param name="fillOnly">The fills' other sources (one-pixel and soft stars), as the census.</param>
    /// <param name="layers">Model-domain star layer, planar (channel c at c·w·h), edited in place.</param>
    /// <param name="data">The input, planar like the layer, in input units.</param>
    /// <param name="progress">One unit, advanced on the calling thread when done.</param>
    /// <param name="options">Parallelism (the tests run one worker); null: every core.</param>
    public static void Apply(IReadOnlyList<ResidualStarCleanup.Target> census, IReadOnlyList<ResidualStarCleanup.Target> fillOnly, float[] layers, float[] data, ModelDomain domain,
        int colours, int w, int h, ProgressReporter progress, ParallelOptions? options = null)
    {
        int n = w * h;
        int bands = (h + Band - 1) / Band;
        // Discs by their top row, so each band finds its own by a binary search.
        var discs = new List<(double Top, double X, double Y, double R)>(census.Count + fillOnly.Count);
        var spiked = new List<(double Flux, int X, int Y)>();
        foreach (var list in (IReadOnlyList<ResidualStarCleanup.Target>[])[census, fillOnly])
            foreach (var t in list)
            {
                var star = t.Star;
                double r = ExclusionRadius(star);
                if (!double.IsFinite(star.X) || !double.IsFinite(star.Y) || !double.IsFinite(r) || r < 0) continue;
                discs.Add((star.Y - r, star.X, star.Y, r));
                if (star.Saturated || star.Brightness >= DiffractionSpikes.NearClipped) spiked.Add((star.Flux, (int)Math.Round(star.X), (int)Math.Round(star.Y)));
            }
        discs.Sort((a, b) => a.Top.CompareTo(b.Top));
        double widest = discs.Count > 0 ? discs.Max(d => d.R) : 0;
        var brightest = spiked.OrderByDescending(t => t.Flux).Take(MaxSpikedStars).Select(t => (t.X, t.Y)).ToArray();
        // The luminance of the rows each band reads beyond its own, as they were before any
        // band wrote: bands run in parallel, and a neighbour's rows may already have been given back.
        var haloRows = new float[bands][];
        ParallelWorkers.For(bands, () => (Input: new float[w], Clamped: new float[w]), (b, s) =>
        {
            int y0 = b * Band, y1 = Math.Min(h, y0 + Band);
            int a0 = Math.Max(0, y0 - HaloRows), a1 = Math.Min(h, y1 + HaloRows);
            var rows = new float[(long)(y0 - a0 + a1 - y1) * w];
            int k = 0;
            for (int y = a0; y < a1; y++)
            {
                if (y >= y0 && y < y1) continue;
                LuminanceRow(layers, data, domain, colours, n, w, y, rows.AsSpan(k++ * w, w), s.Input, s.Clamped);
            }
            haloRows[b] = rows;
        }, options);
        progress.ThrowIfCancelled();
        ParallelWorkers.For(bands, () => new Scratch(w), (b, s) =>
        {
            if (progress.IsCancelled) return;
            int y0 = b * Band, y1 = Math.Min(h, y0 + Band);
            int a0 = Math.Max(0, y0 - HaloRows), a1 = Math.Min(h, y1 + HaloRows);
            Exclusions(discs, widest, brightest, s.Blocked, s.RowBlocked, w, y0, y1);
            // The luminance of the clamped layer over the band and its halo rows: one opening
            // for all colours (a third of the work), shared out by each colour's part below.
            for (int y = a0; y < a1; y++)
            {
                var row = s.Layer.AsSpan((y - a0) * w, w);
                if (y < y0) haloRows[b].AsSpan((y - a0) * w, w).CopyTo(row);
                else if (y >= y1) haloRows[b].AsSpan((y0 - a0 + y - y1) * w, w).CopyTo(row);
                else LuminanceRow(layers, data, domain, colours, n, w, y, row, s.Input, s.Clamped);
            }
            var ridge = s.Ridge.AsSpan(0, (y1 - y0) * w);
            ridge.Fill(float.NegativeInfinity);
            // Openings over the band and Side rows each side (the ridge test reads them), from
            // erosions over Reach rows more.
            int p0 = Math.Max(0, y0 - Side), p1 = Math.Min(h, y1 + Side);
            int e0 = Math.Max(0, p0 - Reach), e1 = Math.Min(h, p1 + Reach);
            for (int o = 0; o < Orientations; o++)
            {
                var line = Lines[o];
                for (int y = e0; y < e1; y++)
                {
                    var er = s.Eroded.AsSpan((y - e0) * w, w);
                    er.Fill(float.PositiveInfinity);
                    // Past the frame's edge the layer counts as 0: a line there fits under
                    // nothing, or a star at the edge would pass for a line half its length.
                    foreach (var (dx, dy) in line)
                    {
                        int yy = y + dy;
                        if (yy < 0 || yy >= h) { er.Clear(); break; }
                        int x0 = Math.Max(0, -dx), x1 = Math.Min(w, w - dx);
                        if (x1 <= x0) { er.Clear(); break; }
                        er[..x0].Clear();
                        er[x1..].Clear();
                        TensorPrimitives.Min(er.Slice(x0, x1 - x0), s.Layer.AsSpan((yy - a0) * w + x0 + dx, x1 - x0), er.Slice(x0, x1 - x0));
                    }
                }
                for (int y = p0; y < p1; y++)
                {
                    var op = s.Opened.AsSpan((y - p0) * w, w);
                    op.Fill(float.NegativeInfinity);
                    foreach (var (dx, dy) in line)
                    {
                        int yy = y - dy;
                        if (yy < e0 || yy >= e1) continue;
                        int x0 = Math.Max(0, dx), x1 = Math.Min(w, w + dx);
                        if (x1 <= x0) continue;
                        TensorPrimitives.Max(op.Slice(x0, x1 - x0), s.Eroded.AsSpan((yy - e0) * w + x0 - dx, x1 - x0), op.Slice(x0, x1 - x0));
                    }
                }
                byte bit = (byte)(1 << o);
                var (nx, ny) = Across[o];
                for (int y = y0; y < y1; y++)
                {
                    var op = s.Opened.AsSpan((y - p0) * w, w);
                    int r = (y - y0) * w;
                    // The ridge test: how far the opening stands above it Side px to either side across the line.
                    var side = s.Beside.AsSpan();
                    side.Fill(float.NegativeInfinity);
                    Beside(s.Opened, p0, p1, w, y + ny, nx, side);
                    Beside(s.Opened, p0, p1, w, y - ny, -nx, side);
                    TensorPrimitives.Negate(side, side);
                    TensorPrimitives.MultiplyAdd(op, 1 - RingAllowance, side, side);
                    var g = ridge.Slice(r, w);
                    if ((s.RowBlocked[y - y0] & bit) == 0) { TensorPrimitives.Max(g, side, g); continue; }
                    var blocked = s.Blocked.AsSpan(r, w);
                    for (int x = 0; x < w; x++)
                        if ((blocked[x] & bit) == 0) g[x] = Math.Max(g[x], side[x]);
                }
            }
            // Given back: how far the ridge stands, each colour its share of the layer there.
            for (int y = y0; y < y1; y++)
            {
                int r = (y - y0) * w;
                var give = ridge.Slice(r, w);
                var lum = s.Layer.AsSpan((y - a0) * w, w);
                for (int c = 0; c < colours; c++)
                {
                    ClampedRow(layers, data, domain, c, n, w, y, s.Input, s.Clamped);
                    var l = layers.AsSpan(c * n + y * w, w);
                    for (int x = 0; x < w; x++)
                    {
                        float g = give[x];
                        if (g > 0 && float.IsFinite(g) && lum[x] > 0) l[x] -= Math.Min(s.Clamped[x], g * s.Clamped[x] / lum[x]);
                    }
                }
            }
        });
        progress.ThrowIfCancelled();
        progress.Advance();
    }

    /// <summary>
    /// dst = max(dst, the opening at (x + dx, y)), for the opening's rows p0..p1 (one plane of
    /// them from row p0); +∞ where that lies outside them or the frame: no ridge at the edge.
    /// </summary>
    private static void Beside(float[] opened, int p0, int p1, int w, int y, int dx, Span<float> dst)
    {
        if (y < p0 || y >= p1) { dst.Fill(float.PositiveInfinity); return; }
        int x0 = Math.Max(0, -dx), x1 = Math.Min(w, w - dx);
        if (x1 <= x0) { dst.Fill(float.PositiveInfinity); return; }
        dst[..x0].Fill(float.PositiveInfinity);
        dst[x1..].Fill(float.PositiveInfinity);
        TensorPrimitives.Max(dst[x0..x1], opened.AsSpan((y - p0) * w + x0 + dx, x1 - x0), dst[x0..x1]);
    }

    /// <summary>Row y of colour c's star layer clamped to [0, input] (0 where the layer is not finite; the domain maps a non-finite input to 0).</summary>
    private static void ClampedRow(float[] layers, float[] data, ModelDomain domain, int c, int n, int w, int y, float[] input, float[] clamped)
    {
        domain.Map(data.AsSpan(c * n + y * w, w), input);
        var layer = layers.AsSpan(c * n + y * w, w);
        for (int x = 0; x < w; x++)
        {
            float l = layer[x];
            clamped[x] = float.IsFinite(l) ? Math.Clamp(l, 0f, input[x]) : 0f;
        }
    }

    /// <summary>Row y of the clamped layer's luminance (the mean over the colours) into <paramref name="row"/>.</summary>
    private static void LuminanceRow(float[] layers, float[] data, ModelDomain domain, int colours, int n, int w, int y, Span<float> row, float[] input, float[] clamped)
    {
        row.Clear();
        for (int c = 0; c < colours; c++)
        {
            ClampedRow(layers, data, domain, c, n, w, y, input, clamped);
            TensorPrimitives.Add(row, clamped, row);
        }
        if (colours > 1) TensorPrimitives.Multiply(row, 1f / colours, row);
    }

    /// <summary>Per-worker band buffers.</summary>
    private sealed class Scratch(int w)
    {
        public readonly float[] Layer = new float[(long)(Band + 2 * HaloRows) * w];
        public readonly float[] Eroded = new float[(long)(Band + 2 * (Reach + FilamentRestore.Side)) * w];
        public readonly float[] Opened = new float[(long)(Band + 2 * FilamentRestore.Side) * w];
        /// <summary>A row of the ridge test: the higher opening beside the line, then the opening's height above it.</summary>
        public readonly float[] Beside = new float[w];
        public readonly float[] Ridge = new float[(long)Band * w];
        public readonly float[] Input = new float[w];
        public readonly float[] Clamped = new float[w];
        /// <summary>Per row of the band, the bits of <see cref="Blocked"/> set anywhere in it.</summary>
        public readonly byte[] RowBlocked = new byte[Band];
        /// <summary>Per pixel of the band, a bit per angle not given back there (all bits: nothing is).</summary>
        public readonly byte[] Blocked = new byte[(long)Band * w];
    }

    /// <summary>Marks, for rows y0..y1, the angles not given back: all within the sources' discs, and lines running out from the clipped stars.</summary>
    /// <param name="discs">Sorted by their top row; <paramref name="widest"/> is the largest radius.</param>
    private static void Exclusions(List<(double Top, double X, double Y, double R)> discs, double widest, (int X, int Y)[] brightest, byte[] blocked, byte[] rowBlocked, int w, int y0, int y1)
    {
        Array.Clear(blocked, 0, (y1 - y0) * w);
        Array.Clear(rowBlocked);
        int side = 2 * SpikeReach + 1;
        foreach (var (sx, sy) in brightest)
        {
            if (sy + SpikeReach < y0 || sy - SpikeReach >= y1) continue;
            int ya = Math.Max(y0, sy - SpikeReach), yb = Math.Min(y1, sy + SpikeReach + 1);
            int xa = Math.Max(0, sx - SpikeReach), xb = Math.Min(w, sx + SpikeReach + 1);
            if (xb <= xa) continue;
            for (int y = ya; y < yb; y++)
            {
                int k = (y - sy + SpikeReach) * side - sx + SpikeReach;
                var row = blocked.AsSpan((y - y0) * w + xa, xb - xa);
                TensorPrimitives.BitwiseOr<byte>(row, Radial.AsSpan(k + xa, xb - xa), row);
                rowBlocked[y - y0] |= RadialRowAny[y - sy + SpikeReach];
            }
        }
        // The discs whose top is above y1 and whose bottom (at most 2·widest below the top) reaches y0.
        int first = LowerBound(discs, y0 - 2 * widest);
        for (int i = first; i < discs.Count && discs[i].Top < y1; i++)
        {
            var (_, cx, cy, r) = discs[i];
            if (cy + r < y0) continue;
            int ya = Math.Max(y0, (int)Math.Ceiling(cy - r)), yb = Math.Min(y1 - 1, (int)Math.Floor(cy + r));
            for (int y = ya; y <= yb; y++)
            {
                double half = Math.Sqrt(Math.Max(0, r * r - (y - cy) * (y - cy)));
                int xa = Math.Max(0, (int)Math.Ceiling(cx - half)), xb = Math.Min(w - 1, (int)Math.Floor(cx + half));
                if (xb >= xa) { blocked.AsSpan((y - y0) * w + xa, xb - xa + 1).Fill(0xFF); rowBlocked[y - y0] = 0xFF; }
            }
        }
    }

    /// <summary>The first disc whose top row is at or below <paramref name="top"/>.</summary>
    private static int LowerBound(List<(double Top, double X, double Y, double R)> discs, double top)
    {
        int lo = 0, hi = discs.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (discs[mid].Top < top) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
