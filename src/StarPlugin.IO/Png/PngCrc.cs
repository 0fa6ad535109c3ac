using System.Buffers.Binary;

namespace StarPlugin.IO.Png;

/// <summary>CRC-32 (ISO 3309) as PNG uses it over chunk type and data.</summary>
internal static class PngCrc
{
    /// <summary>
    /// Slicing-by-8 tables: Tables[k][n] is the CRC of byte n followed by k zero bytes, so
    /// eight bytes fold in with eight lookups and no chain of dependent shifts. The IDAT of a
    /// 1 Mpx picture is checked on reading and summed on writing, each on one core: a
    /// byte at a time that was 1 % of a removal's CPU.
    /// </summary>
    private static readonly uint[][] Tables = Build();

    private static uint[][] Build()
    {
        var t = new uint[8][];
        t[0] = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[0][n] = c;
        }
        for (int k = 1; k < 8; k++)
        {
            t[k] = new uint[256];
            for (int n = 0; n < 256; n++) t[k][n] = (t[k - 1][n] >> 8) ^ t[0][t[k - 1][n] & 0xFF];
        }
        return t;
    }

    public static uint Compute(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => Update(Update(0xFFFFFFFFu, a), b) ^ 0xFFFFFFFFu;

    /// <summary>The running (pre-inverted) CRC <paramref name="c"/> continued over <paramref name="data"/>.</summary>
    internal static uint Update(uint c, ReadOnlySpan<byte> data)
    {
        uint[] t0 = Tables[0], t1 = Tables[1], t2 = Tables[2], t3 = Tables[3], t4 = Tables[4], t5 = Tables[5], t6 = Tables[6], t7 = Tables[7];
        while (data.Length >= 8)
        {
            uint one = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ c;
            uint two = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            c = t7[one & 0xFF] ^ t6[(one >> 8) & 0xFF] ^ t5[(one >> 16) & 0xFF] ^ t4[one >> 24]
              ^ t3[two & 0xFF] ^ t2[(two >> 8) & 0xFF] ^ t1[(two >> 16) & 0xFF] ^ t0[two >> 24];
            data = data[8..];
        }
        foreach (byte x in data) c = t0[(c ^ x) & 0xFF] ^ (c >> 8);
        return c;
    }
}
