namespace StarPlugin.IO.Fits.Compression;

internal enum QuantizeMethod { NoDither, SubtractiveDither1, SubtractiveDither2 }

/// <summary>
/// Restores floating-point pixels from quantised integers (FITS standard 4.0 §10.2):
/// value = (i − r + 0.5) × ZSCALE + ZZERO with r from the standard's 10 000-entry random
/// sequence, or i × ZSCALE + ZZERO without dithering. SUBTRACTIVE_DITHER_2 stores exact
/// zeros as −2147483646; the ZBLANK value marks undefined pixels (NaN).
/// </summary>
internal static class Quantization
{
    public const int RandomCount = 10_000;
    public const int ZeroValue = -2147483646;

    /// <summary>
    /// The sequence: seed(k+1) = 16807·seed(k) mod (2³¹ − 1), seed(0) = 1, each stored as the
    /// single-precision seed/(2³¹ − 1). Computed in doubles exactly as the standard's code does.
    /// </summary>
    public static readonly float[] Random = BuildRandom();

    private static float[] BuildRandom()
    {
        var r = new float[RandomCount];
        double a = 16807.0, m = 2147483647.0, seed = 1;
        for (int i = 0; i < RandomCount; i++)
        {
            double temp = a * seed;
            seed = temp - m * (int)(temp / m);
            r[i] = (float)(seed / m);
        }
        // The standard's own check on the implementation.
        if ((int)seed != 1043618065) throw new InvalidOperationException("FITS dither sequence is wrong");
        return r;
    }

    /// <summary>
    /// Dequantises one tile. <paramref name="tileRow"/> is the 1-based table row and
    /// <paramref name="ditherSeed"/> ZDITHER0; <paramref name="blank"/> null when the file defines no null value.
    /// </summary>
    public static void Restore(ReadOnlySpan<int> input, Span<double> output, QuantizeMethod method, long tileRow, long ditherSeed,
        double scale, double zero, long? blank)
    {
        if (method == QuantizeMethod.NoDither)
        {
            for (int i = 0; i < input.Length; i++)
                output[i] = blank == input[i] ? double.NaN : input[i] * scale + zero;
            return;
        }
        int iseed = (int)((tileRow + ditherSeed - 2) % RandomCount);
        int next = (int)(Random[iseed] * 500);
        for (int i = 0; i < input.Length; i++)
        {
            int v = input[i];
            if (blank == v) output[i] = double.NaN;
            else if (method == QuantizeMethod.SubtractiveDither2 && v == ZeroValue) output[i] = 0.0;
            else output[i] = (v - (double)Random[next] + 0.5) * scale + zero;
            // The sequence advances on every pixel, null or not.
            if (++next == RandomCount)
            {
                if (++iseed == RandomCount) iseed = 0;
                next = (int)(Random[iseed] * 500);
            }
        }
    }
}
