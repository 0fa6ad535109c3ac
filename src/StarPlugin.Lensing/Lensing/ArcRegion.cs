namespace StarPlugin.Lensing;

/// <summary>
/// Where a mock's arc lies, rebuilt from its record: the source ray-shot through the
/// lens without noise or PSF, kept where it is at least <see cref="Fraction"/> of its
/// peak, then grown by the PSF's half width and a margin. Volunteers' clicks are scored
/// against it, and the feedback outlines it.
/// </summary>
public sealed class ArcRegion
{
    public const double Fraction = 0.1;
    public int Width { get; }
    public int Height { get; }
    private readonly bool[] _mask;

    private ArcRegion(int width, int height, bool[] mask) { Width = width; Height = height; _mask = mask; }

    public bool Contains(int x, int y) => x >= 0 && y >= 0 && x < Width && y < Height && _mask[y * Width + x];
    public int Area => _mask.Count(m => m);

    public static ArcRegion FromRecord(MockLensRecord r, int width, int height, double marginPx = 2)
    {
        if (width < 1 || height < 1 || (long)width * height > 4096L * 4096) throw new ArgumentException("arc region size out of range");
        var lens = new IsothermalEllipsoid(r.EinsteinRadiusPx, r.AxisRatio, r.PositionAngle, r.CenterX, r.CenterY, r.Shear, r.ShearAngle);
        var source = new SersicSource(r.CenterX + r.SourceOffsetX, r.CenterY + r.SourceOffsetY, r.SourceRadius, r.SourceIndex, r.SourceAxisRatio, r.SourceAngle);
        var arc = LensRenderer.Render(width, height, lens, source, 3);
        float peak = 0;
        foreach (float v in arc) peak = Math.Max(peak, v);
        var core = new bool[arc.Length];
        if (peak > 0) for (int i = 0; i < arc.Length; i++) core[i] = arc[i] >= Fraction * peak;
        double psf = r.PsfFwhm.Length > 0 ? r.PsfFwhm.Max() : 2.5;
        int grow = (int)Math.Ceiling(psf / 2 + marginPx);
        return new ArcRegion(width, height, Dilate(core, width, height, grow));
    }

    /// <summary>From a packed bit mask (<see cref="Pack"/>).</summary>
    public static ArcRegion Unpack(int width, int height, byte[] bits)
    {
        if (width < 1 || height < 1 || bits.Length != ((long)width * height + 7) / 8) throw new ArgumentException("arc mask does not match its size");
        var m = new bool[width * height];
        for (int i = 0; i < m.Length; i++) m[i] = (bits[i >> 3] & (1 << (i & 7))) != 0;
        return new ArcRegion(width, height, m);
    }

    public byte[] Pack()
    {
        var bits = new byte[(_mask.Length + 7) / 8];
        for (int i = 0; i < _mask.Length; i++) if (_mask[i]) bits[i >> 3] |= (byte)(1 << (i & 7));
        return bits;
    }

    /// <summary>The region's edge: pixels inside it with a 4-neighbour outside.</summary>
    public bool IsEdge(int x, int y) => Contains(x, y) && (!Contains(x - 1, y) || !Contains(x + 1, y) || !Contains(x, y - 1) || !Contains(x, y + 1));

    /// <summary>True when a click at (x, y) lands on the arc, allowing <paramref name="tolerance"/> pixels.</summary>
    public bool Hit(double x, double y, int tolerance = 2)
    {
        if (!double.IsFinite(x) || !double.IsFinite(y)) return false;
        int cx = (int)Math.Floor(x), cy = (int)Math.Floor(y);
        for (int dy = -tolerance; dy <= tolerance; dy++)
            for (int dx = -tolerance; dx <= tolerance; dx++)
                if (dx * dx + dy * dy <= tolerance * tolerance && Contains(cx + dx, cy + dy)) return true;
        return false;
    }

    private static bool[] Dilate(bool[] m, int w, int h, int r)
    {
        var o = new bool[m.Length];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                if (!m[y * w + x]) continue;
                for (int dy = -r; dy <= r; dy++)
                    for (int dx = -r; dx <= r; dx++)
                    {
                        int xx = x + dx, yy = y + dy;
                        if (dx * dx + dy * dy <= r * r && xx >= 0 && yy >= 0 && xx < w && yy < h) o[yy * w + xx] = true;
                    }
            }
        return o;
    }
}
