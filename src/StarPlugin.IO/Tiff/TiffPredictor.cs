using System.Buffers.Binary;

namespace StarPlugin.IO.Tiff;

/// <summary>
/// TIFF predictors. 2 = horizontal differencing of integer samples (per component).
/// 3 = floating point: each row's bytes are split into byte planes, most significant
/// first, then byte-differenced across the row, as in libtiff's fpAcc/fpDiff.
/// </summary>
internal static class TiffPredictor
{
    /// <summary>Undoes predictor 2 on one row of <paramref name="samplesPerPixel"/>-interleaved samples.</summary>
    public static void UndoHorizontal(Span<byte> row, int bytesPerSample, int samplesPerPixel, bool bigEndian)
    {
        int n = row.Length / bytesPerSample;
        switch (bytesPerSample)
        {
            case 1:
                for (int i = samplesPerPixel; i < n; i++) row[i] += row[i - samplesPerPixel];
                break;
            case 2:
                for (int i = samplesPerPixel; i < n; i++)
                {
                    var cur = row.Slice(i * 2, 2);
                    ushort prev = Read16(row.Slice((i - samplesPerPixel) * 2, 2), bigEndian);
                    Write16(cur, (ushort)(Read16(cur, bigEndian) + prev), bigEndian);
                }
                break;
            case 4:
                for (int i = samplesPerPixel; i < n; i++)
                {
                    var cur = row.Slice(i * 4, 4);
                    uint prev = Read32(row.Slice((i - samplesPerPixel) * 4, 4), bigEndian);
                    Write32(cur, Read32(cur, bigEndian) + prev, bigEndian);
                }
                break;
            default: throw new UnsupportedImageException($"TIFF: predictor 2 on {bytesPerSample * 8}-bit samples");
        }
    }

    public static void ApplyHorizontal(Span<byte> row, int bytesPerSample, int samplesPerPixel)
    {
        int n = row.Length / bytesPerSample;
        for (int i = n - 1; i >= samplesPerPixel; i--)
        {
            if (bytesPerSample == 1) row[i] -= row[i - samplesPerPixel];
            else if (bytesPerSample == 2)
            {
                var cur = row.Slice(i * 2, 2);
                Write16(cur, (ushort)(Read16(cur, false) - Read16(row.Slice((i - samplesPerPixel) * 2, 2), false)), false);
            }
            else
            {
                // Differences wrap modulo 2^32, as libtiff's (signed samples included).
                var cur = row.Slice(i * 4, 4);
                Write32(cur, Read32(cur, false) - Read32(row.Slice((i - samplesPerPixel) * 4, 4), false), false);
            }
        }
    }

    /// <summary>Undoes predictor 3; the result holds little-endian samples.</summary>
    public static void UndoFloatingPoint(Span<byte> row, int bytesPerSample, int samplesPerPixel)
    {
        for (int i = samplesPerPixel; i < row.Length; i++) row[i] += row[i - samplesPerPixel];
        int count = row.Length / bytesPerSample;
        // A pooled copy: a new array per row was garbage the size of the image.
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(row.Length);
        var tmp = rented.AsSpan(0, row.Length);
        row.CopyTo(tmp);
        for (int s = 0; s < count; s++)
            for (int b = 0; b < bytesPerSample; b++)
                row[s * bytesPerSample + b] = tmp[(bytesPerSample - b - 1) * count + s];
        System.Buffers.ArrayPool<byte>.Shared.Return(rented);
    }

    /// <summary>Applies predictor 3 to a row of little-endian samples.</summary>
    public static void ApplyFloatingPoint(Span<byte> row, int bytesPerSample, int samplesPerPixel)
    {
        int count = row.Length / bytesPerSample;
        // A pooled copy: a new array per row was garbage the size of the image.
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(row.Length);
        var tmp = rented.AsSpan(0, row.Length);
        row.CopyTo(tmp);
        for (int s = 0; s < count; s++)
            for (int b = 0; b < bytesPerSample; b++)
                row[(bytesPerSample - b - 1) * count + s] = tmp[s * bytesPerSample + b];
        System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        for (int i = row.Length - 1; i >= samplesPerPixel; i--) row[i] -= row[i - samplesPerPixel];
    }

    private static ushort Read16(ReadOnlySpan<byte> s, bool be) => be ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);
    private static uint Read32(ReadOnlySpan<byte> s, bool be) => be ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
    private static void Write16(Span<byte> s, ushort v, bool be) { if (be) BinaryPrimitives.WriteUInt16BigEndian(s, v); else BinaryPrimitives.WriteUInt16LittleEndian(s, v); }
    private static void Write32(Span<byte> s, uint v, bool be) { if (be) BinaryPrimitives.WriteUInt32BigEndian(s, v); else BinaryPrimitives.WriteUInt32LittleEndian(s, v); }
}
