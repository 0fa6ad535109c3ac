namespace StarPlugin.Astrometry;

/// <summary>
/// TPV (SCAMP's distortion of TAN; the registered convention): each intermediate world
/// coordinate (degrees) is replaced by a polynomial of up to 40 terms PVi_0..PVi_39 in
/// (x, y, r), with x and y swapped for the second axis. Defaults: PVi_1 = 1, others 0.
/// The inverse is Newton's method on the polynomial.
/// </summary>
internal sealed class TpvDistortion
{
    private const int Terms = 40;
    private readonly double[] _pv1, _pv2;

    private TpvDistortion(double[] pv1, double[] pv2) { _pv1 = pv1; _pv2 = pv2; }

    public static TpvDistortion Read(WcsCards cards, int axis1, int axis2)
    {
        double[] Coeffs(int axis)
        {
            var c = new double[Terms];
            c[1] = 1;
            for (int k = 0; k < Terms; k++)
                if (cards.Real($"PV{axis}_{k}") is { } v) c[k] = v;
            return c;
        }
        return new TpvDistortion(Coeffs(axis1), Coeffs(axis2));
    }

    public (double X, double Y) Forward(double x, double y) => (Poly(_pv1, x, y), Poly(_pv2, y, x));

    public (double X, double Y) Inverse(double xx, double yy)
    {
        double x = xx, y = yy;
        const double h = 1e-7;
        for (int i = 0; i < 50; i++)
        {
            var (fx, fy) = Forward(x, y);
            double rx = fx - xx, ry = fy - yy;
            if (Math.Abs(rx) < 1e-15 && Math.Abs(ry) < 1e-15) break;
            var (fxx, fyx) = Forward(x + h, y);
            var (fxy, fyy) = Forward(x, y + h);
            double j11 = (fxx - fx) / h, j21 = (fyx - fy) / h, j12 = (fxy - fx) / h, j22 = (fyy - fy) / h;
            double det = j11 * j22 - j12 * j21;
            if (det == 0 || !double.IsFinite(det)) break;
            x -= (j22 * rx - j12 * ry) / det;
            y -= (-j21 * rx + j11 * ry) / det;
        }
        return (x, y);
    }

    /// <summary>The 40 TPV terms: 1, x, y, r, then x^i y^j by total degree, with r^3, r^5, r^7 after degrees 3, 5 and 7.</summary>
    private static double Poly(double[] c, double x, double y)
    {
        double r = Math.Sqrt(x * x + y * y);
        double sum = c[0] + c[1] * x + c[2] * y + c[3] * r;
        int k = 4;
        for (int degree = 2; degree <= 7; degree++)
        {
            for (int j = 0; j <= degree; j++) // x^(degree-j) y^j
            {
                double t = c[k++];
                if (t != 0) sum += t * Math.Pow(x, degree - j) * Math.Pow(y, j);
            }
            if (degree is 3 or 5 or 7) sum += c[k++] * Math.Pow(r, degree);
        }
        return sum;
    }
}
