using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using StarPlugin.Imaging;

namespace StarPlugin.IO.Pfm;

/// <summary>
/// Portable float map: "PF" (RGB) or "Pf" (grey), "W H", then a scale whose sign
/// gives the byte order (negative = little-endian); rows are stored bottom-up.
/// Alpha cannot be stored and is dropped on write.
/// </summary>
public static class PfmCodec
{
    public static bool Sniff(ReadOnlySpan<byte> b) => b.Length >= 3 && b[0] == 'P' && (b[1] == 'F' || b[1] == 'f') && char.IsWhiteSpace((char)b[2]);

    public static AstroImage Decode(ReadOnlySpan<byte> data)
    {
        var r = new ByteReader(data, false, "PFM");
        int pos = 0;
        string magic = Token(data, ref pos), ws = Token(data, ref pos), hs = Token(data, ref pos), ss = Token(data, ref pos);
        pos++; // exactly one whitespace byte follows the scale
        int channels = magic == "PF" ? 3 : magic == "Pf" ? 1 : throw new ImageFormatException("PFM: bad magic");
        if (!int.TryParse(ws, NumberStyles.None, CultureInfo.InvariantCulture, out int w) ||
            !int.TryParse(hs, NumberStyles.None, CultureInfo.InvariantCulture, out int h))
            throw new ImageFormatException("PFM: bad width or height");
        if (!double.TryParse(ss, NumberStyles.Float, CultureInfo.InvariantCulture, out double scale) || scale == 0 || !double.IsFinite(scale))
            throw new ImageFormatException("PFM: bad scale");
        long n = ImageLimits.CheckedSampleCount(w, h, channels);
        var raw = r.Slice(pos, n * 4);
        bool le = scale < 0;
        var img = new AstroImage(w, h, channels, new ImageMetadata { SourceFormat = SampleFormat.Float32 });
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < channels; c++)
                {
                    var s = raw.Slice((int)(((long)y * w + x) * channels + c) * 4, 4);
                    img[c, h - 1 - y, x] = le ? BinaryPrimitives.ReadSingleLittleEndian(s) : BinaryPrimitives.ReadSingleBigEndian(s);
                }
        return img;
    }

    private static string Token(ReadOnlySpan<byte> d, ref int pos)
    {
        while (pos < d.Length && char.IsWhiteSpace((char)d[pos])) pos++;
        int start = pos;
        while (pos < d.Length && !char.IsWhiteSpace((char)d[pos]) && pos - start < 32) pos++;
        if (pos >= d.Length) throw new ImageFormatException("PFM: truncated header");
        return Encoding.ASCII.GetString(d[start..pos]);
    }

    public static void Encode(Stream output, AstroImage img)
    {
        int channels = img.ColorChannels;
        output.Write(Encoding.ASCII.GetBytes($"{(channels == 3 ? "PF" : "Pf")}\n{img.Width} {img.Height}\n-1.0\n"));
        var row = new byte[img.Width * channels * 4];
        for (int y = img.Height - 1; y >= 0; y--)
        {
            for (int x = 0; x < img.Width; x++)
                for (int c = 0; c < channels; c++)
                    BinaryPrimitives.WriteSingleLittleEndian(row.AsSpan((x * channels + c) * 4), (float)(img[c, y, x] * img.Metadata.PhysicalScale)); // physical values
            output.Write(row);
        }
    }
}
