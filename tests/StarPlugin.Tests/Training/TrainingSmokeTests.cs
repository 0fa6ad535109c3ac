using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Training;

/// <summary>CI runs the training script for two steps on streamed pairs: the pipeline from the C# synthesizer to a PyTorch update works.</summary>
public class TrainingSmokeTests
{
    /// <summary>Debian's python3-torch and the published CLI (the pair generator); CI requires them.</summary>
    private static void RequireTrainingTools()
    {
        bool torch = Repo.Run("/usr/bin/python3", "-c \"import torch, numpy\"").Code == 0;
        if (torch && File.Exists(Repo.Path_("artifacts", "bin", "starplugin"))) return;
        if (Environment.GetEnvironmentVariable("STARPLUGIN_REQUIRE_TRAINING") == "1") Assert.Fail("python3-torch or the published CLI is missing");
        Assert.Ignore("python3-torch or artifacts/bin/starplugin missing");
    }

    /// <summary>The training tools plus what the real-picture library is built with (sep, scipy, PIL).</summary>
    private static void RequireLibraryTools()
    {
        RequireTrainingTools();
        if (Repo.Run("/usr/bin/python3", "-c \"import sep, scipy, PIL\"").Code == 0) return;
        if (Environment.GetEnvironmentVariable("STARPLUGIN_REQUIRE_TRAINING") == "1") Assert.Fail("python3-sep, python3-scipy or python3-pil is missing");
        Assert.Ignore("python3-sep, python3-scipy or python3-pil missing");
    }

    [Test]
    public void TwoStepSmokeTrainingRuns()
    {
        RequireTrainingTools();
        var (code, output) = Repo.Run("/usr/bin/python3", "models/training/train.py --smoke --threads 1", env: new Dictionary<string, string> { ["TMPDIR"] = Path.GetTempPath() });
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("smoke training ok"));
        Assert.That(output, Does.Contain("484092 parameters"));
    }

    /// <summary>
    /// The cut to a narrower network (models/training/prune.py, the warm start of a cheaper
    /// one): to its own width the same network to the bit; where a quarter of every feature
    /// map is dead, the cut to base 12 keeps the live channels and computes what the wide
    /// network does (models/training/check_prune.py on the committed checkpoint).
    /// </summary>
    [Test]
    public void PruningKeepsTheLiveChannelsAndTheirWiring()
    {
        RequireTrainingTools();
        var (code, output) = Repo.Run("/usr/bin/python3", "models/training/check_prune.py");
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("prune ok"));
    }

    /// <summary>The narrower network's training: base 8, learning the committed network's star layer beside the pairs' (distillation).</summary>
    [Test]
    public void TwoStepSmokeTrainingOfANarrowerNetworkWithATeacherRuns()
    {
        RequireTrainingTools();
        var (code, output) = Repo.Run("/usr/bin/python3", "models/training/train.py --smoke --threads 1 --base 8 --teacher models/training/checkpoint.pt",
            env: new Dictionary<string, string> { ["TMPDIR"] = Path.GetTempPath() });
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Match(@"teacher models/training/checkpoint.pt \(step \d+, base 16\), distillation share 0.5"));
        Assert.That(output, Does.Contain("121860 parameters"));
        Assert.That(output, Does.Contain("smoke training ok"));
    }

    [Test]
    public void TrainerLearnsTheStarLayerOfTheStreamedPairs()
    {
        RequireTrainingTools();
        var (code, output) = Repo.Run("/usr/bin/python3", "models/training/check_pairs.py");
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("pairs ok"));
    }

    /// <summary>
    /// The real-picture library gives the catalogued galaxies back to the backgrounds the
    /// pipeline erased them from, keeps the stars in front of them out, and changes nothing
    /// else: models/training/realdata/check_galaxies.py on the Hubble deep field.
    /// </summary>
    [Test]
    public void LibraryGivesCataloguedGalaxiesBack()
    {
        RequireLibraryTools();
        var (code, output) = Repo.Run("/usr/bin/python3", "models/training/realdata/check_galaxies.py");
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("galaxies ok"));
    }

    /// <summary>
    /// The real-picture library fills the clipped stars the pipeline left whole (a
    /// background that keeps them teaches the network to keep them), from the sky of their
    /// rim, into the star layer, and nowhere else: models/training/realdata/check_clipped.py
    /// on the Hubble deep field's bright star.
    /// </summary>
    [Test]
    public void LibraryFillsClippedStarsThePipelineKept()
    {
        RequireLibraryTools();
        var (code, output) = Repo.Run("/usr/bin/python3", "models/training/realdata/check_clipped.py");
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("clipped ok"));
    }

    /// <summary>
    /// The trainer's enlarged real samples (oversampled pictures' wide stars): stars 1.5-3.5x
    /// the library's width, grain per pixel as strong as the picture's, and at share 0 the
    /// sample stream unchanged: models/training/realdata/check_enlarge.py.
    /// </summary>
    [Test]
    public void EnlargedRealSamplesHaveWideStarsAndGrainPerPixel()
    {
        RequireLibraryTools();
        var (code, output) = Repo.Run("/usr/bin/python3", "models/training/realdata/check_enlarge.py");
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("enlarge ok"));
    }
}
