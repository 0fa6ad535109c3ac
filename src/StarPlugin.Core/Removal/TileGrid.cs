namespace StarPlugin.Removal;

/// <summary>
/// Tile positions along one axis and crossfade weights that sum to exactly 1 at every
/// pixel (a partition of unity), so blending needs no weight buffer and leaves no
/// seams. Adjacent tiles crossfade with sin²/cos² over the middle of their overlap;
/// a margin at each tile's inner edge gets zero weight, because a network's output is
/// least reliable where its receptive field hits the tile border.
/// </summary>
internal sealed class TileGrid
{
    public int Length { get; }
    public int Tile { get; }
    public int[] Starts { get; }
    private readonly float[][] _weights;

    public TileGrid(int length, int tile, int overlap)
    {
        Length = length;
        Tile = tile;
        if (length <= tile) { Starts = [0]; _weights = [Enumerable.Repeat(1f, Math.Min(length, tile)).ToArray()]; return; }
        Starts = StartsOf(length, tile, overlap);
        _weights = new float[Starts.Length][];
        for (int i = 0; i < Starts.Length; i++) _weights[i] = new float[tile];
        for (int i = 0; i < Starts.Length; i++)
        {
            var w = _weights[i];
            int s = Starts[i];
            // Left edge: crossfade with the previous tile over the middle of the shared span.
            int fadeInStart = 0, fadeInEnd = 0;
            if (i > 0)
            {
                int a = s, b = Starts[i - 1] + tile; // shared span [a, b)
                int margin = (b - a) / 4;
                fadeInStart = a + margin - s; fadeInEnd = b - margin - s;
            }
            int fadeOutStart = tile, fadeOutEnd = tile;
            if (i < Starts.Length - 1)
            {
                int a = Starts[i + 1], b = s + tile;
                int margin = (b - a) / 4;
                fadeOutStart = a + margin - s; fadeOutEnd = b - margin - s;
            }
            for (int x = 0; x < tile; x++)
            {
                float v = 1f;
                if (x < fadeInEnd) v = x < fadeInStart ? 0f : Rise((x - fadeInStart + 0.5f) / (fadeInEnd - fadeInStart));
                if (x >= fadeOutStart) v = x >= fadeOutEnd ? 0f : 1f - Rise((x - fadeOutStart + 0.5f) / (fadeOutEnd - fadeOutStart));
                w[x] = v;
            }
        }
    }

    /// <summary>Tile starts along an axis: every stride, the last one flush with the end.</summary>
    private static int[] StartsOf(int length, int tile, int overlap)
    {
        if (length <= tile) return [0];
        int stride = Math.Max(1, tile - overlap);
        var starts = new List<int>();
        for (int s = 0; ; s += stride)
        {
            if (s + tile >= length) { starts.Add(length - tile); break; }
            starts.Add(s);
        }
        return starts.Distinct().ToArray();
    }

    /// <summary>
    /// The tile side, from <paramref name="smallest"/> up to <paramref name="smallest"/> + 64 in
    /// steps of <paramref name="multiple"/>, for which the tiles over a width × height image
    /// hold the fewest pixels (the smaller side on a tie). The network's cost is its pixels:
    /// at 256 px a 1024-px side takes five tiles, the last overlapping its neighbour by 160
    /// px, while at 288 px four tiles cover it, 19 % fewer pixels in all.
    /// </summary>
    public static int CheapestTile(int width, int height, int smallest, int overlap, int multiple)
    {
        // A tile as wide as the image already covers it in one; past that nothing is cheaper
        // (and the bound stays far from int overflow, whatever a model's metadata says).
        int step = Math.Max(1, multiple);
        long top = Math.Min((long)smallest + 64, ((long)Math.Max(width, height) + step - 1) / step * step);
        int best = smallest;
        long bestPixels = long.MaxValue;
        for (long t = smallest; t <= top; t += step)
        {
            int side = (int)Math.Min(t / 2, Math.Max(0, overlap));
            long pixels = (long)StartsOf(width, (int)t, side).Length * StartsOf(height, (int)t, side).Length * t * t;
            if (pixels < bestPixels) { best = (int)t; bestPixels = pixels; }
        }
        return best;
    }

    private static float Rise(float t) { float s = MathF.Sin(MathF.PI / 2 * t); return s * s; }

    /// <summary>Weight of tile <paramref name="index"/> at tile-local coordinate <paramref name="local"/>.</summary>
    public float Weight(int index, int local) => _weights[index][local];
}
