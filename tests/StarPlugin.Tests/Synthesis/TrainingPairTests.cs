using NUnit.Framework;
using StarPlugin.Synthesis;

namespace StarPlugin.Tests.Synthesis;

public class TrainingPairTests
{
    /// <summary>The first of the seeds from 900,000,000 whose pair is a deep field with galaxies.</summary>
    private static int DeepFieldSeed()
    {
        for (int seed = 900_000_000; seed < 900_000_100; seed++)
            if (TrainingPairSynthesizer.Render(64, seed).Description.Contains(" deep", StringComparison.Ordinal)) return seed;
        throw new AssertionException("no deep field among 100 seeds (the synthesizer draws about one in three)");
    }

    [Test]
    public void SameSeedSamePairAndTheStarLayerIsInputMinusTarget()
    {
        var a = TrainingPairSynthesizer.Render(64, 4242);
        var b = TrainingPairSynthesizer.Render(64, 4242);
        Assert.That(a.Input.Data, Is.EqualTo(b.Input.Data));
        Assert.That(a.Target.Data, Is.EqualTo(b.Target.Data));
        for (int i = 0; i < a.Input.Data.Length; i++)
            Assert.That(a.StarLayer.Data[i], Is.EqualTo(a.Input.Data[i] - a.Target.Data[i]).Within(1e-6f));
    }

    [Test]
    public void WithoutGalaxiesOnlyTheGalaxyLightGoes()
    {
        int seed = DeepFieldSeed();
        var pair = TrainingPairSynthesizer.Render(96, seed);
        var bare = TrainingPairSynthesizer.Render(96, seed, withGalaxies: false);
        Assert.That(bare.Description, Is.EqualTo(pair.Description), "same draws: same stars, sky and domain");
        double light = 0; int same = 0, sameInput = 0;
        for (int i = 0; i < pair.Target.Data.Length; i++)
        {
            light += pair.Target.Data[i] - bare.Target.Data[i];
            if (pair.Target.Data[i] == bare.Target.Data[i])
            {
                same++;
                // Where no galaxy light falls, the input is the same too (same noise draws),
                // except where a galaxy's faint skirt changed the input's 8-bit rounding only.
                if (pair.Input.Data[i] == bare.Input.Data[i]) sameInput++;
            }
        }
        Assert.That(light, Is.GreaterThan(0), "a deep field has galaxies, which add light");
        Assert.That(same, Is.GreaterThan(0), "galaxies do not cover the whole frame");
        Assert.That(sameInput, Is.GreaterThanOrEqualTo(0.8 * same));
    }

    [Test]
    public void GalaxyMaskMarksTheGalaxiesLightAndNothingElse()
    {
        int seed = DeepFieldSeed();
        var pair = TrainingPairSynthesizer.Render(96, seed);
        var bare = TrainingPairSynthesizer.Render(96, seed, withGalaxies: false);
        int plane = 96 * 96, marked = 0, brighter = 0;
        Assert.That(pair.GalaxyMask, Has.Length.EqualTo(plane));
        for (int i = 0; i < plane; i++)
        {
            Assert.That(pair.GalaxyMask[i], Is.EqualTo(0f).Or.EqualTo(1f));
            if (pair.GalaxyMask[i] == 0) continue;
            marked++;
            // Marked pixels carry galaxy light: the target is brighter there than without galaxies.
            double d = 0;
            for (int c = 0; c < pair.Target.Channels; c++) d += pair.Target.Plane(c)[i] - bare.Target.Plane(c)[i];
            if (d > 0) brighter++;
        }
        Assert.That(marked, Is.InRange(1, plane - 1), "a deep field's galaxies cover part of the frame");
        Assert.That(brighter, Is.GreaterThanOrEqualTo(0.95 * marked));
        Assert.That(bare.GalaxyMask, Is.All.EqualTo(0f), "no galaxies, no mask");
    }

    [Test]
    public void ClumpyGalaxyIsPositiveAndCentredOnItsBody()
    {
        var plane = new float[64 * 64];
        GalaxyRenderer.Clumpy(plane, 64, 64, 32, 30, 4, 0.5, 0.3, 10, 1f, new Random(7));
        double sum = 0, sx = 0, sy = 0;
        for (int y = 0; y < 64; y++)
            for (int x = 0; x < 64; x++) { float v = plane[y * 64 + x]; Assert.That(v, Is.GreaterThanOrEqualTo(0)); sum += v; sx += v * x; sy += v * y; }
        Assert.That(sum, Is.GreaterThan(0));
        // Knots lie within 1.5 R_e along the major axis, so the light's centroid stays near the body.
        Assert.That(sx / sum, Is.EqualTo(32).Within(6));
        Assert.That(sy / sum, Is.EqualTo(30).Within(6));
    }

    [Test]
    public void PsfGivenWithThePairFollowsTheStarsWidth()
    {
        // Linear data: the remover's estimate should read the drawn FWHM back (lower
        // quartile of ±15 %: a little under it), and grow with it.
        var linear = new DomainTransform(DomainTransform.Kind.Linear, 1f, 0f, 1f, false);
        double Measure(float fwhm) => PsfCalibration.Measure(7, fwhm, 200, 5, 50000, Math.Log(50), Math.Log(50000 * 60.0), linear);
        double narrow = Measure(2f), wide = Measure(4f);
        Assert.That(narrow, Is.EqualTo(2.0).Within(0.4));
        Assert.That(wide, Is.EqualTo(4.0).Within(0.8));
        Assert.That(wide, Is.GreaterThan(1.5 * narrow));
        // Pairs carry it, the same for the same seed, and say it in their description.
        var pair = TrainingPairSynthesizer.Render(64, 4242);
        Assert.That(pair.PsfFwhm, Is.EqualTo(TrainingPairSynthesizer.Render(64, 4242).PsfFwhm));
        Assert.That(pair.PsfFwhm, Is.InRange(1f, 10f));
        Assert.That(pair.Description, Does.Contain($"psf={pair.PsfFwhm:F2}"));
    }

    [Test]
    public void AboutOneStarInEightHasACloseCompanion()
    {
        // Close doubles read as elongated sources broader than the PSF, like small galaxies;
        // the pairs must show the network enough of them (the PSF-aware network kept them).
        int stars = 0, doubles = 0;
        for (int seed = 5000; seed < 5012; seed++)
        {
            var d = TrainingPairSynthesizer.Render(64, seed).Description;
            stars += Field(d, "stars="); doubles += Field(d, "doubles=");
        }
        Assert.That(stars, Is.GreaterThan(50), "enough stars for the share to mean something");
        Assert.That(doubles / (double)stars, Is.EqualTo(TrainingPairSynthesizer.DoubleShare).Within(0.06));
    }

    private static int Field(string description, string key) =>
        int.Parse(description.Split(' ').Single(p => p.StartsWith(key, StringComparison.Ordinal))[key.Length..]);
}
