using StarPlugin.Imaging;

namespace StarPlugin.Lensing;

/// <summary>One band's background: sky level, noise σ and the Poisson variance per unit of added light.</summary>
public readonly record struct BandNoise(double Sky, double Sigma, double VariancePerUnit);

/// <summary>
/// Adds simulated light to a real cutout the way a camera would have recorded it:
/// scaled to a target S/N against the cutout's own measured noise, with Poisson noise
/// for the added light. Arcs and the impostors of the training set go through the same
/// path, so a classifier cannot tell them apart by how they were added.
/// </summary>
public static class LightInjection
{
    /// <summary>
    /// Sky and σ per band from the median and MAD. Pictures whose sky was clipped to black
    /// (MAD = 0: most 8-bit cluster photographs) get a floor: two steps of 8-bit data,
    /// about the σ of the sky where such pictures keep it (1.5 DN in the Hercules
    /// cluster's). Without a floor a target S/N would be met by an arc far below one step.
    /// </summary>
    public static BandNoise[] Measure(AstroImage cutout)
    {
        int bands = cutout.ColorChannels;
        double floor = NoiseFloor(StoredDepth(cutout));
        var noise = new BandNoise[bands];
        for (int b = 0; b < bands; b++)
        {
            var (median, mad) = RobustStatistics.MedianMad(cutout.Plane(b));
            double sigma = Math.Max(mad * RobustStatistics.MadToSigma, floor);
            // Effective gain from the sky: σ² = B/g for a sky-limited image. Sky-subtracted
            // cutouts (B ≈ 0) fall back to assuming the sky is 25σ, i.e. faint-arc noise.
            noise[b] = new BandNoise(median, sigma, sigma * sigma / Math.Max(median, 25 * sigma));
        }
        return noise;
    }

    /// <summary>Sampled values per plane when telling the depth of float data.</summary>
    private const int DepthSamples = 1 << 14;

    /// <summary>
    /// The depth the data shows: for float data in [0, 1] whose samples are all whole 8- or
    /// 16-bit steps, that depth; for 16-bit data that holds only 8-bit steps (an 8-bit
    /// picture saved as 16 bits), 8 bits; else the file's. A host hands its pixels over as
    /// floats (G'MIC through a float .cimg, the C API), and a mock made there must match the
    /// one the command line makes from the file itself.
    /// </summary>
    public static SampleFormat StoredDepth(AstroImage image)
    {
        var format = image.Metadata.SourceFormat;
        if (format is not (SampleFormat.Float32 or SampleFormat.Float64 or SampleFormat.UInt16) || image.Metadata.IsPhysical) return format;
        bool eight = true, sixteen = true;
        for (int c = 0; c < image.ColorChannels && (eight || sixteen); c++)
        {
            var plane = image.Plane(c);
            int step = Math.Max(1, plane.Length / DepthSamples);
            for (int i = 0; i < plane.Length && (eight || sixteen); i += step)
            {
                float v = plane[i];
                if (!(v >= 0f && v <= 1f)) return format;
                // float32 keeps k/65535 to about 0.004 of a step, k/255 far better.
                if (eight && Math.Abs(v * 255f - MathF.Round(v * 255f)) > 1e-3f) eight = false;
                if (sixteen && Math.Abs(v * 65535f - MathF.Round(v * 65535f)) > 0.02f) sixteen = false;
            }
        }
        return eight ? SampleFormat.UInt8 : sixteen ? SampleFormat.UInt16 : format;
    }

    /// <summary>The least σ an image stored at this depth is taken to have (white = 1 units).</summary>
    public static double NoiseFloor(SampleFormat format) => format == SampleFormat.UInt8 ? 2 * QuantumStep(format) : QuantumStep(format);

    /// <summary>The smallest step an integer storage depth can record (in white = 1 units); 1e-6 for floats.</summary>
    public static double QuantumStep(SampleFormat format) => format switch
    {
        SampleFormat.UInt8 => 1.0 / 255,
        SampleFormat.UInt16 or SampleFormat.Int16 => 1.0 / 65535,
        _ => 1e-6,
    };

    /// <summary>S/N of <paramref name="light"/>×<paramref name="scale"/> over the pixels it brightens by ≥ 1σ.</summary>
    public static double Snr(ReadOnlySpan<float> light, double scale, BandNoise noise)
    {
        double s = 0, n = 0, sg = noise.Sigma;
        foreach (float a in light)
        {
            double v = a * scale;
            if (v < sg) continue;
            s += v; n += sg * sg + v * noise.VariancePerUnit;
        }
        return n > 0 ? s / Math.Sqrt(n) : 0;
    }

    /// <summary>The scale at which <paramref name="light"/> reaches <paramref name="targetSnr"/> (bisection; S/N grows with scale).</summary>
    public static double ScaleForSnr(float[] light, BandNoise noise, double targetSnr)
    {
        double lo = 0, hi = 1;
        while (Snr(light, hi, noise) < targetSnr && hi < 1e12) hi *= 2;
        for (int i = 0; i < 60; i++) { double mid = (lo + hi) / 2; if (Snr(light, mid, noise) < targetSnr) lo = mid; else hi = mid; }
        return hi;
    }

    /// <summary>
    /// Adds light[b]×scale×ratios[b] to each band of <paramref name="image"/> with its Poisson
    /// noise. Unsigned 8- and 16-bit data (pictures, and FITS stored so) saturate at white, as the
    /// file would have: what the light pushes past it is clipped.
    /// </summary>
    public static void Add(AstroImage image, IReadOnlyList<float[]> light, double scale, IReadOnlyList<double> ratios, BandNoise[] noise, Random rng)
    {
        bool saturates = StoredDepth(image) is SampleFormat.UInt8 or SampleFormat.UInt16; // white (1.0) is the most they store
        for (int b = 0; b < light.Count; b++)
        {
            var p = image.Plane(b); var arc = light[b];
            double k = scale * ratios[b], vpu = noise[b].VariancePerUnit;
            for (int i = 0; i < p.Length; i++)
            {
                double v = arc[i] * k;
                if (v <= 0) continue;
                double z = rng.NextGaussian();
                p[i] += (float)(v + z * Math.Sqrt(v * vpu));
                if (saturates && p[i] > 1f) p[i] = 1f;
            }
        }
    }
}
