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
        int stride = Math.Max(1, tile - overlap);
        var starts = new List<int>();
        for (int s = 0; ; s += stride)
        {
            if (s + tile >= length) { starts.Add(length - tile); break; }
            starts.Add(s);
        }
        Starts = starts.Distinct().ToArray();
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

    private static float Rise(float t) { float s = MathF.Sin(MathF.PI / 2 * t); return s * s; }

    /// <summary>Weight of tile <paramref name="index"/> at tile-local coordinate <paramref name="local"/>.</summary>
    public float Weight(int index, int local) => _weights[index][local];

    /// <summary>
    /// Tile <paramref name="index"/>'s weights, and the span of them that is not 0: the zeros
    /// are the margins at its ends, so the rest is one run.
    /// </summary>
    public (float[] Weights, int From, int To) NonZero(int index)
    {
        var w = _weights[index];
        int from = 0, to = w.Length;
        while (from < to && w[from] == 0) from++;
        while (to > from && w[to - 1] == 0) to--;
        return (w, from, to);
    }
}
