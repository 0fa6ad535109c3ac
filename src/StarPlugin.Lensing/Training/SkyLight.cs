using StarPlugin.Imaging;
using StarPlugin.Synthesis;

namespace StarPlugin.Lensing.Training;

/// <summary>
/// Light before the telescope: three sharp planes in blue-to-red order (g, r, z), to
/// which objects are added with a colour (flux per band). Blur gives what the camera
/// records: each band convolved with its own seeing.
/// </summary>
public sealed class SkyLight
{
    public int Size { get; }
    public float[][] Bands { get; }

    public SkyLight(int size)
    {
        Size = size;
        Bands = [new float[size * size], new float[size * size], new float[size * size]];
    }

    /// <summary>Adds a unit-flux shape (a plane summing to 1) with total flux per band.</summary>
    public void Add(float[] unitShape, double[] fluxPerBand)
    {
        for (int b = 0; b < 3; b++)
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(unitShape, (float)fluxPerBand[b], Bands[b], Bands[b]);
    }

    /// <summary>Each band convolved with a Gaussian of that band's FWHM (pixels).</summary>
    public float[][] Blurred(IReadOnlyList<double> fwhm) =>
        Enumerable.Range(0, 3).Select(b => fwhm[b] > 0.3 ? PlaneFilters.GaussianBlur(Bands[b], Size, Size, (float)(fwhm[b] / Gaussian.FwhmPerSigma)) : (float[])Bands[b].Clone()).ToArray();

    /// <summary>
    /// A Sérsic ellipse normalised to unit total flux, including the light that falls
    /// outside the plane (so an object at the edge is as bright as it would be inside).
    /// </summary>
    public static float[] Sersic(int size, double cx, double cy, double re, double n, double q, double pa)
    {
        var shape = new float[size * size];
        GalaxyRenderer.Sersic(shape, size, size, cx, cy, re, n, q, pa, 1.0);
        Normalise(shape, SersicTotal(re, n, q));
        return shape;
    }

    /// <summary>Total flux of a Sérsic profile with I(Re) = 1, by integrating 2πq·r·I(r) out to 12 Re.</summary>
    public static double SersicTotal(double re, double n, double q)
    {
        double b = GalaxyRenderer.SersicB(n), sum = 0, rmax = 12 * re;
        const int Steps = 4000;
        double dr = rmax / Steps;
        for (int i = 0; i < Steps; i++)
        {
            double r = (i + 0.5) * dr;
            double v = Math.Exp(-b * (Math.Pow(r / re, 1 / n) - 1));
            if (v > 1e-3) sum += 2 * Math.PI * q * r * v * dr; // the renderer cuts at 1e-3 too
        }
        return sum;
    }

    /// <summary>Scales a plane to sum to 1 (or by <paramref name="total"/> when given).</summary>
    public static void Normalise(float[] shape, double total = 0)
    {
        if (total <= 0) { double s = 0; foreach (float v in shape) s += v; total = s; }
        if (total > 0) System.Numerics.Tensors.TensorPrimitives.Multiply(shape, (float)(1 / total), shape);
    }

    /// <summary>A point source (a PSF of unit flux is applied later by <see cref="Blurred"/>): one pixel split bilinearly.</summary>
    public static float[] Point(int size, double x, double y)
    {
        var shape = new float[size * size];
        int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
        double fx = x - x0, fy = y - y0;
        void Put(int xx, int yy, double w) { if ((uint)xx < (uint)size && (uint)yy < (uint)size) shape[yy * size + xx] += (float)w; }
        Put(x0, y0, (1 - fx) * (1 - fy)); Put(x0 + 1, y0, fx * (1 - fy)); Put(x0, y0 + 1, (1 - fx) * fy); Put(x0 + 1, y0 + 1, fx * fy);
        return shape;
    }

    /// <summary>A thin tube of Gaussian cross-section along a polyline, brightness per unit length given at each vertex.</summary>
    public static float[] Tube(int size, IReadOnlyList<(double X, double Y, double Brightness)> path, double width)
    {
        var shape = new float[size * size];
        double s2 = 2 * width * width;
        int r = (int)Math.Ceiling(3 * width) + 1;
        for (int i = 0; i + 1 < path.Count; i++)
        {
            var (ax, ay, ab) = path[i]; var (bx, by, bb) = path[i + 1];
            double len = Math.Sqrt((bx - ax) * (bx - ax) + (by - ay) * (by - ay));
            int steps = Math.Max(1, (int)Math.Ceiling(len * 2));
            for (int k = 0; k < steps; k++)
            {
                double t = (k + 0.5) / steps, px = ax + t * (bx - ax), py = ay + t * (by - ay), w = (ab + t * (bb - ab)) * len / steps;
                if (px < -r || py < -r || px > size + r || py > size + r) continue;
                for (int yy = Math.Max(0, (int)py - r); yy <= Math.Min(size - 1, (int)py + r); yy++)
                    for (int xx = Math.Max(0, (int)px - r); xx <= Math.Min(size - 1, (int)px + r); xx++)
                    {
                        double d2 = (xx - px) * (xx - px) + (yy - py) * (yy - py);
                        shape[yy * size + xx] += (float)(w * Math.Exp(-d2 / s2) / (Math.PI * s2));
                    }
            }
        }
        return shape;
    }
}
