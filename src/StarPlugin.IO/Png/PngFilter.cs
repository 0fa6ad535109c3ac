namespace StarPlugin.IO.Png;

/// <summary>The five PNG scanline filters (None, Sub, Up, Average, Paeth).</summary>
internal static class PngFilter
{
    public static void Unfilter(int type, Span<byte> row, ReadOnlySpan<byte> prior, int bpp)
    {
        switch (type)
        {
            case 0: break;
            case 1: for (int i = bpp; i < row.Length; i++) row[i] += row[i - bpp]; break;
            case 2: for (int i = 0; i < row.Length; i++) row[i] += prior[i]; break;
            case 3:
                for (int i = 0; i < row.Length; i++)
                    row[i] += (byte)(((i >= bpp ? row[i - bpp] : 0) + prior[i]) >> 1);
                break;
            case 4:
                for (int i = 0; i < row.Length; i++)
                    row[i] += Paeth(i >= bpp ? row[i - bpp] : (byte)0, prior[i], i >= bpp ? prior[i - bpp] : (byte)0);
                break;
            default: throw new ImageFormatException($"PNG: unknown filter type {type}");
        }
    }

    /// <summary>Filters one row with the type that minimises the sum of absolute values (libpng's heuristic).</summary>
    public static int FilterBest(ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, int bpp, Span<byte> output)
    {
        int bestType = 0;
        long bestSum = long.MaxValue;
        Span<byte> trial = row.Length <= 8192 ? stackalloc byte[row.Length] : new byte[row.Length];
        for (int type = 0; type <= 4; type++)
        {
            long sum = 0;
            for (int i = 0; i < row.Length; i++)
            {
                byte a = i >= bpp ? row[i - bpp] : (byte)0, b = prior[i], c = i >= bpp ? prior[i - bpp] : (byte)0;
                byte v = type switch
                {
                    0 => row[i],
                    1 => (byte)(row[i] - a),
                    2 => (byte)(row[i] - b),
                    3 => (byte)(row[i] - ((a + b) >> 1)),
                    _ => (byte)(row[i] - Paeth(a, b, c)),
                };
                trial[i] = v;
                sum += v < 128 ? v : 256 - v;
            }
            if (sum < bestSum) { bestSum = sum; bestType = type; trial.CopyTo(output); }
        }
        return bestType;
    }

    private static byte Paeth(byte a, byte b, byte c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
