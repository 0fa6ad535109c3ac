using System.IO.Compression;

namespace StarPlugin.IO.Fits.Compression;

/// <summary>
/// GZIP_1 / GZIP_2 tiles: a gzip stream of the tile's big-endian samples; GZIP_2 first
/// regroups the bytes by significance (all most significant bytes, then the next...).
/// </summary>
internal static class GzipTile
{
    /// <summary>Deflate expands at most ~1032:1; with gzip's header this bounds what a tile can decode to.</summary>
    public static long MaxBytes(long compressedBytes) => compressedBytes * 1040 + 1024;

    /// <summary>Inflates exactly <paramref name="output"/>.Length bytes; a shorter stream is an error, a longer one is cut.</summary>
    public static void Inflate(ReadOnlySpan<byte> input, Span<byte> output)
    {
        try
        {
            using var ms = new MemoryStream(input.ToArray(), writable: false);
            using var gz = new GZipStream(ms, CompressionMode.Decompress);
            int got = 0;
            while (got < output.Length)
            {
                int n = gz.Read(output[got..]);
                if (n == 0) break;
                got += n;
            }
            if (got != output.Length)
                throw new ImageFormatException($"FITS: gzip tile holds {got} bytes, the tile needs {output.Length} (corrupt tile)");
        }
        // zlib reports some corruptions (an unknown error code) as an IOException.
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new ImageFormatException($"FITS: gzip tile is corrupt ({e.Message})", e);
        }
    }

    /// <summary>Undoes GZIP_2's byte shuffle in place for items of <paramref name="itemBytes"/> bytes.</summary>
    public static void Unshuffle(Span<byte> data, int itemBytes)
    {
        if (itemBytes <= 1) return;
        int n = data.Length / itemBytes;
        var copy = data[..(n * itemBytes)].ToArray();
        for (int b = 0; b < itemBytes; b++)
            for (int i = 0; i < n; i++)
                data[i * itemBytes + b] = copy[b * n + i];
    }
}
