using System.Runtime.InteropServices;
using System.IO.MemoryMappedFiles;
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

/// <summary>What a file's header says: format, size, channels, depth (in the metadata) and its cards and tags.</summary>
public sealed record ImageHeader(ImageFormat Format, int Width, int Height, int Channels, ImageMetadata Metadata)
{
    public long Pixels => (long)Width * Height;
}

/// <summary>
/// Reads and writes images by content (magic bytes) and by file extension. Every
/// failure to decode surfaces as <see cref="ImageFormatException"/> or
/// <see cref="ImageSizeException"/> with the file named; writes are atomic.
/// </summary>
public static unsafe class ImageFile
{
    /// <summary>Files above this are refused before reading (the whole file is decoded in memory).</summary>
    public const long MaxFileBytes = int.MaxValue - 1024;

    /// <summary>The extensions an output may have, for messages.</summary>
    public const string OutputExtensions = ".fits, .fit, .fts, .tif, .tiff, .png, .jpg, .jpeg, .pfm, .cimg or .xisf";

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

    /// <summary>
    /// The file opened for reading, and its length, once it is known to be no larger than
    /// <see cref="MaxFileBytes"/>. The length is the open file's own (fstat): FileInfo
    /// describes a symbolic link itself, so a linked input read as a few bytes and failed
    /// as "truncated".
    /// </summary>
    private static FileStream OpenChecked(string path, out long length)
    {
        RegularFile.Require(path); // never open a pipe or a device: a pipe waits for a writer forever
        FileStream? file = null;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            length = file.Length;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) // a dangling link
        { throw new FileNotFoundException($"{path}: no such file", path, e); }
        catch (NotSupportedException) // no length: a pipe reached through /dev/stdin or /proc
        {
            file?.Dispose();
            throw new ImageFormatException($"{path}: not a regular file (a pipe, socket or device)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            file?.Dispose();
            throw new IOException($"{path}: {e.Message}", e);
        }
        if (length > MaxFileBytes)
        {
            file.Dispose();
            throw new ImageSizeException($"{path}: file is larger than 2 GiB");
        }
        return file;
    }

    public static AstroImage Read(string path)
    {
        using var file = OpenChecked(path, out long length);
        // The file's bytes live outside the managed heap and are freed the moment the image
        // is decoded: a managed array of them (often as large as the image) stayed resident
        // after collection, beside the outputs that removal allocates next.
        byte* bytes = (byte*)NativeMemory.Alloc((nuint)Math.Max(1, length));
        try
        {
            int read = 0;
            var span = new Span<byte>(bytes, (int)length);
            for (int n; read < length && (n = file.Read(span[read..])) > 0;) read += n;
            return Decode(new ReadOnlySpan<byte>(bytes, read), path);
        }
        catch (ImageFormatException e) { throw new ImageFormatException($"{path}: {e.Message}", e); }
        catch (ImageSizeException e) { throw new ImageSizeException($"{path}: {e.Message}"); }
        finally { NativeMemory.Free(bytes); }
    }

    /// <summary>
    /// The header alone, in memory bounded by the header, whatever the image's size: the
    /// file is mapped, not read, and the format's own decoder runs until the point where
    /// it would allocate the pixels (<see cref="ImageLimits.HeaderOnly"/>), so the answer
    /// is exactly what a full read would give.
    /// </summary>
    public static ImageHeader ReadHeader(string path)
    {
        using var file = OpenChecked(path, out long length);
        if (length == 0) throw new ImageFormatException($"{path}: empty file");
        using var map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        using var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        byte* start = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        try
        {
            var data = new ReadOnlySpan<byte>(start + view.PointerOffset, (int)length);
            using (ImageLimits.HeaderOnly())
            {
                try { Decode(data, path); }
                catch (ImageHeaderRead h) { return new ImageHeader(Sniff(data), h.Width, h.Height, h.Channels, h.Metadata); }
                catch (ImageFormatException e) { throw new ImageFormatException($"{path}: {e.Message}", e); }
                catch (ImageSizeException e) { throw new ImageSizeException($"{path}: {e.Message}"); }
            }
            throw new ImageFormatException($"{path}: no image found");
        }
        finally { view.SafeMemoryMappedViewHandle.ReleasePointer(); }
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

    public static void Write(string path, AstroImage image, WriteOptions? options = null) => WriteSet([(path, image)], options);

    /// <summary>
    /// Writes several images as one set (AtomicFile.WriteSet): all of them, or, when one
    /// cannot be written (full disk, a value its format cannot hold), none.
    /// </summary>
    public static void WriteSet(IReadOnlyList<(string Path, AstroImage Image)> images, WriteOptions? options = null)
    {
        options ??= WriteOptions.Default;
        var files = new List<(string, Action<Stream>)>();
        foreach (var (path, image) in images)
        {
            var format = FormatFromExtension(path);
            if (format == ImageFormat.Unknown)
                throw new ArgumentException($"{path}: unknown output format (use {OutputExtensions})");
            if (Path.GetExtension(path).Equals(".fz", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"{path}: writing tile-compressed FITS is not supported; write .fits and compress it with fpack");
            files.Add((path, s =>
            {
                // Encoders do not know the path; a refusal names the output it is about.
                try { Encode(s, image, format, options); }
                catch (SampleRangeException e) { throw new SampleRangeException($"{path}: {e.Message}"); }
                catch (ImageFormatException e) { throw new ImageFormatException($"{path}: {e.Message}", e); }
            }));
        }
        AtomicFile.WriteSet(files, options.Overwrite);
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
