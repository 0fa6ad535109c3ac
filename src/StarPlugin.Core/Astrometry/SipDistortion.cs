namespace StarPlugin.Astrometry;

/// <summary>
/// Simple Imaging Polynomial distortion (Shupe et al. 2005): pixel offsets (u, v) from
/// CRPIX become u + Σ A_p_q u^p v^q, v + Σ B_p_q u^p v^q before the linear transform.
/// The inverse uses AP/BP as a first guess when the header has them, then Newton steps
/// on the forward polynomial, so pixel → sky → pixel closes to 1e-10 px (astropy's
/// all_world2pix solves the same equation).
/// </summary>
internal sealed class SipDistortion
{
    private readonly Polynomial _a, _b;
    private readonly Polynomial? _ap, _bp;

    private SipDistortion(Polynomial a, Polynomial b, Polynomial? ap, Polynomial? bp) { _a = a; _b = b; _ap = ap; _bp = bp; }

    public static SipDistortion? Read(WcsCards cards)
    {
        if (!cards.Has("A_ORDER") && !cards.Has("B_ORDER")) return null;
        var a = Polynomial.Read(cards, "A");
        var b = Polynomial.Read(cards, "B");
        if (a == null || b == null) throw new WcsException("SIP: A_ORDER and B_ORDER must both be given");
        var ap = Polynomial.Read(cards, "AP");
        var bp = Polynomial.Read(cards, "BP");
        return new SipDistortion(a, b, ap != null && bp != null ? ap : null, ap != null && bp != null ? bp : null);
    }

    public (double U, double V) Forward(double u, double v) => (u + _a.Value(u, v), v + _b.Value(u, v));

    public (double U, double V) Inverse(double uu, double vv)
    {
        double u = uu, v = vv;
        if (_ap != null) { u = uu + _ap.Value(uu, vv); v = vv + _bp!.Value(uu, vv); }
        for (int i = 0; i < 50; i++)
        {
            var (fu, fv) = Forward(u, v);
            double ru = fu - uu, rv = fv - vv;
            if (Math.Abs(ru) < 1e-12 && Math.Abs(rv) < 1e-12) break;
            var (au, av) = _a.Gradient(u, v);
            var (bu, bv) = _b.Gradient(u, v);
            double j11 = 1 + au, j12 = av, j21 = bu, j22 = 1 + bv, det = j11 * j22 - j12 * j21;
            if (det == 0 || !double.IsFinite(det)) break;
            u -= (j22 * ru - j12 * rv) / det;
            v -= (-j21 * ru + j11 * rv) / det;
        }
        return (u, v);
    }

    /// <summary>Σ c_pq u^p v^q over p + q ≤ order.</summary>
    private sealed class Polynomial
    {
        private readonly double[,] _c;
        private readonly int _order;

        private Polynomial(double[,] c, int order) { _c = c; _order = order; }

        public static Polynomial? Read(WcsCards cards, string name)
        {
            if (cards.Real(name + "_ORDER") is not { } o) return null;
            if (o < 0 || o > 20 || o != Math.Floor(o)) throw new WcsException($"SIP: {name}_ORDER = {o} is invalid");
            int order = (int)o;
            var c = new double[order + 1, order + 1];
            for (int p = 0; p <= order; p++)
                for (int q = 0; p + q <= order; q++)
                    c[p, q] = cards.Real($"{name}_{p}_{q}", 0);
            return new Polynomial(c, order);
        }

        public double Value(double u, double v)
        {
            double sum = 0, up = 1;
            for (int p = 0; p <= _order; p++, up *= u)
            {
                double vq = 1;
                for (int q = 0; p + q <= _order; q++, vq *= v) sum += _c[p, q] * up * vq;
            }
            return sum;
        }

        public (double Du, double Dv) Gradient(double u, double v)
        {
            double du = 0, dv = 0;
            for (int p = 0; p <= _order; p++)
                for (int q = 0; p + q <= _order; q++)
                {
                    double c = _c[p, q];
                    if (c == 0) continue;
                    if (p > 0) du += c * p * Math.Pow(u, p - 1) * Math.Pow(v, q);
                    if (q > 0) dv += c * q * Math.Pow(u, p) * Math.Pow(v, q - 1);
                }
            return (du, dv);
        }
    }
}
