namespace StarPlugin.IO.Tiff;

/// <summary>Apple PackBits run-length coding (TIFF compression 32773).</summary>
internal static class TiffPackBits
{
    /// <summary>Decodes into all of <paramref name="output"/> (short input leaves zeros, excess is dropped).</summary>
    public static void Decode(ReadOnlySpan<byte> src, Span<byte> output)
    {
        output.Clear();
        int expected = output.Length, i = 0, o = 0;
        while (i < src.Length && o < expected)
        {
            sbyte n = (sbyte)src[i++];
            if (n >= 0)
            {
                int count = Math.Min(n + 1, Math.Min(src.Length - i, expected - o));
                src.Slice(i, count).CopyTo(output[o..]);
                i += n + 1; o += count;
            }
            else if (n != -128)
            {
                if (i >= src.Length) break;
                byte v = src[i++];
                int count = Math.Min(1 - n, expected - o);
                output.Slice(o, count).Fill(v);
                o += count;
            }
        }
    }

    /// <summary>TIFF requires each row to be packed on its own (no run crosses a row boundary).</summary>
    public static byte[] EncodeRows(ReadOnlySpan<byte> src, int rowBytes)
    {
        var o = new MemoryStream(src.Length + src.Length / 64 + 2);
        for (int i = 0; i < src.Length; i += rowBytes) o.Write(Encode(src.Slice(i, Math.Min(rowBytes, src.Length - i))));
        return o.ToArray();
    }

    public static byte[] Encode(ReadOnlySpan<byte> src)
    {
        var o = new MemoryStream(src.Length + src.Length / 128 + 2);
        int i = 0;
        while (i < src.Length)
        {
            int run = 1;
            while (i + run < src.Length && run < 128 && src[i + run] == src[i]) run++;
            if (run >= 2)
            {
                o.WriteByte((byte)(sbyte)(1 - run));
                o.WriteByte(src[i]);
                i += run;
                continue;
            }
            int lit = 1;
            while (i + lit < src.Length && lit < 128 && !(i + lit + 1 < src.Length && src[i + lit] == src[i + lit + 1])) lit++;
            o.WriteByte((byte)(lit - 1));
            o.Write(src.Slice(i, lit));
            i += lit;
        }
        return o.ToArray();
    }
}
