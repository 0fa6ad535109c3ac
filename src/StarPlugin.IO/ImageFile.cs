using StarPlugin.Imaging;
using StarPlugin.IO.Cimg;
using StarPlugin.IO.Fits;
using StarPlugin.IO.Jpeg;
using StarPlugin.IO.Pfm;
using StarPlugin.IO.Png;
using StarPlugin.IO.Tiff;
using StarPlugin.IO.Xisf;

namespace StarPlugin.IO;

public enum ImageFormat { Unknown, Fits, Tiff, Png, Jpeg, Pfm, Cimg, Xisf }

/// <summary>
/// Reads and writes images by content (magic bytes) and by file extension. Every
/// failure to decode surfaces as <see cref="ImageFormatException"/> or
/// <see cref="ImageSizeException"/> with the file named; writes are atomic.
/// </summary>
public static class ImageFile
{
    /// <summary>Files above this are refused before reading (the whole file is decoded in memory).</summary>
    public const long MaxFileBytes = int.MaxValue - 1024;

    public static ImageFormat FormatFromExtension(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".fits" or ".fit" or ".fts" => ImageFormat.Fits,
        ".fz" => ImageFormat.Fits, // tile-compressed FITS (fpack): read only
        ".xisf" => ImageFormat.Xisf,
        ".tif" or ".tiff" => ImageFormat.Tiff,
        ".png" => ImageFormat.Png,
        ".jpg" or ".jpeg" => ImageFormat.Jpeg,
        ".pfm" => ImageFormat.Pfm,
        ".cimg" => ImageFormat.Cimg,
        _ => ImageFormat.Unknown,
    };

    public static ImageFormat Sniff(ReadOnlySpan<byte> data) =>
        FitsCodec.Sniff(data) ? ImageFormat.Fits
        : TiffCodec.Sniff(data) ? ImageFormat.Tiff
        : PngCodec.Sniff(data) ? ImageFormat.Png
        : JpegCodec.Sniff(data) ? ImageFormat.Jpeg
        : PfmCodec.Sniff(data) ? ImageFormat.Pfm
        : CimgCodec.Sniff(data) ? ImageFormat.Cimg
        : XisfCodec.Sniff(data) ? ImageFormat.Xisf
        : ImageFormat.Unknown;

    public static AstroImage Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        long length;
        try { length = new FileInfo(path).Length; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        { throw new IOException($"{path}: {e.Message}", e); }
        if (length > MaxFileBytes) throw new ImageSizeException($"{path}: file is larger than 2 GiB");
        byte[] bytes = File.ReadAllBytes(path);
        try { return Decode(bytes, path); }
        catch (ImageFormatException e) { throw new ImageFormatException($"{path}: {e.Message}", e); }
        catch (ImageSizeException e) { throw new ImageSizeException($"{path}: {e.Message}"); }
    }

    /// <summary>Decodes by content; the name hint only breaks ties and names the file in errors.</summary>
    public static AstroImage Decode(ReadOnlySpan<byte> data, string? nameHint = null)
    {
        var format = Sniff(data);
        if (format == ImageFormat.Unknown)
            throw new ImageFormatException(nameHint != null && FormatFromExtension(nameHint) != ImageFormat.Unknown
                ? $"not a valid {FormatFromExtension(nameHint).ToString().ToUpperInvariant()} file (unrecognised signature)"
                : "unrecognised image format");
        try
        {
            return format switch
            {
                ImageFormat.Fits => FitsCodec.Decode(data),
                ImageFormat.Tiff => TiffCodec.Decode(data),
                ImageFormat.Png => PngCodec.Decode(data),
                ImageFormat.Jpeg => JpegCodec.Decode(data),
                ImageFormat.Pfm => PfmCodec.Decode(data),
                ImageFormat.Xisf => XisfCodec.Decode(data),
                _ => CimgCodec.Decode(data),
            };
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException and not ImageSizeException
                                   or OverflowException or InvalidDataException or InvalidOperationException or FormatException)
        {
            // The codecs check bounds themselves; this is the last line so that no corrupt file can escape as a crash.
            throw new ImageFormatException($"{format.ToString().ToUpperInvariant()}: corrupt file ({e.Message})", e);
        }
    }

    public static void Write(string path, AstroImage image, WriteOptions? options = null)
    {
        options ??= WriteOptions.Default;
        var format = FormatFromExtension(path);
        if (format == ImageFormat.Unknown)
            throw new ArgumentException($"{path}: unknown output format (use .fits, .tif, .png, .jpg, .pfm, .cimg or .xisf)");
        if (Path.GetExtension(path).Equals(".fz", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{path}: writing tile-compressed FITS is not supported; write .fits and compress it with fpack");
        AtomicFile.Write(path, s => Encode(s, image, format, options), options.Overwrite);
    }

    public static void Encode(Stream output, AstroImage image, ImageFormat format, WriteOptions? options = null)
    {
        options ??= WriteOptions.Default;
        switch (format)
        {
            case ImageFormat.Fits: FitsCodec.Encode(output, image, options); break;
            case ImageFormat.Tiff: TiffCodec.Encode(output, image, options); break;
            case ImageFormat.Png: PngCodec.Encode(output, image, options); break;
            case ImageFormat.Jpeg: JpegCodec.Encode(output, image, options); break;
            case ImageFormat.Pfm: PfmCodec.Encode(output, image); break;
            case ImageFormat.Cimg: CimgCodec.Encode(output, image); break;
            case ImageFormat.Xisf: XisfCodec.Encode(output, image, options); break;
            default: throw new ArgumentException($"cannot encode {format}");
        }
    }
}
