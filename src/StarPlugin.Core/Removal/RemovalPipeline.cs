using System.Numerics.Tensors;
using StarPlugin.Imaging;
using StarPlugin.Progress;
using StarPlugin.Stretching;

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
///   behind are found and refilled from the surrounding sky (<see cref="ResidualStarCleanup"/>).
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
        lock (_gate)
            return RemoveLocked(image, options, new ProgressReporter(progress, 1, "removing stars", token));
    }

    private RemovalResult RemoveLocked(AstroImage image, RemovalOptions options, ProgressReporter progress)
    {
        int w = image.Width, h = image.Height, colours = image.ColorChannels, n = image.PlaneLength;
        if (colours is not (1 or 3)) throw new ArgumentException($"star removal needs grey or RGB data, got {colours} colour channels");
        for (int c = 0; c < colours; c++)
            if (TensorPrimitives.IndexOfMax(image.Plane(c)) < 0) throw new ArgumentException("empty image");

        float white = LinearDataDetector.WhitePoint(image);
        bool stretch = options.Stretch switch
        {
            StretchMode.Always => true,
            StretchMode.Never => false,
            _ => LinearDataDetector.IsLinear(image, white),
        };
        // Model domain: x_m = clamp(S(x)) with S the linked MTF (linear data) or x/white.
        var domain = stretch ? ModelDomain.Stretch(MtfStretch.Auto(image.Luminance(), white)) : ModelDomain.Scale(white);

        // The model-domain star layer accumulates straight into the Stars output's planes
        // and is converted in place below: no other image-sized buffers.
        var starless = new AstroImage(w, h, image.Channels, image.Metadata.Clone());
        var stars = new AstroImage(w, h, image.Channels, image.Metadata.Clone());
        var src = Enumerable.Range(0, colours).Select(c => (ReadOnlyMemory<float>)image.Data.AsMemory(c * n, n)).ToArray();
        var dst = Enumerable.Range(0, colours).Select(c => stars.Data.AsMemory(c * n, n)).ToArray();
        int mc = Model.Channels;
        // The census of star-like sources, with the PSF map their widths are measured
        // against, comes first: a PSF-aware model is given that map, and the cleanup and
        // keep-galaxies stages use the same census afterwards. (Before the network, not
        // beside it: on a busy CPU the two only slowed each other.)
        bool galaxies = options.KeepGalaxies != GalaxyMode.Never;
        bool census = options.Cleanup || galaxies || Model.PsfPlaneScale > 0;
        var found = census ? ResidualStarCleanup.FindSources(image.Data, domain, colours, w, h, progress.Slice(0, 0.06, 1, "finding stars")) : default;
        Func<double, double, double>? psf = Model.PsfPlaneScale > 0 ? found.Psf.At : null;
        // The network gets most of the bar; the cleanup stages follow it.
        var modelProgress = progress.Slice(census ? 0.06 : 0, options.Cleanup || galaxies ? 0.96 : 1, 1, "removing stars");
        if (mc == colours)
            _runner.PredictStars(src, w, h, domain, Enumerable.Range(0, mc).ToArray(), dst, Enumerable.Range(0, mc).ToArray(), 1f, options.Tiling, modelProgress, psf);
        else if (mc == 3) // grey image, RGB model: replicate in, average out
            _runner.PredictStars(src, w, h, domain, [0, 0, 0], dst, [0, 0, 0], 1f / 3, options.Tiling, modelProgress, psf);
        else // RGB image, grey model: channel by channel
            for (int c = 0; c < colours; c++)
                _runner.PredictStars(src, w, h, domain, [c], dst, [c], 1f, options.Tiling, modelProgress.Slice((double)c / colours, (c + 1.0) / colours, 1, "removing stars"), psf);
        int galaxiesKept = 0;
        if (options.Cleanup || galaxies)
        {
            double split = options.Cleanup && galaxies ? 0.98 : options.Cleanup ? 1 : 0.96;
            if (options.Cleanup)
                ResidualStarCleanup.Apply(found.Targets, image.Data, domain, stars.Data, colours, w, h, progress.Slice(0.96, split, 1, "filling residual stars"));
            if (galaxies)
                galaxiesKept = GalaxyProtection.Apply(found.Targets, options.KeepGalaxies == GalaxyMode.Always, image.Data, domain, stars.Data, colours, w, h, progress.Slice(split, 1, 1, "keeping galaxies"));
        }

        // One per-pixel pass, in parallel chunks that span all channels of their pixels:
        // clamp the model-domain layer, add it into the mask's luminance, and convert it to
        // input units (starless = input − stars), in place.
        const int Chunk = 1 << 16;
        int chunks = (n + Chunk - 1) / Chunk;
        var maskLuminance = new float[n];
        Parallel.For(0, chunks, () => new float[Chunk], (k, _, xm) =>
        {
            int from = k * Chunk, len = Math.Min(n, from + Chunk) - from;
            var lum = maskLuminance.AsSpan(from, len);
            for (int c = 0; c < colours; c++)
            {
                var v0 = image.Plane(c).Slice(from, len); var s = stars.Plane(c).Slice(from, len); var sl = starless.Plane(c).Slice(from, len);
                domain.Map(v0, xm);
                for (int i = 0; i < len; i++)
                {
                    float v = v0[i];
                    if (!float.IsFinite(v)) { sl[i] = v; s[i] = 0f; continue; }
                    // The model may only take light away, never add it, and never below black.
                    float layer = Math.Clamp(s[i], 0f, xm[i]);
                    lum[i] += layer;
                    float starsLinear = domain.StarsInInputUnits(xm[i], layer);
                    sl[i] = v - starsLinear;
                    s[i] = starsLinear;
                }
            }
            if (colours > 1) TensorPrimitives.Multiply(lum, 1f / colours, lum);
            return xm;
        }, _ => { });
        var mask = StarMask.FromLuminance(maskLuminance, w, h);
        if (options.StarLayer == StarLayerMode.Screen)
            for (int c = 0; c < colours; c++)
            {
                var o = image.Plane(c); var sl = starless.Plane(c); var st = stars.Plane(c);
                for (int i = 0; i < n; i++)
                {
                    float a = Math.Clamp(o[i] / white, 0f, 1f), b = Math.Clamp(sl[i] / white, 0f, 1f);
                    st[i] = b >= 1f ? 0f : Math.Clamp(1f - (1f - a) / (1f - b), 0f, 1f) * white;
                }
            }
        if (image.HasAlpha)
        {
            image.Plane(image.AlphaChannel).CopyTo(starless.Plane(image.AlphaChannel));
            image.Plane(image.AlphaChannel).CopyTo(stars.Plane(image.AlphaChannel));
        }
        return new RemovalResult(starless, stars, mask, stretch, galaxiesKept);
    }
}
