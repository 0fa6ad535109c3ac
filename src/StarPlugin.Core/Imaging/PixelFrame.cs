namespace StarPlugin.Imaging;

/// <summary>
/// The map between positions in memory (row 0 at the top of the picture, as every
/// algorithm here works) and the coordinates a file's users count in. FITS stores its
/// first row at the bottom of the picture: our readers flip it to the top in memory
/// and our writers flip it back, so files keep their row order, and positions we
/// report go through this frame. The map is its own inverse.
/// </summary>
public readonly record struct PixelFrame(int Width, int Height, bool RowsFromBottom)
{
    /// <summary>
    /// Catalogue coordinates (x, y, 0-based): for FITS files y = FITS row − 1 in the file's
    /// row order (numpy, astropy, sep, photutils); for pictures y from the top.
    /// </summary>
    public static PixelFrame Catalogue(AstroImage image) =>
        new(image.Width, image.Height, image.Metadata.Convention == CoordinateConvention.Fits && image.Metadata.FitsRowsFromBottom);

    /// <summary>The FITS header's pixel grid, which a WCS describes: FITS pixel (p1, p2) = (x + 1, Y(y) + 1).</summary>
    public static PixelFrame FitsGrid(AstroImage image) => new(image.Width, image.Height, image.Metadata.FitsRowsFromBottom);

    /// <summary>
    /// DS9's image coordinates: a FITS file's own grid, and for pictures (which DS9 loads
    /// upright) rows counted from the bottom.
    /// </summary>
    public static PixelFrame Ds9(AstroImage image) =>
        image.Metadata.Convention == CoordinateConvention.Fits ? FitsGrid(image) : new(image.Width, image.Height, true);

    /// <summary>Memory row position ⇄ this frame's row position (0-based, sub-pixel).</summary>
    public double Y(double y) => RowsFromBottom ? Height - 1 - y : y;

    /// <summary>Memory row index ⇄ this frame's row index.</summary>
    public int Row(int row) => RowsFromBottom ? Height - 1 - row : row;

    /// <summary>A copy of the image with its rows in this frame's order (the identity when rows count from the top).</summary>
    public AstroImage Arrange(AstroImage image)
    {
        if (image.Width != Width || image.Height != Height) throw new ArgumentException($"frame is {Width}x{Height}, image {image}");
        var copy = image.Clone();
        if (!RowsFromBottom) return copy;
        for (int c = 0; c < image.Channels; c++)
            for (int y = 0; y < Height; y++)
                image.Row(c, y).CopyTo(copy.Row(c, Height - 1 - y));
        return copy;
    }
}
