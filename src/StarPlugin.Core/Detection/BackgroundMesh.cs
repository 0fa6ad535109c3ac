using System.Numerics.Tensors;
using StarPlugin.Imaging;

namespace StarPlugin.Detection;

/// <summary>
/// Background level and noise σ on a mesh of small cells, so that both follow
/// structured nebulae. Per cell: a σ-clipped median for the level, and the MAD of
/// horizontal pixel differences for the noise (differences cancel smooth structure).
/// A 3×3 median over cells removes cells spoilt by bright stars. Each mesh row is
/// interpolated across the image width once, so a map row is a single lerp of two
/// precomputed rows (memory: image/cell, not image).
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

    private readonly float[][] _levelRows, _noiseRows, _structureRows;
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
        Parallel.For(0, _ny, () => (new float[_cell * _cell], new float[_cell * _cell], new float[_cell * _cell], new float[(long)bandRows * width]), (cy, _, buf) =>
        {
            var (vals, diffs, scratch, band) = buf;
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
            return buf;
        }, _ => { });
        level = MedianFilter3(level, _nx, _ny);
        noise = MedianFilter3(noise, _nx, _ny);
        structure = MedianFilter3(structure, _nx, _ny);
        // A perfectly flat region has zero noise; keep σ positive so S/N stays finite.
        var positive = noise.Where(v => v > 0).ToArray();
        float floor = Math.Max(1e-7f, (positive.Length > 0 ? RobustStatistics.Select(positive, positive.Length / 2) : 1e-4f) * 1e-3f);
        for (int i = 0; i < noise.Length; i++) noise[i] = Math.Max(noise[i], floor);
        _levelRows = InterpolateRows(level);
        _noiseRows = InterpolateRows(noise);
        _structureRows = InterpolateRows(structure);
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

    private float[][] InterpolateRows(float[] grid)
    {
        var rows = new float[_ny][];
        for (int gy = 0; gy < _ny; gy++)
        {
            var row = rows[gy] = new float[_width];
            for (int x = 0; x < _width; x++)
            {
                float fx = Math.Clamp((x + 0.5f) / _cell - 0.5f, 0, _nx - 1);
                int x0 = (int)fx, x1 = Math.Min(x0 + 1, _nx - 1);
                row[x] = grid[gy * _nx + x0] + (grid[gy * _nx + x1] - grid[gy * _nx + x0]) * (fx - x0);
            }
        }
        return rows;
    }

    /// <summary>The interpolated level and structure at one pixel.</summary>
    public (float Level, float Structure) At(int x, int y)
    {
        var (y0, y1, t) = MeshRows(y);
        int xx = Math.Clamp(x, 0, _width - 1);
        return (_levelRows[y0][xx] + (_levelRows[y1][xx] - _levelRows[y0][xx]) * t,
                _structureRows[y0][xx] + (_structureRows[y1][xx] - _structureRows[y0][xx]) * t);
    }

    /// <summary>Fills one image row of the interpolated level or noise map.</summary>
    public void FillRow(int y, Span<float> dst, bool noise) => FillRow(y, dst, noise ? _noiseRows : _levelRows);

    /// <summary>Fills one image row of the interpolated structure map (sky spread over noise σ).</summary>
    public void FillStructureRow(int y, Span<float> dst) => FillRow(y, dst, _structureRows);

    private void FillRow(int y, Span<float> dst, float[][] rows)
    {
        var (y0, y1, t) = MeshRows(y);
        TensorPrimitives.Lerp(rows[y0], rows[y1], t, dst);
    }

    /// <summary>The two mesh rows around image row <paramref name="y"/> and the weight of the second.</summary>
    private (int Y0, int Y1, float T) MeshRows(int y)
    {
        float fy = Math.Clamp((y + 0.5f) / _cell - 0.5f, 0, _ny - 1);
        int y0 = (int)fy;
        return (y0, Math.Min(y0 + 1, _ny - 1), fy - y0);
    }
}
