using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Stretching;
using StarPlugin.Synthesis;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Hosts;

/// <summary>
/// A private GIMP/G'MIC profile with StarPlugin installed by packaging/install.sh, a
/// deterministic test model (stars = relu(x − 0.6)), and test images. The real hosts
/// run headless against it. test.sh sets STARPLUGIN_REQUIRE_HOSTS=1 (CI installs GIMP
/// and G'MIC); elsewhere the host tests are skipped when the hosts are missing.
/// </summary>
internal sealed class HostFixture : IDisposable
{
    public string Dir { get; }
    public string Home => Path.Combine(Dir, "home");
    public string Prefix => Path.Combine(Home, ".local");
    public string Model { get; }
    public Dictionary<string, string> Env { get; }

    public HostFixture()
    {
        Repo.NativeLibrary();
        foreach (var tool in new[] { "gimp-console-2.10", "gmic" })
            if (!OnPath(tool))
            {
                if (Environment.GetEnvironmentVariable("STARPLUGIN_REQUIRE_HOSTS") == "1") Assert.Fail($"{tool} is not installed");
                Assert.Ignore($"{tool} is not installed (STARPLUGIN_FULL_DEPS=1 tools/apt-deps.sh)");
            }
        // The command line: a JIT build (starplugin.dll) or a native executable.
        if (!File.Exists(Repo.Path_("artifacts", "gimp", "starplugin", "starplugin")) ||
            !(File.Exists(Repo.Path_("artifacts", "bin", "starplugin.dll")) || File.Exists(Repo.Path_("artifacts", "bin", "starplugin"))))
            Assert.Fail("host shims not built: run ./test.sh (it runs packaging/install.sh --build-only)");
        Dir = Directory.CreateTempSubdirectory("sp-hosts").FullName;
        Directory.CreateDirectory(Path.Combine(Home, "gimp2", "gradients"));
        Directory.CreateDirectory(Path.Combine(Dir, "tmp"));
        Model = TestModels.Threshold().Save(Dir, "threshold.onnx");
        Env = new Dictionary<string, string>
        {
            ["HOME"] = Home, ["XDG_CACHE_HOME"] = Path.Combine(Home, ".cache"), ["XDG_CONFIG_HOME"] = Path.Combine(Home, ".config"),
            ["XDG_DATA_HOME"] = Path.Combine(Home, ".local", "share"), ["GIMP2_DIRECTORY"] = Path.Combine(Home, "gimp2"),
            ["STARPLUGIN_MODEL"] = Model, ["TMPDIR"] = Path.Combine(Dir, "tmp"),
        };
        var (code, output) = Repo.Run("bash", $"packaging/install.sh --no-build --prefix \"{Prefix}\"", env: Env);
        Assert.That(code, Is.EqualTo(0), output);

        // A stretched 8-bit star field, as a user would open in GIMP.
        WriteStretched("field.png", new StarFieldOptions { Width = 96, Height = 96, StarCount = 25, Seed = 9, FluxMin = 5000, Background = new NebulaBackground { NebulaAmplitude = 500 } });
        // An oversampled one (stars 5 to 6 px wide, a long focal length on small pixels),
        // large enough to bin 2x2 (the library bins nothing below 64 px a side).
        WriteStretched("oversampled.png", new StarFieldOptions { Width = 160, Height = 160, StarCount = 30, Seed = 4, FluxMin = 20000, FwhmMin = 5, FwhmMax = 6, Background = new NebulaBackground { NebulaAmplitude = 500 } });
        // A cutout with a central galaxy for the mock lens.
        var cut = new AstroImage(64, 64, 3);
        var rng = new Random(1);
        for (int i = 0; i < cut.Data.Length; i++) cut.Data[i] = 0.1f + 0.01f * (float)rng.NextDouble();
        for (int c = 0; c < 3; c++) GalaxyRenderer.Sersic(cut.Plane(c), 64, 64, 32, 32, 3, 3, 0.8, 0.3, 0.3);
        System.Numerics.Tensors.TensorPrimitives.Min(cut.Data, 1f, cut.Data); // the galaxy's core saturates the 8-bit picture, as the writer used to clip it
        ImageFile.Write(Path.Combine(Dir, "cutout.png"), cut, new WriteOptions { Depth = SampleFormat.UInt8 });
    }

    /// <summary>A synthetic star field, stretched, written as 8-bit RGB (three equal channels).</summary>
    private void WriteStretched(string name, StarFieldOptions options)
    {
        var img = StarFieldSynthesizer.Render(options).Image.Clone();
        var s = MtfStretch.Auto(img.Plane(0), 1f, 0.2f);
        s.Apply(img.Plane(0));
        System.Numerics.Tensors.TensorPrimitives.Max(img.Plane(0), 0f, img.Plane(0)); System.Numerics.Tensors.TensorPrimitives.Min(img.Plane(0), 1f, img.Plane(0)); // an 8-bit picture holds [0, 1]; writers no longer clip
        var rgb = new AstroImage(img.Width, img.Height, 3);
        for (int c = 0; c < 3; c++) img.Plane(0).CopyTo(rgb.Plane(c));
        ImageFile.Write(Path.Combine(Dir, name), rgb, new WriteOptions { Depth = SampleFormat.UInt8 });
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));

    public AstroImage Read(string name) => ImageFile.Read(Path.Combine(Dir, name));

    /// <summary>The installed command line (the one the G'MIC commands call), run in Dir.</summary>
    public (int Code, string Output) Cli(params string[] args) =>
        Repo.Run(Path.Combine(Prefix, "bin", "starplugin"), args, workDir: Dir, env: Env);

    public void Dispose() { try { Directory.Delete(Dir, true); } catch (IOException) { } }
}
