using System.Runtime.InteropServices;
using StarPlugin.Imaging;

namespace StarPlugin.IO.Jpeg;

/// <summary>8-bit JPEG, grey or RGB, through the system libjpeg-turbo.</summary>
public static unsafe class JpegCodec
{
    public static bool Sniff(ReadOnlySpan<byte> b) => b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF;

    /// <summary>Pictures over this many pixels, from files of fewer than 1/<see cref="PreviewAbovePixelsPerByte"/> bytes a pixel, are test-decoded at 1/8 scale first.</summary>
    private const long PreviewAbovePixels = 16L << 20, PreviewAbovePixelsPerByte = 64;

    public static AstroImage Decode(ReadOnlySpan<byte> data)
    {
        var api = TurboJpeg.Get();
        nint h = api.InitDecompress();
        if (h == 0) throw new ImageFormatException("JPEG: cannot create a decoder");
        try
        {
            int w, ht, sub, cs;
            fixed (byte* src = data)
            {
                if (api.DecompressHeader3(h, src, new CULong((nuint)data.Length), &w, &ht, &sub, &cs) != 0)
                    throw new ImageFormatException("JPEG: " + TurboJpeg.Error(api, h));
                if (cs is TurboJpeg.ColorspaceCmyk or TurboJpeg.ColorspaceYcck)
                    throw new UnsupportedImageException("JPEG: CMYK images are not supported");
                int channels = cs == TurboJpeg.ColorspaceGray ? 1 : 3;
                ImageLimits.CheckedSampleCount(w, ht, channels);
                // A JPEG cannot hold more than ~1 pixel per 1/64 byte even for flat colour; reject absurd claims before allocating.
                if ((long)w * ht > Math.Max(1L << 20, (long)data.Length * 4096))
                    throw new ImageFormatException($"JPEG: {w}x{ht} is implausible for a {data.Length}-byte file");
                int fmt = channels == 1 ? TurboJpeg.PixelFormatGray : TurboJpeg.PixelFormatRgb;
                // A small file claiming a large picture (up to 4096 pixels a byte pass the check
                // above; photographs hold a few) is decoded at 1/8 scale first, in 1/64 of the
                // memory, so truncated or corrupt data fails before the full-size buffers exist:
                // a 137 KB file claiming 18900² took 1 GB and 5 s to fail.
                if (!ImageLimits.ReadingHeaderOnly && (long)w * ht > PreviewAbovePixels && (long)w * ht > (long)data.Length * PreviewAbovePixelsPerByte)
                {
                    int sw = (w + 7) / 8, sh = (ht + 7) / 8;
                    var preview = new byte[(long)sw * sh * channels];
                    fixed (byte* p = preview)
                        if (api.Decompress2(h, src, new CULong((nuint)data.Length), p, sw, 0, sh, fmt, 0) != 0)
                            throw new ImageFormatException("JPEG: " + TurboJpeg.Error(api, h));
                }
                // The image first: a header-only read (ImageLimits.HeaderOnly) stops here, before decoding.
                var img = new AstroImage(w, ht, channels, new ImageMetadata { SourceFormat = SampleFormat.UInt8 });
                var buf = new byte[(long)w * ht * channels];
                fixed (byte* dst = buf)
                {
                    if (api.Decompress2(h, src, new CULong((nuint)data.Length), dst, w, 0, ht, fmt, TurboJpeg.FlagAccurateDct) != 0)
                        throw new ImageFormatException("JPEG: " + TurboJpeg.Error(api, h));
                }
                int plane = img.PlaneLength;
                var d = img.Data;
                for (int i = 0; i < plane; i++)
                    for (int c = 0; c < channels; c++)
                        d[c * plane + i] = buf[i * channels + c] / 255f;
                return img;
            }
        }
        finally { api.Destroy(h); }
    }

    public static void Encode(Stream output, AstroImage img, WriteOptions options)
    {
        var api = TurboJpeg.Get();
        int channels = img.ColorChannels == 1 ? 1 : 3;
        int plane = img.PlaneLength;
        // As PNG: values an 8-bit file cannot hold (negatives, above white, NaN) are an error
        // that names the fix, never a silent clip.
        var enc = IntegerEncoder.For(img.Metadata, SampleFormat.UInt8);
        var used = img.Data.AsSpan(0, (int)Math.Min((long)plane * channels, img.Data.Length));
        enc.Check(used, "JPEG", SampleFormat.UInt8, countsAllowed: !img.Metadata.IsPhysical && SampleConversion.White(img.Metadata.SourceFormat) == 1);
        var buf = new byte[(long)plane * channels];
        for (int i = 0; i < plane; i++)
            for (int c = 0; c < channels; c++)
                buf[i * channels + c] = (byte)enc.Encode(img.Data[c * plane + i]);
        nint h = api.InitCompress();
        if (h == 0) throw new IOException("JPEG: cannot create an encoder");
        byte* jpeg = null;
        try
        {
            CULong size = default;
            fixed (byte* src = buf)
            {
                int fmt = channels == 1 ? TurboJpeg.PixelFormatGray : TurboJpeg.PixelFormatRgb;
                int sub = channels == 1 ? TurboJpeg.SubsampleGray : TurboJpeg.SubsampleNone;
                if (api.Compress2(h, src, img.Width, 0, img.Height, fmt, &jpeg, &size, sub, Math.Clamp(options.JpegQuality, 1, 100), TurboJpeg.FlagAccurateDct) != 0)
                    throw new IOException("JPEG: " + TurboJpeg.Error(api, h));
            }
            output.Write(new ReadOnlySpan<byte>(jpeg, checked((int)size.Value)));
        }
        finally
        {
            if (jpeg != null) api.Free(jpeg);
            api.Destroy(h);
        }
    }
}
