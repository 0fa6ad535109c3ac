using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.IO;

/// <summary>
/// Files reached through symbolic links read as the files themselves. The reader took the
/// length from FileInfo, which describes the link (its target's path, a few dozen bytes),
/// so every linked PNG, TIFF, JPEG, PFM, CImg or XISF failed as "truncated or corrupt":
/// found when the training script linked Stellarium's pictures into its source folder.
/// </summary>
public class LinkedFileTests : TempFolderTest
{
    [TestCase("png", 3, SampleFormat.UInt16)]
    [TestCase("tif", 1, SampleFormat.Float32)]
    [TestCase("jpg", 3, SampleFormat.UInt8)]
    [TestCase("fits", 1, SampleFormat.UInt16)]
    [TestCase("pfm", 3, SampleFormat.Float32)]
    [TestCase("cimg", 1, SampleFormat.Float32)]
    [TestCase("xisf", 3, SampleFormat.UInt16)]
    public void AnImageReadThroughALinkIsTheImageItself(string ext, int channels, SampleFormat format)
    {
        Directory.CreateDirectory(Path.Combine(Dir, "pictures"));
        Directory.CreateDirectory(Path.Combine(Dir, "links"));
        string target = Path.Combine(Dir, "pictures", "field." + ext);
        ImageFile.Write(target, TestImages.Random(67, 45, channels, format));
        string link = Path.Combine(Dir, "links", "x." + ext); // a link far shorter than the file
        File.CreateSymbolicLink(link, target);
        string chain = Path.Combine(Dir, "chain." + ext);    // a link to a link
        File.CreateSymbolicLink(chain, link);
        Assert.That(new FileInfo(link).Length, Is.LessThan(new FileInfo(target).Length), "the case that failed: the link's own size is smaller");

        var direct = ImageFile.Read(target);
        foreach (var path in new[] { link, chain })
        {
            var viaLink = ImageFile.Read(path);
            Assert.That((viaLink.Width, viaLink.Height, viaLink.Channels), Is.EqualTo((67, 45, channels)), path);
            Assert.That(viaLink.Data, Is.EqualTo(direct.Data), path);
            var header = ImageFile.ReadHeader(path);
            Assert.That((header.Width, header.Height, header.Channels), Is.EqualTo((67, 45, channels)), path);
        }
    }

    [Test]
    public void ADanglingLinkIsAMissingFile()
    {
        string link = Path.Combine(Dir, "gone.png");
        File.CreateSymbolicLink(link, Path.Combine(Dir, "nothing-here.png"));
        Assert.Throws<FileNotFoundException>(() => ImageFile.Read(link));
        Assert.Throws<FileNotFoundException>(() => ImageFile.ReadHeader(link));
    }
}
