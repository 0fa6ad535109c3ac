using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Xml.Linq;
using K4os.Compression.LZ4;

namespace StarPlugin.IO.Xisf;

/// <summary>XISF block compression codecs (specification 1.0 §8.5); every one is written byte-shuffled.</summary>
public enum XisfCompression { None, Zlib, Lz4, Lz4HC, Zstd }

/// <summary>
/// XISF data blocks (specification 1.0 §8): where a block is (attachment:position:size,
/// inline:base64|hex, embedded &lt;Data&gt;), its compression attribute
/// (codec[+sh]:uncompressed-size[:item-size], with optional subblocks="c,u:c,u...") and
/// checksum (sha-1/sha-256/sha-512:hex). Decoding checks every size against the file and
/// the caller's expected size before allocating.
/// </summary>
internal static class XisfBlock
{
    /// <summary>The stored (possibly compressed) bytes of the block an element points at.</summary>
    public static byte[] Stored(ReadOnlySpan<byte> file, XElement element, XNamespace ns)
    {
        string location = (string?)element.Attribute("location") ?? throw new ImageFormatException($"XISF: <{element.Name.LocalName}> has no location");
        var parts = location.Split(':');
        switch (parts[0])
        {
            case "attachment":
                if (parts.Length != 3 || !ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong pos)
                    || !ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out ulong size))
                    throw new ImageFormatException($"XISF: location '{location}' is invalid");
                if (pos > (ulong)file.Length || size > (ulong)file.Length - pos)
                    throw new ImageFormatException($"XISF: data block at {pos} of {size} bytes lies past the end of the {file.Length}-byte file");
                return file.Slice((int)pos, (int)size).ToArray();
            case "inline":
                if (parts.Length != 2) throw new ImageFormatException($"XISF: location '{location}' is invalid");
                return Text(parts[1], element.Nodes().OfType<XText>().Aggregate("", (s, t) => s + t.Value));
            case "embedded":
                var data = element.Element(ns + "Data") ?? throw new ImageFormatException("XISF: embedded block has no <Data> element");
                return Text((string?)data.Attribute("encoding") ?? "", data.Value);
            default:
                throw new ImageFormatException($"XISF: location '{location}' is not attachment, inline or embedded");
        }
    }

    private static byte[] Text(string encoding, string text)
    {
        var clean = new string(text.Where(c => !char.IsWhiteSpace(c)).ToArray());
        try
        {
            return encoding switch
            {
                "base64" => Convert.FromBase64String(clean),
                "hex" => Convert.FromHexString(clean),
                _ => throw new ImageFormatException($"XISF: block encoding '{encoding}' is not base64 or hex"),
            };
        }
        catch (FormatException e) { throw new ImageFormatException($"XISF: {encoding} block is malformed", e); }
    }

    /// <summary>Verifies the checksum attribute, if any, over the stored bytes.</summary>
    public static void Verify(byte[] stored, XElement element)
    {
        if ((string?)element.Attribute("checksum") is not { } checksum) return;
        int colon = checksum.IndexOf(':');
        if (colon < 0) throw new ImageFormatException($"XISF: checksum '{checksum}' is invalid");
        string algorithm = checksum[..colon].ToLowerInvariant();
        byte[] expected;
        try { expected = Convert.FromHexString(checksum[(colon + 1)..]); }
        catch (FormatException) { throw new ImageFormatException($"XISF: checksum '{checksum}' is not hexadecimal"); }
        byte[] actual = algorithm switch
        {
            "sha-1" or "sha1" => SHA1.HashData(stored),
            "sha-256" or "sha256" => SHA256.HashData(stored),
            "sha-512" or "sha512" => SHA512.HashData(stored),
            "sha3-256" when SHA3_256.IsSupported => SHA3_256.HashData(stored),
            "sha3-512" when SHA3_512.IsSupported => SHA3_512.HashData(stored),
            _ => [], // an algorithm we cannot compute here is not a reason to refuse the image
        };
        if (actual.Length > 0 && !actual.AsSpan().SequenceEqual(expected))
            throw new ImageFormatException($"XISF: data block fails its {algorithm} checksum (corrupt file)");
    }

    /// <summary>
    /// Decompresses (and unshuffles) a block to exactly <paramref name="expected"/> bytes; a
    /// block that is not compressed must already be that long.
    /// </summary>
    public static byte[] Decode(byte[] stored, XElement element, long expected)
    {
        if ((string?)element.Attribute("compression") is not { } compression)
        {
            if (stored.LongLength != expected) throw new ImageFormatException($"XISF: data block holds {stored.LongLength} bytes, the image needs {expected}");
            return stored;
        }
        var parts = compression.Split(':');
        if (parts.Length is < 2 or > 3 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long size))
            throw new ImageFormatException($"XISF: compression '{compression}' is invalid");
        string codec = parts[0];
        bool shuffled = codec.EndsWith("+sh", StringComparison.Ordinal);
        if (shuffled) codec = codec[..^3];
        int item = 1;
        if (parts.Length == 3 && (!int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out item) || item is < 1 or > 16))
            throw new ImageFormatException($"XISF: compression '{compression}' has an invalid item size");
        if (shuffled && parts.Length != 3) throw new ImageFormatException($"XISF: compression '{compression}' shuffles without an item size");
        if (size != expected) throw new ImageFormatException($"XISF: compressed block decompresses to {size} bytes, the image needs {expected}");

        // Subblocks: independent streams laid end to end, each with its own sizes.
        var blocks = new List<(long Compressed, long Uncompressed)>();
        if ((string?)element.Attribute("subblocks") is { } sub)
        {
            foreach (var pair in sub.Split(':'))
            {
                var cu = pair.Split(',');
                if (cu.Length != 2 || !long.TryParse(cu[0], NumberStyles.None, CultureInfo.InvariantCulture, out long c)
                    || !long.TryParse(cu[1], NumberStyles.None, CultureInfo.InvariantCulture, out long u))
                    throw new ImageFormatException($"XISF: subblocks '{sub}' is invalid");
                if (c > stored.LongLength || u > size) throw new ImageFormatException($"XISF: subblocks '{sub}' exceed the block");
                blocks.Add((c, u));
            }
            if (blocks.Sum(b => b.Compressed) != stored.LongLength || blocks.Sum(b => b.Uncompressed) != size)
                throw new ImageFormatException("XISF: subblock sizes do not add up to the block's");
        }
        else blocks.Add((stored.LongLength, size));

        // Refuse sizes the stored bytes cannot decode to before allocating them (decompression bombs).
        long ratio = codec switch { "zlib" => 1040, "lz4" or "lz4hc" => 256, _ => 65536 };
        if (size > ratio * stored.LongLength + 65536)
            throw new ImageFormatException($"XISF: image of {size} bytes is larger than its {stored.LongLength} compressed bytes can hold");
        var output = new byte[size];
        long inAt = 0, outAt = 0;
        foreach (var (c, u) in blocks)
        {
            var src = stored.AsSpan((int)inAt, (int)c);
            var dst = output.AsSpan((int)outAt, (int)u);
            switch (codec)
            {
                case "zlib": Inflate(src, dst); break;
                case "lz4" or "lz4hc":
                    if (LZ4Codec.Decode(src, dst) != dst.Length) throw new ImageFormatException("XISF: lz4 block is corrupt or of the wrong size");
                    break;
                case "zstd":
                    try
                    {
                        using var z = new ZstdSharp.Decompressor();
                        if (z.Unwrap(src, dst) != dst.Length) throw new ImageFormatException("XISF: zstd block decompresses to the wrong size");
                    }
                    catch (ZstdSharp.ZstdException e) { throw new ImageFormatException($"XISF: zstd block is corrupt ({e.Message})", e); }
                    break;
                default: throw new UnsupportedImageException($"XISF: compression codec '{codec}' is not supported (zlib, lz4, lz4hc, zstd)");
            }
            inAt += c;
            outAt += u;
        }
        if (shuffled) Unshuffle(output, item);
        return output;
    }

    private static void Inflate(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        try
        {
            using var z = new ZLibStream(new MemoryStream(src.ToArray(), writable: false), CompressionMode.Decompress);
            int got = 0;
            while (got < dst.Length)
            {
                int n = z.Read(dst[got..]);
                if (n == 0) break;
                got += n;
            }
            if (got != dst.Length) throw new ImageFormatException($"XISF: zlib block holds {got} bytes, {dst.Length} expected");
        }
        // zlib reports some corruptions (a preset dictionary asked for, an unknown error code) as an IOException.
        catch (Exception e) when (e is InvalidDataException or IOException) { throw new ImageFormatException($"XISF: zlib block is corrupt ({e.Message})", e); }
    }

    /// <summary>
    /// Byte shuffling (§8.5.2): the first bytes of every item, then every second byte, and so on;
    /// bytes past the last whole item stay where they are.
    /// </summary>
    public static byte[] Shuffle(ReadOnlySpan<byte> data, int item)
    {
        var output = data.ToArray();
        int n = data.Length / item;
        for (int i = 0; i < n; i++)
            for (int b = 0; b < item; b++)
                output[b * n + i] = data[i * item + b];
        return output;
    }

    public static void Unshuffle(byte[] data, int item)
    {
        if (item <= 1) return;
        int n = data.Length / item;
        var copy = data.AsSpan(0, n * item).ToArray();
        for (int i = 0; i < n; i++)
            for (int b = 0; b < item; b++)
                data[i * item + b] = copy[b * n + i];
    }

    /// <summary>Compresses a shuffled block; returns the bytes and the compression attribute.</summary>
    public static (byte[] Bytes, string Attribute) Compress(ReadOnlySpan<byte> data, int item, XisfCompression codec)
    {
        var src = item > 1 ? Shuffle(data, item) : data.ToArray();
        byte[] packed;
        string name;
        switch (codec)
        {
            case XisfCompression.Zlib:
                var ms = new MemoryStream();
                using (var z = new ZLibStream(ms, CompressionLevel.Optimal, leaveOpen: true)) z.Write(src);
                packed = ms.ToArray();
                name = "zlib";
                break;
            case XisfCompression.Lz4:
            case XisfCompression.Lz4HC:
                var buf = new byte[LZ4Codec.MaximumOutputSize(src.Length)];
                int n = LZ4Codec.Encode(src, buf, codec == XisfCompression.Lz4HC ? LZ4Level.L09_HC : LZ4Level.L00_FAST);
                packed = buf[..n];
                name = codec == XisfCompression.Lz4HC ? "lz4hc" : "lz4";
                break;
            case XisfCompression.Zstd:
                using (var z = new ZstdSharp.Compressor(3)) packed = z.Wrap(src).ToArray();
                name = "zstd";
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(codec), codec, "not a compression codec");
        }
        string attribute = item > 1
            ? $"{name}+sh:{data.Length.ToString(CultureInfo.InvariantCulture)}:{item.ToString(CultureInfo.InvariantCulture)}"
            : $"{name}:{data.Length.ToString(CultureInfo.InvariantCulture)}";
        return (packed, attribute);
    }
}
