using StarPlugin.Imaging;

namespace StarPlugin.Synthesis;

public enum PsfKind { Gaussian, Moffat }

/// <summary>
/// A normalised star profile (integral 1) with FWHM, Moffat β and slight ellipticity,
/// rendered into a plane with sub-pixel supersampling in the core so that the
/// position truth holds to a few hundredths of a pixel.
/// </summary>
public readonly record struct PointSpreadFunction(PsfKind Kind, float Fwhm, float Beta = 3.5f, float Ellipticity = 0f, float Angle = 0f)
{
    /// <summary>Profile value per unit flux at squared (area-preserving elliptical) radius r².</summary>
    public float Density(float r2)
    {
        if (Kind == PsfKind.Gaussian)
        {
            float s = Fwhm / (float)Gaussian.FwhmPerSigma;
            return MathF.Exp(-r2 / (2 * s * s)) / (2 * MathF.PI * s * s);
        }
        float alpha = Fwhm / (2f * MathF.Sqrt(MathF.Pow(2f, 1f / Beta) - 1f));
        return (Beta - 1f) / (MathF.PI * alpha * alpha) * MathF.Pow(1f + r2 / (alpha * alpha), -Beta);
    }

    /// <summary>Radius beyond which a star of this flux adds less than <paramref name="floor"/> per pixel.</summary>
    public int Radius(float flux, float floor, int cap = 96)
    {
        int r = (int)MathF.Ceiling(Fwhm);
        while (r < cap && flux * Density(r * r) > floor) r++;
        return r;
    }

    /// <summary>Adds flux·PSF centred at (cx, cy) into a row-major plane.</summary>
    public void Render(Span<float> plane, int width, int height, double cx, double cy, float flux, float floor = 0.05f)
    {
        var stamp = RenderStamp(width, height, cx, cy, flux, floor);
        stamp.AddTo(plane, width, 1f);
    }

    /// <summary>A rendered star clipped to the image, to be added to several channels with colour weights.</summary>
    public readonly record struct Stamp(int X0, int Y0, int Width, int Height, float[] Data)
    {
        public void AddTo(Span<float> plane, int imageWidth, float weight)
        {
            for (int y = 0; y < Height; y++)
            {
                var dst = plane.Slice((Y0 + y) * imageWidth + X0, Width);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(Data.AsSpan(y * Width, Width), weight, dst, dst);
            }
        }
    }

    public Stamp RenderStamp(int width, int height, double cx, double cy, float flux, float floor = 0.05f)
    {
        int radius = Radius(flux, floor);
        int x0 = Math.Max(0, (int)Math.Floor(cx) - radius), x1 = Math.Min(width - 1, (int)Math.Ceiling(cx) + radius);
        int y0 = Math.Max(0, (int)Math.Floor(cy) - radius), y1 = Math.Min(height - 1, (int)Math.Ceiling(cy) + radius);
        if (x1 < x0 || y1 < y0) return new Stamp(0, 0, 0, 0, []);
        int sw = x1 - x0 + 1;
        var data = new float[sw * (y1 - y0 + 1)];
        float cosA = MathF.Cos(Angle), sinA = MathF.Sin(Angle);
        float qa = 1f / (1f - Ellipticity), qb = 1f - Ellipticity; // area-preserving axis stretch
        float core2 = 4f * Fwhm * Fwhm;
        const int Sub = 5;
        var self = this;
        for (int y = y0; y <= y1; y++)
        {
            var row = data.AsSpan((y - y0) * sw, sw);
            for (int x = x0; x <= x1; x++)
            {
                float dx = (float)(x - cx), dy = (float)(y - cy);
                float v;
                if (dx * dx + dy * dy > core2) v = At(self, dx, dy);
                else
                {
                    v = 0;
                    for (int sy = 0; sy < Sub; sy++)
                        for (int sx = 0; sx < Sub; sx++)
                            v += At(self, dx + (sx + 0.5f) / Sub - 0.5f, dy + (sy + 0.5f) / Sub - 0.5f);
                    v /= Sub * Sub;
                }
                row[x - x0] = flux * v;
            }
        }
        return new Stamp(x0, y0, sw, y1 - y0 + 1, data);

        float At(in PointSpreadFunction psf, float dx, float dy)
        {
            float u = dx * cosA + dy * sinA, w = -dx * sinA + dy * cosA;
            return psf.Density(u * u * qa + w * w * qb);
        }
    }
}
