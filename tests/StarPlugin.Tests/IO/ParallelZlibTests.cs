using StarPlugin.IO;

namespace StarPlugin.Tests.IO;

/// <summary>
/// The zlib stream that several threads deflate (PNG writing), checked by Python's zlib,
/// which verifies the Adler-32 of the whole and stops at the stream's end.
/// </summary>
public class ParallelZlibTests
{
    [Test]
    public void PartsOfEveryKindJoinIntoOneStreamThatZlibInflatesToTheData()
    {
        // Parts of random, repetitive, empty and one-byte data, over 5552 bytes (the Adler-32
        // block) and under: what one part's compressor leaves must not disturb the next. An
        // empty last part gave no final block (a compressor given nothing writes nothing).
        var rng = new Random(5);
        byte[] Part(int n, bool random)
        {
            var b = new byte[n];
            if (random) rng.NextBytes(b);
            else for (int i = 0; i < n; i++) b[i] = (byte)(i / 100);
            return b;
        }
        var cases = new List<byte[][]>
        {
            new[] { 70_001, 0, 1, 5552, 5553, 200_000, 3 }.Select((n, k) => Part(n, k % 2 == 0)).ToArray(),
            new[] { Part(5, true), Part(0, true) },
            new[] { Part(0, true) },
            new[] { Part(0, true), Part(0, true) },
        };
        string dir = Directory.CreateTempSubdirectory("sp-zlib").FullName;
        try
        {
            for (int k = 0; k < cases.Count; k++)
            {
                var parts = cases[k];
                var z = ParallelZlib.Compress(parts.Length, new System.IO.Compression.ZLibCompressionOptions { CompressionLevel = 3 },
                    (i, s) => { foreach (var chunk in parts[i].Chunk(4096)) s.Write(chunk); });
                string joined = Path.Combine(dir, $"joined{k}.z"), inflated = Path.Combine(dir, $"inflated{k}.bin");
                File.WriteAllBytes(joined, z);
                ExternalTools.Run(ExternalTools.Python, "-c",
                    "import sys, zlib; d = zlib.decompressobj(); out = d.decompress(open(sys.argv[1], 'rb').read()); " +
                    "assert d.eof and not d.unused_data, 'stream end'; open(sys.argv[2], 'wb').write(out)", joined, inflated);
                Assert.That(File.ReadAllBytes(inflated), Is.EqualTo(parts.SelectMany(p => p).ToArray()), $"case {k}");
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void CombinedAdlerSumsEqualTheSumOfTheWhole()
    {
        var rng = new Random(11);
        var data = new byte[300_000];
        rng.NextBytes(data);
        foreach (int cut in new[] { 0, 1, 5551, 5552, 65521, 65522, 150_000, 300_000 })
        {
            uint a = Adler32.Update(1, data.AsSpan(0, cut)), b = Adler32.Update(1, data.AsSpan(cut));
            Assert.That(Adler32.Combine(a, b, data.Length - cut), Is.EqualTo(Adler32.Update(1, data)), $"cut at {cut}");
        }
        // The published value of RFC 1950's example ("Wikipedia" → 0x11E60398).
        Assert.That(Adler32.Update(1, "Wikipedia"u8), Is.EqualTo(0x11E60398u));
    }
}
