namespace StarPlugin.IO.Tiff;

/// <summary>
/// TIFF's LZW: MSB-first codes of 9-12 bits, ClearCode 256, EndOfInformation 257,
/// and the "early change" that widens the code one entry before the table is full.
/// </summary>
internal static class TiffLzw
{
    private const int Clear = 256, Eoi = 257, MaxCodes = 4096;

    /// <summary>Decodes into all of <paramref name="output"/> (short input leaves zeros, excess is dropped).</summary>
    public static void Decode(ReadOnlySpan<byte> src, Span<byte> output)
    {
        output.Clear();
        int expected = output.Length;
        var prefix = new short[MaxCodes];
        var suffix = new byte[MaxCodes];
        var length = new short[MaxCodes];
        for (int i = 0; i < 256; i++) { suffix[i] = (byte)i; length[i] = 1; prefix[i] = -1; }
        var stack = new byte[MaxCodes];
        int next = 258, width = 9, old = -1, outPos = 0;
        long bitPos = 0, totalBits = (long)src.Length * 8;
        byte firstOfOld = 0;
        while (outPos < expected && bitPos + width <= totalBits)
        {
            int code = 0;
            for (int b = 0; b < width; b++, bitPos++)
                code = (code << 1) | ((src[(int)(bitPos >> 3)] >> (7 - (int)(bitPos & 7))) & 1);
            if (code == Eoi) break;
            if (code == Clear) { next = 258; width = 9; old = -1; continue; }
            int emit;
            if (old < 0)
            {
                if (code > 255) throw new ImageFormatException("TIFF: corrupt LZW data (first code after clear is not a literal)");
                emit = code;
            }
            else if (code < next) emit = code;
            else if (code == next) emit = -1; // KwKwK case
            else throw new ImageFormatException("TIFF: corrupt LZW data (code beyond the table)");

            int sp = 0;
            if (emit >= 0)
            {
                for (int c = emit; c >= 0; c = prefix[c]) stack[sp++] = suffix[c];
            }
            else
            {
                stack[sp++] = firstOfOld;
                for (int c = old; c >= 0; c = prefix[c]) stack[sp++] = suffix[c];
            }
            byte first = stack[sp - 1];
            while (sp > 0 && outPos < expected) output[outPos++] = stack[--sp];
            if (old >= 0 && next < MaxCodes)
            {
                prefix[next] = (short)old;
                suffix[next] = first;
                length[next] = (short)(length[old] + 1);
                next++;
            }
            old = emit >= 0 ? emit : next - 1;
            firstOfOld = first;
            if (next + 1 >= (1 << width) && width < 12) width++;
        }
    }

    public static byte[] Encode(ReadOnlySpan<byte> src)
    {
        var output = new MemoryStream(src.Length / 2 + 16);
        int bitBuf = 0, bitCount = 0;
        void Put(int code, int w)
        {
            bitBuf = (bitBuf << w) | code;
            bitCount += w;
            while (bitCount >= 8) { output.WriteByte((byte)(bitBuf >> (bitCount - 8))); bitCount -= 8; }
            bitBuf &= (1 << bitCount) - 1;
        }
        var table = new Dictionary<int, int>(MaxCodes); // (prefix << 8 | byte) → code
        int width = 9, next = 258;
        Put(Clear, width);
        if (src.Length == 0) { Put(Eoi, width); Flush(); return output.ToArray(); }
        int w0 = src[0];
        for (int i = 1; i < src.Length; i++)
        {
            int key = (w0 << 8) | src[i];
            if (table.TryGetValue(key, out int code)) { w0 = code; continue; }
            Put(w0, width);
            table[key] = next++;
            if (next + 1 > (1 << width) && width < 12) width++;   // early change, mirrors the decoder
            if (next >= MaxCodes - 1) { Put(Clear, width); table.Clear(); next = 258; width = 9; }
            w0 = src[i];
        }
        Put(w0, width);
        next++;
        if (next + 1 > (1 << width) && width < 12) width++;
        Put(Eoi, width);
        Flush();
        return output.ToArray();

        void Flush() { if (bitCount > 0) output.WriteByte((byte)(bitBuf << (8 - bitCount))); }
    }
}
