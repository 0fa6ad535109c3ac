using StarPlugin.Detection;
using StarPlugin.Imaging;
using StarPlugin.Stretching;

namespace StarPlugin.Rendering;

/// <summary>Draws what the detector found, for a person to check by eye, and builds star masks.</summary>
public static class StarOverlay
{
    /// <summary>An auto-stretched RGB copy with a circle of radius ~1.5·FWHM around each star (green; red = saturated).</summary>
    public static AstroImage Draw(AstroImage source, IReadOnlyList<DetectedStar> stars)
    {
        var lum = source.Luminance();
        var rgb = new AstroImage(source.Width, source.Height, 3);
        float white = LinearDataDetector.WhitePoint(source);
        for (int c = 0; c < 3; c++)
        {
            var plane = rgb.Plane(c);
            (source.ColorChannels == 3 ? source.Plane(c) : lum.AsSpan()).CopyTo(plane);
            var s = MtfStretch.Auto(plane, white);
            s.Apply(plane);
            Stretching.ContrastNormalization.ReplaceNonFinite(plane, 0f); // blank (NaN) pixels show black

        }
        foreach (var st in stars)
        {
            float r = (float)Math.Clamp(1.5 * st.Fwhm + 2, 3, 60);
            float[] colour = st.Saturated ? [1f, 0.2f, 0.2f] : [0.2f, 1f, 0.3f];
            Circle(rgb, st.X, st.Y, r, colour);
        }
        return rgb;
    }

    private static void Circle(AstroImage img, double cx, double cy, float r, float[] colour)
    {
        int steps = Math.Max(16, (int)(r * 8));
        for (int i = 0; i < steps; i++)
        {
            double a = 2 * Math.PI * i / steps;
            int x = (int)Math.Round(cx + r * Math.Cos(a)), y = (int)Math.Round(cy + r * Math.Sin(a));
            if (x < 0 || y < 0 || x >= img.Width || y >= img.Height) continue;
            for (int c = 0; c < 3; c++) img[c, y, x] = colour[c];
        }
    }

    /// <summary>
    /// A feathered star mask in [0,1]: 1 inside ~1.2·FWHM of each star, falling smoothly to
    /// 0 by ~2.5·FWHM (wider for saturated stars, whose halos reach further).
    /// </summary>
    public static AstroImage Mask(int width, int height, IReadOnlyList<DetectedStar> stars, float scale = 1f)
    {
        var mask = new AstroImage(width, height, 1);
        var m = mask.Data;
        foreach (var s in stars)
        {
            double inner = Math.Max(1.5, 1.2 * s.Fwhm) * scale * (s.Saturated ? 2 : 1), outer = inner * 2.1 + 1;
            int x0 = Math.Max(0, (int)(s.X - outer)), x1 = Math.Min(width - 1, (int)Math.Ceiling(s.X + outer));
            int y0 = Math.Max(0, (int)(s.Y - outer)), y1 = Math.Min(height - 1, (int)Math.Ceiling(s.Y + outer));
            for (int y = y0; y <= y1; y++)
                for (int x = x0; x <= x1; x++)
                {
                    double d = Math.Sqrt((x - s.X) * (x - s.X) + (y - s.Y) * (y - s.Y));
                    double t = Math.Clamp((outer - d) / (outer - inner), 0, 1);
                    float v = (float)(t * t * (3 - 2 * t)); // smoothstep feather
                    if (v > m[y * width + x]) m[y * width + x] = v;
                }
        }
        return mask;
    }
}
