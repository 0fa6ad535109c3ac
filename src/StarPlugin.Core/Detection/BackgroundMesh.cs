using System.Numerics.Tensors;
using StarPlugin.Imaging;
using StarPlugin.Threading;

namespace StarPlugin.Detection;

/// <summary>
/// Background level and noise σ on a mesh of small cells, so that both follow
/// structured nebulae. Per cell: a σ-clipped median for the level, and the MAD of
/// horizontal pixel differences for the noise (differences cancel smooth structure).
/// A 3×3 median over cells removes cells spoilt by bright stars. Only the cells are kept
/// (memory: image/cell²); a map row is a lerp of two mesh rows interpolated across the
/// width, which each thread caches, since consecutive image rows share them. (Keeping every
/// mesh row interpolated took image/cell: a tenth of a plane at the detector's 32-px cells.)
/// A third map, structure, is the sky's spread within a cell over its noise σ: about 1
/// where the sky is flat (noise only), above it in nebulae and gradients. The detector
/// relaxes its correlation threshold where the sky is flat (see
/// <see cref="DetectionOptions.FlatSkyRelief"/>).
/// </summary>
internal sealed class BackgroundMesh
{
    /// <summary>
    /// Row <paramref name="y"/> of an image: a span of the caller's own plane, or
    /// <paramref name="buffer"/> (one row long) filled with it.
    /// </summary>
    public delegate ReadOnlySpan<float> RowSource(int y, Span<float> buffer);

    // The cell maps, nx × ny each, and where each image column falls between cell centres.
    private readonly float[] _level, _noise, _structure;
    private readonly int[] _column0, _column1;
    private readonly float[] _columnWeight;
    /// <summary>Structure below this is not noise (white noise gives 1 ± 0.1 per cell): see <see cref="CellStatistics"/>.</summary>
    private const float MinStructure = 0.7f;
    /// <summary>
    /// The structure of a cell whose flatness cannot be judged: far above any limit, yet
    /// finite, because the maps are interpolated and ∞ − ∞ would make NaN thresholds,
    /// which pass every candidate.
    /// </summary>
    private const float Unjudged = 1e6f;
    private readonly int _nx, _ny, _cell, _width;

    public BackgroundMesh(ReadOnlyMemory<float> plane, int width, int height, int cell)
        : this((y, _) => plane.Span.Slice(y * width, width), width, height, cell) { }

    /// <summary>A mesh over rows that <paramref name="rows"/> hands out one at a time, so no plane of them need exist.</summary>
    public BackgroundMesh(RowSource rows, int width, int height, int cell)
    {
        _width = width;
        _cell = Math.Min(cell, Math.Max(width, height));
        _nx = Math.Max(1, (width + _cell - 1) / _cell);
        _ny = Math.Max(1, (height + _cell - 1) / _cell);
        var level = new float[_nx * _ny];
        var noise = new float[_nx * _ny];
        var structure = new float[_nx * _ny];
        // Sampling every other row and every 4th column: 128 samples of a 32-px cell estimate
        // the median to ~0.1σ at an eighth of the cost; differences stay between neighbours.
        int step = _cell >= 16 ? 2 : 1, xStep = _cell >= 32 ? 4 : step;
        // The sampled rows of one mesh row are gathered into a band first (a mesh row's
        // height × the width, not a plane), so a row source computes each row once.
        int bandRows = (_cell + step - 1) / step;
        // One set of buffers per worker: per-task buffers (a band each) added up to tens of MB on tall images.
        ParallelWorkers.For(_ny, () => (Vals: new float[_cell * _cell], Diffs: new float[_cell * _cell], Scratch: new float[_cell * _cell], Band: new float[(long)bandRows * width]),
            (cy, mine) => MeshRow(cy, mine.Vals, mine.Diffs, mine.Scratch, mine.Band));
        void MeshRow(int cy, float[] vals, float[] diffs, float[] scratch, float[] band)
        {
            int y0 = cy * _cell, y1 = Math.Min(height, y0 + _cell);
            for (int y = y0, r = 0; y < y1; y += step, r++)
            {
                var dst = band.AsSpan(r * width, width);
                var src = rows(y, dst);
                if (src != dst) src.CopyTo(dst);
            }
            for (int cx = 0; cx < _nx; cx++)
            {
                int x0 = cx * _cell, x1 = Math.Min(width, x0 + _cell);
                int n = 0, nd = 0;
                for (int y = y0, r = 0; y < y1; y += step, r++)
                {
                    int row = r * width;
                    for (int x = x0; x < x1; x += xStep)
                    {
                        vals[n++] = band[row + x];
                        if (x + 1 < x1) diffs[nd++] = band[row + x + 1] - band[row + x];
                    }
                }
                (level[cy * _nx + cx], noise[cy * _nx + cx], structure[cy * _nx + cx]) = CellStatistics(vals.AsSpan(0, n), diffs.AsSpan(0, nd), scratch);
            }
        }
        level = MedianFilter3(level, _nx, _ny);
        noise = MedianFilter3(noise, _nx, _ny);
        structure = MedianFilter3(structure, _nx, _ny);
        // A perfectly flat region has zero noise; keep σ positive so S/N stays finite.
        var positive = noise.Where(v => v > 0).ToArray();
        float floor = Math.Max(1e-7f, (positive.Length > 0 ? RobustStatistics.Select(positive, positive.Length / 2) : 1e-4f) * 1e-3f);
        for (int i = 0; i < noise.Length; i++) noise[i] = Math.Max(noise[i], floor);
        (_level, _noise, _structure) = (level, noise, structure);
        (_column0, _column1, _columnWeight) = (new int[width], new int[width], new float[width]);
        for (int x = 0; x < width; x++)
        {
            float fx = Math.Clamp((x + 0.5f) / _cell - 0.5f, 0, _nx - 1);
            int x0 = (int)fx;
            (_column0[x], _column1[x], _columnWeight[x]) = (x0, Math.Min(x0 + 1, _nx - 1), fx - x0);
        }
    }

    /// <summary>
    /// Level: σ-clipped median. Noise: MAD of neighbour differences (smooth structure
    /// cancels). Structure: MAD of the clipped values over that noise; white noise gives 1
    /// (± 0.1 from 128 samples, less after the 3×3 median), structure and correlated noise
    /// more. A cell without noise (flat synthetic data) is <see cref="Unjudged"/>: no relief.
    /// </summary>
    private static (float Level, float Noise, float Structure) CellStatistics(Span<float> vals, Span<float> diffs, float[] scratch)
    {
        float sigma = 0;
        if (diffs.Length > 4)
        {
            diffs.CopyTo(scratch);
            float md = RobustStatistics.Select(scratch, 0, diffs.Length, diffs.Length / 2);
            for (int i = 0; i < diffs.Length; i++) scratch[i] = MathF.Abs(diffs[i] - md);
            sigma = RobustStatistics.Select(scratch, 0, diffs.Length, diffs.Length / 2) * (float)RobustStatistics.MadToSigma / MathF.Sqrt(2f);
        }
        vals.CopyTo(scratch);
        float median = RobustStatistics.Select(scratch, 0, vals.Length, vals.Length / 2);
        // Clipping drops stars above the sky so the level is the sky's, not the stars'.
        int kept = 0;
        for (int iter = 0; iter < 2 && sigma > 0; iter++)
        {
            float hi = median + 3f * sigma, lo = median - 3f * sigma;
            int n = 0;
            foreach (float v in vals) if (v <= hi && v >= lo) scratch[n++] = v;
            if (n < 8) { kept = 0; break; }
            kept = n;
            median = RobustStatistics.Select(scratch, 0, n, n / 2);
        }
        // No noise, or a cell that clipping empties: no judgement of flatness.
        if (kept == 0) return (median, sigma, Unjudged);
        // scratch[0..kept) holds the last clipped sample (Select only reorders it).
        for (int i = 0; i < kept; i++) scratch[i] = MathF.Abs(scratch[i] - median);
        float spread = RobustStatistics.Select(scratch, 0, kept, kept / 2) * (float)RobustStatistics.MadToSigma;
        // Below MinStructure the cell is not noise at all but clipped or posterized sky (an
        // 8-bit picture with its black point set into the sky: mostly zeros, so both MADs
        // collapse). Its noise σ is meaningless there, every speck reads as a bright source,
        // and only the full D holds them back: no relief.
        float ratio = spread / sigma;
        return (median, sigma, ratio >= MinStructure ? ratio : Unjudged);
    }

    private static float[] MedianFilter3(float[] v, int nx, int ny)
    {
        var r = new float[v.Length];
        var win = new float[9];
        for (int y = 0; y < ny; y++)
            for (int x = 0; x < nx; x++)
            {
                int n = 0;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int xx = x + dx, yy = y + dy;
                        if (xx >= 0 && yy >= 0 && xx < nx && yy < ny) win[n++] = v[yy * nx + xx];
                    }
                r[y * nx + x] = RobustStatistics.Select(win, 0, n, n / 2);
            }
        return r;
    }

    /// <summary>Mesh row <paramref name="gy"/> of a map at image column <paramref name="x"/>.</summary>
    private float Across(float[] grid, int gy, int x)
    {
        int row = gy * _nx;
        float a = grid[row + _column0[x]], b = grid[row + _column1[x]];
        return a + (b - a) * _columnWeight[x];
    }

    /// <summary>The interpolated level and structure at one pixel.</summary>
    public (float Level, float Structure) At(int x, int y)
    {
        var (y0, y1, t) = MeshRows(y);
        int xx = Math.Clamp(x, 0, _width - 1);
        float l0 = Across(_level, y0, xx), l1 = Across(_level, y1, xx), s0 = Across(_structure, y0, xx), s1 = Across(_structure, y1, xx);
        return (l0 + (l1 - l0) * t, s0 + (s1 - s0) * t);
    }

    /// <summary>Fills one image row of the interpolated level or noise map.</summary>
    public void FillRow(int y, Span<float> dst, bool noise) => FillRow(y, dst, noise ? _noise : _level);

    /// <summary>Fills one image row of the interpolated structure map (sky spread over noise σ).</summary>
    public void FillStructureRow(int y, Span<float> dst) => FillRow(y, dst, _structure);

    private void FillRow(int y, Span<float> dst, float[] grid)
    {
        var (y0, y1, t) = MeshRows(y);
        var first = MeshRow(grid, y0, keep: null);
        TensorPrimitives.Lerp(first, MeshRow(grid, y1, keep: first), t, dst);
    }

    /// <summary>
    /// Mesh row <paramref name="gy"/> of a map interpolated across the width, from this
    /// thread's cache of the last few (a band of image rows uses two per map, three maps).
    /// A row missing from the cache replaces the oldest, but never <paramref name="keep"/>,
    /// the row the caller still holds.
    /// </summary>
    private float[] MeshRow(float[] grid, int gy, float[]? keep)
    {
        var cache = t_rows ??= new CachedRow[CachedRows];
        for (int i = 0; i < cache.Length; i++)
            if (ReferenceEquals(cache[i].Grid, grid) && cache[i].Gy == gy && cache[i].Row.Length == _width) return cache[i].Row;
        int slot = (t_next + 1) % CachedRows;
        if (keep != null && ReferenceEquals(cache[slot].Row, keep)) slot = (slot + 1) % CachedRows;
        t_next = slot;
        var row = cache[slot].Row?.Length == _width ? cache[slot].Row : new float[_width];
        for (int x = 0; x < _width; x++) row[x] = Across(grid, gy, x);
        cache[slot] = new CachedRow(grid, gy, row);
        return row;
    }

    private const int CachedRows = 8;
    // A grid is written only in the constructor, so (grid, row) names the row's values for
    // good; the cache's reference keeps a grid alive, so no new grid can take its identity.
    private readonly record struct CachedRow(float[] Grid, int Gy, float[] Row);
    [ThreadStatic] private static CachedRow[]? t_rows;
    [ThreadStatic] private static int t_next;

    /// <summary>The two mesh rows around image row <paramref name="y"/> and the weight of the second.</summary>
    private (int Y0, int Y1, float T) MeshRows(int y)
    {
        float fy = Math.Clamp((y + 0.5f) / _cell - 0.5f, 0, _ny - 1);
        int y0 = (int)fy;
        return (y0, Math.Min(y0 + 1, _ny - 1), fy - y0);
    }
}
