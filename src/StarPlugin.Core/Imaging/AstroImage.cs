namespace StarPlugin.Imaging;

/// <summary>
/// A planar float32 image: every channel is one contiguous plane of Width×Height
/// samples, row-major, y = 0 at the top (FITS rows are flipped on the way in and out;
/// <see cref="PixelFrame"/> maps positions back to the file's convention). Integer-sourced
/// data is scaled so that the format's white point is 1.0; float data keeps its values;
/// <see cref="ImageMetadata.PhysicalScale"/> gives astronomical data back its units.
/// Planar storage makes a channel a single span, which is what the SIMD kernels and the model want.
/// </summary>
public sealed class AstroImage
{
    private readonly float[] _data;

    public int Width { get; }
    public int Height { get; }
    /// <summary>1 = grey, 2 = grey + alpha, 3 = RGB, 4 = RGB + alpha.</summary>
    public int Channels { get; }
    public ImageMetadata Metadata { get; set; }

    public AstroImage(int width, int height, int channels, ImageMetadata? metadata = null)
    {
        long samples = ImageLimits.CheckedSampleCount(width, height, channels);
        Width = width;
        Height = height;
        Channels = channels;
        Metadata = metadata ?? new ImageMetadata();
        ImageLimits.BeforeAllocation(width, height, channels, Metadata);
        _data = new float[samples];
    }

    /// <summary>Wraps an existing planar buffer (no copy).</summary>
    public AstroImage(int width, int height, int channels, float[] planarData, ImageMetadata? metadata = null)
    {
        long samples = ImageLimits.CheckedSampleCount(width, height, channels);
        if (planarData.Length != samples)
            throw new ArgumentException($"buffer holds {planarData.Length} samples, {width}x{height}x{channels} needs {samples}", nameof(planarData));
        Width = width;
        Height = height;
        Channels = channels;
        _data = planarData;
        Metadata = metadata ?? new ImageMetadata();
    }

    public int PlaneLength => Width * Height;
    public bool HasAlpha => Channels is 2 or 4;
    /// <summary>Number of colour channels, alpha excluded.</summary>
    public int ColorChannels => HasAlpha ? Channels - 1 : Channels;
    public int AlphaChannel => HasAlpha ? Channels - 1 : -1;

    /// <summary>The whole planar buffer.</summary>
    public float[] Data => _data;
    public Span<float> Plane(int channel) => _data.AsSpan(CheckChannel(channel) * PlaneLength, PlaneLength);
    public Span<float> Row(int channel, int y)
    {
        if ((uint)y >= (uint)Height) throw new ArgumentOutOfRangeException(nameof(y));
        return _data.AsSpan(CheckChannel(channel) * PlaneLength + y * Width, Width);
    }

    public float this[int channel, int y, int x]
    {
        get => _data[channel * PlaneLength + y * Width + x];
        set => _data[channel * PlaneLength + y * Width + x] = value;
    }

    public AstroImage Clone() => new(Width, Height, Channels, (float[])_data.Clone(), Metadata.Clone());

    /// <summary>A new image of the same size and metadata holding only the colour channels.</summary>
    public AstroImage WithoutAlpha()
    {
        if (!HasAlpha) return Clone();
        var copy = new AstroImage(Width, Height, ColorChannels, Metadata.Clone());
        _data.AsSpan(0, ColorChannels * PlaneLength).CopyTo(copy.Data);
        return copy;
    }

    /// <summary>Copies a rectangle of all channels into a new image.</summary>
    public AstroImage Crop(int x0, int y0, int w, int h)
    {
        if (x0 < 0 || y0 < 0 || w <= 0 || h <= 0 || x0 + w > Width || y0 + h > Height)
            throw new ArgumentOutOfRangeException(nameof(x0), $"region {x0},{y0} {w}x{h} is outside {Width}x{Height}");
        var r = new AstroImage(w, h, Channels, Metadata.Clone());
        for (int c = 0; c < Channels; c++)
            for (int y = 0; y < h; y++)
                Row(c, y0 + y).Slice(x0, w).CopyTo(r.Row(c, y));
        return r;
    }

    /// <summary>Luminance (mean of the colour channels) as one plane.</summary>
    public float[] Luminance()
    {
        var lum = new float[PlaneLength];
        if (ColorChannels == 1) { Plane(0).CopyTo(lum); return lum; }
        for (int c = 0; c < ColorChannels; c++)
            System.Numerics.Tensors.TensorPrimitives.Add(lum, Plane(c), lum);
        System.Numerics.Tensors.TensorPrimitives.Multiply(lum, 1f / ColorChannels, lum);
        return lum;
    }

    private int CheckChannel(int c) => (uint)c < (uint)Channels ? c : throw new ArgumentOutOfRangeException(nameof(c), $"channel {c} of {Channels}");

    public override string ToString() => $"{Width}x{Height}x{Channels}";
}
