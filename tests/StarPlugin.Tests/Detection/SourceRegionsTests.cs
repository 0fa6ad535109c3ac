using StarPlugin.Detection;

namespace StarPlugin.Tests.Detection;

public class SourceRegionsTests
{
    private const int W = 64, H = 48;

    private static void Box(float[] p, int x0, int y0, int x1, int y1)
    {
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++) p[y * W + x] = 1f;
    }

    [Test]
    public void RegionsAreEightConnectedAndMergeAcrossRows()
    {
        var p = new float[W * H];
        // Two squares that touch only at a corner: one region (8-connectivity).
        Box(p, 2, 2, 4, 4); Box(p, 5, 5, 7, 7);
        // A U whose arms start apart and join three rows down: one region, found only if
        // the union of the runs carries across rows.
        Box(p, 20, 10, 21, 20); Box(p, 30, 10, 31, 20); Box(p, 20, 21, 31, 22);
        // A lone block, and a pixel at the image's corner.
        Box(p, 50, 30, 55, 33); Box(p, 63, 47, 63, 47);
        var r = SourceRegions.Find(p, W, H, 3f, cell: 16);
        Assert.That(r.Count, Is.EqualTo(4));
        int corner = r.LabelAt(2, 2), u = r.LabelAt(20, 10), block = r.LabelAt(50, 30), last = r.LabelAt(63, 47);
        Assert.That(r.LabelAt(7, 7), Is.EqualTo(corner));
        Assert.That(r.LabelAt(31, 10), Is.EqualTo(u));
        Assert.That(new[] { corner, u, block, last }.Distinct().Count(), Is.EqualTo(4));
        Assert.That(r.Area[corner], Is.EqualTo(18));
        Assert.That(r.Area[u], Is.EqualTo(2 * 11 * 2 + 12 * 2));
        Assert.That(r.Area[block], Is.EqualTo(24));
        Assert.That(r.Area[last], Is.EqualTo(1));
        Assert.That(r.LabelAt(0, 0), Is.EqualTo(0), "sky is unlabelled");
        var row = new int[W];
        int labelled = 0;
        for (int y = 0; y < H; y++)
        {
            r.FillRow(y, row);
            for (int x = 0; x < W; x++)
            {
                Assert.That(row[x], Is.EqualTo(r.LabelAt(x, y)), $"row and pixel lookups agree at ({x}, {y})");
                if (row[x] > 0) labelled++;
            }
        }
        Assert.That(labelled, Is.EqualTo(r.Area.Sum()));
    }
    [Test]
    public void RegionsJoinAcrossTheParallelChunksOfRows()
    {
        // Runs are found in chunks of 64 rows: regions that span chunks, and two squares
        // touching only at a corner across a chunk's last and the next one's first row.
        const int w = 64, h = 200;
        var p = new float[w * h];
        void Fill(int x0, int y0, int x1, int y1) { for (int y = y0; y <= y1; y++) for (int x = x0; x <= x1; x++) p[y * w + x] = 1f; }
        Fill(10, 40, 11, 150); Fill(30, 40, 31, 150); Fill(10, 151, 31, 152); // a U over three chunks, joined at the bottom
        Fill(45, 60, 47, 63); Fill(48, 64, 50, 66);                           // corner contact between rows 63 and 64
        Fill(55, 127, 57, 129);                                                // a lone block across rows 127/128
        var r = SourceRegions.Find(p, w, h, 3f, cell: 16);
        Assert.That(r.Count, Is.EqualTo(3));
        int u = r.LabelAt(10, 40), corner = r.LabelAt(45, 60), block = r.LabelAt(55, 127);
        Assert.That(r.LabelAt(31, 40), Is.EqualTo(u), "the U's arms are one region");
        Assert.That(r.LabelAt(50, 66), Is.EqualTo(corner), "corner contact across the chunk boundary");
        Assert.That(r.LabelAt(57, 129), Is.EqualTo(block));
        Assert.That(r.Area[u], Is.EqualTo(2 * 2 * 111 + 22 * 2));
        Assert.That(r.Area[corner], Is.EqualTo(12 + 9));
        Assert.That(r.Area[block], Is.EqualTo(9));
        var row = new int[w];
        for (int y = 0; y < h; y++)
        {
            r.FillRow(y, row);
            for (int x = 0; x < w; x++) Assert.That(row[x], Is.EqualTo(p[y * w + x] > 0 ? r.LabelAt(x, y) : 0), $"({x}, {y})");
        }
        Assert.That(new[] { u, corner, block }.All(k => k > 0));
    }

    /// <summary>
    /// The runs are counted before any is stored: over the limit the segmentation gives
    /// nothing (and holds nothing); at the limit it gives what it gives without one. A
    /// field of isolated pixels can have a run for every other pixel: without a limit the
    /// runs would then take 1.5 planes' worth of memory.
    /// </summary>
    [Test]
    public void ARunLimitRefusesBeforeStoringAndOtherwiseChangesNothing()
    {
        var p = new float[W * H];
        for (int y = 0; y < H; y += 4)
            for (int x = 0; x < W; x += 4) p[y * W + x] = 1f; // isolated pixels (a sixteenth, so the sky stays 0): one run each
        int runs = (W / 4) * (H / 4);
        var rows = (BackgroundMesh.RowSource)((y, _) => p.AsSpan(y * W, W));
        var free = SourceRegions.Find(rows, W, H, 3f, cell: 16);
        Assert.That(free.Count, Is.EqualTo(runs));
        Assert.That(SourceRegions.Find(rows, W, H, 3f, maxRuns: runs - 1, cell: 16), Is.Null);
        var atLimit = SourceRegions.Find(rows, W, H, 3f, maxRuns: runs, cell: 16);
        Assert.That(atLimit, Is.Not.Null);
        Assert.That(atLimit!.Count, Is.EqualTo(free.Count));
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) Assert.That(atLimit.LabelAt(x, y), Is.EqualTo(free.LabelAt(x, y)));
    }
}
