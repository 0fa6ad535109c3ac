namespace StarPlugin.Imaging;

/// <summary>
/// An image read a few rows at a time, so that work on a small part of a large image
/// (a cutout of a survey brick) never holds the whole image. Rows are numbered in the
/// file's own order (FITS: row 0 is the first stored row, y = FITS row − 1) and hold
/// physical values; blank pixels are NaN.
/// </summary>
public interface IRowSource : IDisposable
{
    int Width { get; }
    int Height { get; }
    int Planes { get; }
    /// <summary>Reads rows [firstRow, firstRow + rows.Length / Width) of one plane into <paramref name="rows"/>.</summary>
    void Read(int plane, int firstRow, Span<float> rows);
    /// <summary>Bytes fetched from storage so far (what bounded reading is judged by).</summary>
    long BytesRead { get; }
    /// <summary>The image's header cards (FITS), structural ones excluded; empty for pictures.</summary>
    IReadOnlyList<FitsCard> Cards { get; }
}

/// <summary>An image already in memory (a picture: rows from the top), served as rows.</summary>
public sealed class InMemoryRows(AstroImage image) : IRowSource
{
    public int Width => image.Width;
    public int Height => image.Height;
    public int Planes => image.ColorChannels;
    public long BytesRead => 0;
    public IReadOnlyList<FitsCard> Cards => image.Metadata.FitsCards;
    public AstroImage Image => image;

    public void Read(int plane, int firstRow, Span<float> rows)
    {
        int count = rows.Length / Width;
        if ((uint)plane >= (uint)Planes || firstRow < 0 || count < 1 || firstRow + count > Height || rows.Length != count * Width)
            throw new ArgumentOutOfRangeException(nameof(firstRow));
        image.Plane(plane).Slice(firstRow * Width, rows.Length).CopyTo(rows);
    }

    public void Dispose() { }
}
