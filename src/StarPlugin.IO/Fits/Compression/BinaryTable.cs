using System.Buffers.Binary;
using System.Globalization;
using StarPlugin.Imaging;

namespace StarPlugin.IO.Fits.Compression;

/// <summary>
/// The parts of a FITS binary table (standard §7.3) that a tile-compressed image needs:
/// column layout from TFORMn, scalar cells, and variable-length array descriptors
/// (P and Q) resolved against the heap. Every offset and length is checked against the
/// table's own declared sizes before any byte is touched.
/// </summary>
internal sealed class BinaryTable
{
    public sealed record Column(string Name, char Type, long Repeat, long Offset, char ArrayType);

    public long RowBytes { get; }
    public long Rows { get; }
    private readonly long _dataOffset, _heapStart, _heapSize;
    private readonly Dictionary<string, Column> _byName = new(StringComparer.Ordinal);

    public BinaryTable(List<FitsCard> cards, long dataOffset)
    {
        if (FitsHeader.Integer(cards, "BITPIX") != 8) throw new ImageFormatException("FITS: compressed image table must have BITPIX = 8");
        RowBytes = FitsHeader.Integer(cards, "NAXIS1");
        Rows = FitsHeader.Integer(cards, "NAXIS2");
        long pcount = FitsHeader.Integer(cards, "PCOUNT", 0), fields = FitsHeader.Integer(cards, "TFIELDS");
        if (RowBytes is < 0 or > int.MaxValue || Rows is < 0 or > int.MaxValue || pcount is < 0 or > ImageFile.MaxFileBytes || fields is < 1 or > 999)
            throw new ImageFormatException("FITS: compressed image table has an invalid size");
        long tableBytes = RowBytes * Rows; // < 2^62: both factors < 2^31
        if (tableBytes > ImageFile.MaxFileBytes) throw new ImageFormatException("FITS: compressed image table is larger than any file we read");
        long theap = FitsHeader.Integer(cards, "THEAP", tableBytes);
        if (theap < tableBytes || theap > tableBytes + pcount) throw new ImageFormatException($"FITS: THEAP = {theap} lies outside the table's data");
        _dataOffset = dataOffset;
        _heapStart = dataOffset + theap;
        _heapSize = tableBytes + pcount - theap;

        long offset = 0;
        for (int i = 1; i <= fields; i++)
        {
            var form = cards.FirstOrDefault(c => c.Key == "TFORM" + i) is { } f ? FitsHeader.StringValue(f) ?? "" : throw new ImageFormatException($"FITS: TFORM{i} is missing");
            var name = cards.FirstOrDefault(c => c.Key == "TTYPE" + i) is { } t ? (FitsHeader.StringValue(t) ?? "").Trim() : "";
            var (repeat, type, arrayType) = ParseForm(form.Trim(), i);
            var col = new Column(name.ToUpperInvariant(), type, repeat, offset, arrayType);
            offset = checked(offset + Width(col));
            if (col.Name.Length > 0) _byName.TryAdd(col.Name, col);
        }
        if (offset != RowBytes) throw new ImageFormatException($"FITS: compressed image table columns take {offset} bytes, NAXIS1 says {RowBytes}");
    }

    public Column? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>rTa: repeat count, type letter, and for descriptors the element type in P?(max) / Q?(max).</summary>
    private static (long Repeat, char Type, char ArrayType) ParseForm(string form, int index)
    {
        int i = 0;
        while (i < form.Length && char.IsAsciiDigit(form[i])) i++;
        long repeat = 1;
        if (i > 0 && !long.TryParse(form.AsSpan(0, i), NumberStyles.None, CultureInfo.InvariantCulture, out repeat))
            throw new ImageFormatException($"FITS: TFORM{index} = '{form}' is invalid");
        if (i >= form.Length || repeat is < 0 or > int.MaxValue) throw new ImageFormatException($"FITS: TFORM{index} = '{form}' is invalid");
        char type = form[i];
        char arrayType = '\0';
        if (type is 'P' or 'Q')
        {
            if (i + 1 >= form.Length) throw new ImageFormatException($"FITS: TFORM{index} = '{form}' has no array type");
            arrayType = form[i + 1];
            if (repeat > 1) throw new ImageFormatException($"FITS: TFORM{index} = '{form}': only one descriptor per cell is supported");
        }
        if ("LXBIJKAEDCMPQ".IndexOf(type) < 0) throw new ImageFormatException($"FITS: TFORM{index} = '{form}' has an unknown type");
        return (repeat, type, arrayType);
    }

    private static long Width(Column c) => c.Type switch
    {
        'X' => (c.Repeat + 7) / 8,
        'L' or 'B' or 'A' => c.Repeat,
        'I' => 2 * c.Repeat,
        'J' or 'E' => 4 * c.Repeat,
        'K' or 'D' or 'C' or 'P' => 8 * c.Repeat,
        _ => 16 * c.Repeat, // M, Q
    };

    public static int ElementBytes(char type) => type switch
    {
        'B' or 'L' or 'A' => 1,
        'I' => 2,
        'J' or 'E' => 4,
        'K' or 'D' => 8,
        _ => throw new ImageFormatException($"FITS: variable-length arrays of type '{type}' are not supported here"),
    };

    private ReadOnlySpan<byte> Cell(ByteReader r, Column c, long row, int bytes)
    {
        if (row < 0 || row >= Rows) throw new ImageFormatException($"FITS: table row {row + 1} does not exist");
        return r.Slice(_dataOffset + row * RowBytes + c.Offset, bytes);
    }

    /// <summary>The first element of a numeric scalar column as a double (ZSCALE, ZZERO).</summary>
    public double Real(ByteReader r, Column c, long row)
    {
        if (c.Repeat < 1) throw new ImageFormatException($"FITS: column {c.Name} is empty");
        return c.Type switch
        {
            'D' => BinaryPrimitives.ReadDoubleBigEndian(Cell(r, c, row, 8)),
            'E' => BinaryPrimitives.ReadSingleBigEndian(Cell(r, c, row, 4)),
            _ => Integer(r, c, row),
        };
    }

    /// <summary>The first element of an integer scalar column (ZBLANK).</summary>
    public long Integer(ByteReader r, Column c, long row)
    {
        if (c.Repeat < 1) throw new ImageFormatException($"FITS: column {c.Name} is empty");
        return c.Type switch
        {
            'B' => Cell(r, c, row, 1)[0],
            'I' => BinaryPrimitives.ReadInt16BigEndian(Cell(r, c, row, 2)),
            'J' => BinaryPrimitives.ReadInt32BigEndian(Cell(r, c, row, 4)),
            'K' => BinaryPrimitives.ReadInt64BigEndian(Cell(r, c, row, 8)),
            _ => throw new ImageFormatException($"FITS: column {c.Name} has type {c.Type}, expected an integer"),
        };
    }

    /// <summary>
    /// The heap bytes a descriptor cell points at, and its element count. The array must lie
    /// inside the heap the header declares and inside the file.
    /// </summary>
    public HeapArray Array(ByteReader r, Column c, long row)
    {
        long count, offset;
        if (c.Type == 'P')
        {
            var d = Cell(r, c, row, 8);
            count = BinaryPrimitives.ReadInt32BigEndian(d);
            offset = BinaryPrimitives.ReadInt32BigEndian(d[4..]);
        }
        else if (c.Type == 'Q')
        {
            var d = Cell(r, c, row, 16);
            count = BinaryPrimitives.ReadInt64BigEndian(d);
            offset = BinaryPrimitives.ReadInt64BigEndian(d[8..]);
        }
        else throw new ImageFormatException($"FITS: column {c.Name} is not a variable-length array");
        if (count == 0) return new HeapArray(ReadOnlySpan<byte>.Empty, 0);
        int size = ElementBytes(c.ArrayType);
        if (count < 0 || offset < 0 || count > _heapSize / size || offset > _heapSize - count * size)
            throw new ImageFormatException($"FITS: tile {row + 1}: its {count} elements at heap offset {offset} lie outside the {_heapSize}-byte heap");
        return new HeapArray(r.Slice(_heapStart + offset, count * size), count);
    }
}

/// <summary>A variable-length array cell: its bytes in the heap and its element count.</summary>
internal readonly ref struct HeapArray(ReadOnlySpan<byte> bytes, long count)
{
    public ReadOnlySpan<byte> Bytes { get; } = bytes;
    public long Count { get; } = count;
}
