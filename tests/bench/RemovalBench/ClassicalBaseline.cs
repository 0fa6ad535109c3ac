using StarPlugin.Detection;
using StarPlugin.Imaging;
using StarPlugin.Rendering;

namespace StarPlugin.Bench;

/// <summary>
/// The classical star remover the model must beat: detect the stars (our detector), mask
/// each to ~2.5× its FWHM, and inpaint the masked pixels by diffusion from the unmasked
/// surroundings (repeated averaging of known neighbours, coarse to fine), the way
/// pre-neural "star removal" scripts work.
/// </summary>
internal static class ClassicalBaseline
{
    public static AstroImage Remove(AstroImage image)
    {
        var stars = QualityMetrics.Detect(image);
        var mask = StarOverlay.Mask(image.Width, image.Height, stars, scale: 1.3f).Data;
        var result = image.Clone();
        int w = image.Width, h = image.Height;
        for (int c = 0; c < image.ColorChannels; c++)
        {
            var p = result.Plane(c).ToArray();
            var known = mask.Select(m => m <= 0.01f).ToArray();
            // Onion-peel fill: each pass fills masked pixels that touch known ones with their mean.
            for (int pass = 0; pass < 200; pass++)
            {
                var next = (bool[])known.Clone();
                bool any = false;
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        int i = y * w + x;
                        if (known[i]) continue;
                        double s = 0; int n = 0;
                        for (int dy = -1; dy <= 1; dy++)
                            for (int dx = -1; dx <= 1; dx++)
                            {
                                int xx = x + dx, yy = y + dy;
                                if (xx < 0 || yy < 0 || xx >= w || yy >= h || !known[yy * w + xx]) continue;
                                s += p[yy * w + xx]; n++;
                            }
                        if (n > 0) { p[i] = (float)(s / n); next[i] = true; any = true; }
                    }
                known = next;
                if (!any) break;
            }
            // Smooth only the filled area a little, so the fill does not show its onion rings.
            var smooth = PlaneFilters.GaussianBlur(p, w, h, 1.0f);
            var dst = result.Plane(c);
            for (int i = 0; i < p.Length; i++) dst[i] = mask[i] > 0.01f ? smooth[i] * mask[i] + p[i] * (1 - mask[i]) : dst[i];
        }
        return result;
    }
}
