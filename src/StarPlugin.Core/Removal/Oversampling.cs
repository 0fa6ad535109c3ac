using StarPlugin.Imaging;

namespace StarPlugin.Removal;

/// <summary>
/// Star removal of oversampled pictures (stars many pixels wide: a camera's full
/// resolution, a long focal length) at the scale the network knows. Our network was
/// trained on pictures whose stars are 1.3-4.5 px wide (FWHM; median 1.55). On wider
/// stars it keeps the brightest whole and leaves grey discs where it took the rest: the
/// bench's pictures enlarged 2× and 3× (stars 2.8 and 4.1 px) showed both, while the same
/// pictures at their own size came out clean. So when the frame's PSF is
/// <see cref="NetworkFwhm"/> × k px or wider, the whole removal (network, cleanup,
/// galaxies) runs on the picture binned k × k, and its star layer comes back to full
/// resolution: bilinear, plus, within the stars (where the binned layer stands above
/// twice the binned picture's noise, a binned pixel further, feathered by the
/// interpolation), the detail the binning took (input − its binned, re-enlarged self),
/// which is the stars' own sharp cores. So the starless image is the binned result,
/// re-enlarged, where stars were, and the input, all but the network's faint change,
/// everywhere else.
/// Not the default (<see cref="RemovalOptions.Binning"/>): on Stellarium's pictures under
/// 1000 px whose PSF reads 2.7 px and wider (38 of 584, mostly small planetary nebulae,
/// galaxies and globular clusters shot at long focal lengths) the binned pipeline took
/// fine structure for stars and blurred what it kept: the Saturn nebula's ansae, NGC
/// 6210's loops, NGC 1365's arms. A star field (NGC 2244 enlarged) comes out as at its
/// own size.
/// </summary>
/// <remarks>
/// A k × k binned picture costs a k² th of the work: at 24 MP, stars of 3 px, a quarter.
/// Memory: the binned picture, its star layer, its luminance and its mask (8/k² of a
/// plane, RGB) on top of the full-resolution input and outputs.
/// </remarks>
internal static class Oversampling
{
    /// <summary>
    /// The binning factor is the largest k with PSF FWHM ≥ k × this (px): stars of 2.7 px
    /// and wider are binned 2×, of 4.05 px 3×. The network failed on the bench's pictures
    /// enlarged to 2.8 px and left rings and grey discs on NGC 40 (3.8 px) and NGC 2506
    /// (3.2 px) that binned they lose; the widest galaxy pictures it handles, NGC 2146 and
    /// NGC 5363 (2.6-2.7 px), stay as they were.
    /// </summary>
    public const double NetworkFwhm = 1.35;
    /// <summary>The largest factor used.</summary>
    public const int MaxFactor = 4;
    /// <summary>Binned pictures smaller than this on a side are not made: too few stars to judge.</summary>
    public const int MinBinnedSide = 64;
    /// <summary>The PSF of a larger picture is measured on its central CropSide × CropSide px.</summary>
    public const int CropSide = 1024;
    /// <summary>Within the stars: where the binned star layer's luminance stands above this many σ of the binned picture's noise.</summary>
    public const float StarSigmas = 2f;

    /// <summary>The binning factor for a frame of PSF FWHM <paramref name="psf"/> px and this size (1: none).</summary>
    public static int Factor(double psf, int w, int h)
    {
        if (!double.IsFinite(psf) || psf <= 0) return 1;
        return Fitted(Math.Clamp((int)Math.Floor(psf / NetworkFwhm), 1, MaxFactor), w, h);
    }

    /// <summary>Factor <paramref name="k"/>, lowered until the binned picture is at least <see cref="MinBinnedSide"/> on a side (a named factor too).</summary>
    public static int Fitted(int k, int w, int h)
    {
        while (k > 1 && (w / k < MinBinnedSide || h / k < MinBinnedSide)) k--;
        return Math.Max(1, k);
    }

    /// <summary>
    /// The PSF FWHM (px) of <paramref name="image"/> (or of its central crop), for <see cref="Factor"/>,
    /// from <paramref name="census"/>' PSF where that is the image's own full-resolution census.
    /// The census' finest sweep measures stars up to about 4 px: wider ones it misses or
    /// clips. So where it finds too few stars (fewer than <see cref="FieldPsf.MinStars"/>
    /// confident ones) or stars too wide for the scale, the crop is binned 2× and 4× and
    /// measured again, the width scaled back: the coarsest scale whose stars are resolved.
    /// </summary>
    /// <returns>NaN where no scale shows enough confident stars (then nothing is binned).</returns>
    public static double MeasureFwhm(AstroImage image, ModelDomain domain, FieldPsf? census, Progress.ProgressReporter progress)
    {
        var crop = image.Width <= CropSide && image.Height <= CropSide && image.Channels == image.ColorChannels ? image : CentralCrop(image);
        var psf = census ?? Measure(crop, domain, progress);
        double fwhm = psf.Global;
        int stars = psf.ConfidentStars;
        for (int b = 2; b <= MaxFactor; b *= 2)
        {
            if (stars >= FieldPsf.MinStars && fwhm < b * NetworkFwhm) break;
            if (crop.Width / b < MinBinnedSide || crop.Height / b < MinBinnedSide) break;
            var coarser = Measure(Bin(crop, b), domain, progress);
            if (coarser.ConfidentStars < FieldPsf.MinStars) break;
            fwhm = b * coarser.Global;
            stars = coarser.ConfidentStars;
        }
        // A width from unconfident detections (knots, galaxies) bins nothing.
        return stars >= FieldPsf.MinStars ? fwhm : double.NaN;
    }

    private static FieldPsf Measure(AstroImage image, ModelDomain domain, Progress.ProgressReporter progress)
    {
        progress.ThrowIfCancelled();
        return ResidualStarCleanup.FindSources(image.Data, domain, image.ColorChannels, image.Width, image.Height, progress).Psf;
    }

    /// <summary>The central crop of <paramref name="image"/>'s colour channels, at most <see cref="CropSide"/> on a side.</summary>
    public static AstroImage CentralCrop(AstroImage image)
    {
        int w = image.Width, h = image.Height, colours = image.ColorChannels;
        int cw = Math.Min(w, CropSide), ch = Math.Min(h, CropSide), x0 = (w - cw) / 2, y0 = (h - ch) / 2;
        var crop = new AstroImage(cw, ch, colours);
        for (int c = 0; c < colours; c++)
        {
            var src = image.Plane(c);
            var dst = crop.Plane(c);
            for (int y = 0; y < ch; y++) src.Slice((y0 + y) * w + x0, cw).CopyTo(dst.Slice(y * cw, cw));
        }
        return crop;
    }

    /// <summary>
    /// <paramref name="image"/>'s colour channels binned k × k (the mean of each block's
    /// finite values; 0 where none is): ⌊w/k⌋ × ⌊h/k⌋, the last columns and rows that make
    /// no whole block left out.
    /// </summary>
    public static AstroImage Bin(AstroImage image, int k)
    {
        int w = image.Width, colours = image.ColorChannels, bw = w / k, bh = image.Height / k;
        var small = new AstroImage(bw, bh, colours);
        for (int c = 0; c < colours; c++)
        {
            var src = image.Data;
            int plane = c * image.PlaneLength;
            var dst = small.Data;
            int smallPlane = c * small.PlaneLength;
            Parallel.For(0, bh, y =>
            {
                for (int x = 0; x < bw; x++)
                {
                    float sum = 0; int count = 0;
                    for (int dy = 0; dy < k; dy++)
                        for (int dx = 0; dx < k; dx++)
                        {
                            float v = src[plane + (y * k + dy) * w + x * k + dx];
                            if (float.IsFinite(v)) { sum += v; count++; }
                        }
                    dst[smallPlane + y * bw + x] = count > 0 ? sum / count : 0f;
                }
            });
        }
        return small;
    }

    /// <summary>
    /// The full-resolution model-domain star layer, into <paramref name="layers"/> (planar,
    /// colours × w × h), from the removal of the binned picture: <paramref name="small"/>
    /// (<see cref="Bin"/> of <paramref name="image"/>) and its starless result, in input
    /// units, which is overwritten with the binned star layer (no other binned plane: memory).
    /// </summary>
    public static void ExpandLayer(AstroImage image, AstroImage small, AstroImage smallStarlessScratch, int k, ModelDomain domain, float[] layers)
    {
        int w = image.Width, h = image.Height, colours = image.ColorChannels, n = image.PlaneLength;
        int bw = small.Width, bh = small.Height, bn = small.PlaneLength;
        // The binned star layer (input units), in the binned starless image's own buffer,
        // and where the stars are, at the binned scale.
        var layer = smallStarlessScratch.Data;
        for (int c = 0; c < colours; c++)
        {
            var s = small.Plane(c); var sl = smallStarlessScratch.Plane(c);
            for (int i = 0; i < bn; i++) sl[i] = Math.Max(0f, s[i] - sl[i]);
        }
        var stars = StarPixels(small, layer, domain);
        Parallel.For(0, h, y =>
        {
            // Bilinear: binned pixel j's centre lies at (j + 0.5)·k − 0.5 px.
            double v = Math.Clamp((y + 0.5) / k - 0.5, 0, bh - 1);
            int j0 = (int)v, j1 = Math.Min(bh - 1, j0 + 1);
            float fy = (float)(v - j0);
            for (int x = 0; x < w; x++)
            {
                double u = Math.Clamp((x + 0.5) / k - 0.5, 0, bw - 1);
                int i0 = (int)u, i1 = Math.Min(bw - 1, i0 + 1);
                float fx = (float)(u - i0);
                float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
                int a = j0 * bw + i0, b = j0 * bw + i1, cc = j1 * bw + i0, d = j1 * bw + i1;
                float m = w00 * stars[a] + w01 * stars[b] + w10 * stars[cc] + w11 * stars[d];
                for (int c = 0; c < colours; c++)
                {
                    int o = c * bn;
                    float input = image.Data[c * n + y * w + x];
                    float binned = w00 * small.Data[o + a] + w01 * small.Data[o + b] + w10 * small.Data[o + cc] + w11 * small.Data[o + d];
                    float starLayer = w00 * layer[o + a] + w01 * layer[o + b] + w10 * layer[o + cc] + w11 * layer[o + d];
                    if (!float.IsFinite(input)) { layers[c * n + y * w + x] = 0f; continue; }
                    // Within the stars the detail the binning took (their sharp cores) goes with them.
                    float starLight = starLayer + m * (input - binned);
                    layers[c * n + y * w + x] = domain.Map(input) - domain.Map(input - starLight);
                }
            }
        });
    }

    /// <summary>
    /// 1 where the binned star layer's luminance (model domain) stands above
    /// <see cref="StarSigmas"/> σ of the binned picture's noise, grown by a binned pixel; else 0.
    /// </summary>
    private static float[] StarPixels(AstroImage small, float[] layer, ModelDomain domain)
    {
        int bw = small.Width, bh = small.Height, bn = small.PlaneLength, colours = small.ColorChannels;
        float Luminance(int i)
        {
            float s = 0;
            for (int c = 0; c < colours; c++) s += domain.Map(small.Data[c * bn + i]);
            return s / colours;
        }
        // The noise: the MAD of horizontal neighbours' differences (σ·√2 for white noise),
        // on an even stride of at most RobustStatistics.MaxSamples pairs.
        int pairs = (bw - 1) * bh, stride = Math.Max(1, pairs / RobustStatistics.MaxSamples);
        var diffs = new float[(pairs + stride - 1) / stride];
        int m = 0;
        for (int p = 0; p < pairs && m < diffs.Length; p += stride)
        {
            int i = p / (bw - 1) * bw + p % (bw - 1);
            diffs[m++] = Luminance(i + 1) - Luminance(i);
        }
        float sigma = RobustStatistics.MedianMad(diffs.AsSpan(0, m)).Mad * (float)RobustStatistics.MadToSigma / MathF.Sqrt(2);
        float level = StarSigmas * Math.Max(sigma, 1e-4f);
        // The layer's luminance (model domain), then the stars grown from it.
        var layerLum = new float[bn];
        for (int i = 0; i < bn; i++)
        {
            float l = 0;
            for (int c = 0; c < colours; c++)
            {
                float x = small.Data[c * bn + i];
                l += domain.Map(x) - domain.Map(x - layer[c * bn + i]);
            }
            layerLum[i] = l / colours;
        }
        var stars = new float[bn];
        for (int y = 0; y < bh; y++)
            for (int x = 0; x < bw; x++)
            {
                if (!(layerLum[y * bw + x] > level)) continue;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int yy = y + dy, xx = x + dx;
                        if (yy >= 0 && xx >= 0 && yy < bh && xx < bw) stars[yy * bw + xx] = 1f;
                    }
            }
        return stars;
    }
}
