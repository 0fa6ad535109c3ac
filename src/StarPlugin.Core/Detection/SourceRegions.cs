namespace StarPlugin.Detection;

/// <summary>
/// The 8-connected regions of a plane above sky + k·σ (the local background mesh), as
/// SExtractor segments its objects. Works on runs, not pixels: each row's runs above
/// the threshold are found in parallel, then one sequential union–find pass joins runs
/// that touch a run of the row above (run counts are far below pixel counts). Labels are
/// looked up in the runs (<see cref="LabelAt"/>, <see cref="FillRow"/>): no plane of them.
/// </summary>
internal sealed class SourceRegions
{
    /// <summary>Number of regions (labels run 1..Count).</summary>
    public int Count { get; }
    /// <summary>Pixels per region, indexed by label (entry 0 unused).</summary>
    public int[] Area { get; }

    // The runs of each row (sorted by start) and their regions: no label plane, so the
    // memory is the runs', a few percent of the pixels on real frames.
    private readonly List<(int Start, int End)>[] _runs;
    private readonly int[] _first, _regionOf;
    private readonly int _width;

    private SourceRegions(List<(int, int)>[] runs, int[] first, int[] regionOf, int count, int[] area, int width)
    {
        _runs = runs; _first = first; _regionOf = regionOf; Count = count; Area = area; _width = width;
    }

    /// <summary>The region of pixel (x, y), 1-based; 0 = below the threshold.</summary>
    public int LabelAt(int x, int y)
    {
        var row = _runs[y];
        int lo = 0, hi = row.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            var (s, e) = row[mid];
            if (x < s) hi = mid - 1;
            else if (x > e) lo = mid + 1;
            else return _regionOf[_first[y] + mid];
        }
        return 0;
    }

    /// <summary>Writes the labels of row <paramref name="y"/> (0 below the threshold) into <paramref name="labels"/>, one row long.</summary>
    public void FillRow(int y, Span<int> labels)
    {
        if (labels.Length != _width) throw new ArgumentException("the label row must be one image row long");
        labels.Clear();
        var row = _runs[y];
        for (int i = 0; i < row.Count; i++)
        {
            var (s, e) = row[i];
            labels.Slice(s, e - s + 1).Fill(_regionOf[_first[y] + i]);
        }
    }

    /// <param name="cell">Background mesh cell in pixels.</param>
    public static SourceRegions Find(float[] plane, int w, int h, float k, int cell = 64) =>
        Find((y, _) => plane.AsSpan(y * w, w), w, h, k, cell);

    /// <summary>The regions of the rows that <paramref name="rows"/> hands out: no plane of them need exist.</summary>
    public static SourceRegions Find(BackgroundMesh.RowSource rows, int w, int h, float k, int cell = 64)
    {
        var mesh = new BackgroundMesh(rows, w, h, cell);
        var runs = new List<(int Start, int End)>[h];
        Parallel.For(0, h, () => (new float[w], new float[w], new float[w]), (y, _, buf) =>
        {
            var (sky, sigma, rowBuffer) = buf;
            mesh.FillRow(y, sky, noise: false);
            mesh.FillRow(y, sigma, noise: true);
            var row = rows(y, rowBuffer);
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
        for (int i = 0; i < regionOf.Length; i++)
            regionOf[i] = Root(i) == i ? ++count : regionOf[Root(i)];
        var area = new int[count + 1];
        for (int y = 0; y < h; y++)
            for (int i = 0; i < runs[y].Count; i++) area[regionOf[first[y] + i]] += runs[y][i].End - runs[y][i].Start + 1;
        return new SourceRegions(runs, first, regionOf, count, area, w);
    }
}
