using System.Runtime.InteropServices;
using StarPlugin.Imaging;

namespace StarPlugin.Native.Interop;

/// <summary>sp_image, byte for byte.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SpImage
{
    public float* Data;
    public int Width, Height, Channels, Layout;
    public long RowStride, PlaneStride;
}

/// <summary>sp_rect.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SpRect { public int X, Y, Width, Height; }

/// <summary>
/// Validation of caller-described buffers and copies between them and AstroImage.
/// Every size and stride, and the extent they span (the first and last float touched),
/// is computed in checked 64-bit arithmetic before any sample is read: a descriptor that
/// overflows, wraps the address space or spans more than <see cref="MaxExtent"/> floats
/// is an argument error, not a wild read or write.
/// </summary>
internal static unsafe class NativeImage
{
    /// <summary>SP_MAX_EXTENT: the most floats one descriptor may span (2^34, 64 GiB).</summary>
    public const long MaxExtent = 1L << 34;

    public static void Validate(SpImage* img, string name, int? width = null, int? height = null, int? channels = null)
    {
        if (img == null) throw new ArgumentProblem($"{name} is NULL");
        var i = *img;
        if (i.Data == null) throw new ArgumentProblem($"{name}.data is NULL");
        if (i.Width <= 0 || i.Height <= 0) throw new ArgumentProblem($"{name} size {i.Width}x{i.Height} is not positive");
        if (i.Channels is < 1 or > 4) throw new ArgumentProblem($"{name}.channels = {i.Channels} (1-4)");
        ImageLimits.CheckedSampleCount(i.Width, i.Height, i.Channels);
        if (width != null && (i.Width != width || i.Height != height)) throw new ArgumentProblem($"{name} is {i.Width}x{i.Height}, expected {width}x{height}");
        if (channels != null && i.Channels != channels) throw new ArgumentProblem($"{name} has {i.Channels} channels, expected {channels}");
        long extent = Extent(i, name);
        if (extent > MaxExtent)
            throw new ArgumentProblem($"{name}: its strides span {extent} floats, more than SP_MAX_EXTENT ({MaxExtent}); row_stride {i.RowStride}, plane_stride {i.PlaneStride}");
        ulong start = (ulong)i.Data, bytes = (ulong)extent * sizeof(float);
        if (start % sizeof(float) != 0) throw new ArgumentProblem($"{name}.data is not aligned to a float");
        if (bytes > ulong.MaxValue - start) throw new ArgumentProblem($"{name}: the described buffer wraps past the end of the address space");
    }

    /// <summary>Floats from data[0] to one past the last sample, in checked arithmetic.</summary>
    private static long Extent(in SpImage i, string name)
    {
        try
        {
            checked
            {
                if (i.Layout == 0)
                {
                    long row = (long)i.Width * i.Channels;
                    if (i.RowStride < row) throw new ArgumentProblem($"{name}.row_stride {i.RowStride} is smaller than a row ({row} floats)");
                    return (i.Height - 1) * i.RowStride + row;
                }
                if (i.Layout == 1)
                {
                    if (i.RowStride < i.Width) throw new ArgumentProblem($"{name}.row_stride {i.RowStride} is smaller than a row ({i.Width} floats)");
                    long plane = i.RowStride * i.Height;
                    if (i.Channels == 1) return (i.Height - 1) * i.RowStride + i.Width;
                    if (i.PlaneStride < plane) throw new ArgumentProblem($"{name}.plane_stride {i.PlaneStride} is smaller than a plane ({plane} floats)");
                    return (i.Channels - 1) * i.PlaneStride + (i.Height - 1) * i.RowStride + i.Width;
                }
            }
        }
        catch (OverflowException) { throw new ArgumentProblem($"{name}: row_stride {i.RowStride} or plane_stride {i.PlaneStride} overflows 64-bit arithmetic"); }
        throw new ArgumentProblem($"{name}.layout = {i.Layout} (0 interleaved, 1 planar)");
    }

    public static (int X, int Y, int W, int H) Roi(SpRect* roi, int width, int height)
    {
        if (roi == null || roi->Width == 0 || roi->Height == 0) return (0, 0, width, height);
        var r = *roi;
        if (r.X < 0 || r.Y < 0 || r.Width < 0 || r.Height < 0 || (long)r.X + r.Width > width || (long)r.Y + r.Height > height)
            throw new ArgumentProblem($"roi {r.X},{r.Y} {r.Width}x{r.Height} is outside the {width}x{height} image");
        return (r.X, r.Y, r.Width, r.Height);
    }

    private static long Index(in SpImage i, int x, int y, int c) =>
        i.Layout == 0 ? y * i.RowStride + (long)x * i.Channels + c : c * i.PlaneStride + y * i.RowStride + x;

    /// <summary>Copies a rectangle of a described buffer into a new planar image.</summary>
    public static AstroImage Read(SpImage* img, int x0, int y0, int w, int h)
    {
        var i = *img;
        var result = new AstroImage(w, h, i.Channels, new ImageMetadata { SourceFormat = SampleFormat.Float32 });
        for (int c = 0; c < i.Channels; c++)
            for (int y = 0; y < h; y++)
            {
                var row = result.Row(c, y);
                for (int x = 0; x < w; x++) row[x] = i.Data[Index(i, x0 + x, y0 + y, c)];
            }
        return result;
    }

    /// <summary>Writes an image into a rectangle of a described buffer.</summary>
    public static void Write(SpImage* dst, AstroImage src, int x0, int y0)
    {
        var i = *dst;
        for (int c = 0; c < i.Channels; c++)
            for (int y = 0; y < src.Height; y++)
            {
                var row = src.Row(c, y);
                for (int x = 0; x < src.Width; x++) i.Data[Index(i, x0 + x, y0 + y, c)] = row[x];
            }
    }

    /// <summary>Copies all of src into dst (same size and channels), or fills dst with a value.</summary>
    public static void CopyAll(SpImage* src, SpImage* dst, float? fill = null)
    {
        var s = *src; var d = *dst;
        for (int c = 0; c < d.Channels; c++)
            for (int y = 0; y < d.Height; y++)
                for (int x = 0; x < d.Width; x++)
                    d.Data[Index(d, x, y, c)] = fill ?? s.Data[Index(s, x, y, Math.Min(c, s.Channels - 1))];
    }
}
