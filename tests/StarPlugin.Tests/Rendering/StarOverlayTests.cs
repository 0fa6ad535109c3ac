using StarPlugin.Detection;
using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Rendering;
using StarPlugin.Synthesis;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Rendering;

/// <summary>The detection overlay shows the picture as the user knows it, with the circles on it.</summary>
public class StarOverlayTests
{
    [Test]
    public void AStretchedPictureIsDrawnOnAsItIs()
    {
        // A display-stretched 8-bit picture as Stellarium ships it (written by another tool):
        // stretching it again turned its nebula white and hid the circles.
        var img = ImageFile.Read(Repo.Path_("examples", "n3603.png"));
        var stars = StarDetector.Detect(img);
        var drawn = StarOverlay.Draw(img, stars);
        var circled = StarOverlay.Mask(img.Width, img.Height, stars, 2.5f).Data;
        int same = 0, away = 0;
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < img.Width * img.Height; i++)
            {
                if (circled[i] > 0) continue; // circles go within 1.5 FWHM + 2 px of a star
                away++;
                if (Math.Abs(drawn.Plane(c)[i] - img.Plane(c)[i]) < 1e-6f) same++;
            }
        Assert.That(away, Is.GreaterThan(img.Width * img.Height / 10));
        Assert.That(same, Is.EqualTo(away), "pixels away from the stars keep the picture's values");
    }

    [Test]
    public void LinearDataIsStretchedToBeSeen()
    {
        var field = StarFieldSynthesizer.Render(new StarFieldOptions { Width = 256, Height = 256, StarCount = 60, Seed = 3 });
        var drawn = StarOverlay.Draw(field.Image, StarDetector.Detect(field.Image));
        float before = RobustStatistics.Median(field.Image.Plane(0)), after = RobustStatistics.Median(drawn.Plane(0));
        Assert.That(before, Is.LessThan(0.06f), "the synthetic field is linear");
        Assert.That(after, Is.GreaterThan(0.1f).And.GreaterThan(3 * before), "the sky is lifted to a visible grey");
    }
}
