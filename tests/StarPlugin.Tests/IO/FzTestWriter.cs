using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace StarPlugin.Tests.IO;

/// <summary>
/// Builds small GZIP_1 tile-compressed FITS files (int16, one tile per row) for the
/// malformed-file corpus, which must run without fpack. Every structural number can be
/// overridden so that the tests can lie in the header.
/// </summary>
internal static class FzTestWriter
{
    public static byte[] Gzip1(short[,] image, Action<List<string>>? editCards = null, Action<byte[], long, long>? editTable = null)
    {
        int h = image.GetLength(0), w = image.GetLength(1);
        var heap = new MemoryStream();
        var table = new byte[h * 8];
        for (int y = 0; y < h; y++)
        {
            var row = new byte[w * 2];
            for (int x = 0; x < w; x++) BinaryPrimitives.WriteInt16BigEndian(row.AsSpan(2 * x), image[y, x]);
            var gz = new MemoryStream();
            using (var z = new GZipStream(gz, CompressionLevel.Optimal, leaveOpen: true)) z.Write(row);
            BinaryPrimitives.WriteInt32BigEndian(table.AsSpan(8 * y), (int)gz.Length);
            BinaryPrimitives.WriteInt32BigEndian(table.AsSpan(8 * y + 4), (int)heap.Length);
            heap.Write(gz.ToArray());
        }
        var cards = new List<string>
        {
            "XTENSION= 'BINTABLE'", "BITPIX  =                    8", "NAXIS   =                    2",
            "NAXIS1  =                    8", $"NAXIS2  = {h,20}", $"PCOUNT  = {heap.Length,20}", "GCOUNT  =                    1",
            "TFIELDS =                    1", "TTYPE1  = 'COMPRESSED_DATA'", "TFORM1  = '1PB     '",
            "ZIMAGE  =                    T", "ZBITPIX =                   16", "ZNAXIS  =                    2",
            $"ZNAXIS1 = {w,20}", $"ZNAXIS2 = {h,20}", $"ZTILE1  = {w,20}", "ZTILE2  =                    1",
            "ZCMPTYPE= 'GZIP_1  '", "OBJECT  = 'test    '",
        };
        editCards?.Invoke(cards);
        var data = table.Concat(heap.ToArray()).ToArray();
        editTable?.Invoke(data, 0, table.Length);
        var file = new MemoryStream();
        file.Write(Header(["SIMPLE  =                    T", "BITPIX  =                    8", "NAXIS   =                    0", "EXTEND  =                    T"]));
        file.Write(Header(cards));
        file.Write(data);
        file.Write(new byte[(2880 - data.Length % 2880) % 2880]);
        return file.ToArray();
    }

    private static byte[] Header(IEnumerable<string> cards)
    {
        var sb = new StringBuilder();
        foreach (var c in cards.Append("END")) sb.Append(c.PadRight(80));
        while (sb.Length % 2880 != 0) sb.Append(' ');
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    public static short[,] Gradient(int w, int h)
    {
        var a = new short[h, w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) a[y, x] = (short)(x * 37 - y * 11 + (x * y % 5));
        return a;
    }

    public static void Replace(List<string> cards, string key, string card) => cards[cards.FindIndex(c => c.StartsWith(key.PadRight(8), StringComparison.Ordinal))] = card;
}
