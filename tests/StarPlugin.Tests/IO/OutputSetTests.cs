using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.IO;

/// <summary>
/// A removal's outputs (starless, stars, mask) are one set: before, a refusal or a full
/// disk on the second output left the first written, and the rerun refused to start.
/// </summary>
public sealed class OutputSetTests : TempFolderTest
{
    [Test]
    public void AValueTheSecondOutputCannotHoldWritesNoneOfTheSet()
    {
        var good = TestImages.Random(8, 8, 1, SampleFormat.UInt8);
        var bad = TestImages.Random(8, 8, 1, SampleFormat.UInt8);
        bad.Data[5] = 3f; // a star layer brighter than the 8-bit range
        string a = Path.Combine(Dir, "a_starless.png"), b = Path.Combine(Dir, "a_stars.png");
        var e = Assert.Throws<SampleRangeException>(() => ImageFile.WriteSet([(a, good), (b, bad)]))!;
        Assert.That(e.Message, Does.StartWith(b + ": "), "the refusal names the output it is about");
        Assert.That(Directory.GetFiles(Dir), Is.Empty, "neither output, no temporary");
    }

    [Test]
    public void AFailedSetLeavesTheFilesItWouldHaveReplacedAsTheyWere()
    {
        string a = Path.Combine(Dir, "a.tif"), b = Path.Combine(Dir, "b.tif");
        var before = TestImages.Random(8, 8, 1, SampleFormat.UInt16);
        ImageFile.Write(a, before);
        byte[] bytes = File.ReadAllBytes(a);
        var nan = TestImages.Random(8, 8, 1, SampleFormat.UInt16);
        nan.Data[0] = float.NaN;
        Assert.Throws<SampleRangeException>(() => ImageFile.WriteSet([(a, TestImages.Random(8, 8, 1, SampleFormat.UInt16)), (b, nan)],
            new WriteOptions { Overwrite = true }));
        Assert.That(File.ReadAllBytes(a), Is.EqualTo(bytes), "the first output was not replaced");
        Assert.That(Directory.GetFiles(Dir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "a.tif" }));
    }

    [Test]
    public void AFullDiskOnTheLastFileRemovesEveryTemporaryAndNamesThatFile()
    {
        string[] paths = ["x_starless.fits", "x_stars.fits", "x_mask.fits"];
        var files = paths.Select((name, i) => (Path.Combine(Dir, name), (Action<Stream>)(s =>
        {
            s.Write(new byte[70000]); // past the 64 KiB buffer: the temporary exists on disk
            if (i == 2) throw new IOException("No space left on device");
        }))).ToList();
        var e = Assert.Throws<IOException>(() => AtomicFile.WriteSet(files, overwrite: false))!;
        Assert.That(e.Message, Does.StartWith(Path.Combine(Dir, "x_mask.fits") + ": cannot write (no space left on the device"));
        Assert.That(Directory.GetFiles(Dir), Is.Empty);
    }

    [Test]
    public void AnExistingOutputWithoutOverwriteStopsTheSetBeforeAnyWrite()
    {
        string a = Path.Combine(Dir, "a.pfm"), b = Path.Combine(Dir, "b.pfm");
        File.WriteAllText(b, "theirs");
        bool wrote = false;
        Assert.Throws<IOException>(() => AtomicFile.WriteSet([(a, _ => wrote = true), (b, _ => wrote = true)], overwrite: false));
        Assert.That(wrote, Is.False);
        Assert.That(File.Exists(a), Is.False);
        Assert.That(File.ReadAllText(b), Is.EqualTo("theirs"));
        // One file named twice (two spellings): the second would silently replace the first.
        var e = Assert.Throws<ArgumentException>(() => AtomicFile.WriteSet([(a, _ => wrote = true), (Path.Combine(Dir, ".", "a.pfm"), _ => wrote = true)], overwrite: true))!;
        Assert.That(e.Message, Does.Contain("named twice"));
        Assert.That(wrote, Is.False);
    }
}
