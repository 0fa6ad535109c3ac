using StarPlugin.Imaging;
using StarPlugin.Inference;
using StarPlugin.IO;
using StarPlugin.Removal;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Removal;

/// <summary>
/// Keep-galaxies auto on real pictures with the shipped model: a star cluster is no galaxy
/// field (auto gave back 94 of M37's bright stars whole when the share of resolved light
/// alone decided), and the Hubble deep field is one (auto acts there as always).
/// </summary>
public class KeepGalaxiesRealPictureTests
{
    private StarRemover _remover = null!;

    [OneTimeSetUp]
    public void SetUp() => _remover = new StarRemover(Repo.Path_("models", "starless-v1.onnx"), new SessionOptions { Device = ExecutionDevice.Cpu });

    [OneTimeTearDown]
    public void TearDown() => _remover.Dispose();

    private AstroImage Run(AstroImage image, GalaxyMode mode) =>
        _remover.Remove(image, new RemovalOptions { KeepGalaxies = mode }).Starless;

    [Test]
    public void OnAStarClusterAutoIsNever()
    {
        var image = ImageFile.Read(Repo.Path_("tests", "StarPlugin.Tests", "Fixtures", "m37.png"));
        TestImages.AssertSamePixels(Run(image, GalaxyMode.Never), Run(image, GalaxyMode.Auto), tolerance: 0f);
    }

    [Test]
    public void OnTheHubbleDeepFieldAutoIsAlways()
    {
        var image = ImageFile.Read(Repo.Path_("examples", "hubble_deep_field.jpg"));
        var auto = Run(image, GalaxyMode.Auto);
        TestImages.AssertSamePixels(Run(image, GalaxyMode.Always), auto, tolerance: 0f);
        var never = Run(image, GalaxyMode.Never);
        int changed = 0;
        for (int i = 0; i < auto.Data.Length; i++) if (Math.Abs(auto.Data[i] - never.Data[i]) > 0.05f) changed++;
        Assert.That(changed, Is.GreaterThan(1000), "the stage gives galaxies back there");
    }
}
