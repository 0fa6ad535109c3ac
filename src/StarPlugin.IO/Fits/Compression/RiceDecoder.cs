namespace StarPlugin.IO.Fits.Compression;

/// <summary>
/// RICE_1 (tile compression convention §4; the bit format of cfitsio's ricecomp.c).
/// The first pixel is stored raw (BYTEPIX bytes, big-endian); then each block of
/// BLOCKSIZE pixels starts with an FS code of 3/4/5 bits (BYTEPIX 1/2/4):
/// 0 = every difference in the block is zero, FSMAX+1 = differences stored raw,
/// otherwise each difference is a unary high part and FS low bits. Differences are
/// zig-zag coded and summed with wrap-around at the sample width.
/// </summary>
internal static class RiceDecoder
{
    /// <summary>Largest number of pixels <paramref name="compressedBytes"/> can decode to.</summary>
    public static long MaxPixels(long compressedBytes, int blockSize, int bytePix)
    {
        int fsBits = FsBits(bytePix);
        long blocks = Math.Max(0, compressedBytes - bytePix) * 8 / fsBits + 1;
        return blocks * blockSize;
    }

    private static int FsBits(int bytePix) => bytePix switch
    {
        1 => 3,
        2 => 4,
        4 => 5,
        _ => throw new ImageFormatException($"FITS: RICE_1 BYTEPIX = {bytePix} is not 1, 2 or 4"),
    };

    /// <summary>
    /// Decodes <paramref name="output"/>.Length pixels. Samples come back as unsigned bytes
    /// (BYTEPIX 1), signed shorts (2) or signed ints (4), as cfitsio's decoders return them.
    /// </summary>
    public static void Decode(ReadOnlySpan<byte> input, Span<int> output, int blockSize, int bytePix)
    {
        if (blockSize < 1) throw new ImageFormatException($"FITS: RICE_1 BLOCKSIZE = {blockSize} is invalid");
        int fsBits = FsBits(bytePix), fsMax = bytePix switch { 1 => 6, 2 => 14, _ => 25 }, bBits = 8 * bytePix;
        uint widthMask = bytePix == 4 ? uint.MaxValue : (1u << bBits) - 1;
        if (input.Length < bytePix + 1) throw new ImageFormatException("FITS: RICE_1 tile is truncated");

        uint last = 0;
        for (int i = 0; i < bytePix; i++) last = (last << 8) | input[i];
        int pos = bytePix;
        uint b = input[pos++]; // bit buffer: its low nbits bits are unread
        int nbits = 8;

        int n = output.Length;
        for (int i = 0; i < n; i += blockSize)
        {
            int end = Math.Min(n, i + blockSize);
            nbits -= fsBits;
            while (nbits < 0) { b = (b << 8) | Next(input, ref pos); nbits += 8; }
            int fs = (int)(b >> nbits) - 1;
            b &= (1u << nbits) - 1;

            if (fs < 0)
            {
                for (int j = i; j < end; j++) output[j] = Sample(last, bytePix);
            }
            else if (fs == fsMax)
            {
                for (int j = i; j < end; j++)
                {
                    ulong acc = b;
                    int have = nbits;
                    while (have < bBits) { acc = (acc << 8) | Next(input, ref pos); have += 8; }
                    nbits = have - bBits;
                    uint diff = (uint)(acc >> nbits) & widthMask;
                    b = (uint)(acc & ((1UL << nbits) - 1));
                    last = (Unzigzag(diff) + last) & widthMask;
                    output[j] = Sample(last, bytePix);
                }
            }
            else if (fs > fsMax)
            {
                throw new ImageFormatException($"FITS: RICE_1 block code {fs + 1} is invalid (corrupt tile)");
            }
            else
            {
                for (int j = i; j < end; j++)
                {
                    while (b == 0) { nbits += 8; b = Next(input, ref pos); }
                    int nzero = nbits - (32 - System.Numerics.BitOperations.LeadingZeroCount(b));
                    nbits -= nzero + 1;
                    b ^= 1u << nbits;
                    nbits -= fs;
                    while (nbits < 0) { b = (b << 8) | Next(input, ref pos); nbits += 8; }
                    uint diff = ((uint)nzero << fs) | (b >> nbits);
                    b &= (1u << nbits) - 1;
                    last = (Unzigzag(diff) + last) & widthMask;
                    output[j] = Sample(last, bytePix);
                }
            }
        }
    }

    private static uint Next(ReadOnlySpan<byte> input, ref int pos)
    {
        if (pos >= input.Length) throw new ImageFormatException("FITS: RICE_1 tile ends before its pixels do (corrupt tile)");
        return input[pos++];
    }

    private static uint Unzigzag(uint d) => (d & 1) == 0 ? d >> 1 : ~(d >> 1);

    private static int Sample(uint v, int bytePix) => bytePix switch
    {
        1 => (int)v,
        2 => (short)v,
        _ => (int)v,
    };
}
