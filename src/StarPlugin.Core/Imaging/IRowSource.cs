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
}
