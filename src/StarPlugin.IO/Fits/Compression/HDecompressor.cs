using System.Buffers.Binary;

namespace StarPlugin.IO.Fits.Compression;

/// <summary>
/// HCOMPRESS_1 decoding (R. White's H-transform coder, as cfitsio's fits_hdecompress.c
/// reads it): a header (magic DD 99, rows, columns, scale, sum of all pixels, bit-plane
/// counts of the three coefficient quadrants), quadtree-coded bit planes, sign bits,
/// then multiplication by the scale and the inverse H-transform, optionally smoothed.
/// Arithmetic is 64-bit throughout, as cfitsio does for 32-bit data; for 8/16-bit data
/// its 32-bit path gives the same numbers because nothing overflows.
/// </summary>
internal sealed class HDecompressor
{
    private readonly byte[] _input;
    private int _pos, _buffer, _bitsToGo;

    private HDecompressor(byte[] input) => _input = input;

    /// <summary>Decodes a tile of <paramref name="rows"/> × <paramref name="columns"/> pixels (columns vary fastest).</summary>
    public static void Decode(ReadOnlySpan<byte> input, Span<int> output, int rows, int columns, bool smooth)
    {
        var d = new HDecompressor(input.ToArray());
        if (d.Byte() != 0xDD || d.Byte() != 0x99) throw new ImageFormatException("FITS: HCOMPRESS_1 tile has no DD99 signature (corrupt tile)");
        int nx = d.Int32(), ny = d.Int32(), scale = d.Int32();
        if (nx != rows || ny != columns)
            throw new ImageFormatException($"FITS: HCOMPRESS_1 tile is {nx}x{ny}, the header's tiling says {rows}x{columns}");
        if (scale < 0) throw new ImageFormatException($"FITS: HCOMPRESS_1 scale {scale} is negative (corrupt tile)");
        long sumAll = d.Int64();
        Span<byte> planes = stackalloc byte[3];
        for (int i = 0; i < 3; i++)
        {
            planes[i] = (byte)d.Byte();
            if (planes[i] > 64) throw new ImageFormatException($"FITS: HCOMPRESS_1 tile claims {planes[i]} bit planes (corrupt tile)");
        }
        var a = new long[(long)nx * ny];
        d.DoDecode(a, nx, ny, planes);
        a[0] = sumAll;
        if (scale > 1)
            for (int i = 0; i < a.Length; i++) a[i] *= scale;
        Inverse(a, nx, ny, smooth, scale);
        for (int i = 0; i < a.Length; i++) output[i] = (int)a[i];
    }

    private int Byte()
    {
        if (_pos >= _input.Length) throw new ImageFormatException("FITS: HCOMPRESS_1 tile ends early (corrupt tile)");
        return _input[_pos++];
    }

    private int Int32()
    {
        int v = 0;
        for (int i = 0; i < 4; i++) v = (v << 8) | Byte();
        return v;
    }

    private long Int64()
    {
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (long)Byte();
        return v;
    }

    private void DoDecode(long[] a, int nx, int ny, ReadOnlySpan<byte> planes)
    {
        int nx2 = (nx + 1) / 2, ny2 = (ny + 1) / 2;
        _bitsToGo = 0;
        QtreeDecode(a, 0, ny, nx2, ny2, planes[0]);
        QtreeDecode(a, ny2, ny, nx2, ny / 2, planes[1]);
        QtreeDecode(a, ny * nx2, ny, nx / 2, ny2, planes[1]);
        QtreeDecode(a, ny * nx2 + ny2, ny, nx / 2, ny / 2, planes[2]);
        if (Nybble() != 0) throw new ImageFormatException("FITS: HCOMPRESS_1 bit planes do not end where they should (corrupt tile)");
        _bitsToGo = 0;
        for (int i = 0; i < a.Length; i++)
            if (a[i] != 0 && Bit() != 0) a[i] = -a[i];
    }

    /// <summary>log2 of <paramref name="n"/> rounded up, computed as the C code does.</summary>
    private static int Log2Up(int n)
    {
        if (n <= 1) return 0;
        int log2n = (int)(Math.Log((float)n) / Math.Log(2.0) + 0.5);
        if (n > (1 << log2n)) log2n++;
        return log2n;
    }

    private void QtreeDecode(long[] a, int origin, int n, int nqx, int nqy, int nbitplanes)
    {
        int log2n = Log2Up(Math.Max(nqx, nqy));
        int nqx2 = (nqx + 1) / 2, nqy2 = (nqy + 1) / 2;
        var scratch = new byte[Math.Max(1, nqx2 * nqy2)];
        for (int bit = nbitplanes - 1; bit >= 0; bit--)
        {
            int b = Nybble();
            if (b == 0)
            {
                // Bit map written directly, four pixels a nybble.
                for (int i = 0; i < nqx2 * nqy2; i++) scratch[i] = (byte)Nybble();
                BitInsert(scratch, nqx, nqy, a, origin, n, bit);
            }
            else if (b != 0xF)
            {
                throw new ImageFormatException("FITS: HCOMPRESS_1 bit-plane code is invalid (corrupt tile)");
            }
            else
            {
                scratch[0] = (byte)Huffman();
                int nx = 1, ny = 1, nfx = nqx, nfy = nqy, c = 1 << log2n;
                for (int k = 1; k < log2n; k++)
                {
                    // n[k-1] = (n[k]+1)/2 where n[log2n] = nqx or nqy
                    c >>= 1;
                    nx <<= 1;
                    ny <<= 1;
                    if (nfx <= c) nx--; else nfx -= c;
                    if (nfy <= c) ny--; else nfy -= c;
                    Expand(scratch, nx, ny);
                }
                BitInsert(scratch, nqx, nqy, a, origin, n, bit);
            }
        }
    }

    /// <summary>One quadtree step: each 4-bit code of the (nx+1)/2 × (ny+1)/2 array becomes a 2×2 block of bits; non-zero ones read a new code.</summary>
    private void Expand(byte[] s, int nx, int ny)
    {
        Copy(s, nx, ny);
        for (int i = nx * ny - 1; i >= 0; i--)
            if (s[i] != 0) s[i] = (byte)Huffman();
    }

    private static void Copy(byte[] b, int nx, int ny)
    {
        int nx2 = (nx + 1) / 2, ny2 = (ny + 1) / 2, n = ny;
        // Spread the codes to the even positions, from the end since source and target share the array.
        int k = ny2 * (nx2 - 1) + ny2 - 1;
        for (int i = nx2 - 1; i >= 0; i--)
        {
            int s00 = 2 * (n * i + ny2 - 1);
            for (int j = ny2 - 1; j >= 0; j--, k--, s00 -= 2) b[s00] = b[k];
        }
        int ii;
        for (ii = 0; ii < nx - 1; ii += 2)
        {
            int s00 = n * ii, s10 = s00 + n, j;
            for (j = 0; j < ny - 1; j += 2, s00 += 2, s10 += 2)
            {
                int v = b[s00];
                b[s10 + 1] = (byte)(v & 1);
                b[s10] = (byte)((v >> 1) & 1);
                b[s00 + 1] = (byte)((v >> 2) & 1);
                b[s00] = (byte)((v >> 3) & 1);
            }
            if (j < ny)
            {
                int v = b[s00];
                b[s10] = (byte)((v >> 1) & 1);
                b[s00] = (byte)((v >> 3) & 1);
            }
        }
        if (ii < nx)
        {
            int s00 = n * ii, j;
            for (j = 0; j < ny - 1; j += 2, s00 += 2)
            {
                int v = b[s00];
                b[s00 + 1] = (byte)((v >> 2) & 1);
                b[s00] = (byte)((v >> 3) & 1);
            }
            if (j < ny) b[s00] = (byte)((b[s00] >> 3) & 1);
        }
    }

    /// <summary>Expands the 4-bit codes of a[(nx+1)/2, (ny+1)/2] into 2×2 blocks in bit plane <paramref name="bit"/> of b.</summary>
    private static void BitInsert(byte[] a, int nx, int ny, long[] b, int origin, int n, int bit)
    {
        long plane = 1L << bit;
        int k = 0, i;
        for (i = 0; i < nx - 1; i += 2)
        {
            int s00 = origin + n * i, j;
            for (j = 0; j < ny - 1; j += 2, s00 += 2, k++)
            {
                int v = a[k];
                if ((v & 1) != 0) b[s00 + n + 1] |= plane;
                if ((v & 2) != 0) b[s00 + n] |= plane;
                if ((v & 4) != 0) b[s00 + 1] |= plane;
                if ((v & 8) != 0) b[s00] |= plane;
            }
            if (j < ny)
            {
                int v = a[k++];
                if ((v & 2) != 0) b[s00 + n] |= plane;
                if ((v & 8) != 0) b[s00] |= plane;
            }
        }
        if (i < nx)
        {
            int s00 = origin + n * i, j;
            for (j = 0; j < ny - 1; j += 2, s00 += 2, k++)
            {
                int v = a[k];
                if ((v & 4) != 0) b[s00 + 1] |= plane;
                if ((v & 8) != 0) b[s00] |= plane;
            }
            if (j < ny && (a[k] & 8) != 0) b[s00] |= plane;
        }
    }

    // Fixed Huffman code for the 16 quadtree values.
    private int Huffman()
    {
        int c = Bits(3);
        if (c < 4) return 1 << c;
        c = Bit() | (c << 1);
        switch (c)
        {
            case 8: return 3;
            case 9: return 5;
            case 10: return 10;
            case 11: return 12;
            case 12: return 15;
        }
        c = Bit() | (c << 1);
        switch (c)
        {
            case 26: return 6;
            case 27: return 7;
            case 28: return 9;
            case 29: return 11;
            case 30: return 13;
        }
        c = Bit() | (c << 1);
        return c == 62 ? 0 : 14;
    }

    private int Bit()
    {
        if (_bitsToGo == 0) { _buffer = Byte(); _bitsToGo = 8; }
        _bitsToGo--;
        return (_buffer >> _bitsToGo) & 1;
    }

    private int Bits(int n)
    {
        if (_bitsToGo < n) { _buffer = (_buffer << 8) | Byte(); _bitsToGo += 8; }
        _bitsToGo -= n;
        return (_buffer >> _bitsToGo) & ((1 << n) - 1);
    }

    private int Nybble() => Bits(4);

    /// <summary>Inverse H-transform of the nx × ny coefficient array in place.</summary>
    private static void Inverse(long[] a, int nx, int ny, bool smooth, int scale)
    {
        int nmax = Math.Max(nx, ny), log2n = Log2Up(nmax);
        if (log2n == 0) return; // a single pixel: the sum is the pixel
        var tmp = new long[(nmax + 1) / 2];
        int shift = 1;
        long bit0 = 1L << (log2n - 1), bit1 = bit0 << 1, bit2 = bit0 << 2;
        long mask0 = -bit0, mask1 = mask0 << 1, mask2 = mask0 << 2;
        long prnd0 = bit0 >> 1, prnd1 = bit1 >> 1, prnd2 = bit2 >> 1;
        long nrnd0 = prnd0 - 1, nrnd1 = prnd1 - 1, nrnd2 = prnd2 - 1;
        a[0] = (a[0] + (a[0] >= 0 ? prnd2 : nrnd2)) & mask2;

        int nxtop = 1, nytop = 1, nxf = nx, nyf = ny, c = 1 << log2n;
        for (int k = log2n - 1; k >= 0; k--)
        {
            c >>= 1;
            nxtop <<= 1;
            nytop <<= 1;
            if (nxf <= c) nxtop--; else nxf -= c;
            if (nyf <= c) nytop--; else nyf -= c;
            if (k == 0) { nrnd0 = 0; shift = 2; }
            for (int i = 0; i < nxtop; i++) Unshuffle(a, ny * i, nytop, 1, tmp);
            for (int j = 0; j < nytop; j++) Unshuffle(a, j, nxtop, ny, tmp);
            if (smooth) Smooth(a, nxtop, nytop, ny, scale);
            int oddx = nxtop % 2, oddy = nytop % 2, ii;
            for (ii = 0; ii < nxtop - oddx; ii += 2)
            {
                int s00 = ny * ii, s10 = s00 + ny;
                for (int j = 0; j < nytop - oddy; j += 2, s00 += 2, s10 += 2)
                {
                    long h0 = a[s00], hx = a[s10], hy = a[s00 + 1], hc = a[s10 + 1];
                    hx = (hx + (hx >= 0 ? prnd1 : nrnd1)) & mask1;
                    hy = (hy + (hy >= 0 ? prnd1 : nrnd1)) & mask1;
                    hc = (hc + (hc >= 0 ? prnd0 : nrnd0)) & mask0;
                    long lowbit0 = hc & bit0;
                    hx = hx >= 0 ? hx - lowbit0 : hx + lowbit0;
                    hy = hy >= 0 ? hy - lowbit0 : hy + lowbit0;
                    long lowbit1 = (hc ^ hx ^ hy) & bit1;
                    h0 = h0 >= 0 ? h0 + lowbit0 - lowbit1 : h0 + (lowbit0 == 0 ? lowbit1 : lowbit0 - lowbit1);
                    a[s10 + 1] = (h0 + hx + hy + hc) >> shift;
                    a[s10] = (h0 + hx - hy - hc) >> shift;
                    a[s00 + 1] = (h0 - hx + hy - hc) >> shift;
                    a[s00] = (h0 - hx - hy + hc) >> shift;
                }
                if (oddy != 0)
                {
                    int e0 = ny * ii + nytop - 1, e1 = e0 + ny;
                    long h0 = a[e0], hx = a[e1];
                    hx = (hx >= 0 ? hx + prnd1 : hx + nrnd1) & mask1;
                    long lowbit1 = hx & bit1;
                    h0 = h0 >= 0 ? h0 - lowbit1 : h0 + lowbit1;
                    a[e1] = (h0 + hx) >> shift;
                    a[e0] = (h0 - hx) >> shift;
                }
            }
            if (oddx != 0)
            {
                int s00 = ny * ii;
                for (int j = 0; j < nytop - oddy; j += 2, s00 += 2)
                {
                    long h0 = a[s00], hy = a[s00 + 1];
                    hy = (hy >= 0 ? hy + prnd1 : hy + nrnd1) & mask1;
                    long lowbit1 = hy & bit1;
                    h0 = h0 >= 0 ? h0 - lowbit1 : h0 + lowbit1;
                    a[s00 + 1] = (h0 + hy) >> shift;
                    a[s00] = (h0 - hy) >> shift;
                }
                if (oddy != 0) a[s00] >>= shift;
            }
            bit2 = bit1;
            bit1 = bit0;
            bit0 >>= 1;
            mask1 = mask0;
            mask0 >>= 1;
            prnd1 = prnd0;
            prnd0 >>= 1;
            nrnd1 = nrnd0;
            nrnd0 = prnd0 - 1;
        }
    }

    /// <summary>Interleaves the two halves of a[start, start+stride, ...] (n elements) into even and odd positions.</summary>
    private static void Unshuffle(long[] a, int start, int n, int stride, long[] tmp)
    {
        int nhalf = (n + 1) >> 1;
        for (int i = nhalf, t = 0; i < n; i++, t++) tmp[t] = a[start + stride * i];
        for (int i = nhalf - 1; i >= 0; i--) a[start + 2 * stride * i] = a[start + stride * i];
        for (int i = 1, t = 0; i < n; i += 2, t++) a[start + stride * i] = tmp[t];
    }

    /// <summary>hsmooth: nudges the x, y and curvature coefficients toward values interpolated from the neighbouring zones, within scale/2.</summary>
    private static void Smooth(long[] a, int nxtop, int nytop, int ny, int scale)
    {
        long smax = scale >> 1;
        if (smax <= 0) return;
        int ny2 = ny << 1;
        for (int i = 2; i < nxtop - 2; i += 2)
        {
            int s00 = ny * i, s10 = s00 + ny;
            for (int j = 0; j < nytop; j += 2, s00 += 2, s10 += 2)
            {
                long hm = a[s00 - ny2], h0 = a[s00], hp = a[s00 + ny2];
                long diff = hp - hm;
                long dmax = Math.Max(Math.Min(hp - h0, h0 - hm), 0) << 2;
                long dmin = Math.Min(Math.Max(hp - h0, h0 - hm), 0) << 2;
                if (dmin < dmax)
                {
                    diff = Math.Max(Math.Min(diff, dmax), dmin);
                    long s = diff - (a[s10] << 3);
                    s = s >= 0 ? s >> 3 : (s + 7) >> 3;
                    a[s10] += Math.Max(Math.Min(s, smax), -smax);
                }
            }
        }
        for (int i = 0; i < nxtop; i += 2)
        {
            int s00 = ny * i + 2;
            for (int j = 2; j < nytop - 2; j += 2, s00 += 2)
            {
                long hm = a[s00 - 2], h0 = a[s00], hp = a[s00 + 2];
                long diff = hp - hm;
                long dmax = Math.Max(Math.Min(hp - h0, h0 - hm), 0) << 2;
                long dmin = Math.Min(Math.Max(hp - h0, h0 - hm), 0) << 2;
                if (dmin < dmax)
                {
                    diff = Math.Max(Math.Min(diff, dmax), dmin);
                    long s = diff - (a[s00 + 1] << 3);
                    s = s >= 0 ? s >> 3 : (s + 7) >> 3;
                    a[s00 + 1] += Math.Max(Math.Min(s, smax), -smax);
                }
            }
        }
        for (int i = 2; i < nxtop - 2; i += 2)
        {
            int s00 = ny * i + 2, s10 = s00 + ny;
            for (int j = 2; j < nytop - 2; j += 2, s00 += 2, s10 += 2)
            {
                long hmm = a[s00 - ny2 - 2], hpm = a[s00 + ny2 - 2], hmp = a[s00 - ny2 + 2], hpp = a[s00 + ny2 + 2], h0 = a[s00];
                long diff = hpp + hmm - hmp - hpm;
                long hx2 = a[s10] << 1, hy2 = a[s00 + 1] << 1;
                long m1 = Math.Min(Math.Max(hpp - h0, 0) - hx2 - hy2, Math.Max(h0 - hpm, 0) + hx2 - hy2);
                long m2 = Math.Min(Math.Max(h0 - hmp, 0) - hx2 + hy2, Math.Max(hmm - h0, 0) + hx2 + hy2);
                long dmax = Math.Min(m1, m2) << 4;
                m1 = Math.Max(Math.Min(hpp - h0, 0) - hx2 - hy2, Math.Min(h0 - hpm, 0) + hx2 - hy2);
                m2 = Math.Max(Math.Min(h0 - hmp, 0) - hx2 + hy2, Math.Min(hmm - h0, 0) + hx2 + hy2);
                long dmin = Math.Max(m1, m2) << 4;
                if (dmin < dmax)
                {
                    diff = Math.Max(Math.Min(diff, dmax), dmin);
                    long s = diff - (a[s10 + 1] << 6);
                    s = s >= 0 ? s >> 6 : (s + 63) >> 6;
                    a[s10 + 1] += Math.Max(Math.Min(s, smax), -smax);
                }
            }
        }
    }
}
