using StarPlugin.Inference;
using StarPlugin.Progress;

namespace StarPlugin.Removal;

/// <summary>Tiling settings: tile side, overlap and tiles per batch.</summary>
public sealed record TilingOptions
{
    /// <summary>Tile side in pixels; 0 = the model's default.</summary>
    public int Tile { get; init; }
    /// <summary>Overlap between neighbouring tiles; -1 = the model's default.</summary>
    public int Overlap { get; init; } = -1;
    /// <summary>Tiles per inference call.</summary>
    public int Batch { get; init; } = 4;
}

/// <summary>
/// Runs a star-removal model over an image of any size in overlapping tiles and blends
/// the predicted star layer with partition-of-unity weights. Working memory is one
/// batch of tiles (tile² × channels × batch); only the output planes are image-sized.
/// Images smaller than a tile are mirror-padded.
/// </summary>
public sealed class TiledModelRunner(OnnxSession session, ModelDescription model)
{
    public OnnxSession Session { get; } = session;
    public ModelDescription Model { get; } = model;

    /// <summary>
    /// <paramref name="planes"/> holds Model.Channels planes in our [0,1] domain.
    /// Returns the star layer in the same domain (input − starless).
    /// </summary>
    public float[][] PredictStars(float[][] planes, int width, int height, TilingOptions tiling, ProgressReporter progress)
    {
        if (planes.Length != Model.Channels) throw new ArgumentException($"model takes {Model.Channels} channels, got {planes.Length}");
        int tile = Model.FixedTile > 0 ? Model.FixedTile : tiling.Tile > 0 ? tiling.Tile : Model.DefaultTile;
        if (Model.FixedTile == 0)
        {
            // A dynamic model may run a smaller tile when the whole image is smaller.
            int need = RoundUp(Math.Max(width, height), Model.SizeMultiple);
            tile = RoundUp(Math.Min(tile, need), Model.SizeMultiple);
        }
        int overlap = tiling.Overlap >= 0 ? tiling.Overlap : Model.DefaultOverlap;
        overlap = Math.Clamp(overlap, 0, tile / 2);
        int batch = Math.Clamp(tiling.Batch, 1, Model.MaxBatch);
        var gx = new TileGrid(width, tile, overlap);
        var gy = new TileGrid(height, tile, overlap);
        var tiles = (from ty in Enumerable.Range(0, gy.Starts.Length) from tx in Enumerable.Range(0, gx.Starts.Length) select (tx, ty)).ToArray();
        int C = Model.Channels, T = tile, perTile = C * T * T;
        var output = new float[C][];
        for (int c = 0; c < C; c++) output[c] = new float[(long)width * height];
        var input = new float[perTile * batch];
        var reporter = progress.Slice(0, 1, tiles.Length, "removing stars");

        for (int first = 0; first < tiles.Length; first += batch)
        {
            reporter.ThrowIfCancelled();
            int n = Math.Min(batch, tiles.Length - first);
            for (int k = 0; k < n; k++)
            {
                var (tx, ty) = tiles[first + k];
                ExtractTile(planes, width, height, gx.Starts[tx], gy.Starts[ty], T, input.AsSpan(k * perTile, perTile));
            }
            var (result, shape) = Session.Run(input.AsSpan(0, n * perTile), InputShape(n, T));
            if (result.Length != n * perTile)
                throw new OrtException($"model output has {result.Length} values for {n} tiles of {T}x{T}x{C} (shape [{string.Join(",", shape)}])");
            for (int k = 0; k < n; k++)
            {
                var (tx, ty) = tiles[first + k];
                Accumulate(result.AsSpan(k * perTile, perTile), input.AsSpan(k * perTile, perTile), output, width, height, gx, gy, tx, ty, T);
            }
            reporter.Advance(n);
        }
        return output;
    }

    private static int RoundUp(int v, int m) => (v + m - 1) / m * m;

    private long[] InputShape(int n, int t) => Model.InputLayout switch
    {
        TensorLayout.Nchw => [n, Model.Channels, t, t],
        TensorLayout.Nhwc => [n, t, t, Model.Channels],
        _ => [n, t, t],
    };

    /// <summary>Copies a tile (mirror-padded past the image edge) into the model's layout, scaled to its input range.</summary>
    private void ExtractTile(float[][] planes, int width, int height, int x0, int y0, int t, Span<float> dst)
    {
        int C = Model.Channels;
        float scale = Model.InputScale;
        for (int c = 0; c < C; c++)
        {
            var p = planes[c];
            for (int y = 0; y < t; y++)
            {
                int sy = Mirror(y0 + y, height);
                for (int x = 0; x < t; x++)
                {
                    float v = p[sy * width + Mirror(x0 + x, width)] * scale;
                    dst[Model.InputLayout == TensorLayout.Nhwc ? (y * t + x) * C + c : (c * t + y) * t + x] = v;
                }
            }
        }
    }

    private static int Mirror(int i, int n)
    {
        if (n == 1) return 0;
        int period = 2 * (n - 1);
        i = ((i % period) + period) % period;
        return i < n ? i : period - i;
    }

    private void Accumulate(ReadOnlySpan<float> result, ReadOnlySpan<float> tileInput, float[][] output, int width, int height,
        TileGrid gx, TileGrid gy, int tx, int ty, int t)
    {
        int C = Model.Channels, x0 = gx.Starts[tx], y0 = gy.Starts[ty];
        float inv = 1f / Model.InputScale;
        bool starless = Model.Predicts == ModelPredicts.Starless;
        for (int y = 0; y < t && y0 + y < height; y++)
        {
            float wy = gy.Weight(ty, y);
            if (wy == 0) continue;
            for (int x = 0; x < t && x0 + x < width; x++)
            {
                float w = wy * gx.Weight(tx, x);
                if (w == 0) continue;
                for (int c = 0; c < C; c++)
                {
                    int iOut = Model.OutputLayout == TensorLayout.Nhwc ? (y * t + x) * C + c : (c * t + y) * t + x;
                    int iIn = Model.InputLayout == TensorLayout.Nhwc ? (y * t + x) * C + c : (c * t + y) * t + x;
                    float stars = starless ? (tileInput[iIn] - result[iOut]) * inv : result[iOut] * inv;
                    output[c][(long)(y0 + y) * width + x0 + x] += w * stars;
                }
            }
        }
    }
}
