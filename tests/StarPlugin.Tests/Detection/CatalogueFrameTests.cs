using StarPlugin.Astrometry;
using StarPlugin.Detection;
using StarPlugin.Imaging;

namespace StarPlugin.Tests.Detection;

/// <summary>How in-memory detections (row 0 at the top) become catalogue and DS9 coordinates for each kind of file.</summary>
public class CatalogueFrameTests
{
    private static readonly DetectedStar Star = new(1, 2, 0.9f, 0.5f, 2.5, 1.0, 10, 2.5, 50, 0.1, 1.2f, false) { Background = 0.25 };

    private static AstroImage Image(CoordinateConvention convention, string? roworder = null, double scale = 1)
    {
        var md = new ImageMetadata { Convention = convention, PhysicalScale = scale };
        if (roworder != null) md.FitsCards.Add(new FitsCard("ROWORDER", $"'{roworder}'", null));
        return new AstroImage(10, 8, 1, md);
    }

    private static double RegionY(AstroImage img)
    {
        string line = Ds9Regions.Write(img, [Star], null, "t").Split('\n').First(l => l.StartsWith("circle("));
        return double.Parse(line[7..line.IndexOf(')')].Split(',')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Test]
    public void FitsCountsRowsInFileOrderPicturesFromTheTop()
    {
        var fits = CatalogueEntry.From(Image(CoordinateConvention.Fits, scale: 65535), [Star], null)[0];
        Assert.That((fits.X, fits.Y, fits.Row), Is.EqualTo((2.5, 6.0, 6)), "the second row from the top of 8 is FITS row 7, y = 6");
        Assert.That((fits.XImage, fits.YImage), Is.EqualTo((3.5, 7.0)));
        Assert.That((fits.Flux, fits.Background), Is.EqualTo((10 * 65535.0, 0.25 * 65535)), "physical units");

        var topDown = CatalogueEntry.From(Image(CoordinateConvention.Fits, "TOP-DOWN"), [Star], null)[0];
        Assert.That(topDown.Y, Is.EqualTo(1.0), "ROWORDER = 'TOP-DOWN': the first stored row is the top");

        var picture = CatalogueEntry.From(Image(CoordinateConvention.Image), [Star], null)[0];
        Assert.That((picture.Y, picture.YImage, picture.Flux), Is.EqualTo((1.0, 2.0, 10.0)));
    }

    [Test]
    public void Ds9ImageCoordinatesCountRowsFromTheBottomOfWhatDs9Shows()
    {
        Assert.That(RegionY(Image(CoordinateConvention.Fits)), Is.EqualTo(7.0), "FITS: FITS pixels");
        Assert.That(RegionY(Image(CoordinateConvention.Fits, "TOP-DOWN")), Is.EqualTo(2.0), "DS9 ignores ROWORDER: stored row 2");
        Assert.That(RegionY(Image(CoordinateConvention.Image)), Is.EqualTo(7.0), "pictures are shown upright");
    }

    [Test]
    public void ArrangePutsRowsInTheFramesOrderAndBack()
    {
        var img = Image(CoordinateConvention.Fits);
        img[0, 0, 3] = 5;
        var frame = PixelFrame.Catalogue(img);
        var fileOrder = frame.Arrange(img);
        Assert.That(fileOrder[0, 7, 3], Is.EqualTo(5));
        Assert.That(frame.Arrange(fileOrder)[0, 0, 3], Is.EqualTo(5));
        Assert.That(frame.Y(frame.Y(2.25)), Is.EqualTo(2.25));
    }
}
