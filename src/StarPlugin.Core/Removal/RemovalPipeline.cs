using System.Numerics.Tensors;
using System.Runtime;
using StarPlugin.Imaging;
using StarPlugin.Progress;
using StarPlugin.Stretching;
using StarPlugin.Threading;

namespace StarPlugin.Removal;

/// <summary>
/// Star removal on real data with any tile model (StarPlugin.Inference.StarRemover opens
/// an ONNX file for it). Make once per model, then call <see cref="Remove"/> for any number of images: mono or RGB (alpha passed through),
/// any size, linear or stretched.
/// - Stretched data is scaled to [0,1] by its white point and kept in that domain.
/// - Linear data is auto-stretched with one linked MTF (same curve for R, G and B, so
///   colours do not shift), and the star layer is mapped back through the exact
///   inverse, so off-star pixels come back unchanged.
/// - Then, unless <see cref="RemovalOptions.Cleanup"/> is off, stars the network left
///   behind are found and refilled from the surrounding sky (<see cref="ResidualStarCleanup"/>),
///   and the diffuse glow it took with the stars is given back (<see cref="DiffuseLightRestore"/>),
///   and the nebula filaments it took for stars (<see cref="FilamentRestore"/>).
/// Calls on one instance are serialised; use one instance per thread for parallel work.
/// </summary>
public sealed class RemovalPipeline
{
    private readonly TiledModelRunner _runner;
    private readonly object _gate = new();

    public ModelDescription Model => _runner.Model;

    public RemovalPipeline(ITileModel network) => _runner = new TiledModelRunner(network);

    public RemovalResult Remove(AstroImage image, RemovalOptions? options = null, ProgressCallback? progress = null, CancellationToken token = default)
    {
        options ??= new RemovalOptions();
        if ((options.Outputs & RemovalOutputs.All) == 0) throw new ArgumentException("no output requested");
        if (options.MaxSources < 0) throw new ArgumentException("the source limit must be ≥ 0 (0 = no limit)");
        if (options.Binning is < 0 or > RemovalOptions.MaxBinning) throw new ArgumentException($"the binning factor must be 0 (by the stars' width) to {RemovalOptions.MaxBinning}");
        lock (_gate)
            return RemoveLocked(image, options, new ProgressReporter(progress, 1, "removing stars", token));
    }

    /// <summary>
    /// Star reduction (<see cref="StarReducer"/>) in the memory of one removal output: the
    /// star layer is computed, then turned into the reduced image in place.
    /// </summary>
    public AstroImage Reduce(AstroImage image, float amount, ReductionMode mode, RemovalOptions? options = null, ProgressCallback? progress = null, CancellationToken token = default)
    {
        if (!(amount >= 0 && amount <= 1)) throw new ArgumentOutOfRangeException(nameof(amount), "amount must be in [0, 1]");
        // The additive layer: starless = input − stars is what the reduction adds back to.
        var removal = Remove(image, (options ?? new RemovalOptions()) with { Outputs = RemovalOutputs.Stars, StarLayer = StarLayerMode.Add }, progress, token);
        return StarReducer.ReduceInPlace(image, removal.Stars, amount, mode);
    }

    private RemovalResult RemoveLocked(AstroImage image, RemovalOptions options, ProgressReporter progress)
    {
        int w = image.Width, h = image.Height, colours = image.ColorChannels, n = image.PlaneLength;
        if (colours is not (1 or 3)) throw new ArgumentException($"star removal needs grey or RGB data, got {colours} colour channels");
        for (int c = 0; c < colours; c++)
            if (TensorPrimitives.IndexOfMax(image.Plane(c)) < 0) throw new ArgumentException("empty image");

        // The decoder's buffers (raw bytes of the file) are garbage by now: on a large image
        // give them back before this call allocates its own.
        LargeGarbage.Release(n);
        float white = LinearDataDetector.WhitePoint(image);
        bool stretch = options.Stretch switch
        {
            StretchMode.Always => true,
            StretchMode.Never => false,
            _ => LinearDataDetector.IsLinear(image, white),
        };
        // Model domain: x_m = clamp(S(x)) with S the linked MTF (linear data) or x/white.
        var domain = stretch ? ModelDomain.Stretch(MtfStretch.Auto(LuminanceSample(image), white)) : ModelDomain.Scale(white);
        return RemoveInDomain(image, options, progress, white, stretch, domain, mayBin: true);
    }

    /// <summary>
    /// The removal in a given model domain (the picture's own, also for its binned copy);
    /// <paramref name="mayBin"/>: whether an oversampled picture may be binned first (<see cref="Oversampling"/>).
    /// </summary>
    private RemovalResult RemoveInDomain(AstroImage image, RemovalOptions options, ProgressReporter progress, float white, bool stretch, ModelDomain domain, bool mayBin)
    {
        int w = image.Width, h = image.Height, colours = image.ColorChannels, n = image.PlaneLength;
        int mc = Model.Channels;
        // The census of star-like sources, with the PSF map their widths are measured
        // against, comes first: a PSF-aware model is given that map, and the cleanup and
        // keep-galaxies stages use the same census afterwards. (Before the network, not
        // beside it: on a busy CPU the two only slowed each other.)
        bool galaxies = options.KeepGalaxies != GalaxyMode.Never;
        bool census = options.Cleanup || galaxies || Model.PsfPlaneScale > 0;
        // Only the outputs asked for are allocated. The model-domain star layer accumulates
        // straight into one of them (the star layer if wanted, else the starless image) and
        // is converted in place below: no other image-sized buffers.
        var outputs = options.Outputs;
        bool layerInStars = outputs.HasFlag(RemovalOutputs.Stars) || !outputs.HasFlag(RemovalOutputs.Starless);
        AstroImage NewOutput() => new(w, h, image.Channels, image.Metadata.Clone());
        // A grey image's layer buffer is exactly one plane: the census works in it first,
        // so the census costs no plane of its own.
        var layerImage = census && image.Channels == 1 ? NewOutput() : null;
        (List<ResidualStarCleanup.Target> Targets, List<ResidualStarCleanup.Target> FillOnly, FieldPsf Psf, bool Limited) found = (null!, null!, null!, false);
        bool haveCensus = false;
        // The frame's PSF says whether the picture is binned first (Oversampling): from the
        // census where that covers the whole picture, else from a central crop's.
        int factor = mayBin ? options.Binning : 1;
        if (factor == 0)
        {
            if (census && w <= Oversampling.CropSide && h <= Oversampling.CropSide)
            {
                found = ResidualStarCleanup.FindSources(image.Data, domain, colours, w, h, progress.Slice(0, 0.06, 1, "finding stars").Started(), layerImage?.Data, options.MaxSources);
                haveCensus = true;
            }
            progress.ThrowIfCancelled();
            factor = Oversampling.Factor(Oversampling.MeasureFwhm(image, domain, haveCensus ? found.Psf : null, progress.Slice(0, 0.02, 1, "measuring the stars").Started()), w, h);
        }
        factor = Oversampling.Fitted(factor, w, h);
        if (factor > 1) return RemoveBinned(image, options, progress, white, stretch, domain, factor);
        if (census && !haveCensus)
            found = ResidualStarCleanup.FindSources(image.Data, domain, colours, w, h, progress.Slice(0, 0.06, 1, "finding stars").Started(), layerImage?.Data, options.MaxSources);
        if (layerImage != null) Array.Clear(layerImage.Data);
        // The census' planes are garbage now; on a large image give them back before the
        // outputs are allocated, so the two never add up.
        LargeGarbage.Release(n);
        Func<double, double, double>? psf = Model.PsfPlaneScale > 0 ? found.Psf.At : null;
        if (layerImage == null) WriteFirst((layerImage = NewOutput()).Data);
        var stars = layerInStars ? layerImage : null;
        var starless = !outputs.HasFlag(RemovalOutputs.Starless) ? null : layerInStars ? NewOutput() : layerImage;
        var layers = layerImage.Data;
        var src = Enumerable.Range(0, colours).Select(c => (ReadOnlyMemory<float>)image.Data.AsMemory(c * n, n)).ToArray();
        var dst = Enumerable.Range(0, colours).Select(c => layers.AsMemory(c * n, n)).ToArray();
        // The network gets most of the bar; the cleanup stages follow it.
        var modelProgress = progress.Slice(census ? 0.06 : 0, options.Cleanup || galaxies ? 0.96 : 1, 1, "removing stars").Started();
        if (mc == colours)
            _runner.PredictStars(src, w, h, domain, Enumerable.Range(0, mc).ToArray(), dst, Enumerable.Range(0, mc).ToArray(), 1f, options.Tiling, modelProgress, psf);
        else if (mc == 3) // grey image, RGB model: replicate in, average out
            _runner.PredictStars(src, w, h, domain, [0, 0, 0], dst, [0, 0, 0], 1f / 3, options.Tiling, modelProgress, psf);
        else // RGB image, grey model: channel by channel
            for (int c = 0; c < colours; c++)
                _runner.PredictStars(src, w, h, domain, [c], dst, [c], 1f, options.Tiling, modelProgress.Slice((double)c / colours, (c + 1.0) / colours, 1, "removing stars"), psf);
        int galaxiesKept = 0;
        bool galaxyStageLimited = false;
        if (options.Cleanup || galaxies)
        {
            // One locus for both stages: what a star of each brightness looks like here.
            var locus = GalaxyProtection.LocusOf(found.Targets);
            // The spike stage's spider tests, for the galaxy stage's spike veto: read once.
            var spiders = new Dictionary<(double X, double Y, double Fwhm), DiffractionSpikes.SpiderReading>();
            double split = options.Cleanup && galaxies ? 0.98 : options.Cleanup ? 1 : 0.96;
            if (options.Cleanup)
            {
                double fills = 0.96 + (split - 0.96) * 0.75;
                ResidualStarCleanup.Apply(found.Targets, image.Data, domain, layers, colours, w, h, progress.Slice(0.96, fills, 1, "filling residual stars").Started(),
                    // Where galaxies carry most of the light (a deep field) the locus' lower
                    // quartile is theirs, and round compact galaxies would pass for stars.
                    GalaxyProtection.ResolvedSourcesDominate(found.Targets, locus) ? null : locus, found.FillOnly);
                // After the fills (the medians see the layer with them), before the galaxy
                // stage: that stage then only ever gives light back, galaxies or not.
                // The spikes' colour fringes the network leaves round clipped stars, after the
                // fills (which replace the cores the arms start from).
                double spikes = fills + (split - fills) / 4, glow = split - (split - spikes) / 4;
                DiffractionSpikes.Apply(found.Targets, image.Data, domain, layers, colours, w, h, progress.Slice(fills, spikes, 1, "cleaning diffraction spikes").Started(), spiders);
                DiffuseLightRestore.Apply(layers, image.Data, domain, colours, w, h, progress.Slice(spikes, glow, 2L * colours, "giving back the diffuse glow").Started());
                // The filaments after the glow (what the other stages took or gave back is the
                // layer they read) and before the galaxy stage, for the same reason as the glow.
                FilamentRestore.Apply(found.Targets, found.FillOnly, layers, image.Data, domain, colours, w, h, progress.Slice(glow, split, 1, "giving back nebula filaments").Started());
            }
            if (galaxies)
                (galaxiesKept, galaxyStageLimited) = GalaxyProtection.Apply(found.Targets, options.KeepGalaxies == GalaxyMode.Always, image.Data, domain, layers, colours, w, h,
                    progress.Slice(split, 1, 1, "keeping galaxies").Started(), (long)RemovalOptions.RunsPerSource * options.MaxSources, locus, found.FillOnly, spiders);
        }

        return Finish(image, options, layers, stars, starless, domain, white, stretch, galaxiesKept, found.Limited, galaxyStageLimited, 1);
    }

    /// <summary>
    /// The removal of an oversampled picture (<see cref="Oversampling"/>): the whole
    /// pipeline on the picture binned k × k, its star layer back at full resolution.
    /// </summary>
    private RemovalResult RemoveBinned(AstroImage image, RemovalOptions options, ProgressReporter progress, float white, bool stretch, ModelDomain domain, int k)
    {
        var small = Oversampling.Bin(image, k);
        var binned = RemoveInDomain(small, options with { Outputs = RemovalOutputs.Starless }, progress.Slice(0.02, 0.97, 1, "removing stars").Started(), white, stretch, domain, mayBin: false);
        var outputs = options.Outputs;
        bool layerInStars = outputs.HasFlag(RemovalOutputs.Stars) || !outputs.HasFlag(RemovalOutputs.Starless);
        AstroImage NewOutput() => new(image.Width, image.Height, image.Channels, image.Metadata.Clone());
        var layerImage = NewOutput();
        var stars = layerInStars ? layerImage : null;
        var starless = !outputs.HasFlag(RemovalOutputs.Starless) ? null : layerInStars ? NewOutput() : layerImage;
        Oversampling.ExpandLayer(image, small, binned.Starless, k, domain, layerImage.Data);
        progress.ThrowIfCancelled();
        return Finish(image, options, layerImage.Data, stars, starless, domain, white, stretch, binned.GalaxiesKept, binned.CensusLimited, binned.GalaxyStageLimited, k);
    }

    /// <summary>
    /// The outputs from the model-domain star layer <paramref name="layers"/> (which may be
    /// <paramref name="stars"/>' or <paramref name="starless"/>' own buffer).
    /// </summary>
    private static RemovalResult Finish(AstroImage image, RemovalOptions options, float[] layers, AstroImage? stars, AstroImage? starless, ModelDomain domain, float white, bool stretch,
        int galaxiesKept, bool censusLimited, bool galaxyStageLimited, int binning)
    {
        int w = image.Width, h = image.Height, colours = image.ColorChannels, n = image.PlaneLength;
        var outputs = options.Outputs;
        // One per-pixel pass, in parallel chunks that span all channels of their pixels:
        // clamp the model-domain layer, add it into the mask's luminance, and convert it to
        // input units (starless = input − stars), in place.
        float[]? maskLuminance = outputs.HasFlag(RemovalOutputs.Mask) ? new float[n] : null;
        if (maskLuminance != null) WriteFirst(maskLuminance);
        bool screen = options.StarLayer == StarLayerMode.Screen;
        const int Chunk = 1 << 16;
        int chunks = (n + Chunk - 1) / Chunk;
        ParallelWorkers.For(chunks, () => new float[Chunk], (k, xm) =>
        {
            int from = k * Chunk, len = Math.Min(n, from + Chunk) - from;
            var lum = maskLuminance == null ? default : maskLuminance.AsSpan(from, len);
            for (int c = 0; c < colours; c++)
            {
                var v0 = image.Plane(c).Slice(from, len);
                var layer = layers.AsSpan(c * n + from, len);
                var sl = starless == null ? default : starless.Plane(c).Slice(from, len);
                var s = stars == null ? default : stars.Plane(c).Slice(from, len);
                domain.Map(v0, xm);
                for (int i = 0; i < len; i++)
                {
                    float v = v0[i];
                    float starsLinear, starlessValue;
                    if (!float.IsFinite(v)) { starlessValue = v; starsLinear = 0f; }
                    else
                    {
                        // The model may only take light away, never add it, and never below black.
                        float clamped = Math.Clamp(layer[i], 0f, xm[i]);
                        if (!lum.IsEmpty) lum[i] += clamped;
                        starsLinear = domain.StarsInInputUnits(xm[i], clamped);
                        starlessValue = v - starsLinear;
                    }
                    if (!sl.IsEmpty) sl[i] = starlessValue;
                    if (!s.IsEmpty) s[i] = screen ? ScreenLayer(v, starlessValue, white) : starsLinear;
                }
            }
            if (colours > 1 && !lum.IsEmpty) TensorPrimitives.Multiply(lum, 1f / colours, lum);
        });
        var mask = maskLuminance != null ? StarMask.FromLuminance(maskLuminance, w, h) : null;
        if (mask != null) mask.Metadata = image.Metadata.ForDerivedImage(); // header (WCS, row order) kept, so the mask lines up with its source
        if (image.HasAlpha)
        {
            if (starless != null) image.Plane(image.AlphaChannel).CopyTo(starless.Plane(image.AlphaChannel));
            if (stars != null) image.Plane(image.AlphaChannel).CopyTo(stars.Plane(image.AlphaChannel));
        }
        // With only the mask asked for, the star layer's buffer was scratch.
        return new RemovalResult(starless!, outputs.HasFlag(RemovalOutputs.Stars) ? stars! : null!, mask!, stretch, galaxiesKept, censusLimited, galaxyStageLimited, binning);
    }

    /// <summary>
    /// Zeros a fresh buffer before the tiles accumulate into it (+=). A fresh page read
    /// first maps the kernel's shared zero page, and the write after it faults again and
    /// flushes the other cores' TLBs: writing first faults each page once. Parallel, as
    /// the faults are most of the cost. (A 1 Mpx CLI run: 10 ms less, 26 paired runs.)
    /// </summary>
    private static void WriteFirst(float[] data)
    {
        const int Chunk = 1 << 18;
        Parallel.For(0, (int)((data.LongLength + Chunk - 1) / Chunk), k => Array.Clear(data, k * Chunk, (int)Math.Min(Chunk, data.LongLength - (long)k * Chunk)));
    }

    /// <summary>The star layer for screen blending: screen(starless, stars) = original, for data in [0, white].</summary>
    private static float ScreenLayer(float original, float starless, float white)
    {
        float a = Math.Clamp(original / white, 0f, 1f), b = Math.Clamp(starless / white, 0f, 1f);
        return b >= 1f ? 0f : Math.Clamp(1f - (1f - a) / (1f - b), 0f, 1f) * white;
    }

    /// <summary>
    /// The luminance at the even stride through the image at which the auto-stretch's
    /// median and MAD sample it (<see cref="RobustStatistics.MaxSamples"/>): the same
    /// statistics as from a whole luminance plane, without the plane.
    /// </summary>
    private static float[] LuminanceSample(AstroImage image)
    {
        int n = image.PlaneLength, colours = image.ColorChannels;
        int stride = Math.Max(1, n / RobustStatistics.MaxSamples);
        if (stride == 1) return image.Luminance();
        var sample = new float[(n + stride - 1) / stride];
        for (int j = 0; j < sample.Length; j++)
        {
            // As AstroImage.Luminance: the planes summed in order, then times 1/colours.
            float sum = 0f;
            for (int c = 0; c < colours; c++) sum += image.Data[c * n + (long)j * stride];
            sample[j] = colours == 1 ? sum : sum * (1f / colours);
        }
        return sample;
    }
}
