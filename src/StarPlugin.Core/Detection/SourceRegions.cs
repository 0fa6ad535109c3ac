using StarPlugin.Threading;

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

    // All runs, row by row and sorted by start within a row (row y's are [_first[y],
    // _first[y + 1])), and their regions: no label plane, and no list per row either (a
    // list per row, grown by doubling, took more than the runs themselves).
    private readonly int[] _start, _end, _first, _regionOf;
    private readonly int _width;

    private SourceRegions(int[] start, int[] end, int[] first, int[] regionOf, int count, int[] area, int width)
    {
        _start = start; _end = end; _first = first; _regionOf = regionOf; Count = count; Area = area; _width = width;
    }

    /// <summary>The region of pixel (x, y), 1-based; 0 = below the threshold.</summary>
    public int LabelAt(int x, int y)
    {
        int lo = _first[y], hi = _first[y + 1] - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            if (x < _start[mid]) hi = mid - 1;
            else if (x > _end[mid]) lo = mid + 1;
            else return _regionOf[mid];
        }
        return 0;
    }

    /// <summary>Writes the labels of row <paramref name="y"/> (0 below the threshold) into <paramref name="labels"/>, one row long.</summary>
    public void FillRow(int y, Span<int> labels)
    {
        if (labels.Length != _width) throw new ArgumentException("the label row must be one image row long");
        labels.Clear();
        for (int i = _first[y]; i < _first[y + 1]; i++)
            labels.Slice(_start[i], _end[i] - _start[i] + 1).Fill(_regionOf[i]);
    }

    /// <param name="cell">Background mesh cell in pixels.</param>
    public static SourceRegions Find(float[] plane, int w, int h, float k, int cell = 64) =>
        Find((y, _) => plane.AsSpan(y * w, w), w, h, k, cell);

    /// <summary>The regions of the rows that <paramref name="rows"/> hands out: no plane of them need exist.</summary>
    public static SourceRegions Find(BackgroundMesh.RowSource rows, int w, int h, float k, int cell = 64) =>
        Find(rows, w, h, k, 0, cell) ?? throw new ArgumentException("the rows hold more runs than an array can");

    /// <summary>
    /// <see cref="Find(BackgroundMesh.RowSource, int, int, float, int)"/>, or null when the
    /// rows hold more than <paramref name="maxRuns"/> runs (0: no limit). The runs are the
    /// memory here (three ints each), and how many there are depends on what the image
    /// holds, not on its size: a field of isolated pixels above the threshold has a run
    /// for every other pixel. They are counted before any is stored.
    /// </summary>
    public static SourceRegions? Find(BackgroundMesh.RowSource rows, int w, int h, float k, long maxRuns, int cell = 64)
    {
        var mesh = new BackgroundMesh(rows, w, h, cell);
        // Runs found in parallel, a chunk of rows at a time, twice: first counted, then
        // written straight into the flat arrays at their row's place. (Collecting them per
        // chunk and copying left garbage as large as the runs: 30 MB at 67 Mpx.)
        int chunks = (h + ChunkRows - 1) / ChunkRows;
        var first = new int[h + 1];
        int[] starts = [], ends = [];
        for (int pass = 0; pass < 2; pass++)
        {
            bool counting = pass == 0;
            ParallelWorkers.For(chunks, () => (Sky: new float[w], Sigma: new float[w], Row: new float[w]), (c, mine) =>
            {
                var (sky, sigma, rowBuffer) = mine;
                for (int y = c * ChunkRows; y < Math.Min(h, (c + 1) * ChunkRows); y++)
                {
                    mesh.FillRow(y, sky, noise: false);
                    mesh.FillRow(y, sigma, noise: true);
                    var row = rows(y, rowBuffer);
                    int at = counting ? 0 : first[y], end = counting ? int.MaxValue : first[y + 1];
                    for (int x = 0; x < w; x++)
                    {
                        if (!(row[x] > sky[x] + k * sigma[x])) continue;
                        int start = x;
                        while (x + 1 < w && row[x + 1] > sky[x + 1] + k * sigma[x + 1]) x++;
                        // A row source is a function of the row: the second pass finds what the first counted.
                        if (at == end) throw new InvalidOperationException("a row's runs changed between passes");
                        if (!counting) (starts[at], ends[at]) = (start, x);
                        at++;
                    }
                    if (counting) first[y + 1] = at; // this row's count for now
                    else if (at != end) throw new InvalidOperationException("a row's runs changed between passes");
                }
            });
            if (!counting) break;
            long total = 0;
            for (int y = 0; y < h; y++) total += first[y + 1];
            if (maxRuns > 0 && total > maxRuns || total > Array.MaxLength) return null;
            for (int y = 0; y < h; y++) first[y + 1] += first[y];
            (starts, ends) = (new int[first[h]], new int[first[h]]);
        }

        // Union–find over runs, numbered row by row.
        var parent = new int[first[h]];
        for (int i = 0; i < parent.Length; i++) parent[i] = i;
        int Root(int i) { while (parent[i] != i) { parent[i] = parent[parent[i]]; i = parent[i]; } return i; }
        for (int y = 1; y < h; y++)
        {
            int j = first[y - 1];
            for (int i = first[y]; i < first[y + 1]; i++)
            {
                int s = starts[i], e = ends[i];
                // Runs of the row above that touch [s − 1, e + 1] (8-connectivity); both rows are sorted.
                while (j < first[y] && ends[j] < s - 1) j++;
                for (int t = j; t < first[y] && starts[t] <= e + 1; t++)
                {
                    int a = Root(i), b = Root(t);
                    if (a != b) parent[Math.Max(a, b)] = Math.Min(a, b);
                }
            }
        }
        // Labels in place of the parents: a run's parent always has a lower index (unions
        // link the higher root to the lower), so it holds its label already. Roots are
        // numbered in index order, as before.
        var regionOf = parent;
        int count = 0;
        for (int i = 0; i < regionOf.Length; i++)
        {
            int p = parent[i];
            regionOf[i] = p == i ? ++count : regionOf[p];
        }
        var area = new int[count + 1];
        for (int i = 0; i < regionOf.Length; i++) area[regionOf[i]] += ends[i] - starts[i] + 1;
        return new SourceRegions(starts, ends, first, regionOf, count, area, w);
    }

    /// <summary>Rows per parallel work item of the run search.</summary>
    private const int ChunkRows = 64;
}
