using System.Diagnostics;
using StarPlugin.Cli;
using StarPlugin.Cli.Hosting;
using StarPlugin.Evaluation;
using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Lensing;
using StarPlugin.Lensing.Display;
using StarPlugin.Web.Hosting;
using StarPlugin.Web.Project;
using StarPlugin.Web.Tests.Support;

namespace StarPlugin.Web.Tests.Engine;

/// <summary>The SWAP rules, the Lupton composite, arc regions from mock records, and the CLI around the platform.</summary>
[TestFixture]
public class EngineTests
{
    [Test]
    public void SwapUpdateFollowsBayesRuleAndRetires()
    {
        var s = new SwapSettings(0.2, 0.01, 0.9);
        var a = new AgentState(10, 9, 10, 8); // P_L = 10/12, P_D = 9/12
        double pl = 10.0 / 12, pd = 9.0 / 12;
        var up = SwapRules.Update(SubjectState.New(s), a, 1, s);
        Assert.That(up.Posterior, Is.EqualTo(pl * 0.2 / (pl * 0.2 + (1 - pd) * 0.8)).Within(1e-15));
        var down = SwapRules.Update(SubjectState.New(s), a, 0, s);
        Assert.That(down.Posterior, Is.EqualTo((1 - pl) * 0.2 / ((1 - pl) * 0.2 + pd * 0.8)).Within(1e-15));
        // A newcomer (0.5/0.5) moves nothing; a contrarian moves the other way.
        Assert.That(SwapRules.Update(SubjectState.New(s), default, 1, s).Posterior, Is.EqualTo(0.2).Within(1e-15));
        Assert.That(SwapRules.Update(SubjectState.New(s), new AgentState(10, 1, 10, 1), 1, s).Posterior, Is.LessThan(0.2));
        // Repeated "not" votes retire the image; after that votes count but the posterior stays.
        var st = SubjectState.New(s);
        while (st.Status == SubjectStatus.Active) st = SwapRules.Update(st, a, 0, s);
        Assert.That(st.Status, Is.EqualTo(SubjectStatus.RetiredNotLens));
        var later = SwapRules.Update(st, a, 1, s);
        Assert.That((later.Posterior, later.Votes), Is.EqualTo((st.Posterior, st.Votes + 1)));
        var lens = SubjectState.New(s);
        while (lens.Status == SubjectStatus.Active) lens = SwapRules.Update(lens, a, 1, s);
        Assert.That(lens.Status, Is.EqualTo(SubjectStatus.RetiredLens));
        Assert.Throws<ArgumentException>(() => new SwapSettings(0.2, 0.3, 0.9).Validate());
        Assert.Throws<ArgumentException>(() => new SwapSettings(1.5).Validate());
    }

    [Test]
    public void InformationPerDecisionIsZeroForGuessingAndOneForPerfect()
    {
        Assert.That(default(AgentState).BitsPerDecision, Is.EqualTo(0).Within(1e-12));
        Assert.That(new AgentState(1_000_000, 1_000_000, 1_000_000, 1_000_000).BitsPerDecision, Is.EqualTo(1).Within(1e-4));
        // A contrarian is as informative as an expert: the engine reads its answers backwards.
        Assert.That(new AgentState(100, 5, 100, 5).BitsPerDecision, Is.EqualTo(new AgentState(100, 95, 100, 95).BitsPerDecision).Within(1e-12));
    }

    [Test]
    public void LuptonCompositeKeepsColoursAndOrdersBands()
    {
        // A red (z-bright) and a blue (g-bright) source on a noisy sky.
        int w = 32, h = 32;
        var rng = new Random(1);
        float[] g = new float[w * h], r = new float[w * h], z = new float[w * h];
        for (int i = 0; i < g.Length; i++) { g[i] = (float)(0.005 * rng.NextGaussian()); r[i] = (float)(0.005 * rng.NextGaussian()); z[i] = (float)(0.005 * rng.NextGaussian()); }
        int red = 8 * w + 8, blue = 24 * w + 24;
        z[red] += 2; r[red] += 0.5f; g[red] += 0.1f;
        g[blue] += 2; r[blue] += 0.5f; z[blue] += 0.1f;
        var rgb = LuptonComposite.Compose(g, r, z, w, h);
        int n = w * h;
        Assert.That(rgb[red], Is.GreaterThan(rgb[2 * n + red] * 3), "z maps to red");
        Assert.That(rgb[2 * n + blue], Is.GreaterThan(rgb[blue] * 3), "g maps to blue");
        Assert.That(rgb.All(v => v >= 0 && v <= 1), Is.True);
        // Saturated pixels are scaled as a whole: the brightest channel is 1 and the ratio of the others is kept.
        Assert.That(Math.Max(rgb[red], Math.Max(rgb[n + red], rgb[2 * n + red])), Is.EqualTo(1).Within(1e-6));
        Assert.That(rgb[n + red] / rgb[red], Is.EqualTo((0.5 * 3.4 + 0.03) / (2 * 2.2 + 0.03)).Within(0.02));
        // Sky stays dark, and a NaN pixel does not poison its neighbours.
        z[0] = float.NaN;
        var again = LuptonComposite.Compose(g, r, z, w, h);
        Assert.That(again[0], Is.EqualTo(0)); Assert.That(again[1], Is.LessThan(0.3));
    }

    [Test]
    public void ArcRegionFromAMockRecordWrittenByTheCli()
    {
        // The CLI's mock-lens writes the image and OUT.json; the platform reads that record.
        string dir = TestData.TempDir("arc");
        string input = Path.Combine(dir, "in.png"), output = Path.Combine(dir, "mock.png");
        ImageFile.Write(input, TestData.Cutout(64, 3), new WriteOptions { Depth = StarPlugin.Imaging.SampleFormat.UInt8 });
        var outw = new StringWriter(); var errw = new StringWriter();
        int code = StarPlugin.Cli.Program.Run(["mock-lens", input, output, "--theta-e", "12", "--q", "1", "--center", "32,32", "--source-offset", "0.5,0", "--arc-snr", "40"], new CliContext(outw, errw, false));
        Assert.That(code, Is.EqualTo(0), errw.ToString());
        var record = MockRecordJson.Parse(File.ReadAllText(output + ".json"));
        Assert.That((record.EinsteinRadiusPx, record.CenterX, record.CenterY), Is.EqualTo((12.0, 32.0, 32.0)));
        var region = ArcRegion.FromRecord(record, 64, 64);
        // A near-Einstein ring: on the ring at radius 12, not at the centre or in the corners.
        Assert.That(region.Contains(32 + 12, 32) || region.Contains(32 - 12, 32), Is.True);
        Assert.That(region.Contains(32, 32), Is.False);
        Assert.That(region.Hit(0, 0), Is.False);
        var back = ArcRegion.Unpack(64, 64, region.Pack());
        Assert.That(back.Area, Is.EqualTo(region.Area));
        // And the arc is where the pixels brightened: the mock minus the input is largest inside the region.
        var a = ImageFile.Read(input); var b = ImageFile.Read(output);
        double inside = 0, outside = 0; int ni = 0, no = 0;
        for (int y = 0; y < 64; y++)
            for (int x = 0; x < 64; x++)
            {
                double d = b[0, y, x] - a[0, y, x];
                if (region.Contains(x, y)) { inside += d; ni++; } else { outside += d; no++; }
            }
        Assert.That(inside / ni, Is.GreaterThan(10 * Math.Abs(outside / no)));
        Assert.Throws<FormatException>(() => MockRecordJson.Parse("{\"einstein_radius_px\": 3}"));
        Assert.Throws<FormatException>(() => MockRecordJson.Parse("not json"));
        Directory.Delete(dir, true);
    }

    [Test]
    public void HelpNamesTheCommandUsersType()
    {
        var o = new StringWriter();
        int code = StarPlugin.Web.Program.Run(["--help"], new CliContext(o, new StringWriter(), false));
        Assert.That(code, Is.EqualTo(0));
        Assert.That(o.ToString(), Does.Contain("starplugin lensfinder [command]").And.Contain("import-scores"));
        Assert.That(o.ToString(), Does.Not.Contain(System.CommandLine.RootCommand.ExecutableName + " "));
        o = new StringWriter();
        Assert.That(StarPlugin.Web.Program.Run(["import", "--help"], new CliContext(o, new StringWriter(), false)), Is.EqualTo(0));
        Assert.That(o.ToString(), Does.Contain("starplugin lensfinder import <folder>"));
    }

    [Test]
    public async Task CliImportsAndRescoresAProject()
    {
        string data = TestData.TempDir("cli"), src = TestData.TempDir("clisrc");
        var (dir, labels) = TestData.Folder(src, 6);
        File.WriteAllText(Path.Combine(src, "labels.csv"), labels);
        var o = new StringWriter(); var e = new StringWriter();
        int code = StarPlugin.Web.Program.Run(["import", dir, "--labels", Path.Combine(src, "labels.csv"), "--mocks", "2", "--data", data], new CliContext(o, e, false));
        Assert.That(code, Is.EqualTo(0), e.ToString());
        Assert.That(o.ToString(), Does.Contain("5 training images (2 new mocks), 3 unknown"));
        // A bad file: exit code 2, one line naming it, and the project unchanged.
        File.WriteAllBytes(Path.Combine(src, "c000.png"), [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 0, 0]);
        File.WriteAllText(Path.Combine(src, "bad.csv"), "file,label,id\nc000.png,0,again\n");
        e = new StringWriter();
        code = StarPlugin.Web.Program.Run(["import", dir, "--labels", Path.Combine(src, "bad.csv"), "--data", data], new CliContext(new StringWriter(), e, false));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(e.ToString(), Does.Contain("c000.png"));
        // Votes through the store, then `rescore` finds the online numbers identical, and --write applies a new prior.
        await using (var state = await LensFinderState.OpenAsync(new LensFinderOptions { DataDir = data }))
        {
            Assert.That((await state.Store.ListSubjectsAsync(null, 100, 0)).Count, Is.EqualTo(8));
            var subjects = await state.Store.ListSubjectsAsync(null, 100, 0);
            var v = await state.Store.CreateVolunteerAsync(null, null, StarPlugin.Web.Storage.Role.Volunteer, true);
            foreach (var s in subjects) await state.Store.ClassifyAsync(new StarPlugin.Web.Storage.NewClassification(v.Id, s.Id, s.Truth == 1 ? 1 : 0, null, null, null, 1), state.Settings);
        }
        o = new StringWriter();
        code = StarPlugin.Web.Program.Run(["rescore", "--data", data, "--json"], new CliContext(o, new StringWriter(), false));
        Assert.That(code, Is.EqualTo(0));
        Assert.That(o.ToString(), Does.Contain("\"subjects_differing\": 0").And.Contain("\"classifications\": 8"));
        o = new StringWriter();
        code = StarPlugin.Web.Program.Run(["rescore", "--data", data, "--prior", "0.3", "--write"], new CliContext(o, new StringWriter(), false));
        Assert.That(code, Is.EqualTo(0), o.ToString());
        Assert.That(o.ToString(), Does.Contain("3 images and 0 volunteers differ"));
        o = new StringWriter();
        StarPlugin.Web.Program.Run(["rescore", "--data", data], new CliContext(o, new StringWriter(), false));
        Assert.That(o.ToString(), Does.Contain("identical"));
        Assert.That(StarPlugin.Web.Program.Run(["rescore", "--data", data, "--prior", "2"], new CliContext(new StringWriter(), new StringWriter(), false)), Is.EqualTo(ExitCodes.Usage));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(data, true); Directory.Delete(src, true);
    }

    /// <summary>
    /// The NativeAOT command line has no ASP.NET Core: `starplugin lensfinder ...` starts the
    /// lens-finder program (here the one this build made) with the rest of the line, and
    /// returns its exit code and output; without the program it says how to get it.
    /// </summary>
    [Test, NonParallelizable]
    public async Task CliHandsLensfinderToTheWebProgram()
    {
        string apphost = Path.Combine(Path.GetDirectoryName(ServerProcess.ServerDll())!, OperatingSystem.IsWindows() ? "StarPlugin.Web.exe" : "StarPlugin.Web");
        Assert.That(File.Exists(apphost), Is.True, apphost);
        string data = TestData.TempDir("forward");
        string? before = Environment.GetEnvironmentVariable(StarPlugin.Cli.Commands.LensFinderCommand.ProgramVariable);
        try
        {
            Environment.SetEnvironmentVariable(StarPlugin.Cli.Commands.LensFinderCommand.ProgramVariable, apphost);
            var o = new StringWriter(); var e = new StringWriter();
            int code = StarPlugin.Cli.Program.Run(["lensfinder", "user", "alice", "--scientist", "--data", data], new CliContext(o, e, false));
            Assert.That(code, Is.EqualTo(0), e.ToString());
            Assert.That(o.ToString(), Does.StartWith("alice (scientist): password "));
            await using (var state = await LensFinderState.OpenAsync(new LensFinderOptions { DataDir = data }))
                Assert.That((await state.Store.FindVolunteerAsync("alice"))?.Role, Is.EqualTo(StarPlugin.Web.Storage.Role.Scientist));
            // The program's usage error comes back as the CLI's.
            e = new StringWriter();
            code = StarPlugin.Cli.Program.Run(["lensfinder", "rescore", "--data", data, "--prior", "2"], new CliContext(new StringWriter(), e, false));
            Assert.That(code, Is.EqualTo(ExitCodes.Usage), e.ToString());
            Assert.That(e.ToString(), Does.Contain("starplugin: "));

            Environment.SetEnvironmentVariable(StarPlugin.Cli.Commands.LensFinderCommand.ProgramVariable, Path.Combine(data, "no-such-program"));
            e = new StringWriter();
            code = StarPlugin.Cli.Program.Run(["lensfinder", "demo"], new CliContext(new StringWriter(), e, false));
            Assert.That(code, Is.EqualTo(ExitCodes.ProcessingError));
            Assert.That(e.ToString(), Does.Contain("not installed").And.Contain("packaging/install.sh"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(StarPlugin.Cli.Commands.LensFinderCommand.ProgramVariable, before);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, true);
        }
    }
}
