using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using StarPlugin.Imaging;

namespace StarPlugin.Tests.Support;

/// <summary>
/// Writes PNG variants our encoder never produces (Adam7, palette), straight from the
/// specification, so the decoder's paths for them are tested against independent bytes.
/// </summary>
internal static class PngTestWriter
{
    public static byte[] Adam7Rgb8(AstroImage img)
    {
        (int, int, int, int)[] passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];
        var raw = new MemoryStream();
        foreach (var (x0, y0, dx, dy) in passes)
        {
            int pw = (img.Width - x0 + dx - 1) / dx, ph = (img.Height - y0 + dy - 1) / dy;
            if (pw <= 0 || ph <= 0) continue;
            for (int py = 0; py < ph; py++)
            {
                raw.WriteByte(0);
                for (int px = 0; px < pw; px++)
                    for (int c = 0; c < 3; c++)
                        raw.WriteByte((byte)MathF.Round(img[c, y0 + py * dy, x0 + px * dx] * 255f));
            }
        }
        return Build(img.Width, img.Height, 8, 2, 1, raw.ToArray(), null);
    }

    public static (byte[] Png, AstroImage Expected) Palette2Bit(int w, int h)
    {
        byte[] plte = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];
        var expected = new AstroImage(w, h, 3);
        var raw = new MemoryStream();
        for (int y = 0; y < h; y++)
        {
            raw.WriteByte(0);
            var row = new byte[(w * 2 + 7) / 8];
            for (int x = 0; x < w; x++)
            {
                int idx = (x + 2 * y) % 4;
                row[x * 2 / 8] |= (byte)(idx << (6 - x * 2 % 8));
                for (int c = 0; c < 3; c++) expected[c, y, x] = plte[idx * 3 + c] / 255f;
            }
            raw.Write(row);
        }
        return (Build(w, h, 2, 3, 0, raw.ToArray(), plte), expected);
    }

    /// <summary>
    /// An 8-bit grey PNG of w×h zeros, compressed row by row (never held whole): a few
    /// hundred KB, however many pixels it declares. The memory-amplification case.
    /// </summary>
    public static byte[] ZeroGrey(int w, int h)
    {
        var s = new MemoryStream();
        s.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = 8;
        Chunk(s, "IHDR", ihdr);
        var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Optimal, true))
        {
            var row = new byte[w + 1];
            for (int y = 0; y < h; y++) zs.Write(row);
        }
        Chunk(s, "IDAT", z.ToArray());
        Chunk(s, "IEND", []);
        return s.ToArray();
    }

    private static byte[] Build(int w, int h, int depth, int colorType, int interlace, byte[] raw, byte[]? plte)
    {
        var s = new MemoryStream();
        s.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = (byte)depth; ihdr[9] = (byte)colorType; ihdr[12] = (byte)interlace;
        Chunk(s, "IHDR", ihdr);
        if (plte != null) Chunk(s, "PLTE", plte);
        var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Fastest, true)) zs.Write(raw);
        Chunk(s, "IDAT", z.ToArray());
        Chunk(s, "IEND", []);
        return s.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] body)
    {
        var len = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, body.Length);
        s.Write(len);
        var tb = Encoding.ASCII.GetBytes(type);
        s.Write(tb);
        s.Write(body);
        var cb = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(cb, Crc(tb.Concat(body)));
        s.Write(cb);
    }

    /// <summary>A chunk's CRC-32 over its type and data, bit by bit (independent of the codec's table).</summary>
    internal static uint Crc(IEnumerable<byte> typeAndData)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in typeAndData)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return crc ^ 0xFFFFFFFF;
    }
}
