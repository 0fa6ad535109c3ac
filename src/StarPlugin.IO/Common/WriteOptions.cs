using StarPlugin.Imaging;

namespace StarPlugin.IO;

public enum TiffCompression { None = 1, Lzw = 5, Deflate = 8, PackBits = 32773 }

/// <summary>How to encode an image. Unset fields follow the image's source format.</summary>
public sealed record WriteOptions
{
    /// <summary>Output sample format; Unknown = keep the source's where the codec can store it.</summary>
    public SampleFormat Depth { get; init; } = SampleFormat.Unknown;
    public TiffCompression TiffCompression { get; init; } = TiffCompression.Deflate;
    /// <summary>TIFF: one plane per channel (PlanarConfiguration 2) instead of interleaved.</summary>
    public bool TiffPlanar { get; init; }
    /// <summary>TIFF: tile size (multiple of 16) instead of strips; 0 = strips.</summary>
    public int TiffTileSize { get; init; }
    /// <summary>XISF: block compression (byte-shuffled); None writes the pixels as they are, as PixInsight does by default.</summary>
    public Xisf.XisfCompression XisfCompression { get; init; } = Xisf.XisfCompression.None;
    /// <summary>JPEG quality 1..100.</summary>
    public int JpegQuality { get; init; } = 95;
    /// <summary>Replace an existing file.</summary>
    public bool Overwrite { get; init; }

    public static WriteOptions Default { get; } = new();
}
