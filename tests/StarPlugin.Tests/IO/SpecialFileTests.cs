using StarPlugin.IO;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.IO;

/// <summary>
/// Paths that are not image files: a named pipe (opening one for reading waited for a
/// writer forever, and SIGTERM could not end the wait), a device, a folder. Each is a
/// clear input error at once, before anything is opened.
/// </summary>
public class SpecialFileTests : TempFolderTest
{
    [Test]
    public void ANamedPipeIsRefusedWithoutWaitingForAWriter()
    {
        string fifo = Path.Combine(Dir, "pipe.png");
        Assert.That(Repo.Run("mkfifo", [fifo]).Code, Is.EqualTo(0), "mkfifo");
        string link = Path.Combine(Dir, "link.fits");
        File.CreateSymbolicLink(link, fifo);
        // A relative link reached through a linked folder: "../pipe.png" is relative to where
        // the folder link points, not to the text of the path (a reviewer's case that hung).
        Directory.CreateDirectory(Path.Combine(Dir, "a"));
        Directory.CreateDirectory(Path.Combine(Dir, "b", "c"));
        File.Move(fifo, Path.Combine(Dir, "b", "pipe.png"));
        fifo = Path.Combine(Dir, "b", "pipe.png");
        File.Delete(link);
        File.CreateSymbolicLink(link, fifo);
        File.CreateSymbolicLink(Path.Combine(Dir, "a", "folder"), "../b/c");
        File.CreateSymbolicLink(Path.Combine(Dir, "b", "c", "x.png"), "../pipe.png");
        string indirect = Path.Combine(Dir, "a", "folder", "x.png");
        foreach (var path in new[] { fifo, link, indirect })
            foreach (var read in new Action<string>[] { p => ImageFile.Read(p), p => ImageFile.ReadHeader(p) })
            {
                var attempt = Task.Run(() => { try { read(path); return null; } catch (Exception e) { return e; } });
                bool done = attempt.Wait(TimeSpan.FromSeconds(20));
                if (!done) using (File.OpenWrite(fifo)) { } // let the blocked open return before failing
                Assert.That(done, Is.True, $"{path}: still waiting for a writer");
                Assert.That(attempt.Result, Is.TypeOf<ImageFormatException>(), path);
                Assert.That(attempt.Result!.Message, Does.Contain("not a regular file"), path);
            }
    }

    [Test]
    public void ADeviceAndAFolderAreNotImages()
    {
        var device = Assert.Throws<ImageFormatException>(() => ImageFile.Read("/dev/zero"));
        Assert.That(device!.Message, Does.Contain("not a regular file"));
        var folder = Assert.Throws<ImageFormatException>(() => ImageFile.Read(Dir));
        Assert.That(folder!.Message, Does.Contain("is a folder"));
        Assert.Throws<ImageFormatException>(() => ImageFile.ReadHeader(Dir));
    }
}
