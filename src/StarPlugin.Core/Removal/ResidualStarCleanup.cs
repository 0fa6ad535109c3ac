using System.Numerics.Tensors;
using StarPlugin.Detection;
using StarPlugin.Imaging;
using StarPlugin.Progress;
using StarPlugin.Threading;

namespace StarPlugin.Removal;

/// <summary>
/// Second stage after the network: finds stars the network left behind and fills them.
/// A small CPU model leaves faint and strongly coloured stars (and the dark hole of some
/// bright ones); users then clone them out by hand. This stage does that clone-out:
/// 1. detect point sources in the model-domain input (luminance), at full, half and quarter resolution;
/// 2. keep the star-like ones: correlation coefficient ≥ 0.6 (or a saturated core) and
///    a FWHM from 1 px to 3× the field's PSF, so nebula knots and galaxies broader than
///    that are never touched; and, for the fills only (not the PSF, the locus or the
///    galaxy stage), unsaturated one-pixel stars of 0.5–1 px (a lone hot pixel is
///    narrower; it stays) and soft stars up to 4.5× the PSF from a 4×4-binned pass, which
///    as wide sources are filled only where the network already took part of them;
/// 3. at each, measure the starless result against a plane fitted to a surrounding
///    annulus, per channel; where the core still stands out (or sinks) by ≥ 3σ of the
///    mean, replace the disc by that plane plus noise of the annulus' σ, feathered.
/// Works on the model-domain star layer (the network's output) in place; the caller's
/// clamp to [0, input] follows.
/// Cost: about one default detection pass plus a few hundred pixels per star. Stars are processed in
/// parallel by 80-px cells in four phases (a checkerboard of cell parities), so no two
/// stars in flight are within reach of each other's pixels and the result does not
/// depend on thread timing.
/// </summary>
internal static class ResidualStarCleanup
{
    /// <summary>How far (in σ of the mean) the core must stand out of the fitted sky to be filled.</summary>
    public const float Significance = 3f;
    /// <summary>
    /// Lowest correlation coefficient of a source the stage fills. The stars the network
    /// leaves in dense fields are faint and crowded, and their coefficient falls below the
    /// detector's confident 0.8: with 0.8 not one of the 600 stars sep still found in M3
    /// after removal was in the list, and 0.6 took M3's residual from 39 % to 20 %.
    /// </summary>
    public const float FillCoefficient = 0.6f;
    /// <summary>
    /// Narrowest FWHM (px) of a point source the stage fills. Sources from here to 1 px are
    /// too sharp for the PSF estimate and the galaxy stage, but they are stars: those of a
    /// downsampled or undersampled picture are one bright pixel with a little light in its
    /// neighbours (SMC Hα: 167 with 12 on each side, 0.6 px), and the network leaves them.
    /// A lone hot pixel, nothing in its neighbours, measures about 0 and stays.
    /// </summary>
    public const double MinPointFwhm = 0.5;
    /// <summary>Widest FWHM, in units of the field's PSF FWHM, that still counts as a star.</summary>
    public const double MaxWidth = 3.0;
    /// <summary>
    /// The same for the 4×4 pass' soft stars (<see cref="FindSources"/>): NGC 40's measure
    /// 11-12 px against a PSF of 3.8. Being wide, they are filled only where the network took
    /// ≥ <see cref="MinRemovedWide"/> of their light (a galaxy or knot it kept stays).
    /// </summary>
    public const double MaxFillOnlyWidth = 4.5;
    /// <summary>
    /// Sources wider than this many PSF FWHM may be compact galaxies as well as soft bright
    /// stars; the stage then defers to the network: it fills one only where the network
    /// already took at least <see cref="MinRemovedWide"/> of its light (a star it did not
    /// finish), never where the network left it whole (a galaxy it chose to keep); unless
    /// the source is confident and not resolved against the stellar locus (see
    /// <see cref="Apply"/>).
    /// Saturated sources too: the network takes at least 90 % of a saturated star's core
    /// (held-out pairs), while a clipped galaxy core, which it keeps, was once filled with
    /// a speckled disc of sky plus noise.
    /// </summary>
    public const double NarrowWidth = 1.5;
    public const double MinRemovedWide = 0.3;
    /// <summary>
    /// A clipped source this elongated (roundness) and this wide (PSF units) is a clipped
    /// galaxy core far more often than a star: it is filled only where the network took at
    /// least <see cref="MinRemovedElongatedClipped"/> of its light. On the 49 dev pictures
    /// the network took 32-47 % of four such galaxies' light (Hercules' edge-on spiral,
    /// two of Hydra's, one of Coma's) and the fill erased the rest; the clipped stars at
    /// 30-60 % were rounder or narrower (M17 2.4 PSF, Eta Carinae 2.4) or a globular
    /// cluster's core, which the network takes more of (NGC 6752, 50-56 %).
    /// </summary>
    public const double ElongatedClippedRoundness = 0.35, ElongatedClippedWidth = 3.0, MinRemovedElongatedClipped = 0.5;
    /// <summary>Fill radius: RadiusScale·FWHM + 2 px, clamped to 3..MaxRadius px (MaxSaturatedRadius when saturated).</summary>
    public const double RadiusScale = 1.2, MaxRadius = 15, MaxSaturatedRadius = 30;
    /// <summary>A fill keeps the input's pixels whose 3×3 mean is within this many of its σ of the sky plane (see Fill).</summary>
    public const double KeepBelow = 2;
    /// <summary>
    /// A saturated star's fill grows with what stands of its halo, up to this many times its
    /// radius from the width. At 2 the disc of one of the Dark Shark's bright stars (7.4 px
    /// from its width) stopped at 14.8 px, inside the ring of halo the network left (12-17 px).
    /// </summary>
    public const double HaloGrowth = 3;
    /// <summary>The least a clipped source's centre stands above its sky (model domain) for its fill to grow with its halo.</summary>
    public const double MinHaloContrast = 0.4;
    /// <summary>
    /// Plain sky: a clipped star's centre stands at least this many σ of the sky round it
    /// (<see cref="StarPatch.HaloRadius"/>; σ of its far rings, noise and texture alike) above
    /// that sky. Only there does its fill disc go out to the halo's edge; elsewhere the halo
    /// is taken away (<see cref="StarPatch.SubtractHalo"/>). The discs that flattened nebulae
    /// stood 2-26 σ (M17's bars, the Rosette's ridges, NGC 2170's reflection nebulae); haloes
    /// on a plain sky 45 and more (the Dark Shark, M15, Coma, Hydra). A noisy plain sky
    /// (noise over 3 % of the range) reads busy, and a smooth bright nebula plain.
    /// Spiked stars (<see cref="FillAnyway"/>) from PlainSkySigmasSpiked: the disc also covers
    /// their spikes' colour fringes, which a subtracted halo leaves (Leo, LDN 673, M3).
    /// </summary>
    public const double PlainSkySigmas = 30, PlainSkySigmasSpiked = 10;
    /// <summary>Rings (px) and sectors <see cref="StarPatch.SubtractHalo"/> measures a halo in.</summary>
    private const int HaloBand = 2, HaloSectors = 8;
    /// <summary>
    /// The halo at a ring is the fall of the HaloRank-th least sector (from 0): the least
    /// alone sat under the halo in a nebula's grain; the third least took a fifth of a
    /// bright band through the star (tests).
    /// </summary>
    private const int HaloRank = 1;
    /// <summary>
    /// The ring a halo's fall is measured against: from a pixel to this many past its outer
    /// radius. Within a star's patch (<see cref="StarPatch"/>) and the schedule's reach (<see cref="Cell"/>)
    /// while it is at most AnnulusWidth + 1.
    /// </summary>
    private const double HaloBackgroundReach = 3;
    /// <summary>Fewest pixels of a ring-sector that count (fewer: cut off by the frame's edge).</summary>
    private const int MinSectorPixels = 4;
    /// <summary>
    /// The fill's noise has the annulus' σ (its MAD about the plane) but at most GrainCap ×
    /// the σ its pixels' second differences along rows give. Where a neighbour's wing or a halo
    /// crossed the annulus, the MAD was many times the sky's noise and the fill became a
    /// speckled, multicoloured disc (seen on the synthetic fields with truth). Differences
    /// of correlated noise (JPEG, debayering) read low, hence the margin above 1.
    /// </summary>
    public const double GrainCap = 1.5;
    /// <summary>Fewer runs of three in a row in the annulus than this and the grain is the MAD's σ.</summary>
    private const int MinGrainSamples = 8;
    /// <summary>The annulus for the sky plane spans r + 1 .. r + AnnulusWidth.</summary>
    private const double AnnulusWidth = 4;
    /// <summary>
    /// Cell size of the parallel schedule. Sources of one phase are a cell apart, so what
    /// one source reads (up to MaxSaturatedRadius + annulus + 1 px from its centre, in
    /// Assess and HaloRadius; SubtractHalo to MaxSaturatedRadius + HaloBackgroundReach) plus
    /// what another writes (a fill, up to MaxSaturatedRadius + 0.5 px; a halo taken away,
    /// under MaxSaturatedRadius + 1) must stay under it: 35 + 31 &lt; 80.
    /// </summary>
    private const int Cell = 80;

    /// <summary>
    /// The star-like sources of the input, as the network saw it (model domain). Needs
    /// only the input, so the caller can run it beside the network.
    /// </summary>
    /// <param name="data">The input image, planar (channel c at c·w·h), in input units.</param>
    /// <param name="domain">Maps an input value into the model domain.</param>
    public static List<Target> FindStars(float[] data, ModelDomain domain, int colours, int w, int h, ProgressReporter progress) =>
        FindSources(data, domain, colours, w, h, progress).Targets;

    /// <summary><see cref="FindStars"/>, with the PSF map their widths are measured against.</summary>
    /// <param name="scratch">A plane of w·h the census may work in (it is overwritten), instead of a new one.</param>
    /// <param name="maxSources">
    /// At most this many sources from the full-resolution pass, a quarter as many from
    /// the 2×2-binned one and a sixteenth from the 4×4 one, the strongest (0: no limit); <c>Limited</c> says whether weaker ones
    /// were dropped. The census is the one part of a removal's memory that grows with what
    /// is in the image rather than with its size: the limit holds it to a constant.
    /// </param>
    /// <returns>
    /// Targets: the census the PSF, the locus and the galaxy stage are made of; FillOnly,
    /// for the fills only: the one-pixel stars (<see cref="MinPointFwhm"/> to 1 px), and the
    /// soft stars wider than the census' sweeps that a 4×4-binned pass finds.
    /// </returns>
    internal static (List<Target> Targets, List<Target> FillOnly, FieldPsf Psf, bool Limited) FindSources(float[] data, ModelDomain domain, int colours, int w, int h, ProgressReporter progress, float[]? scratch = null, int maxSources = 0)
    {
        // D up front (FillCoefficient at full resolution, 0.8 binned): only star-like sources
        // are wanted, and the detector then skips measuring the many weaker correlation
        // peaks (most of its time on nebula data).
        // Two scales for the census (a third, 4×4, for the fills only: below). Soft, bright stars of a stretched JPEG reach σ 3.2 (FWHM 7.5 px),
        // wider than the detector's default sweep, which rejects them as extended; a
        // full-resolution sweep to σ 3.2 with its σ 4.8 guard took a third of the
        // pipeline's time at 24 MP. So the fine pass sweeps σ 0.8–1.6 (guard 2.4) and a
        // pass on the 2×2-binned luminance sweeps binned σ 1.0–1.6, i.e. σ 2–3.2 (guard
        // 4.8 as before): the same widths for about half the correlation work.
        // The binned pass runs first, on luminance rows made on the fly, in native memory
        // given back before the full-resolution luminance plane is touched (a dead managed
        // quarter plane stayed resident beside it).
        progress.ThrowIfCancelled();
        int n = w * h;
        List<DetectedStar> coarse = [], coarsest = [];
        bool coarseLimited = false, coarsestLimited = false;
        if (w >= 32 && h >= 32)
        {
            int bw = w / 2, bh = h / 2;
            using var binned = new NativePlane(bw * bh);
            Bin2((y, row) => LuminanceRow(data, domain, colours, w, n, y, row), w, h, binned.Memory);
            NativePlane? quarter = null;
            Task<(List<DetectedStar> Found, bool Limited)>? soft = null;
            try
            {
                if (bw >= 32 && bh >= 32)
                {
                    // The softest stars of a soft or hard-stretched picture (NGC 40: FWHM 10-12 px
                    // at 90 % of white, not clipped) are wider than both sweeps, and the network
                    // leaves coloured discs of them: a third pass on 4×4 bins (σ 4-6.4 px) finds
                    // them, for the fills only. A sixteenth of the pixels: little cost. It runs
                    // beside the 2×2 pass: each has few bands to share among the cores, and
                    // one after the other they left a core idle (a 1 Mpx picture: 30 ms).
                    int qw = bw / 2, qh = bh / 2;
                    quarter = new NativePlane(qw * qh);
                    Bin2((y, _) => binned.Memory.Span.Slice(y * bw, bw), bw, bh, quarter.Memory);
                    var softPass = CoarsePass with { MaxSources = maxSources > 0 ? Math.Max(1, maxSources / 16) : 0 };
                    var plane = quarter.Memory;
                    soft = Task.Run(() =>
                    {
                        var found = StarDetector.DetectDestructive(plane, qw, qh, softPass, out bool limited);
                        return (found.Select(s => Unbin(Unbin(s))).ToList(), limited);
                    });
                }
                var pass = CoarsePass with { MaxSources = maxSources > 0 ? Math.Max(1, maxSources / 4) : 0 };
                coarse = StarDetector.DetectDestructive(binned.Memory, bw, bh, pass, out coarseLimited).Select(Unbin).ToList();
            }
            finally
            {
                // Its plane is freed only once the pass is done with it, whatever failed.
                try { soft?.Wait(); }
                catch (AggregateException) { /* reported below when nothing else failed */ }
                ((IDisposable?)quarter)?.Dispose();
            }
            if (soft != null) (coarsest, coarsestLimited) = soft.GetAwaiter().GetResult();
        }
        progress.ThrowIfCancelled();
        // Without a scratch plane from the caller, the luminance lives in native memory too.
        using var own = scratch == null ? new NativePlane(n) : null;
        var lum = scratch != null ? scratch.AsMemory() : own!.Memory;
        if (lum.Length != n) throw new ArgumentException("the luminance plane must hold w·h values");
        Parallel.For(0, h, y => LuminanceRow(data, domain, colours, w, n, y, lum.Span.Slice(y * w, w)));
        var fine = StarDetector.DetectDestructive(lum, w, h, FinePass with { MaxSources = maxSources }, out bool fineLimited, progress.AsCallback());
        progress.ThrowIfCancelled();
        // The detector's dead scratch (its duplicate grid, band lists) goes before the
        // targets are allocated beside its catalogue.
        LargeGarbage.Release(n);
        var (targets, fillOnly, psf) = Select(fine, coarse, w, h);
        fillOnly.AddRange(Softest(coarsest, targets, psf));
        return (targets, fillOnly, psf, fineLimited || coarseLimited || coarsestLimited);
    }

    /// <summary>Row y of the luminance, the mean of the colour planes in the model domain, into <paramref name="row"/> (one image row long).</summary>
    internal static ReadOnlySpan<float> LuminanceRow(float[] data, ModelDomain domain, int colours, int w, int n, int y, Span<float> row) =>
        LuminanceRow(data, domain, colours, w, n, y, 0, row);

    /// <summary>Columns x0 … x0 + <paramref name="segment"/>.Length − 1 of row y of the luminance, into <paramref name="segment"/>.</summary>
    internal static ReadOnlySpan<float> LuminanceRow(float[] data, ModelDomain domain, int colours, int w, int n, int y, int x0, Span<float> segment)
    {
        int len = segment.Length;
        segment.Clear();
        var mapped = System.Buffers.ArrayPool<float>.Shared.Rent(len);
        for (int c = 0; c < colours; c++)
        {
            domain.Map(data.AsSpan(c * n + y * w + x0, len), mapped.AsSpan(0, len));
            TensorPrimitives.Add(segment, mapped.AsSpan(0, len), segment);
        }
        System.Buffers.ArrayPool<float>.Shared.Return(mapped);
        if (colours > 1) TensorPrimitives.Multiply(segment, 1f / colours, segment);
        return segment;
    }

    // One D everywhere and ring backgrounds (no flat-sky relief or mesh background): the
    // cleanup was tuned and benched with them.
    private static readonly DetectionOptions FinePass = new() { Threshold = FillCoefficient, FlatSkyRelief = 0f, FlatSkyBackground = false, GMin = 0.8f, GMax = 1.6f, GStep = 0.4f, MinFwhm = (float)MinPointFwhm };
    /// <summary>In binned pixels: σ 1.0–1.6, mesh 16 (32 px), FWHM ≥ 1 (2 px).</summary>
    private static readonly DetectionOptions CoarsePass = new() { Threshold = 0.8f, FlatSkyRelief = 0f, FlatSkyBackground = false, GMin = 1.0f, GMax = 1.6f, GStep = 0.2f, MeshSize = 16 };

    /// <summary>The mean of each 2×2 block into <paramref name="dst"/> ((w/2)·(h/2) values; an odd last row or column is dropped).</summary>
    private static void Bin2(BackgroundMesh.RowSource rows, int w, int h, Memory<float> dst)
    {
        int bw = w / 2, bh = h / 2;
        ParallelWorkers.For(bh, () => (new float[w], new float[w], new float[w]), (y, buf) =>
        {
            var (pair, a, b) = buf;
            TensorPrimitives.Add(rows(2 * y, a), rows(2 * y + 1, b), pair);
            var d = dst.Span.Slice(y * bw, bw);
            for (int x = 0; x < bw; x++) d[x] = 0.25f * (pair[2 * x] + pair[2 * x + 1]);
        });
    }

    /// <summary>A detection on the binned image in full-resolution pixels (binned pixel i covers pixels 2i and 2i + 1).</summary>
    private static DetectedStar Unbin(DetectedStar s) => s with
    {
        Row = 2 * s.Row, Col = 2 * s.Col, X = 2 * s.X + 0.5, Y = 2 * s.Y + 0.5, Fwhm = 2 * s.Fwhm, Width = 2 * s.Width,
    };

    /// <summary>Fills, in the star layer, every star of <paramref name="stars"/> that still stands out of the starless result.</summary>
    /// <param name="layers">Model-domain star layer, planar, edited in place.</param>
    /// <param name="locus">
    /// The frame's stellar locus (<see cref="GalaxyProtection.LocusOf"/>). A wide source with
    /// correlation ≥ <see cref="GalaxyProtection.ConfidentCoefficient"/> that the star-field
    /// width test does not call resolved against the locus (<see cref="GalaxyProtection.InStarField"/>:
    /// at most 1.3× the width of a star of its brightness here, or 1.6× if round) is a star
    /// swollen by the stretch, and is filled even where the network kept it whole (the
    /// network took dozens of such soft bright stars for galaxies on the synthetic fields
    /// with truth, where they were most of its error). Other wide sources are left to the
    /// network's judgement (<see cref="MinRemovedWide"/>). Null or not measured: every wide
    /// source is, as before the locus was used here.
    /// </param>
    /// <returns>How many stars were filled.</returns>
    /// <param name="fillOnly">The sources outside the census (<see cref="FindSources"/>' FillOnly), filled as the stars are, up to <see cref="MaxFillOnlyWidth"/>.</param>
    public static int Apply(IReadOnlyList<Target> stars, float[] data, ModelDomain domain, float[] layers, int colours, int w, int h, ProgressReporter progress, StellarLocus? locus = null,
        IReadOnlyList<Target>? fillOnly = null)
    {
        // One index space over both lists: the census, then the fill-only sources.
        int count = stars.Count + (fillOnly?.Count ?? 0);
        Target At(int i) => i < stars.Count ? stars[i] : fillOnly![i - stars.Count];
        // Group by cell, then run the four parity phases one after another. The grouping is
        // a counting sort of indices (4 bytes a source, census order kept within a cell): a
        // list of target copies per cell took 50 MB on a crowded 33 Mpx field.
        int cellsX = (w + Cell - 1) / Cell, cellsY = (h + Cell - 1) / Cell;
        int CellOf(in Target t) => Math.Clamp((int)(t.Star.Y / Cell), 0, cellsY - 1) * cellsX + Math.Clamp((int)(t.Star.X / Cell), 0, cellsX - 1);
        // Census sources broader than MaxWidth × the PSF are nebula knots or galaxies: never
        // filled (they are in the list for GalaxyProtection); the fill-only soft stars go to
        // MaxFillOnlyWidth, under the wide rule.
        bool FillableAt(int i, in Target t) => t.Star.Saturated || t.Width <= (i < stars.Count ? MaxWidth : MaxFillOnlyWidth);
        var start = new int[cellsX * cellsY + 1];
        for (int i = 0; i < count; i++) { var t = At(i); if (FillableAt(i, t)) start[CellOf(t) + 1]++; }
        for (int k = 0; k < cellsX * cellsY; k++) start[k + 1] += start[k];
        var order = new int[start[^1]];
        var next = start[..^1];
        for (int i = 0; i < count; i++) { var t = At(i); if (FillableAt(i, t)) order[next[CellOf(t)]++] = i; }
        int filled = 0;
        var image = new Planes(data, layers, domain, colours, w, h);
        for (int phase = 0; phase < 4; phase++)
        {
            var mine = Enumerable.Range(0, cellsX * cellsY)
                .Where(k => start[k + 1] > start[k] && (k % cellsX) % 2 == phase % 2 && (k / cellsX) % 2 == phase / 2).ToArray();
            Parallel.ForEach(mine, () => new StarPatch(colours), (k, _, patch) =>
            {
                for (int j = start[k]; j < start[k + 1]; j++)
                {
                    var t = At(order[j]);
                    // Only sources the locus judges (confident ones, as the galaxy stage) are
                    // taken from the network's judgement: on a galaxy's slope a star's
                    // coefficient falls below 0.8, and the fill's plane there cut a notch.
                    // Only the census is judged: the locus was made of it, and a fill-only soft
                    // source the network kept whole (it may be a galaxy) stays.
                    bool judged = order[j] < stars.Count && locus != null && locus.Measured && t.Star.Coefficient >= GalaxyProtection.ConfidentCoefficient;
                    bool deferToNetwork = t.Wide && (!judged || GalaxyProtection.InStarField.IsResolved(t, locus!));
                    // What a star of its brightness measures here, for the close-pair test of a judged source.
                    double starFwhm = deferToNetwork && judged ? t.Star.Fwhm / t.Width * locus!.At(t.Star.Brightness) : double.NaN;
                    bool elongatedClipped = t.Star.Saturated && t.Star.Roundness >= ElongatedClippedRoundness && t.Width >= ElongatedClippedWidth;
                    if (patch.Clean(image, t.Star, deferToNetwork, starFwhm, elongatedClipped)) Interlocked.Increment(ref filled);
                }
                return patch;
            }, _ => { });
            progress.ThrowIfCancelled();
        }
        progress.Advance();
        return filled;
    }

    /// <summary>
    /// A source to clean; <see cref="Width"/>: its FWHM in units of the PSF FWHM where it
    /// stands (<see cref="FieldPsf"/>);
    /// <see cref="Wide"/>: broader than a star of this field usually is.
    /// </summary>
    public readonly record struct Target(Source Star, float Width, bool Wide);

    /// <summary>
    /// What the fills and the galaxy stage read of a detection, inline: a crowded field's
    /// census has a million sources, and the detector's record and a reference to it took
    /// 128 bytes each where this takes 64. Fields as in <see cref="DetectedStar"/>; those in
    /// float (and the target's width) can fall on the other side of a threshold than the
    /// double did, within 1e-7 of it: no result changed on the real pictures compared.
    /// </summary>
    public readonly record struct Source(double X, double Y, double Fwhm, double Flux, float Background, float Coefficient, float Brightness,
        float Snr, float Roundness, int Row, int Col, bool Saturated)
    {
        public static Source Of(DetectedStar s) =>
            new(s.X, s.Y, s.Fwhm, s.Flux, (float)s.Background, s.Coefficient, s.Brightness, (float)s.Snr, (float)s.Roundness, s.Row, s.Col, s.Saturated);
    }

    /// <summary>
    /// Star-like detections: correlation ≥ <see cref="FillCoefficient"/> (0.8 on the binned pass) or saturated, FWHM ≥ 1 px, with their width
    /// in units of the PSF where they stand (<see cref="FieldPsf"/>); <see cref="Apply"/>
    /// fills only those up to MaxWidth (any width when saturated). Those wider than
    /// NarrowWidth × the PSF are marked wide (see <see cref="MinRemovedWide"/>). A coarse
    /// detection is dropped where the fine pass already has a star (the same star seen at
    /// both scales).
    /// </summary>
    private static (List<Target> Targets, List<Target> FillOnly, FieldPsf Psf) Select(IReadOnlyList<DetectedStar> fine, IReadOnlyList<DetectedStar> coarse, int w, int h)
    {
        static bool Star(DetectedStar s) => (s.Coefficient >= FillCoefficient || s.Saturated) && double.IsFinite(s.Fwhm) && s.Fwhm >= 1.0;
        static bool Point(DetectedStar s) => s.Coefficient >= FillCoefficient && !s.Saturated && s.Fwhm >= MinPointFwhm && s.Fwhm < 1.0;
        var candidates = fine.Where(Star).ToList();
        var psf = FieldPsf.Estimate(candidates, w, h);
        var extra = CoarseOnly(candidates, coarse.Where(Star));
        // The merge's grid is dead: give it back before the targets are allocated.
        LargeGarbage.Release((long)w * h);
        var targets = new List<Target>(candidates.Count + extra.Count);
        foreach (var s in candidates.Concat(extra))
        {
            double local = psf.At(s.X, s.Y);
            targets.Add(new Target(Source.Of(s), (float)(s.Fwhm / local), !s.Saturated && s.Fwhm > NarrowWidth * local));
        }
        var points = fine.Where(Point).Select(s => new Target(Source.Of(s), (float)(s.Fwhm / psf.At(s.X, s.Y)), false)).ToList();
        return (targets, points, psf);
    }

    /// <summary>
    /// The 4×4 pass' unclipped star-like detections (correlation ≥ 0.8) where the census has
    /// no source within max(3 px, FWHM/2), as wide targets: filled only where the network
    /// took ≥ <see cref="MinRemovedWide"/> of their light, never by the locus.
    /// </summary>
    private static List<Target> Softest(List<DetectedStar> coarsest, List<Target> census, FieldPsf psf)
    {
        var soft = coarsest.Where(s => !s.Saturated && s.Coefficient >= 0.8f && double.IsFinite(s.Fwhm)).ToList();
        if (soft.Count == 0) return [];
        // The few soft detections in a grid, the census scanned once against it (a grid of
        // the census took a record per source: up to 80 MB at the source limit). Any census
        // source blocks one, those wider than MaxWidth too: where the census found a knot or
        // a galaxy, a fill of a soft detection smoothed its texture (NGC 5363).
        double reach = soft.Max(s => Math.Max(3, 0.5 * s.Fwhm));
        var cells = new Dictionary<(int, int), List<int>>();
        (int, int) CellOf(double x, double y) => ((int)Math.Floor(x / reach), (int)Math.Floor(y / reach));
        for (int k = 0; k < soft.Count; k++)
        {
            var key = CellOf(soft[k].X, soft[k].Y);
            if (!cells.TryGetValue(key, out var list)) cells[key] = list = [];
            list.Add(k);
        }
        var blocked = new bool[soft.Count];
        foreach (var t in census)
        {
            var (cx, cy) = CellOf(t.Star.X, t.Star.Y);
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    if (cells.TryGetValue((cx + dx, cy + dy), out var list))
                        foreach (int k in list)
                        {
                            double r = Math.Max(3, 0.5 * soft[k].Fwhm), ex = t.Star.X - soft[k].X, ey = t.Star.Y - soft[k].Y;
                            if (ex * ex + ey * ey <= r * r) blocked[k] = true;
                        }
        }
        // Wide always: filled only where the network took MinRemovedWide of the light.
        return soft.Where((_, k) => !blocked[k]).Select(s => new Target(Source.Of(s), (float)(s.Fwhm / psf.At(s.X, s.Y)), true)).ToList();
    }

    /// <summary>The coarse detections with no fine one within max(3 px, FWHM/2): the same star seen at both scales counts once.</summary>
    private static List<DetectedStar> CoarseOnly(List<DetectedStar> fine, IEnumerable<DetectedStar> coarse)
    {
        var grid = new StarGrid(8, fine.Count);
        foreach (var s in fine) grid.Add(s);
        return coarse.Where(s => !grid.AnyWithin(s.X, s.Y, Math.Max(3, 0.5 * s.Fwhm))).ToList();
    }

    private const int NoiseLength = 1 << 16;
    /// <summary>Standard normal draws for the fills, made once from a fixed seed (results stay reproducible).</summary>
    private static readonly float[] Noise = MakeNoise();

    private static float[] MakeNoise()
    {
        var rng = new Random(20261121);
        var table = new float[NoiseLength];
        for (int i = 0; i < table.Length; i++) table[i] = (float)rng.NextGaussian();
        return table;
    }

    /// <summary>
    /// Fills clipped star <paramref name="s"/> out to its halo (or, on a busy sky, takes the
    /// halo away and fills the core) whether or not the network left anything of it that
    /// stands out (<see cref="StarPatch.FillAnyway"/>); for stars known to be stars by other
    /// means. False where it cannot be measured.
    /// </summary>
    /// <param name="haloBeyond">Whether what stands of its halo reaches the growth's cap (<see cref="MaxSaturatedRadius"/> at most): the halo goes on past it.</param>
    internal static bool FillAnyway(Source s, float[] data, ModelDomain domain, float[] layers, int colours, int w, int h, out bool haloBeyond) =>
        new StarPatch(colours).FillAnyway(new Planes(data, layers, domain, colours, w, h), s, out haloBeyond);

    /// <summary>
    /// Takes what is left of a star's halo, out to <paramref name="outer"/> px, from the
    /// starless result (<see cref="StarPatch.SubtractHalo"/> from the centre out): for the few
    /// brightest stars, whose halo goes on past what the fills reach. One star at a time.
    /// </summary>
    internal static void SubtractWideHalo(Source s, float[] data, ModelDomain domain, float[] layers, int colours, int w, int h, double outer)
    {
        int side = 2 * (int)Math.Ceiling(outer + HaloBackgroundReach) + 3;
        StarPatch.SubtractHalo(new Planes(data, layers, domain, colours, w, h), s, 0, outer, new int[side * side], new float[side * side], new float[side * side]);
    }

    /// <summary>
    /// Fills each star's disc afresh from its annulus in the current starless result (at its
    /// fill radius: no halo growth) and keeps, per pixel, whichever of the old and new star
    /// layers takes less away: a disc filled when its surroundings were removed too, and left
    /// at their dark level, takes the level of what has come back round it since, while a
    /// source the network kept stays as it is. One star after another, in order.
    /// </summary>
    /// <param name="progress">Checked for cancellation now and then (no advance).</param>
    internal static void RefillWhereBrighter(IReadOnlyList<Source> stars, float[] data, ModelDomain domain, float[] layers, int colours, int w, int h, ProgressReporter progress)
    {
        if (stars.Count == 0) return;
        var patch = new StarPatch(colours);
        var image = new Planes(data, layers, domain, colours, w, h);
        int n = w * h, side = 2 * ((int)Math.Ceiling(MaxSaturatedRadius) + 2) + 1;
        var before = new float[colours * side * side];
        for (int j = 0; j < stars.Count; j++)
        {
            if ((j & 255) == 255) progress.ThrowIfCancelled();
            var s = stars[j];
            // The disc reaches its radius and half a pixel.
            int reach = (int)Math.Ceiling(FillRadius(s)) + 1;
            int x0 = Math.Max(0, (int)Math.Floor(s.X) - reach), x1 = Math.Min(w - 1, (int)Math.Ceiling(s.X) + reach);
            int y0 = Math.Max(0, (int)Math.Floor(s.Y) - reach), y1 = Math.Min(h - 1, (int)Math.Ceiling(s.Y) + reach);
            if (x1 < x0 || y1 < y0) continue;
            int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
            for (int c = 0; c < colours; c++)
                for (int y = y0; y <= y1; y++) layers.AsSpan(c * n + y * w + x0, bw).CopyTo(before.AsSpan((c * bh + y - y0) * bw, bw));
            // Not grown with the halo: over a galaxy every ring stands, and the disc grew past
            // the galaxy into the removed sky beyond, whose level it then took.
            if (!patch.FillAnyway(image, s, out _, growWithHalo: false)) continue;
            for (int c = 0; c < colours; c++)
                for (int y = y0; y <= y1; y++)
                {
                    var row = layers.AsSpan(c * n + y * w + x0, bw);
                    TensorPrimitives.Min(row, before.AsSpan((c * bh + y - y0) * bw, bw), row);
                }
        }
    }

    /// <summary>The disc a fill replaces around a source (see <see cref="RadiusScale"/>).</summary>
    internal static double FillRadius(Source s) => Math.Clamp(RadiusScale * s.Fwhm + 2, 3, s.Saturated ? MaxSaturatedRadius : MaxRadius);

    /// <summary>What <see cref="StarPatch.Assess"/> found at one source; Radius and the box locate the fill.</summary>
    internal readonly record struct Assessment(bool Stands, double Removed, double Radius, int X0, int Y0, int X1, int Y1);

    /// <summary>
    /// Assesses each target against the star layer without editing it (for tuning the
    /// selection rules on data with known truth; the bench uses it).
    /// </summary>
    internal static Assessment[] Assess(IReadOnlyList<Target> stars, float[] data, ModelDomain domain, float[] layers, int colours, int w, int h)
    {
        var image = new Planes(data, layers, domain, colours, w, h);
        var patch = new StarPatch(colours);
        return stars.Select(s => patch.Assess(image, s.Star)).ToArray();
    }

    /// <summary>The input, the domain map and the star layer being edited.</summary>
    private sealed record Planes(float[] Data, float[] Layers, ModelDomain Domain, int Colours, int Width, int Height);

    /// <summary>Per-thread scratch for one star at a time: the starless patch per channel, annulus samples.</summary>
    private sealed class StarPatch(int colours)
    {
        private const int Side = 2 * (int)(MaxSaturatedRadius + AnnulusWidth + 2) + 1;
        private readonly float[][] _starless = Enumerable.Range(0, colours).Select(_ => new float[Side * Side]).ToArray();
        private readonly float[][] _input = Enumerable.Range(0, colours).Select(_ => new float[Side * Side]).ToArray();
        // HaloRadius' own (a fill after it still uses the Assess buffers above), and Fill's 3×3 means.
        private readonly float[] _halo = new float[Side * Side], _haloRow = new float[Side * Side], _box = new float[Side * Side];
        private readonly int[] _bucketOf = new int[Side * Side];
        private readonly float[] _samples = new float[Side * Side];
        private readonly Offset[] _ring = new Offset[Side * Side], _core = new Offset[Side * Side];
        private readonly (double A, double B, double C, double Sigma, double Grain)[] _fit = new (double, double, double, double, double)[colours];
        private ClippedStarShape? _shape;
        private CloseDouble? _pair;

        /// <param name="starFwhm">
        /// For a wide source: the FWHM (px) a star of its brightness has here, so that a close
        /// pair of stars the network kept is filled (<see cref="CloseDouble"/>); NaN: not judged.
        /// </param>
        /// <param name="elongatedClipped">A clipped source as elongated and wide as a galaxy core (<see cref="ElongatedClippedRoundness"/>): taken for one the network kept unless it took <see cref="MinRemovedElongatedClipped"/> (a sharp, round star by its clipped shape is still filled, <see cref="ClippedStarShape"/>).</param>
        public bool Clean(Planes p, Source s, bool wide, double starFwhm = double.NaN, bool elongatedClipped = false)
        {
            var at = Assess(p, s);
            if (!at.Stands) return false;
            if ((wide || s.Saturated) && !(at.Removed >= (elongatedClipped ? MinRemovedElongatedClipped : MinRemovedWide)))
            {
                // The network kept it: a galaxy's clipped core, or a star it took for one. A
                // sharp, round one is a star (ClippedStarShape), filled as a known star.
                if (!wide && s.Saturated && (_shape ??= new ClippedStarShape()).IsSharpRoundStar(p.Data, p.Domain, p.Colours, p.Width, p.Height, s.X, s.Y))
                    return FillAnyway(p, s, out _);
                // A broad one may be two stars a FWHM apart, which the network keeps as it
                // keeps a small galaxy: filled when two stars explain it (CloseDouble).
                if (wide && !s.Saturated && double.IsFinite(starFwhm)
                    && (_pair ??= new CloseDouble()).IsPairOfStars(p.Data, p.Domain, p.Colours, p.Width, p.Height, s.X, s.Y, s.Fwhm, starFwhm))
                {
                    Fill(p, s, at);
                    return true;
                }
                return false;
            }
            // A clipped star's halo reaches further than its width says (the width of a
            // clipped core is the plateau's): a fill to that radius left the halo's outer
            // part as a coloured ring round a flat disc (Dark Shark, NGC 691).
            if (s.Saturated && HaloRadius(p, s, at.Radius, out double centreSigmas) is var grown && grown >= at.Radius + 1)
            {
                if (centreSigmas >= PlainSkySigmas)
                {
                    // On a plain sky the disc goes out to the halo's edge. Assess loads the
                    // patch the fill works on: back to the first one if the wider does not stand.
                    var wider = Assess(p, s, grown);
                    at = wider.Stands ? wider : Assess(p, s);
                }
                else
                {
                    // Elsewhere a halo is taken away, then the core is filled at its own
                    // radius on what that leaves. Out to the growth's cap: on a busy sky what
                    // stands of a halo above it ends well inside the halo's edge.
                    SubtractHalo(p, s, at.Radius, HaloLimit(at.Radius), _bucketOf, _samples, _halo);
                    at = Assess(p, s, anyway: true);
                    if (at.Radius <= 0) return true;
                }
            }
            Fill(p, s, at);
            return true;
        }

        /// <summary>
        /// Fills a (nearly) clipped star whatever the network made of it, out to its halo
        /// (<see cref="HaloRadius"/>; below <see cref="PlainSkySigmasSpiked"/> the halo is taken
        /// away, <see cref="SubtractHalo"/>, and the core filled): for stars known to be stars otherwise (their
        /// diffraction spikes), where the network's leftovers (a coloured ring round a dark
        /// centre) do not stand out of an annulus they lift. False where the patch cannot be
        /// measured (too near the frame's edge).
        /// </summary>
        /// <param name="growWithHalo">Whether the disc grows with what stands of the halo; without, it is the star's fill radius.</param>
        /// <param name="haloBeyond">Whether what stands of the halo reaches the growth's cap.</param>
        public bool FillAnyway(Planes p, Source s, out bool haloBeyond, bool growWithHalo = true)
        {
            haloBeyond = false;
            var at = Assess(p, s, anyway: true);
            if (at.Radius <= 0) return false;
            if (growWithHalo && HaloRadius(p, s, at.Radius, out double centreSigmas) is var grown && grown >= at.Radius + 1)
            {
                haloBeyond = grown >= HaloLimit(at.Radius) - 0.5;
                // As in Clean, but the disc goes to the halo's edge on a busier sky: these are
                // stars, and the disc also covers their spikes' colour fringes.
                if (centreSigmas >= PlainSkySigmasSpiked)
                {
                    // Assess loads the patch the fill works on: back to the first one if the wider cannot be measured.
                    var wider = Assess(p, s, grown, anyway: true);
                    at = wider.Radius > 0 ? wider : Assess(p, s, anyway: true);
                }
                else
                {
                    SubtractHalo(p, s, at.Radius, HaloLimit(at.Radius), _bucketOf, _samples, _halo);
                    at = Assess(p, s, anyway: true);
                    if (at.Radius <= 0) return true;
                }
            }
            Fill(p, s, at);
            return true;
        }

        /// <summary>
        /// Takes a clipped star's halo out of the starless result between its fill radius
        /// (less the feather) and <paramref name="outer"/>: per colour, in rings of
        /// <see cref="HaloBand"/> px and <see cref="HaloSectors"/> sectors, the median of each
        /// ring-sector less the median of its sector just outside (outer + 1 to outer +
        /// <see cref="HaloBackgroundReach"/>), the second least over the sectors (never below 0) per
        /// ring, linear between ring centres and tapered to 0 a pixel past outer. Only light
        /// that falls off outward in (nearly) every direction goes: a halo does; a ridge
        /// through the star, a nebula's edge beside it and the grain under the halo stay,
        /// where a disc of sky plane and noise would flatten them. Sectors the frame's edge
        /// cuts off are left out; with fewer than half the sectors left nothing is taken.
        /// </summary>
        /// <param name="bucketOf">Scratch of (2·⌈outer + HaloBackgroundReach⌉ + 3)² or more; so are <paramref name="samples"/> and <paramref name="distance"/>.</param>
        public static void SubtractHalo(Planes p, Source s, double inner, double outer, int[] bucketOf, float[] samples, float[] distance)
        {
            // Whether a ring-sector from r0 to r1 holding nb pixels is at least half there (the frame cuts the rest).
            static bool Whole(int nb, double r0, double r1) => nb >= MinSectorPixels && nb >= 0.5 * Math.PI * (r1 * r1 - r0 * r0) / HaloSectors;
            int w = p.Width, n = w * p.Height;
            double from = Math.Max(0, inner - 2), bgFrom = outer + 1, bgTo = outer + HaloBackgroundReach;
            int bands = Math.Max(1, (int)Math.Ceiling((bgFrom - from) / HaloBand));
            int reach = (int)Math.Ceiling(bgTo);
            int x0 = Math.Max(0, (int)Math.Floor(s.X - reach)), x1 = Math.Min(w - 1, (int)Math.Ceiling(s.X + reach));
            int y0 = Math.Max(0, (int)Math.Floor(s.Y - reach)), y1 = Math.Min(p.Height - 1, (int)Math.Ceiling(s.Y + reach));
            int pw = x1 - x0 + 1;
            // Each pixel's bucket: ring band × sector, the background ring last; -1 outside.
            int buckets = (bands + 1) * HaloSectors;
            Span<int> start = stackalloc int[buckets + 1];
            start.Clear();
            for (int y = y0; y <= y1; y++)
                for (int x = x0; x <= x1; x++)
                {
                    double dx = x - s.X, dy = y - s.Y, d = Math.Sqrt(dx * dx + dy * dy);
                    distance[(y - y0) * pw + (x - x0)] = (float)d;
                    int band = d >= from && d < bgFrom ? Math.Min(bands - 1, (int)((d - from) / HaloBand)) : d >= bgFrom && d <= bgTo ? bands : -1;
                    int b = band < 0 ? -1 : band * HaloSectors + Math.Min(HaloSectors - 1, (int)((Math.Atan2(dy, dx) + Math.PI) * (HaloSectors / (2 * Math.PI))));
                    bucketOf[(y - y0) * pw + (x - x0)] = b;
                    if (b >= 0) start[b + 1]++;
                }
            for (int b = 0; b < buckets; b++) start[b + 1] += start[b];
            Span<int> next = stackalloc int[buckets];
            Span<double> halo = stackalloc double[bands];
            Span<double> background = stackalloc double[HaloSectors], falls = stackalloc double[HaloSectors];
            for (int c = 0; c < p.Colours; c++)
            {
                start[..buckets].CopyTo(next);
                for (int y = y0; y <= y1; y++)
                    for (int x = x0; x <= x1; x++)
                    {
                        int b = bucketOf[(y - y0) * pw + (x - x0)];
                        if (b < 0) continue;
                        int i = c * n + y * w + x;
                        samples[next[b]++] = p.Domain.Map(p.Data[i]) - p.Layers[i];
                    }
                // A sector whose background ring the frame cuts (half of it or more) says nothing
                // (NaN): what is left of it lies to one side of the sector's rings inside.
                for (int k = 0; k < HaloSectors; k++)
                {
                    int b = bands * HaloSectors + k, nb = start[b + 1] - start[b];
                    background[k] = Whole(nb, bgFrom, bgTo) ? RobustStatistics.Select(samples, start[b], nb, nb / 2) : double.NaN;
                }
                int firstMeasured = -1;
                for (int band = 0; band < bands; band++)
                {
                    int m = 0;
                    for (int k = 0; k < HaloSectors; k++)
                    {
                        int b = band * HaloSectors + k, nb = start[b + 1] - start[b];
                        if (!Whole(nb, from + band * HaloBand, Math.Min(bgFrom, from + (band + 1) * HaloBand)) || double.IsNaN(background[k])) continue;
                        falls[m++] = RobustStatistics.Select(samples, start[b], nb, nb / 2) - background[k];
                    }
                    falls[..m].Sort();
                    double fall = m < HaloSectors / 2 ? 0 : falls[Math.Min(m - 1, HaloRank)];
                    if (m >= HaloSectors / 2 && firstMeasured < 0) firstMeasured = band;
                    // Not-a-number pixels (a corrupt frame) give none.
                    halo[band] = double.IsFinite(fall) ? Math.Max(0, fall) : 0;
                }
                // Rings too small for eight sectors (from the centre out) take the first
                // measured ring's level: left at 0 they kept a dot of the fill in the middle.
                for (int band = 0; band < firstMeasured; band++) halo[band] = halo[firstMeasured];
                for (int y = y0; y <= y1; y++)
                    for (int x = x0; x <= x1; x++)
                    {
                        double d = distance[(y - y0) * pw + (x - x0)];
                        if (d < from || d >= bgFrom) continue;
                        // Linear between band centres; flat inside the first centre (the fill
                        // covers it), and to 0 at a pixel past outer.
                        double u = (d - from) / HaloBand - 0.5;
                        int lo = Math.Clamp((int)Math.Floor(u), 0, bands - 1), hi = Math.Min(lo + 1, bands - 1);
                        double t = Math.Clamp(u - lo, 0, 1);
                        double value = halo[lo] + t * (halo[hi] - halo[lo]);
                        value *= Math.Clamp(bgFrom - d, 0, 1);
                        p.Layers[c * n + y * w + x] += (float)value;
                    }
            }
        }

        /// <summary>How far a clipped star's fill of radius r may reach for its halo.</summary>
        private static double HaloLimit(double r) => Math.Min(HaloGrowth * r, MaxSaturatedRadius);

        /// <summary>
        /// The fill radius that takes in what stands of a saturated star's halo in the
        /// starless result: ring by ring (1 px) from the fill's feather out to the limit,
        /// the median luminance of each quadrant of the ring against the sky's (the
        /// outermost rings of the patch); the disc goes past the outermost two rings in a
        /// row whose every quadrant stands max(0.5, 3 standard errors of a median) σ above
        /// it. The limit: <see cref="HaloGrowth"/> × the radius from the width (a bright knot
        /// of nebula under the star would otherwise grow the disc over it) and
        /// MaxSaturatedRadius. No growth where the centre stands less than
        /// <see cref="MinHaloContrast"/> above the sky.
        /// </summary>
        /// <param name="centreSigmas">
        /// How far the star's centre stands above that sky, in σ of the sky (0 where the disc
        /// does not grow for want of contrast or sky; not a number, never plain, where σ is not).
        /// </param>
        private double HaloRadius(Planes p, Source s, double r, out double centreSigmas)
        {
            centreSigmas = 0;
            int reach = (int)(MaxSaturatedRadius + AnnulusWidth);
            int w = p.Width, n = w * p.Height;
            int x0 = Math.Max(0, (int)Math.Floor(s.X - reach)), x1 = Math.Min(w - 1, (int)Math.Ceiling(s.X + reach));
            int y0 = Math.Max(0, (int)Math.Floor(s.Y - reach)), y1 = Math.Min(p.Height - 1, (int)Math.Ceiling(s.Y + reach));
            double limit = HaloLimit(r);
            int run = 0, edge = (int)Math.Floor(r - 1.5), first = Math.Max(0, edge);
            // The sky, from the outermost AnnulusWidth rings alone (a sixth of the box).
            int m = 0;
            for (int y = y0; y <= y1; y++)
            {
                double dy = y - s.Y, outer2 = (reach + 1) * (reach + 1) - dy * dy, inner = reach + 1 - AnnulusWidth;
                if (outer2 <= 0) continue;
                double ho = Math.Sqrt(outer2), hi = Math.Abs(dy) < inner ? Math.Sqrt(inner * inner - dy * dy) : 0;
                if (hi == 0) SkySegment(y, (int)Math.Ceiling(s.X - ho), (int)Math.Floor(s.X + ho));
                else
                {
                    SkySegment(y, (int)Math.Ceiling(s.X - ho), (int)Math.Floor(s.X - hi));
                    SkySegment(y, (int)Math.Ceiling(s.X + hi), (int)Math.Floor(s.X + ho));
                }
            }
            if (m < 12) return r;
            float sky = RobustStatistics.Select(_samples, 0, m, m / 2);
            for (int k = 0; k < m; k++) _samples[k] = MathF.Abs(_samples[k] - sky);
            double sigma = Math.Max(RobustStatistics.MadToSigma * RobustStatistics.Select(_samples, 0, m, m / 2), 1e-6);
            // A clipped star stands far above its sky; a clipped plateau of glow (a globular
            // cluster's core, a galaxy's nucleus on its bulge) little: M15's core is 0.2 of
            // the range above the sky 30 px out, clipped stars 0.65-0.93. Over such glow every
            // ring stands, and the disc grew to its cap as a flat plateau.
            int cx = Math.Clamp((int)Math.Round(s.X), 0, w - 1), cy = Math.Clamp((int)Math.Round(s.Y), 0, p.Height - 1);
            float centre = 0;
            for (int c = 0; c < p.Colours; c++)
            {
                p.Domain.Map(p.Data.AsSpan(c * n + cy * w + cx, 1), _haloRow.AsSpan(0, 1));
                centre += _haloRow[0] / p.Colours;
            }
            if (!(centre - sky >= MinHaloContrast)) return r;
            centreSigmas = (centre - sky) / sigma;
            // The starless luminance of the box the loop below can reach (its rings end below
            // the limit; the sky came from the band), and each pixel's ring-and-quadrant bucket.
            int box = Math.Min(reach, (int)Math.Ceiling(limit) + 1);
            x0 = Math.Max(0, (int)Math.Floor(s.X - box)); x1 = Math.Min(w - 1, (int)Math.Ceiling(s.X + box));
            y0 = Math.Max(0, (int)Math.Floor(s.Y - box)); y1 = Math.Min(p.Height - 1, (int)Math.Ceiling(s.Y + box));
            int pw = x1 - x0 + 1;
            var lum = _halo;
            Array.Clear(lum);
            var mapped = _haloRow.AsSpan(0, pw);
            for (int c = 0; c < p.Colours; c++)
                for (int y = y0; y <= y1; y++)
                {
                    int i = c * n + y * w + x0;
                    p.Domain.Map(p.Data.AsSpan(i, pw), mapped);
                    TensorPrimitives.Subtract(mapped, p.Layers.AsSpan(i, pw), mapped);
                    TensorPrimitives.Add(lum.AsSpan((y - y0) * pw, pw), mapped, lum.AsSpan((y - y0) * pw, pw));
                }
            // Counting sort of the box's pixels by ring and quadrant about the star, into
            // _samples (each bucket k·4 + q taken once).
            int buckets = 4 * (reach + 1);
            Span<int> start = stackalloc int[buckets + 1];
            start.Clear();
            for (int y = y0; y <= y1; y++)
                for (int x = x0; x <= x1; x++)
                {
                    int k = Ring(x, y), b = k * 4 + (x >= s.X ? 1 : 0) + (y >= s.Y ? 2 : 0);
                    _bucketOf[(y - y0) * pw + (x - x0)] = k <= reach ? b : -1;
                    if (k <= reach) start[b + 1]++;
                }
            for (int b = 0; b < buckets; b++) start[b + 1] += start[b];
            Span<int> next = stackalloc int[buckets];
            start[..buckets].CopyTo(next);
            for (int j = 0; j < pw * (y1 - y0 + 1); j++)
            {
                int b = _bucketOf[j];
                if (b >= 0) _samples[next[b]++] = lum[j] / p.Colours;
            }
            for (int k = first; k + 1.5 < limit && k < reach + 1 - (int)AnnulusWidth; k++)
            {
                int count = start[4 * k + 4] - start[4 * k];
                // Rings cut by the picture's border would weigh one side: stop there.
                if (count < 0.75 * 2 * Math.PI * Math.Max(k, 1)) return Math.Max(r, Math.Min(edge + 1.5, limit));
                // A halo is round: it stands in all four quadrants. A galaxy or a nebula's
                // edge beside the star lifts one side (on Coma a star's disc grew over half
                // of the giant elliptical beside it, and left a crescent).
                bool stands = true;
                for (int b = 4 * k; b < 4 * k + 4 && stands; b++)
                {
                    int nb = start[b + 1] - start[b];
                    stands = nb > 0 && RobustStatistics.Select(_samples, start[b], nb, nb / 2) - sky >= Math.Max(0.5, 3 * 1.2533 / Math.Sqrt(nb)) * sigma;
                }
                // Every ring out to the limit is read, and the disc goes out past the outermost
                // two standing in a row: where the network took the core and the inner halo,
                // what it left is a ring further out, quiet rings between (Dark Shark).
                if (stands) { if (++run >= 2) edge = k + 1; }
                else run = 0;
            }
            return Math.Max(r, Math.Min(edge + 1.5, limit));

            int Ring(int x, int y) => (int)Math.Sqrt((x - s.X) * (x - s.X) + (y - s.Y) * (y - s.Y));

            // The starless luminance of row y, columns xa..xb, where in the sky rings, into _samples.
            void SkySegment(int y, int xa, int xb)
            {
                xa = Math.Max(xa, 0); xb = Math.Min(xb, w - 1);
                int len = xb - xa + 1;
                if (len <= 0) return;
                var acc = _halo.AsSpan(0, len); var row = _haloRow.AsSpan(0, len);
                acc.Clear();
                for (int c = 0; c < p.Colours; c++)
                {
                    int i = c * n + y * w + xa;
                    p.Domain.Map(p.Data.AsSpan(i, len), row);
                    TensorPrimitives.Subtract(row, p.Layers.AsSpan(i, len), row);
                    TensorPrimitives.Add(acc, row, acc);
                }
                for (int x = xa; x <= xb; x++)
                {
                    int k = Ring(x, y);
                    if (k > reach - AnnulusWidth && k <= reach) _samples[m++] = acc[x - xa] / p.Colours;
                }
            }
        }

        /// <summary>
        /// Loads the patch, fits the sky plane per channel, and measures the core: whether
        /// it still stands out of the starless result, and the share of its light above the
        /// sky that the network removed (NaN where the input has none).
        /// </summary>
        /// <param name="anyway">Ready the fill (its grain) even where the core does not stand: <see cref="FillAnyway"/>.</param>
        public Assessment Assess(Planes p, Source s, double radius = double.NaN, bool anyway = false)
        {
            double r = double.IsNaN(radius) ? FillRadius(s) : radius;
            double outer = r + AnnulusWidth, core = Math.Max(1.0, 0.6 * s.Fwhm);
            int w = p.Width, n = w * p.Height;
            int x0 = Math.Max(0, (int)Math.Floor(s.X - outer)), x1 = Math.Min(w - 1, (int)Math.Ceiling(s.X + outer));
            int y0 = Math.Max(0, (int)Math.Floor(s.Y - outer)), y1 = Math.Min(p.Height - 1, (int)Math.Ceiling(s.Y + outer));
            int pw = x1 - x0 + 1;
            // The annulus and the core are the same pixels in every colour: listed once.
            int ringCount = Pixels(pw, x0, y0, x0, y0, x1, y1, s.X, s.Y, r + 1, outer, _ring);
            int coreCount = Pixels(pw, x0, y0, Math.Max(x0, (int)Math.Floor(s.X - core)), Math.Max(y0, (int)Math.Floor(s.Y - core)),
                Math.Min(x1, (int)Math.Ceiling(s.X + core)), Math.Min(y1, (int)Math.Ceiling(s.Y + core)), s.X, s.Y, 0, core, _core);
            if (ringCount < 12) return default;
            bool stands = false;
            double excess = 0, left = 0;
            for (int c = 0; c < p.Colours; c++)
            {
                var sl = _starless[c]; var inp = _input[c];
                for (int y = y0; y <= y1; y++)
                {
                    int i = c * n + y * w + x0, j = (y - y0) * pw;
                    var mapped = inp.AsSpan(j, pw);
                    p.Domain.Map(p.Data.AsSpan(i, pw), mapped);
                    TensorPrimitives.Subtract(mapped, p.Layers.AsSpan(i, pw), sl.AsSpan(j, pw));
                }
                if (!FitPlane(sl, _ring, ringCount, out _fit[c])) return default;
                var (mean, count) = CoreMean(sl, _core, coreCount, _fit[c]);
                if (count > 0 && Math.Abs(mean) >= Significance * _fit[c].Sigma / Math.Sqrt(count)) stands = true;
                // Light in the core above the sky plane: in the input, and in the starless result.
                var (inputExcess, _) = CoreMean(inp, _core, coreCount, _fit[c]);
                excess += inputExcess; left += mean;
            }
            // The fill's grain (a third selection per channel) only where there may be a fill:
            // the network removed most sources, and they need none.
            if (stands || anyway)
                for (int c = 0; c < p.Colours; c++)
                {
                    _fit[c].Grain = Grain(_starless[c], _ring, ringCount, _fit[c].Sigma);
                    if (!double.IsFinite(_fit[c].Grain)) return default;
                }
            return new Assessment(stands, excess > 0 ? (excess - left) / excess : double.NaN, r, x0, y0, x1, y1);
        }

        /// <summary>A patch pixel and its offset from the source's centre.</summary>
        private readonly record struct Offset(int Index, double Dx, double Dy);

        /// <summary>
        /// The pixels of columns xa..xb, rows ya..yb whose distance d from (cx, cy) has
        /// r0² ≤ d² ≤ r1² (r0 = 0: the whole disc), row by row, as patch indices (patch
        /// origin x0, y0, row length pw) into <paramref name="into"/>; returns how many.
        /// </summary>
        private static int Pixels(int pw, int x0, int y0, int xa, int ya, int xb, int yb, double cx, double cy, double r0, double r1, Offset[] into)
        {
            int k = 0;
            for (int y = ya; y <= yb; y++)
                for (int x = xa; x <= xb; x++)
                {
                    double dx = x - cx, dy = y - cy, d2 = dx * dx + dy * dy;
                    if (d2 < r0 * r0 || d2 > r1 * r1) continue;
                    into[k++] = new Offset((y - y0) * pw + (x - x0), dx, dy);
                }
            return k;
        }
        /// <summary>Replaces the disc by the fitted sky plane plus noise, feathered (after <see cref="Assess"/> on the same star).</summary>
        private void Fill(Planes p, Source s, Assessment at)
        {
            var (r, x0, y0, x1, y1) = (at.Radius, at.X0, at.Y0, at.X1, at.Y1);
            int w = p.Width, n = w * p.Height, pw = x1 - x0 + 1;
            // Noise from a fixed table at a per-star offset: a Box–Muller draw per pixel was
            // most of this stage's time (thousands of stars × hundreds of pixels × colours).
            uint noise = (uint)(s.Row * 7919 + s.Col * 31) * 2654435761u;
            int ph = y1 - y0 + 1;
            // Only the disc's box: outside it d ≥ r + 0.5 and the weight is 0 (and no noise
            // is drawn), but the patch reaches the annulus, 3.5 px further, and took 4 times
            // as many square roots.
            int xa = Math.Max(x0, (int)Math.Floor(s.X - r - 0.5)), xb = Math.Min(x1, (int)Math.Ceiling(s.X + r + 0.5));
            int ya = Math.Max(y0, (int)Math.Floor(s.Y - r - 0.5)), yb = Math.Min(y1, (int)Math.Ceiling(s.Y + r + 0.5));
            for (int c = 0; c < p.Colours; c++)
            {
                var (a, b, cc, _, grain) = _fit[c];
                var sl = _starless[c]; var inp = _input[c];
                BoxMean3(inp, _box, pw, ph);
                for (int y = ya; y <= yb; y++)
                    for (int x = xa; x <= xb; x++)
                    {
                        double dx = x - s.X, dy = y - s.Y, d = Math.Sqrt(dx * dx + dy * dy);
                        // Full replacement inside r − 1.5, a linear feather out to r + 0.5.
                        double weight = Math.Clamp((r + 0.5 - d) / 2.0, 0, 1);
                        if (weight <= 0) continue;
                        int j = (y - y0) * pw + (x - x0);
                        double sky = a + b * dx + cc * dy;
                        double fill = sky + grain * Noise[(int)(noise++ & (NoiseLength - 1))];
                        // Where the input holds none of the star's light (its 3×3 mean within
                        // KeepBelow σ of the plane, σ of a 3×3 mean being a third of a pixel's),
                        // the input is kept: the star layer's floor at 0 made the result there
                        // the lower of fill and input, and most of a faint star's disc came out
                        // 0.43 σ darker than the sky (the test below). Between KeepBelow and KeepBelow + 1 σ, blended.
                        double excess = _box[j] - sky;
                        double keep = Math.Clamp(KeepBelow + 1 - excess * 3 / Math.Max(grain, 1e-9), 0, 1);
                        if (keep > 0) fill += keep * (inp[j] - fill);
                        double starless = sl[j] + weight * (fill - sl[j]);
                        p.Layers[c * n + y * w + x] = (float)(inp[j] - starless);
                    }
            }
        }

        /// <summary>The mean of the 3×3 pixels about each pixel of a pw × ph patch (those inside it), into <paramref name="mean"/>.</summary>
        private static void BoxMean3(float[] v, float[] mean, int pw, int ph)
        {
            // Rows: sums of three, then columns of those; the counts at the patch's edges.
            var rows = mean.AsSpan(0, pw * ph);
            for (int y = 0; y < ph; y++)
            {
                var src = v.AsSpan(y * pw, pw); var dst = rows.Slice(y * pw, pw);
                if (pw == 1) { dst[0] = src[0]; continue; }
                dst[0] = (src[0] + src[1]) / 2; dst[pw - 1] = (src[pw - 2] + src[pw - 1]) / 2;
                for (int x = 1; x < pw - 1; x++) dst[x] = (src[x - 1] + src[x] + src[x + 1]) / 3;
            }
            if (ph == 1) return;
            var up = System.Buffers.ArrayPool<float>.Shared.Rent(pw);
            var prev = up.AsSpan(0, pw);
            rows[..pw].CopyTo(prev);
            for (int y = 0; y < ph; y++)
            {
                var here = rows.Slice(y * pw, pw);
                bool last = y == ph - 1;
                for (int x = 0; x < pw; x++)
                {
                    float above = prev[x], mid = here[x];
                    prev[x] = mid;
                    here[x] = y == 0 ? (mid + rows[pw + x]) / 2 : last ? (above + mid) / 2 : (above + mid + rows[(y + 1) * pw + x]) / 3;
                }
            }
            System.Buffers.ArrayPool<float>.Shared.Return(up);
        }

        /// <summary>
        /// Least-squares plane a + b·dx + c·dy over the annulus pixels, its level then moved
        /// to the median residual (stars in the annulus must not lift it) and σ from the MAD;
        /// the grain (<see cref="Grain"/>) is left for <see cref="Assess"/> to add where the core stands.
        /// </summary>
        private bool FitPlane(float[] v, Offset[] ring, int m, out (double A, double B, double C, double Sigma, double Grain) fit)
        {
            double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, sv = 0, sxv = 0, syv = 0;
            for (int k = 0; k < m; k++)
            {
                var (j, dx, dy) = ring[k];
                double val = v[j];
                sx += dx; sy += dy; sxx += dx * dx; syy += dy * dy; sxy += dx * dy; sv += val; sxv += dx * val; syv += dy * val;
            }
            // Normal equations on centred sums, solved by Cramer's rule.
            double mx = sx / m, my = sy / m, mv = sv / m;
            double cxx = sxx - m * mx * mx, cyy = syy - m * my * my, cxy = sxy - m * mx * my, cxv = sxv - m * mx * mv, cyv = syv - m * my * mv;
            double det = cxx * cyy - cxy * cxy, b = 0, c = 0;
            if (Math.Abs(det) > 1e-9) { b = (cxv * cyy - cyv * cxy) / det; c = (cyv * cxx - cxv * cxy) / det; }
            double a = mv - b * mx - c * my;
            for (int k = 0; k < m; k++)
            {
                var (j, dx, dy) = ring[k];
                _samples[k] = (float)(v[j] - (a + b * dx + c * dy));
            }
            float median = RobustStatistics.Select(_samples, 0, m, m / 2);
            for (int i = 0; i < m; i++) _samples[i] = MathF.Abs(_samples[i] - median);
            float mad = RobustStatistics.Select(_samples, 0, m, m / 2);
            double sigma = Math.Max(RobustStatistics.MadToSigma * mad, 1e-6);
            fit = (a + median, b, c, sigma, double.NaN);
            return double.IsFinite(fit.A) && double.IsFinite(fit.Sigma);
        }

        /// <summary>
        /// The σ of the fill's noise: the annulus' σ, at most GrainCap × the σ of the second
        /// differences along its rows (x−1, x, x+1), which a smooth halo or a neighbour's wing
        /// barely moves (its slope cancels), where the MAD grows with them. For white noise
        /// their σ is √6 the pixels'.
        /// </summary>
        private double Grain(float[] v, Offset[] ring, int m, double sigma)
        {
            int triples = 0;
            for (int k = 0; k + 2 < m; k++)
                if (ring[k + 1].Index == ring[k].Index + 1 && ring[k + 2].Index == ring[k].Index + 2 && ring[k + 2].Dy == ring[k].Dy) // one row
                    _samples[triples++] = MathF.Abs(v[ring[k].Index] - 2 * v[ring[k + 1].Index] + v[ring[k + 2].Index]);
            return triples < MinGrainSamples ? sigma
                : Math.Min(sigma, GrainCap * RobustStatistics.MadToSigma / Math.Sqrt(6) * RobustStatistics.Select(_samples, 0, triples, triples / 2));
        }

        private static (double Mean, int Count) CoreMean(float[] v, Offset[] core, int count, (double A, double B, double C, double Sigma, double Grain) p)
        {
            double sum = 0;
            for (int k = 0; k < count; k++)
            {
                var (j, dx, dy) = core[k];
                sum += v[j] - (p.A + p.B * dx + p.C * dy);
            }
            return (count == 0 ? 0 : sum / count, count);
        }
    }
}
