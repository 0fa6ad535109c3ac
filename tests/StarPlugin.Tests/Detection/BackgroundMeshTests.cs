using NUnit.Framework;
using StarPlugin.Detection;

namespace StarPlugin.Tests.Detection;

public class BackgroundMeshTests
{
    /// <summary>
    /// Map rows come from a per-thread cache of interpolated mesh rows. Several meshes and
    /// maps used in turn on one thread (as the detector's bands and the galaxy stage do)
    /// evict each other's rows: every row must still be its own mesh's, as At() (which
    /// reads the cells directly) gives it.
    /// </summary>
    [Test]
    public void RowsStayTheirMeshsWhenMeshesTakeTurnsOnOneThread()
    {
        const int w = 300, h = 256, cell = 32; // h a multiple of the cell: the last image row needs one mesh row
        var rng = new Random(5);
        var meshes = Enumerable.Range(0, 5).Select(k =>
        {
            var plane = new float[w * h];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    plane[y * w + x] = 100 * k + 0.3f * x * (k + 1) - 0.2f * y * k + MathF.Sin(x * 0.05f + k) * 20 * MathF.Cos(y * 0.07f) + (float)rng.NextDouble();
            return new BackgroundMesh(plane, w, h, cell);
        }).ToArray();
        var row = new float[w];
        // The worst case first: a map row whose upper mesh row is the oldest in the cache
        // and whose lower one is missing, so fetching the second evicts the oldest slot.
        // Mesh rows 3 and 4, then six other rows (three meshes, two each), then one more
        // (a last image row needs one mesh row), then mesh rows 4 and 5.
        int MapRow(int meshRow) => meshRow * cell + cell / 2 + 3; // between mesh rows meshRow and meshRow + 1
        meshes[0].FillRow(MapRow(3), row, noise: false);
        for (int k = 1; k <= 3; k++) meshes[k].FillRow(MapRow(1), row, noise: false);
        meshes[4].FillRow(h - 1, row, noise: false);
        meshes[0].FillRow(MapRow(4), row, noise: false);
        for (int x = 0; x < w; x++)
            Assert.That(row[x], Is.EqualTo(meshes[0].At(x, MapRow(4)).Level).Within(0.001).Percent, $"column {x} of a row whose first mesh row was the oldest cached");
        for (int pass = 0; pass < 2; pass++)
            for (int y = 0; y < h; y++)
                for (int k = 0; k < meshes.Length; k++)
                {
                    // The second pass walks the meshes and rows backwards, so cached rows go stale in another order.
                    var (m, yy) = pass == 0 ? (meshes[k], y) : (meshes[meshes.Length - 1 - k], h - 1 - y);
                    m.FillRow(yy, row, noise: true); // a noise row between, to stir the cache
                    m.FillRow(yy, row, noise: false);
                    for (int x = 0; x < w; x += 7)
                        Assert.That(row[x], Is.EqualTo(m.At(x, yy).Level).Within(0.001).Percent, $"mesh {Array.IndexOf(meshes, m)}, row {yy}, column {x}");
                    m.FillStructureRow(yy, row);
                    for (int x = 0; x < w; x += 7)
                        Assert.That(row[x], Is.EqualTo(m.At(x, yy).Structure).Within(0.001).Percent, $"structure: mesh {Array.IndexOf(meshes, m)}, row {yy}, column {x}");
                }
    }
}
