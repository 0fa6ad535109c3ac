using StarPlugin.Detection;
using StarPlugin.Imaging;

namespace StarPlugin.Astrometry;

/// <summary>
/// One star as a catalogue reports it: positions in the file's convention, flux and
/// background in physical units, and the sky position when the header has a WCS.
/// X, Y: 0-based (FITS: y = FITS row − 1, numpy/sep/photutils; pictures: y from the top);
/// XImage, YImage: 1-based (SExtractor's X_IMAGE/Y_IMAGE); Row, Col: the integer peak in
/// the same frame as X, Y.
/// </summary>
public sealed record CatalogueEntry(DetectedStar Star, int Row, int Col, double X, double Y, double Flux, double Background, double Ra, double Dec)
{
    public double XImage => X + 1;
    public double YImage => Y + 1;

    /// <summary>Maps detector output (memory frame, normalised units) to catalogue entries.</summary>
    public static List<CatalogueEntry> From(AstroImage image, IEnumerable<DetectedStar> stars, CelestialWcs? wcs)
    {
        var frame = PixelFrame.Catalogue(image);
        var grid = PixelFrame.FitsGrid(image);
        double units = image.Metadata.PhysicalScale;
        return stars.Select(s =>
        {
            var (ra, dec) = wcs != null ? wcs.PixelToSky(grid, s.X, s.Y) : (double.NaN, double.NaN);
            return new CatalogueEntry(s, frame.Row(s.Row), s.Col, s.X, frame.Y(s.Y), s.Flux * units, s.Background * units, ra, dec);
        }).ToList();
    }
}
