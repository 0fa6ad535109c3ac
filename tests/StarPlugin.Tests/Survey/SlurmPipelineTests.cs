using StarPlugin.Tests.IO;
using StarPlugin.Tests.Lensing;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Survey;

/// <summary>
/// The survey pipeline (packaging/slurm/pipeline.sh) on a real single-node Slurm
/// (Debian slurm-wlm and munge, started by tests/slurm/cluster.sh as root, stopped after):
/// cutouts, mock lenses and lens scores as 4-task job arrays with merge steps, against the
/// same pipeline run as single processes. The merged results must be the same.
/// </summary>
[NonParallelizable]
public class SlurmPipelineTests
{
    [Test]
    public void JobArraysGiveTheSameCutoutsMocksAndScoresAsOneProcess()
    {
        ExternalTools.RequirePython("astropy", "numpy");
        foreach (var tool in new[] { "slurmctld", "slurmd", "sbatch", "squeue" }) ExternalTools.Require(tool, "slurm-wlm");
        ExternalTools.Require("munged", "munge");
        if (Environment.UserName != "root")
        {
            const string why = "the Slurm test starts slurmd, which needs root";
            if (Environment.GetEnvironmentVariable("STARPLUGIN_REQUIRE_HOSTS") == "1") Assert.Fail(why);
            Assert.Ignore(why);
        }
        string dir = Directory.CreateTempSubdirectory("slurm").FullName, cluster = Path.Combine(dir, "cluster");
        string bricks = Path.Combine(dir, "bricks");
        Directory.CreateDirectory(bricks);
        ExternalTools.Run(ExternalTools.Python, CutoutsTests.Script("make_bricks.py"), bricks, "33");
        string model = LensFinderTests.BlueSpotModel(33).Save(dir, "spot.onnx");
        // The CLI as jobs run it, with the lens-finder program beside it (step 4 builds the platform's project).
        string cli = Repo.Path_("artifacts", "bin", "starplugin");
        if (!File.Exists(cli) || !File.Exists(Repo.Path_("artifacts", "bin", "lensfinder", "StarPlugin.Web")))
        {
            const string why = "the pipeline runs the installed CLI and lens-finder program: build them with packaging/install.sh --build-only";
            if (Environment.GetEnvironmentVariable("STARPLUGIN_REQUIRE_NATIVE") == "1") Assert.Fail(why);
            Assert.Ignore(why);
        }
        var env = new Dictionary<string, string> { ["STARPLUGIN"] = cli, ["LENS_MODEL"] = model, ["MOCKS"] = "12", ["SEED"] = "5" };
        string pipeline = Repo.Path_("packaging", "slurm", "pipeline.sh");
        string[] images = [Path.Combine(bricks, "brick-g.fits"), Path.Combine(bricks, "brick-r.fits"), Path.Combine(bricks, "brick-z.fits")];

        var (code, output) = Repo.Run(pipeline, ["--local", Path.Combine(bricks, "catalog.csv"), Path.Combine(dir, "local"), "33", .. images], env: env, timeoutMs: 900_000);
        Assert.That(code, Is.EqualTo(0), output);

        try
        {
            (code, output) = Repo.Run(Repo.Path_("tests", "slurm", "cluster.sh"), ["start", cluster], timeoutMs: 120_000);
            Assert.That(code, Is.EqualTo(0), output);
            env["SLURM_CONF"] = Path.Combine(cluster, "slurm.conf");
            env["SBATCH_ARGS"] = $"--chdir={dir} --time=20";
            (code, output) = Repo.Run(pipeline, ["--tasks", "4", Path.Combine(bricks, "catalog.csv"), Path.Combine(dir, "slurm"), "33", .. images], env: env, timeoutMs: 120_000);
            Assert.That(code, Is.EqualTo(0), output);
            string last = output.Trim().Split('\n')[^1].Trim();
            Assert.That(last, Does.Match("^[0-9]+$"), output);
            // Wait for the chain's last job (the scores' merge) to leave the queue.
            var deadline = DateTime.UtcNow.AddMinutes(15);
            while (DateTime.UtcNow < deadline)
            {
                var (_, queue) = Repo.Run("squeue", ["-h", "-o", "%i %T %r"], env: env);
                if (queue.Trim().Length == 0) break;
                if (queue.Contains("DependencyNeverSatisfied")) Assert.Fail("a step failed:\n" + queue + Logs(dir));
                Thread.Sleep(2000);
            }
            Assert.That(File.Exists(Path.Combine(dir, "slurm", "scores.csv")), Is.True, "the scores' merge did not run:\n" + Logs(dir));
        }
        finally
        {
            Repo.Run(Repo.Path_("tests", "slurm", "cluster.sh"), ["stop", cluster]);
        }

        string L(string p) => Path.Combine(dir, "local", p);
        string S(string p) => Path.Combine(dir, "slurm", p);
        // Cutouts: the same manifest, outside list and cubes.
        Assert.That(File.ReadAllText(S("cutouts/manifest.csv")), Is.EqualTo(File.ReadAllText(L("cutouts/manifest.csv"))));
        Assert.That(File.ReadAllText(S("cutouts/outside.csv")), Is.EqualTo(File.ReadAllText(L("cutouts/outside.csv"))));
        var cubes = Directory.GetFiles(L("cutouts"), "*.fits");
        Assert.That(cubes, Has.Length.EqualTo(19));
        foreach (var f in cubes) Assert.That(File.ReadAllBytes(S("cutouts/" + Path.GetFileName(f))), Is.EqualTo(File.ReadAllBytes(f)), f);
        // Mocks: the same labelled manifest and images.
        Assert.That(File.ReadAllText(S("mocks/manifest.csv")), Is.EqualTo(File.ReadAllText(L("mocks/manifest.csv"))));
        foreach (var f in Directory.GetFiles(L("mocks"), "*.fits")) Assert.That(File.ReadAllBytes(S("mocks/" + Path.GetFileName(f))), Is.EqualTo(File.ReadAllBytes(f)), f);
        // Scores: the same score for every cutout and mock (paths differ by the run's folder).
        string[] IdScore(string path) => File.ReadAllLines(path).Skip(1).Select(l => l.Split(',')).Select(r => r[0] + "," + r[2]).ToArray();
        var local = IdScore(L("scores.csv"));
        Assert.That(local, Has.Length.EqualTo(19 + 12 + 12));
        Assert.That(IdScore(S("scores.csv")), Is.EqualTo(local));
        // The platform projects: the same images with the same labels, and the machine's votes the same consensus.
        Assert.That(Subjects(S("platform/lensfinder.db")), Is.EqualTo(Subjects(L("platform/lensfinder.db"))));
        Assert.That(Subjects(L("platform/lensfinder.db")), Has.Count.EqualTo(19 + 12 + 12));
    }

    private static List<string> Subjects(string db)
    {
        using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Mode=ReadOnly");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT key, truth, posterior, votes, status FROM subjects ORDER BY key";
        using var r = cmd.ExecuteReader();
        var rows = new List<string>();
        while (r.Read()) rows.Add($"{r.GetString(0)} {r.GetInt64(1)} {r.GetDouble(2):R} {r.GetInt64(3)} {r.GetInt64(4)}");
        return rows;
    }

    private static string Logs(string dir) => string.Join("\n", Directory.GetFiles(dir, "slurm-*.out").Select(f => $"--- {Path.GetFileName(f)}\n{File.ReadAllText(f)}"));
}
