using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Hosts;

/// <summary>
/// native/hosts/engine.c, the GIMP shims' one door to libstarplugin, through its C test
/// program: progress on the calling thread while the work runs, cancel, and failures
/// that keep the worker thread's message.
/// </summary>
public class HostEngineTests
{
    [Test]
    public void EngineAdapterPassesEveryCheck()
    {
        string dir = Path.GetDirectoryName(Repo.NativeLibrary())!;
        string exe = Path.Combine(Directory.CreateTempSubdirectory("sp-engine").FullName, "engine_test");
        var (_, glib) = Repo.Run("pkg-config", "--cflags --libs glib-2.0");
        var (cc, ccOut) = Repo.Run("gcc", $"-std=gnu11 -O1 -Wall -Wextra -Werror -o \"{exe}\" native/hosts/tests/engine_test.c native/hosts/engine.c native/hosts/filters.c " +
                                          $"-Inative/include -Inative/hosts {glib.Trim()} -L\"{dir}\" -lstarplugin -Wl,-rpath,\"{dir}\" -lm");
        Assert.That(cc, Is.EqualTo(0), ccOut);
        try
        {
            var (code, output) = Repo.Run(exe, "", env: new Dictionary<string, string> { ["STARPLUGIN_MODEL"] = Repo.Path_("models", "starless-v1.onnx") });
            TestContext.Out.WriteLine(output);
            Assert.That(code, Is.EqualTo(0), output);
            Assert.That(output, Does.Match(@"\d+ passed, 0 failed"));
        }
        finally { Directory.Delete(Path.GetDirectoryName(exe)!, true); }
    }
}
