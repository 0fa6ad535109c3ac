namespace StarPlugin.Imaging;

/// <summary>
/// Caps on image sizes. Every decoder checks declared dimensions against these
/// before it allocates, so a 100-byte file cannot ask for gigabytes.
/// </summary>
public static class ImageLimits
{
    /// <summary>Largest side accepted (GIMP's own limit is 524288).</summary>
    public const int MaxSide = 524_288;

    /// <summary>Largest sample count (width×height×channels): 2^30 floats = 4 GiB.</summary>
    public const long MaxSamples = 1L << 30;

    public static long CheckedSampleCount(long width, long height, long channels)
    {
        if (width <= 0 || height <= 0)
            throw new ImageSizeException($"image size {width}x{height} is not positive");
        if (width > MaxSide || height > MaxSide)
            throw new ImageSizeException($"image size {width}x{height} exceeds the {MaxSide}-pixel side limit");
        if (channels is < 1 or > 4)
            throw new ImageSizeException($"{channels} channels is not supported (1-4)");
        long samples = width * height * channels; // cannot overflow: each factor < 2^20
        if (samples > MaxSamples)
            throw new ImageSizeException($"image {width}x{height}x{channels} has {samples} samples, over the {MaxSamples} limit");
        return samples;
    }
}

/// <summary>An image size that is invalid or too large to process.</summary>
public sealed class ImageSizeException(string message) : ArgumentException(message);
