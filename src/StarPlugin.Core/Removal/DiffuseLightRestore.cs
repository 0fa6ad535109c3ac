using System.Numerics.Tensors;
using StarPlugin.Imaging;
using StarPlugin.Progress;
using StarPlugin.Threading;

namespace StarPlugin.Removal;

/// <summary>
/// Gives back the diffuse light the network took with the stars. On real photographs the
/// network's star layer also holds a faint smooth glow (nebula and sky under dense star
/// fields): over the 49 real-dev pictures it darkened the sky off the stars by about 1 %
/// of full range. Stars are small and sparse against a 32-px cell, so the median of the
/// layer over a cell is that glow, not the stars:
/// 1. per channel, the median of the star layer in each 32 × 32 cell;
/// 2. a 3 × 3 median over the cells, so the halo of one bright star (one or two cells)
///    is not taken for glow;
/// 3. bilinear between cell centres, never more than the layer holds at a pixel, is
///    taken out of the layer (i.e. put back into the starless image).
/// The layer is read, and left, clamped to [0, input]: what the final pass keeps of it.
/// Cancellation is checked per row of cells and per row; workers that see it stop, and
/// the calling thread throws (a throw inside the parallel loop would arrive wrapped).
/// Works on the model-domain layer in place; memory is two floats per cell (medians and
/// their smoothing, one channel at a time), a cell's values and a row per worker for the
/// medians, and four rows per worker for the subtraction.
/// </summary>
internal static class DiffuseLightRestore
{
    /// <summary>Cell side in pixels: wider than any star but the brightest, narrower than nebula structure.</summary>
    public const int Cell = 32;

    /// <param name="layers">Model-domain star layer, planar (channel c at c·w·h), edited in place.</param>
    /// <param name="data">The input, planar like the layer, in input units.</param>
    /// <param name="progress">Two units per channel, advanced on the calling thread.</param>
    public static void Apply(float[] layers, float[] data, ModelDomain domain, int colours, int w, int h, ProgressReporter progress)
    {
        int cx = (w + Cell - 1) / Cell, cy = (h + Cell - 1) / Cell, n = w * h;
        for (int c = 0; c < colours; c++)
        {
            var plane = layers.AsMemory(c * n, n);
            var input = data.AsMemory(c * n, n);
            var medians = CellMedians(plane, input, domain, w, h, cx, cy, progress);
            progress.ThrowIfCancelled();
            var glow = Smooth(medians, cx, cy);
            progress.Advance();
            Subtract(plane, input, domain, glow, w, h, cx, cy, progress);
            progress.ThrowIfCancelled();
            progress.Advance();
        }
    }

    /// <summary>
    /// The median of each cell's layer values clamped to [0, input], over the pixels with a
    /// finite input and a layer value (NaN for a cell with none), cx·cy values, row-major.
    /// Clamped, because where the network takes more than the sky holds the unclamped layer
    /// is not light that was removed: its median, given back over the stars, lifted their
    /// cores out of the darker sky (on M3 sep found 41 % of the stars after removal, not 39 %).
    /// </summary>
    private static float[] CellMedians(Memory<float> plane, Memory<float> input, ModelDomain domain, int w, int h, int cx, int cy, ProgressReporter progress)
    {
        var medians = new float[cx * cy];
        ParallelWorkers.For(cy, () => (Values: new float[Cell * Cell], Xm: new float[Cell]), (j, s) =>
        {
            if (progress.IsCancelled) return;
            var values = s.Values;
            int y0 = j * Cell, y1 = Math.Min(h, y0 + Cell);
            for (int i = 0; i < cx; i++)
            {
                int x0 = i * Cell, x1 = Math.Min(w, x0 + Cell), count = 0;
                for (int y = y0; y < y1; y++)
                {
                    domain.Map(input.Span.Slice(y * w + x0, x1 - x0), s.Xm);
                    var p = plane.Span.Slice(y * w + x0, x1 - x0);
                    var v = input.Span.Slice(y * w + x0, x1 - x0);
                    // Missing input (NaN, ±Inf: the final pass leaves it as it is) has no say;
                    // an infinite layer counts as the whole input, as the final pass clamps it.
                    for (int x = 0; x < p.Length; x++)
                        if (!float.IsNaN(p[x]) && float.IsFinite(v[x])) values[count++] = Math.Clamp(p[x], 0f, s.Xm[x]);
                }
                medians[j * cx + i] = count == 0 ? float.NaN : RobustStatistics.Select(values, 0, count, count / 2);
            }
        });
        return medians;
    }

    /// <summary>The 3 × 3 median of the cell grid over the cells with a median (edges use the cells there are), clamped at 0; 0 where none has one.</summary>
    private static float[] Smooth(float[] cells, int cx, int cy)
    {
        var smooth = new float[cells.Length];
        Span<float> window = stackalloc float[9];
        for (int j = 0; j < cy; j++)
            for (int i = 0; i < cx; i++)
            {
                int k = 0;
                for (int jj = Math.Max(0, j - 1); jj <= Math.Min(cy - 1, j + 1); jj++)
                    for (int ii = Math.Max(0, i - 1); ii <= Math.Min(cx - 1, i + 1); ii++)
                        if (!float.IsNaN(cells[jj * cx + ii])) window[k++] = cells[jj * cx + ii];
                if (k == 0) continue; // no finite value around: no glow
                var used = window[..k];
                used.Sort();
                // Even counts (edges, corners) take the lower middle: the smaller glow.
                smooth[j * cx + i] = Math.Max(0f, used[(k - 1) / 2]);
            }
        return smooth;
    }

    /// <summary>layer = clamp(layer, 0, input) − min(glow, that), glow bilinear between cell centres (flat beyond the outer ones).</summary>
    private static void Subtract(Memory<float> plane, Memory<float> input, ModelDomain domain, float[] glow, int w, int h, int cx, int cy, ProgressReporter progress)
    {
        // Where each column falls between two cell centres: the same for every row.
        var left = new int[w];
        var weight = new float[w];
        for (int x = 0; x < w; x++)
        {
            double u = Math.Clamp((x + 0.5) / Cell - 0.5, 0, cx - 1);
            left[x] = Math.Min((int)u, Math.Max(0, cx - 2));
            weight[x] = (float)(u - left[x]);
        }
        ParallelWorkers.For(h, () => (Cells: new float[cx], Row: new float[w], Input: new float[w], Taken: new float[w]), (y, s) =>
        {
            if (progress.IsCancelled) return;
            double v = Math.Clamp((y + 0.5) / Cell - 0.5, 0, cy - 1);
            int top = Math.Min((int)v, Math.Max(0, cy - 2)), bottom = Math.Min(top + 1, cy - 1);
            float b = (float)(v - top);
            for (int i = 0; i < cx; i++) s.Cells[i] = glow[top * cx + i] + b * (glow[bottom * cx + i] - glow[top * cx + i]);
            for (int x = 0; x < w; x++)
            {
                int i = left[x], r = Math.Min(i + 1, cx - 1);
                s.Row[x] = s.Cells[i] + weight[x] * (s.Cells[r] - s.Cells[i]);
            }
            var layer = plane.Span.Slice(y * w, w);
            // The layer clamped to [0, input] as the final pass will clamp it (missing input
            // maps to 0, so the layer there is 0; the final pass keeps such pixels as they
            // are); a NaN layer stays NaN (Max and Min propagate it), as in the final pass.
            domain.Map(input.Span.Slice(y * w, w), s.Input);
            TensorPrimitives.Max(layer, 0f, layer);
            TensorPrimitives.Min(layer, s.Input, layer);
            TensorPrimitives.Min(layer, s.Row, s.Taken);
            TensorPrimitives.Subtract(layer, s.Taken, layer);
        });
    }
}
