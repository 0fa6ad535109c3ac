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
/// Every size, stride and the largest index touched are checked (with overflow) before
/// any sample is read, so a wrong descriptor is an error, not a wild read.
/// </summary>
internal static unsafe class NativeImage
{
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
        long last;
        if (i.Layout == 0)
        {
            if (i.RowStride < (long)i.Width * i.Channels) throw new ArgumentProblem($"{name}.row_stride {i.RowStride} is smaller than a row ({(long)i.Width * i.Channels} floats)");
            last = (i.Height - 1) * i.RowStride + (long)i.Width * i.Channels;
        }
        else if (i.Layout == 1)
        {
            if (i.RowStride < i.Width) throw new ArgumentProblem($"{name}.row_stride {i.RowStride} is smaller than a row ({i.Width} floats)");
            if (i.Channels > 1 && i.PlaneStride < i.RowStride * i.Height) throw new ArgumentProblem($"{name}.plane_stride {i.PlaneStride} is smaller than a plane");
            last = (i.Channels - 1) * Math.Max(i.PlaneStride, 0) + (i.Height - 1) * i.RowStride + i.Width;
        }
        else throw new ArgumentProblem($"{name}.layout = {i.Layout} (0 interleaved, 1 planar)");
        if (last > (1L << 40)) throw new ArgumentProblem($"{name} strides describe more than 2^40 floats");
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
