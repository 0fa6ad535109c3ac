using System.Globalization;
using System.Text;
using StarPlugin.Detection;
using StarPlugin.Imaging;

namespace StarPlugin.Astrometry;

/// <summary>
/// A DS9 region file (version 4.1) of a catalogue: circles in image coordinates (DS9's
/// 1-based pixels, rows counted from the bottom of the displayed image) always, radius
/// ~1.5·FWHM, red for saturated stars; and where the header has a WCS, the same stars
/// as crosses in the header's sky frame (icrs, fk5, fk4). A cross inside each circle
/// shows that DS9's reading of the WCS agrees with ours.
/// </summary>
public static class Ds9Regions
{
    public static string Write(AstroImage image, IReadOnlyList<DetectedStar> stars, CelestialWcs? wcs, string source)
    {
        var inv = CultureInfo.InvariantCulture;
        var ds9 = PixelFrame.Ds9(image);
        var grid = PixelFrame.FitsGrid(image);
        var sb = new StringBuilder();
        sb.Append("# Region file format: DS9 version 4.1\n");
        sb.Append(inv, $"# starplugin detect {source}: {stars.Count} stars\n");
        sb.Append("global color=green dashlist=8 3 width=1 font=\"helvetica 10 normal roman\" select=1 highlite=1 dash=0 fixed=0 edit=1 move=1 delete=1 include=1 source=1\n");
        sb.Append("image\n");
        foreach (var s in stars)
        {
            double r = Math.Clamp(1.5 * s.Fwhm + 2, 3, 60);
            sb.Append(inv, $"circle({s.X + 1:F3},{ds9.Y(s.Y) + 1:F3},{r:F2})");
            sb.Append(s.Saturated ? " # color=red\n" : "\n");
        }
        if (wcs != null)
        {
            // DS9 reads fk5 as J2000 and fk4 as B1950; another equinox is named, not precessed.
            if (!double.IsNaN(wcs.Equinox) && wcs.Equinox != (wcs.Frame == "fk4" ? 1950 : 2000))
                sb.Append(inv, $"# sky positions are {wcs.Frame.ToUpperInvariant()} at equinox {wcs.Equinox}, as the header gives them\n");
            string frame = wcs.Frame;
            sb.Append(frame).Append('\n');
            foreach (var s in stars)
            {
                var (ra, dec) = wcs.PixelToSky(grid, s.X, s.Y);
                sb.Append(inv, $"point({ra:F8},{dec:F8}) # point=cross color=cyan\n");
            }
        }
        return sb.ToString();
    }
}
