namespace StarPlugin.Detection;

/// <summary>
/// The 8-connected regions of a plane above sky + k·σ (the local background mesh), as
/// SExtractor segments its objects. Works on runs, not pixels: each row's runs above
/// the threshold are found in parallel, then one sequential union–find pass joins runs
/// that touch a run of the row above (run counts are far below pixel counts), and the
/// labels are written back row by row in parallel.
/// </summary>
internal sealed class SourceRegions
{
    /// <summary>Region of each pixel, 1-based; 0 = below the threshold.</summary>
    public int[] Label { get; }
    /// <summary>Number of regions (labels run 1..Count).</summary>
    public int Count { get; }
    /// <summary>Pixels per region, indexed by label (entry 0 unused).</summary>
    public int[] Area { get; }

    private SourceRegions(int[] label, int count, int[] area) { Label = label; Count = count; Area = area; }

    /// <param name="cell">Background mesh cell in pixels.</param>
    public static SourceRegions Find(float[] plane, int w, int h, float k, int cell = 64)
    {
        var mesh = new BackgroundMesh(plane, w, h, cell);
        var runs = new List<(int Start, int End)>[h];
        Parallel.For(0, h, () => (new float[w], new float[w]), (y, _, buf) =>
        {
            var (sky, sigma) = buf;
            mesh.FillRow(y, sky, noise: false);
            mesh.FillRow(y, sigma, noise: true);
            var row = plane.AsSpan(y * w, w);
            var list = new List<(int, int)>();
            for (int x = 0; x < w; x++)
            {
                if (!(row[x] > sky[x] + k * sigma[x])) continue;
                int start = x;
                while (x + 1 < w && row[x + 1] > sky[x + 1] + k * sigma[x + 1]) x++;
                list.Add((start, x));
            }
            runs[y] = list;
            return buf;
        }, _ => { });

        // Union–find over runs, numbered row by row.
        var first = new int[h + 1];
        for (int y = 0; y < h; y++) first[y + 1] = first[y] + runs[y].Count;
        var parent = new int[first[h]];
        for (int i = 0; i < parent.Length; i++) parent[i] = i;
        int Root(int i) { while (parent[i] != i) { parent[i] = parent[parent[i]]; i = parent[i]; } return i; }
        for (int y = 1; y < h; y++)
        {
            var above = runs[y - 1]; var here = runs[y];
            int j = 0;
            for (int i = 0; i < here.Count; i++)
            {
                var (s, e) = here[i];
                // Runs of the row above that touch [s − 1, e + 1] (8-connectivity); both lists are sorted.
                while (j < above.Count && above[j].End < s - 1) j++;
                for (int t = j; t < above.Count && above[t].Start <= e + 1; t++)
                {
                    int a = Root(first[y] + i), b = Root(first[y - 1] + t);
                    if (a != b) parent[Math.Max(a, b)] = Math.Min(a, b);
                }
            }
        }
        var regionOf = new int[parent.Length];
        int count = 0;
        for (int i = 0; i < parent.Length; i++)
            regionOf[i] = Root(i) == i ? ++count : regionOf[Root(i)];
        var area = new int[count + 1];
        for (int y = 0; y < h; y++)
            for (int i = 0; i < runs[y].Count; i++) area[regionOf[first[y] + i]] += runs[y][i].End - runs[y][i].Start + 1;
        var label = new int[w * h];
        Parallel.For(0, h, y =>
        {
            for (int i = 0; i < runs[y].Count; i++)
            {
                var (s, e) = runs[y][i];
                label.AsSpan(y * w + s, e - s + 1).Fill(regionOf[first[y] + i]);
            }
        });
        return new SourceRegions(label, count, area);
    }
}
