using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using StarPlugin.Imaging;

namespace StarPlugin.IO.Cimg;

/// <summary>
/// G'MIC/CImg raw list format, the lossless exchange with G'MIC: a line
/// "N float little_endian", then per image "W H D S" and W·H·D·S planar samples,
/// x fastest. We read the first image (D must be 1) and write float little-endian.
/// Values are kept as they are: G'MIC's 0..255 convention is the caller's business.
/// </summary>
public static class CimgCodec
{
    public static bool Sniff(ReadOnlySpan<byte> b)
    {
        int nl = b.IndexOf((byte)'\n');
        if (nl <= 0 || nl > 128) return false;
        var first = Encoding.ASCII.GetString(b[..nl]).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return first.Length >= 2 && int.TryParse(first[0], out _) && first[1] is "float" or "double" or "uchar" or "unsigned_char" or "ushort" or "unsigned_short";
    }

    public static AstroImage Decode(ReadOnlySpan<byte> data)
    {
        int pos = 0;
        var head = Line(data, ref pos).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (head.Length < 2 || !int.TryParse(head[0], NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1)
            throw new ImageFormatException("CImg: bad list header");
        bool be = head.Length >= 3 && head[2] == "big_endian";
        int bps = head[1] switch
        {
            "float" => 4, "double" => 8, "uchar" or "unsigned_char" => 1, "ushort" or "unsigned_short" => 2,
            _ => throw new UnsupportedImageException($"CImg: pixel type '{head[1]}' is not supported"),
        };
        string dims = Line(data, ref pos);
        if (dims.Contains('#')) throw new UnsupportedImageException("CImg: compressed data is not supported");
        var d = dims.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (d.Length < 4 || !d.Take(4).All(s => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            throw new ImageFormatException("CImg: bad image dimensions");
        long w = long.Parse(d[0], CultureInfo.InvariantCulture), h = long.Parse(d[1], CultureInfo.InvariantCulture);
        long depth = long.Parse(d[2], CultureInfo.InvariantCulture), s = long.Parse(d[3], CultureInfo.InvariantCulture);
        if (depth != 1) throw new UnsupportedImageException($"CImg: volumetric image (depth {depth})");
        long n = ImageLimits.CheckedSampleCount(w, h, s);
        var raw = new ByteReader(data, be, "CImg").Slice(pos, n * bps);
        var img = new AstroImage((int)w, (int)h, (int)s, new ImageMetadata { SourceFormat = SampleFormat.Float32 });
        var dst = img.Data;
        for (long i = 0; i < n; i++)
        {
            var b = raw.Slice((int)(i * bps), bps);
            dst[i] = bps switch
            {
                4 => be ? BinaryPrimitives.ReadSingleBigEndian(b) : BinaryPrimitives.ReadSingleLittleEndian(b),
                8 => (float)(be ? BinaryPrimitives.ReadDoubleBigEndian(b) : BinaryPrimitives.ReadDoubleLittleEndian(b)),
                2 => be ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b),
                _ => b[0],
            };
        }
        return img;
    }

    private static string Line(ReadOnlySpan<byte> d, ref int pos)
    {
        int nl = d[pos..].IndexOf((byte)'\n');
        if (nl < 0 || nl > 256) throw new ImageFormatException("CImg: truncated header");
        string s = Encoding.ASCII.GetString(d.Slice(pos, nl));
        pos += nl + 1;
        return s.Trim();
    }

    public static void Encode(Stream output, AstroImage img)
    {
        output.Write(Encoding.ASCII.GetBytes($"1 float little_endian\n{img.Width} {img.Height} 1 {img.Channels}\n"));
        // Row by row: the encoded bytes are a row, not a plane beside the image.
        var buf = new byte[img.Width * 4];
        double physical = img.Metadata.PhysicalScale; // a float file holds physical values (ADU stay ADU)
        for (int c = 0; c < img.Channels; c++)
        {
            var plane = img.Plane(c);
            for (int y = 0; y < img.Height; y++)
            {
                var row = plane.Slice(y * img.Width, img.Width);
                for (int i = 0; i < row.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(buf.AsSpan(i * 4), (float)(row[i] * physical));
                output.Write(buf);
            }
        }
    }
}
