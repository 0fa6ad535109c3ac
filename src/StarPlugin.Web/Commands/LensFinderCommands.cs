using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using StarPlugin.Cli.Hosting;
using StarPlugin.Evaluation;
using StarPlugin.Web.Features;
using StarPlugin.Web.Hosting;
using StarPlugin.Web.Project;
using StarPlugin.Web.Storage;

namespace StarPlugin.Web.Commands;

/// <summary>
/// `starplugin lensfinder serve|demo|import|import-scores|rescore|user`: the lens-finding web platform
/// and its offline tools, on a project folder (SQLite beside the data) or PostgreSQL.
/// They run in this program (ASP.NET Core, so not in the NativeAOT command line, which
/// starts this one for `starplugin lensfinder`); the CLI's hosting (exit codes, errors)
/// is shared.
/// </summary>
public static class LensFinderCommands
{
    /// <summary>The subcommands' names: what this program's Main takes as a command line rather than server settings.</summary>
    public static readonly string[] Names = ["serve", "demo", "import", "import-scores", "rescore", "user"];

    private const string DefaultUrls = "http://127.0.0.1:5000";

    private sealed class ProjectOptions
    {
        public Option<string> Data { get; } = new("--data") { Description = "Project folder (images, cache, SQLite database)", DefaultValueFactory = _ => "lensfinder-project" };
        public Option<string> Postgres { get; } = new("--postgres") { Description = "PostgreSQL connection string (the folder still holds the images)" };
        public void AddTo(Command c) { c.Add(Data); c.Add(Postgres); }
        public LensFinderOptions Read(ParseResult p, SwapSettings? swap = null) => new()
        {
            DataDir = p.GetValue(Data)!, Postgres = p.GetValue(Postgres), Swap = swap ?? new SwapSettings(),
        };
    }

    public static RootCommand CreateRoot(CliContext ctx)
    {
        var root = new RootCommand("starplugin lensfinder: the lens-finding platform. Volunteers classify cutouts on the web; skill-weighted consensus ranks the lenses");
        root.Add(Serve(ctx, demo: false));
        root.Add(Serve(ctx, demo: true));
        root.Add(Import(ctx));
        root.Add(ImportScores(ctx));
        root.Add(Rescore(ctx));
        root.Add(User(ctx));
        return root;
    }

    private static Command Serve(CliContext ctx, bool demo)
    {
        var project = new ProjectOptions();
        var urls = new Option<string>("--urls") { Description = "Where to listen", DefaultValueFactory = _ => DefaultUrls };
        var keys = new Option<string>("--keys") { Description = "Cookie key folder (share it between servers on one database)" };
        var prior = new Option<double?>("--prior") { Description = "Prior P(lens) of an unknown image, for a new project (default 2e-4)" };
        var cmd = demo
            ? new Command("demo", "Build a demo project from bundled cutouts (with mocks) if the folder has none, and serve it")
            : new Command("serve", "Serve a project");
        project.AddTo(cmd);
        cmd.Add(urls); cmd.Add(keys); cmd.Add(prior);
        if (demo) project.Data.DefaultValueFactory = _ => "lensfinder-demo";
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            var o = project.Read(p);
            var config = new Dictionary<string, string?> { ["data"] = o.DataDir, ["postgres"] = o.Postgres, ["keys"] = p.GetValue(keys) };
            // The demo's unknown images are a few dozen, a quarter of them lenses: a survey's 2e-4 would retire nothing.
            double? pr = p.GetValue(prior) ?? (demo ? 0.05 : null);
            if (pr is { } v) config["prior"] = v.ToString("R", CultureInfo.InvariantCulture);
            if (demo) Prepare(ctx, o with { Swap = pr is { } d ? new SwapSettings(d) : new SwapSettings() });
            var app = LensFinderServer.Build([], b =>
            {
                b.Configuration.AddInMemoryCollection(config);
                b.WebHost.UseUrls(p.GetValue(urls)!);
            });
            ctx.Output.WriteLine($"Lens finder: project {Path.GetFullPath(o.DataDir)} ({(o.Postgres != null ? "PostgreSQL" : "SQLite")}) on {p.GetValue(urls)}  (Ctrl+C stops)");
            Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.RunAsync(app, ctx.Cancellation).GetAwaiter().GetResult();
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    /// <summary>Builds the demo project if the folder has none, and makes sure a scientist account exists.</summary>
    private static void Prepare(CliContext ctx, LensFinderOptions o)
    {
        var state = LensFinderState.OpenAsync(o).GetAwaiter().GetResult();
        try
        {
            if (state.Store.ListSubjectsAsync(null, 1, 0).GetAwaiter().GetResult().Count == 0)
            {
                ctx.Output.WriteLine("Building the demo project (bundled cutouts of the Hydra and Fornax clusters, mock arcs)...");
                var r = DemoProject.BuildAsync(state).GetAwaiter().GetResult();
                ctx.Output.WriteLine($"  {r.Training} training images ({r.Mocks} of them mocks), {r.Unknown} images to search");
            }
            if (state.Store.FindVolunteerAsync("scientist").GetAwaiter().GetResult() == null)
            {
                string password = Environment.GetEnvironmentVariable("STARPLUGIN_SCIENTIST_PASSWORD") ?? NewPassword();
                state.Store.CreateVolunteerAsync("scientist", AuthEndpoints.Hash(password), Role.Scientist, guest: false).GetAwaiter().GetResult();
                ctx.Output.WriteLine($"  scientist account: name scientist, password {password}");
            }
        }
        finally { state.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    private static string NewPassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('/', 'x').Replace('+', 'y');

    private static Command Import(CliContext ctx)
    {
        var project = new ProjectOptions();
        var folder = new Argument<string>("folder") { Description = "Folder of cutouts (PNG, JPEG, FITS)" };
        var labels = new Option<string>("--labels") { Description = "Labels CSV: file,label[,id][,category] (label 0 non-lens, 1 mock with FILE.json, -1 unknown)", Required = true };
        var mocks = new Option<int>("--mocks") { Description = "Mocks to make from the label-0 cutouts", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Seed for the mocks' parameters", DefaultValueFactory = _ => 1 };
        var cmd = new Command("import", "Import cutouts and their labels into a project (every file checked by the codecs first; all or nothing)") { folder, labels, mocks, seed };
        project.AddTo(cmd);
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            string labelsPath = p.GetValue(labels)!;
            if (!File.Exists(labelsPath)) throw new FileNotFoundException($"{labelsPath}: no such file", labelsPath);
            if (!Directory.Exists(p.GetValue(folder))) throw new DirectoryNotFoundException($"{p.GetValue(folder)}: no such folder");
            var state = LensFinderState.OpenAsync(project.Read(p)).GetAwaiter().GetResult();
            try
            {
                var r = new ProjectImporter(state.Folder, state.Store).ImportAsync(p.GetValue(folder)!, File.ReadAllText(labelsPath), p.GetValue(mocks), p.GetValue(seed), state.Settings, ctx.Cancellation).GetAwaiter().GetResult();
                ctx.Output.WriteLine($"imported batch {r.Batch}: {r.Training} training images ({r.Mocks} new mocks), {r.Unknown} unknown");
                return ExitCodes.Ok;
            }
            catch (ImportException e) { throw new InputException(e.Message); }
            finally { state.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        }));
        return cmd;
    }

    private static Command ImportScores(CliContext ctx)
    {
        var project = new ProjectOptions();
        var scores = new Argument<string>("scores") { Description = "Scores CSV from `starplugin lens score` (id,file,score; id = the subject's id)" };
        var agent = new Option<string>("--agent") { Description = "The machine's account name", DefaultValueFactory = _ => "machine:lensfinder-v1" };
        var threshold = new Option<double?>("--threshold") { Description = "Score above which the machine votes \"lens\" (default: the score 1 % of the project's scored non-lens training images exceed)" };
        var cmd = new Command("import-scores", "Import a machine classifier's scores as a voter: scored on the training images like a volunteer, its votes on the unknown ones enter the consensus with that skill") { scores, agent, threshold };
        project.AddTo(cmd);
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            string path = p.GetValue(scores)!;
            var (header, rows) = CsvTable.Read(path);
            int id = CsvTable.Column(path, header, "id"), sc = CsvTable.Column(path, header, "score");
            var map = new Dictionary<string, double>(StringComparer.Ordinal);
            for (int i = 0; i < rows.Count; i++)
            {
                double v = CsvTable.Number(path, rows[i], sc, i);
                if (v is < 0 or > 1) throw new InputException($"{path}: line {i + 2}: score {v} is not a probability");
                if (!map.TryAdd(rows[i][id], v)) throw new InputException($"{path}: line {i + 2}: id {rows[i][id]} appears twice");
            }
            if (p.GetValue(threshold) is double t && !(t >= 0 && t <= 1)) throw new UsageException("--threshold must be in [0, 1]");
            var state = LensFinderState.OpenAsync(project.Read(p)).GetAwaiter().GetResult();
            try
            {
                var r = new MachineVotes(state.Store).ImportAsync(p.GetValue(agent)!, map, p.GetValue(threshold), state.Settings, ctx.Cancellation).GetAwaiter().GetResult();
                ctx.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Agent}: threshold {r.Threshold:G4}; {r.TrainingVotes} votes on training images (P(\"lens\"|lens) {r.Skill.PLens:F3}, P(\"not\"|not) {r.Skill.PNotLens:F3}, {r.Skill.BitsPerDecision:F3} bits a decision), {r.UnknownVotes} on unknown images; {r.AlreadyVoted} voted before, {r.NotInProject} scores for images not in the project"));
                return ExitCodes.Ok;
            }
            finally { state.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        }));
        return cmd;
    }

    private static Command Rescore(CliContext ctx)
    {
        var project = new ProjectOptions();
        var prior = new Option<double?>("--prior") { Description = "New prior (default: the project's)" };
        var reject = new Option<double?>("--reject") { Description = "New threshold below which an image retires as not a lens" };
        var detect = new Option<double?>("--detect") { Description = "New threshold above which an image retires as a candidate" };
        var write = new Option<bool>("--write") { Description = "Store the recomputed scores (and new settings)" };
        var json = CommonOptions.Json();
        var cmd = new Command("rescore", "Recompute every score offline from the stored classifications (the SWAP engine of `eval crowd`) and compare with the online numbers") { prior, reject, detect, write, json };
        project.AddTo(cmd);
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            var state = LensFinderState.OpenAsync(project.Read(p)).GetAwaiter().GetResult();
            try
            {
                var s = state.Settings;
                s = new SwapSettings(p.GetValue(prior) ?? s.Prior, p.GetValue(reject) ?? s.RejectThreshold, p.GetValue(detect) ?? s.DetectThreshold);
                try { s.Validate(); } catch (ArgumentException e) { throw new UsageException(e.Message); }
                bool changed = s != state.Settings;
                if (changed && !p.GetValue(write)) ctx.Error.WriteLine("starplugin: note: new settings are only compared; add --write to store them");
                var r = Rescorer.RunAsync(state.Store, s, p.GetValue(write)).GetAwaiter().GetResult();
                if (p.GetValue(write) && changed) state.Store.SetSettingsAsync(s).GetAwaiter().GetResult();
                if (p.GetValue(json))
                    ctx.Output.WriteLine(JsonOut.Write(w =>
                    {
                        w.WriteStartObject();
                        w.WriteNumber("classifications", r.Classifications); w.WriteNumber("subjects", r.Subjects); w.WriteNumber("volunteers", r.Volunteers);
                        w.WriteNumber("subjects_differing", r.SubjectsDiffering); w.WriteNumber("volunteers_differing", r.VolunteersDiffering);
                        w.WriteNumber("max_posterior_difference", r.MaxPosteriorDifference); w.WriteBoolean("written", p.GetValue(write));
                        w.WriteNumber("prior", s.Prior); w.WriteNumber("reject_threshold", s.RejectThreshold); w.WriteNumber("detect_threshold", s.DetectThreshold);
                        w.WriteEndObject();
                    }));
                else
                    ctx.Output.WriteLine($"{r.Classifications} classifications replayed: {r.Subjects} unknown images, {r.Volunteers} volunteers; " +
                        (r.SubjectsDiffering == 0 && r.VolunteersDiffering == 0 ? "identical to the online scores"
                            : $"{r.SubjectsDiffering} images and {r.VolunteersDiffering} volunteers differ from the online scores (max |Δposterior| {r.MaxPosteriorDifference:G3})") +
                        (p.GetValue(write) ? "; written" : ""));
                return ExitCodes.Ok;
            }
            finally { state.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        }));
        return cmd;
    }

    private static Command User(CliContext ctx)
    {
        var project = new ProjectOptions();
        var name = new Argument<string>("name") { Description = "Account name" };
        var scientist = new Option<bool>("--scientist") { Description = "Give the account the scientist role" };
        var cmd = new Command("user", "Create an account; the password comes from STARPLUGIN_PASSWORD or is generated and printed") { name, scientist };
        project.AddTo(cmd);
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            if (AuthEndpoints.ValidateName(p.GetValue(name)) is { } bad) throw new UsageException(bad);
            string password = Environment.GetEnvironmentVariable("STARPLUGIN_PASSWORD") ?? NewPassword();
            if (password.Length < AuthEndpoints.MinPassword) throw new UsageException($"STARPLUGIN_PASSWORD needs {AuthEndpoints.MinPassword} characters or more");
            var state = LensFinderState.OpenAsync(project.Read(p)).GetAwaiter().GetResult();
            try
            {
                var role = p.GetValue(scientist) ? Role.Scientist : Role.Volunteer;
                try { state.Store.CreateVolunteerAsync(p.GetValue(name), AuthEndpoints.Hash(password), role, guest: false).GetAwaiter().GetResult(); }
                catch (DuplicateException e) { throw new UsageException(e.Message); }
                ctx.Output.WriteLine($"{p.GetValue(name)} ({Caller.RoleName(role)})" + (Environment.GetEnvironmentVariable("STARPLUGIN_PASSWORD") == null ? $": password {password}" : ""));
                return ExitCodes.Ok;
            }
            finally { state.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        }));
        return cmd;
    }
}
