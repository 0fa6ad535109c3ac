using System.Numerics.Tensors;
using StarPlugin.Imaging;
using StarPlugin.Inference;
using StarPlugin.Progress;
using StarPlugin.Stretching;

namespace StarPlugin.Removal;

/// <summary>
/// Star removal on real data. Load once (one ORT session per process), then call
/// <see cref="Remove"/> for any number of images: mono or RGB (alpha passed through),
/// any size, linear or stretched.
/// - Stretched data is scaled to [0,1] by its white point and kept in that domain.
/// - Linear data is auto-stretched with one linked MTF (same curve for R, G and B, so
///   colours do not shift), and the star layer is mapped back through the exact
///   inverse, so off-star pixels come back unchanged.
/// Calls on one instance are serialised; use one instance per thread for parallel work.
/// </summary>
public sealed class StarRemover : IDisposable
{
    private readonly TiledModelRunner _runner;
    private readonly object _gate = new();

    public ModelDescription Model => _runner.Model;
    public ExecutionDevice Device => _runner.Session.Device;
    public IReadOnlyList<string> DeviceNotes => _runner.Session.DeviceNotes;

    public StarRemover(string modelPath, SessionOptions? session = null)
    {
        var model = ModelDescription.Load(modelPath);
        _runner = new TiledModelRunner(new OnnxSession(modelPath, session), model);
    }

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
        // Model-domain planes: x_m = clamp(S(x)) with S the linked MTF (linear data) or x/white.
        var lum = image.Luminance();
        var mtf = stretch ? MtfStretch.Auto(lum, white) : default;
        var domain = new float[colours][];
        for (int c = 0; c < colours; c++)
        {
            var src = image.Plane(c);
            var d = domain[c] = new float[n];
            for (int i = 0; i < n; i++)
            {
                float v = src[i];
                if (!float.IsFinite(v)) v = 0f; // NaN/Inf in: treated as black for the model, restored below
                d[i] = Math.Clamp(stretch ? mtf.Apply(v) : v / white, 0f, 1f);
            }
        }

        // Map our channels onto the model's: grey → RGB by replication (averaged back),
        // RGB on a grey model channel by channel.
        float[][] starsDomain;
        int mc = Model.Channels;
        if (mc == colours) starsDomain = _runner.PredictStars(domain, w, h, options.Tiling, progress);
        else if (mc == 3)
        {
            var s = _runner.PredictStars([domain[0], domain[0], domain[0]], w, h, options.Tiling, progress);
            var mean = new float[n];
            TensorPrimitives.Add(s[0], s[1], mean); TensorPrimitives.Add(mean, s[2], mean); TensorPrimitives.Multiply(mean, 1f / 3, mean);
            starsDomain = [mean];
        }
        else
        {
            starsDomain = new float[colours][];
            for (int c = 0; c < colours; c++)
                starsDomain[c] = _runner.PredictStars([domain[c]], w, h, options.Tiling, progress.Slice((double)c / colours, (c + 1.0) / colours, 1, "removing stars"))[0];
        }

        var starless = new AstroImage(w, h, image.Channels, image.Metadata.Clone());
        var stars = new AstroImage(w, h, image.Channels, image.Metadata.Clone());
        for (int c = 0; c < colours; c++)
        {
            var src = image.Plane(c); var xm = domain[c]; var sm = starsDomain[c];
            var outStarless = starless.Plane(c); var outStars = stars.Plane(c);
            for (int i = 0; i < n; i++)
            {
                // The model may only take light away, never add it, and never below black.
                float layer = Math.Clamp(sm[i], 0f, xm[i]);
                float starsLinear = stretch ? mtf.Invert(xm[i]) - mtf.Invert(xm[i] - layer) : layer * white;
                float v = src[i];
                outStarless[i] = float.IsFinite(v) ? v - starsLinear : v;
                outStars[i] = float.IsFinite(v) ? starsLinear : 0f;
            }
        }
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
        var mask = StarMask.FromStarLayer(starsDomain, w, h, domain);
        return new RemovalResult(starless, stars, mask, stretch);
    }

    public void Dispose() => _runner.Session.Dispose();
}
