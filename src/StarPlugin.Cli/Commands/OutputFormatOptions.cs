using System.CommandLine;
using StarPlugin.Imaging;
using StarPlugin.IO;

namespace StarPlugin.Cli.Commands;

/// <summary>--depth/--compression/--planar/--tile, shared by every command that writes images.</summary>
public sealed class OutputFormatOptions
{
    public Option<string> Depth { get; } = new("--depth") { Description = "Output depth: source (default), u8, u16, i16, i32 or f32 (FITS/TIFF signed integers: i16, i32)" };
    public Option<string> Compression { get; } = new("--compression") { Description = "TIFF compression: deflate (default), lzw, packbits or none" };
    public Option<bool> Planar { get; } = new("--planar") { Description = "TIFF: store channels as separate planes" };
    public Option<int> Tile { get; } = new("--tile") { Description = "TIFF: write tiles of this size (multiple of 16) instead of strips" };

    public OutputFormatOptions()
    {
        Depth.AcceptOnlyFromAmong("source", "u8", "u16", "i16", "i32", "f32");
        Compression.AcceptOnlyFromAmong("deflate", "lzw", "packbits", "none");
    }

    public void AddTo(Command cmd) { cmd.Add(Depth); cmd.Add(Compression); cmd.Add(Planar); cmd.Add(Tile); }

    public WriteOptions Read(ParseResult p, bool force) => new()
    {
        Depth = p.GetValue(Depth) switch { "u8" => SampleFormat.UInt8, "u16" => SampleFormat.UInt16, "i16" => SampleFormat.Int16, "i32" => SampleFormat.Int32, "f32" => SampleFormat.Float32, _ => SampleFormat.Unknown },
        TiffCompression = p.GetValue(Compression) switch { "lzw" => TiffCompression.Lzw, "packbits" => TiffCompression.PackBits, "none" => TiffCompression.None, _ => TiffCompression.Deflate },
        TiffPlanar = p.GetValue(Planar),
        TiffTileSize = p.GetValue(Tile),
        Overwrite = force,
    };
}
