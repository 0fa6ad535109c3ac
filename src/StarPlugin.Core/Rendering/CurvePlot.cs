using StarPlugin.Imaging;

namespace StarPlugin.Rendering;

/// <summary>A minimal line plot (unit square axes, grid, one curve, a diagonal guide) as an RGB image, for ROC and PR curves.</summary>
public static class CurvePlot
{
    public static AstroImage Draw(IReadOnlyList<(double X, double Y)> points, bool diagonal, int size = 400)
    {
        var img = new AstroImage(size, size, 3);
        for (int c = 0; c < 3; c++) img.Plane(c).Fill(1f);
        int m = 30, span = size - 2 * m;
        (int, int) P(double x, double y) => (m + (int)Math.Round(Math.Clamp(x, 0, 1) * span), size - m - (int)Math.Round(Math.Clamp(y, 0, 1) * span));
        void Dot(int x, int y, float r, float g, float b)
        {
            for (int dy = -1; dy <= 1; dy++) for (int dx = -1; dx <= 1; dx++)
            {
                int xx = x + dx, yy = y + dy;
                if (xx < 0 || yy < 0 || xx >= size || yy >= size) continue;
                img[0, yy, xx] = r; img[1, yy, xx] = g; img[2, yy, xx] = b;
            }
        }
        void Line((int X, int Y) a, (int X, int Y) b, float r, float g, float bl, bool thin = false)
        {
            int n = Math.Max(Math.Abs(b.X - a.X), Math.Abs(b.Y - a.Y)) + 1;
            for (int i = 0; i <= n; i++)
            {
                int x = a.X + (b.X - a.X) * i / n, y = a.Y + (b.Y - a.Y) * i / n;
                if (thin) { if (x >= 0 && y >= 0 && x < size && y < size) { img[0, y, x] = r; img[1, y, x] = g; img[2, y, x] = bl; } }
                else Dot(x, y, r, g, bl);
            }
        }
        for (int k = 0; k <= 10; k++)
        {
            Line(P(k / 10.0, 0), P(k / 10.0, 1), 0.88f, 0.88f, 0.88f, thin: true);
            Line(P(0, k / 10.0), P(1, k / 10.0), 0.88f, 0.88f, 0.88f, thin: true);
        }
        Line(P(0, 0), P(1, 0), 0, 0, 0); Line(P(0, 0), P(0, 1), 0, 0, 0);
        if (diagonal) Line(P(0, 0), P(1, 1), 0.6f, 0.6f, 0.6f, thin: true);
        for (int i = 1; i < points.Count; i++) Line(P(points[i - 1].X, points[i - 1].Y), P(points[i].X, points[i].Y), 0.1f, 0.3f, 0.9f);
        return img;
    }
}
