using StarPlugin.IO.Png;

namespace StarPlugin.Tests.IO;

/// <summary>PNG's CRC-32 (slicing by eight) against Python's zlib.crc32, over every split of the tail.</summary>
public class PngCrcTests
{
    [Test]
    public void ChunkSumsEqualZlibsCrc32()
    {
        // The check value of the CRC-32 catalogue, then lengths round the 8-byte step and a
        // chunk-sized run, each split between type and body at an odd place.
        Assert.That(PngCrc.Compute("1234"u8, "56789"u8), Is.EqualTo(0xCBF43926u));
        var rng = new Random(3);
        var lengths = new[] { 0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 65_537 };
        var data = lengths.Select(n => { var b = new byte[n]; rng.NextBytes(b); return b; }).ToArray();
        string dir = Directory.CreateTempSubdirectory("sp-crc-").FullName;
        try
        {
            for (int k = 0; k < data.Length; k++) File.WriteAllBytes(Path.Combine(dir, $"{k}.bin"), data[k]);
            string sums = ExternalTools.Run(ExternalTools.Python, "-c",
                "import sys, zlib; print(' '.join(str(zlib.crc32(open(f'{sys.argv[1]}/{k}.bin', 'rb').read())) for k in range(int(sys.argv[2]))))",
                dir, data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var expected = sums.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(uint.Parse).ToArray();
            Assert.That(expected, Has.Length.EqualTo(data.Length));
            for (int k = 0; k < data.Length; k++)
            {
                int cut = Math.Min(data[k].Length, 3);
                Assert.That(PngCrc.Compute(data[k].AsSpan(0, cut), data[k].AsSpan(cut)), Is.EqualTo(expected[k]), $"{data[k].Length} bytes");
            }
        }
        finally { Directory.Delete(dir, true); }
    }
}
