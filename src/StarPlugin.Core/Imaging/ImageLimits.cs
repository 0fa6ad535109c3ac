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

    /// <summary>
    /// Limits a host sets around one read (the CLI's --max-megapixels, a header-only
    /// probe), for the current flow of execution. Decoders see them where they already
    /// check sizes, before they allocate: in <see cref="CheckedSampleCount"/> and in
    /// <see cref="AstroImage"/>'s constructor.
    /// </summary>
    private sealed record ReadScope(long MaxPixels, bool HeaderOnly);
    private static readonly AsyncLocal<ReadScope?> Scope = new();

    /// <summary>Refuses images of more than <paramref name="maxPixels"/> pixels (width × height) until disposed.</summary>
    public static IDisposable LimitPixels(long maxPixels) => Enter(new ReadScope(maxPixels, Scope.Value?.HeaderOnly ?? false));

    /// <summary>
    /// Until disposed, the first image-sized allocation throws <see cref="ImageHeaderRead"/>
    /// with the size and metadata the decoder found, so a decoder reads a header only.
    /// </summary>
    public static IDisposable HeaderOnly() => Enter(new ReadScope(Scope.Value?.MaxPixels ?? 0, true));

    /// <summary>Whether a header-only read is under way: a decoder then skips any work before its first image-sized allocation.</summary>
    public static bool ReadingHeaderOnly => Scope.Value is { HeaderOnly: true };

    private static IDisposable Enter(ReadScope scope)
    {
        var previous = Scope.Value;
        Scope.Value = scope;
        return new Restore(previous);
    }

    private sealed class Restore(ReadScope? previous) : IDisposable
    {
        public void Dispose() => Scope.Value = previous;
    }

    /// <summary>Called by <see cref="AstroImage"/> before it allocates its samples.</summary>
    internal static void BeforeAllocation(int width, int height, int channels, ImageMetadata metadata)
    {
        if (Scope.Value is { HeaderOnly: true }) throw new ImageHeaderRead(width, height, channels, metadata);
    }

    public static long CheckedSampleCount(long width, long height, long channels)
    {
        if (Scope.Value is { MaxPixels: > 0 } limit && width > 0 && height > 0 && width * height > limit.MaxPixels)
            throw new ImageSizeException(FormattableString.Invariant(
                $"image {width}x{height} has {width * height / 1e6:0.#} megapixels, over the limit of {limit.MaxPixels / 1e6:0.#}"));
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

/// <summary>
/// Not an error: what a decoder found in a header, thrown under
/// <see cref="ImageLimits.HeaderOnly"/> instead of allocating the pixels.
/// </summary>
public sealed class ImageHeaderRead(int width, int height, int channels, ImageMetadata metadata)
    : Exception($"header read: {width}x{height}x{channels}")
{
    public int Width { get; } = width;
    public int Height { get; } = height;
    public int Channels { get; } = channels;
    public ImageMetadata Metadata { get; } = metadata;
}

/// <summary>An image size that is invalid or too large to process.</summary>
public sealed class ImageSizeException(string message) : ArgumentException(message);
