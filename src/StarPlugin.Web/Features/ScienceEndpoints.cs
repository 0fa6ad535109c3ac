using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using StarPlugin.Evaluation;
using StarPlugin.Web.Hosting;
using StarPlugin.Web.Plots;
using StarPlugin.Web.Project;
using StarPlugin.Web.Storage;

namespace StarPlugin.Web.Features;

/// <summary>
/// The scientists' side (role "scientist" only; a volunteer gets 403): progress,
/// candidates by posterior with their vote histories (JSON or CSV), one subject in
/// full, volunteers' skills, reports, plots, and imports.
/// </summary>
public static class ScienceEndpoints
{
    public const long MaxUploadBytes = 512L << 20;

    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api").RequireAuthorization("scientist");

        g.MapGet("/progress", async (HttpContext c, LensFinderState s) =>
        {
            var p = await s.Store.ProgressAsync(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), c.RequestAborted);
            return Results.Json(new ProgressInfo(p.Subjects, p.Training, p.Unknown, p.Seen, p.RetiredLens, p.RetiredNotLens, p.Volunteers, p.ActiveVolunteers,
                p.Classifications, p.ClassificationsLastHour, p.PerHour.Select(h => new HourCount(h.HourMs, h.Count)).ToList(),
                s.Settings.Prior, s.Settings.RejectThreshold, s.Settings.DetectThreshold), LensJsonContext.Default.ProgressInfo);
        });

        g.MapGet("/candidates", async (HttpContext c, LensFinderState s, int? limit, int? offset, string? format, int? history) =>
        {
            int lim = Math.Clamp(limit ?? 100, 1, 100_000), off = Math.Max(0, offset ?? 0);
            var subjects = await s.Store.ListSubjectsAsync(Labels.Unknown, lim, off, c.RequestAborted);
            if (string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase))
            {
                var sb = new StringBuilder("rank,subject_id,key,file,posterior,votes,status\n");
                int rank = off;
                foreach (var x in subjects)
                    sb.Append(CultureInfo.InvariantCulture, $"{++rank},{x.Id},{Csv(x.Key)},{Csv(x.File)},{x.State.Posterior:R},{x.State.Votes},{Status(x.State.Status)}\n");
                c.Response.Headers.ContentDisposition = "attachment; filename=\"candidates.csv\"";
                return Results.Text(sb.ToString(), "text/csv; charset=utf-8");
            }
            Dictionary<long, List<VoteInfo>>? votes = null;
            if (history == 1 || string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
            {
                var names = (await s.Store.ListVolunteersAsync(c.RequestAborted)).ToDictionary(v => v.Id, v => v.Name);
                var wanted = subjects.Select(x => x.Id).ToHashSet();
                votes = (await s.Store.AllClassificationsAsync(c.RequestAborted)).Where(r => wanted.Contains(r.SubjectId))
                    .GroupBy(r => r.SubjectId).ToDictionary(k => k.Key, k => k.Select(r => Vote(r, names)).ToList());
                if (string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
                    c.Response.Headers.ContentDisposition = "attachment; filename=\"candidates.json\"";
            }
            var list = subjects.Select((x, i) => new Candidate(off + i + 1, x.Id, x.Key, x.State.Posterior, x.State.Votes, Status(x.State.Status),
                ClassifyEndpoints.ImageUrl(x.Id), votes == null ? null : votes.GetValueOrDefault(x.Id) ?? [])).ToList();
            return Results.Json(list, LensJsonContext.Default.ListCandidate);
        });

        g.MapGet("/subjects/{id:long}", async (HttpContext c, LensFinderState s, long id) =>
        {
            var x = await s.Store.GetSubjectAsync(id, c.RequestAborted);
            if (x == null) return Caller.Error(404, "no such subject");
            var names = (await s.Store.ListVolunteersAsync(c.RequestAborted)).ToDictionary(v => v.Id, v => v.Name);
            var votes = (await s.Store.SubjectVotesAsync(id, c.RequestAborted)).Select(r => Vote(r, names)).ToList();
            return Results.Json(new SubjectDetail(x.Id, x.Key, x.File, x.Truth, x.Category, x.State.Posterior, x.State.Votes, Status(x.State.Status),
                ClassifyEndpoints.ImageUrl(x.Id), x.ArcMask != null ? ClassifyEndpoints.ArcUrl(x.Id) : null, x.MockJson, votes), LensJsonContext.Default.SubjectDetail);
        });

        g.MapGet("/volunteers", async (HttpContext c, LensFinderState s) =>
            Results.Json((await s.Store.ListVolunteersAsync(c.RequestAborted)).Select(v => new VolunteerInfo(v.Id, v.Name, v.Guest, Caller.RoleName(v.Role), v.Classified,
                v.Agent.PLens, v.Agent.PNotLens, v.Agent.BitsPerDecision, v.Agent.TrainingVotes)).ToList(), LensJsonContext.Default.ListVolunteerInfo));

        g.MapGet("/reports", async (HttpContext c, LensFinderState s) =>
            Results.Json((await s.Store.ReportsAsync(500, c.RequestAborted)).Select(r => new ReportInfo(r.Id, r.VolunteerId, r.SubjectId, r.Comment, r.CreatedMs)).ToList(),
                LensJsonContext.Default.ListReportInfo));

        g.MapGet("/plots/skill.svg", async (HttpContext c, LensFinderState s) =>
        {
            var pts = (await s.Store.ListVolunteersAsync(c.RequestAborted)).Where(v => v.Agent.TrainingVotes > 0)
                .Select(v => (v.Agent.PLens, v.Agent.PNotLens, (double)v.Agent.TrainingVotes)).ToList();
            return Results.Text(SvgPlot.Scatter($"Volunteer skill ({pts.Count} with training votes)", "P(\"lens\" | lens)", "P(\"not\" | not)", pts), "image/svg+xml");
        });

        g.MapGet("/plots/posterior.svg", async (HttpContext c, LensFinderState s) =>
        {
            var all = await s.Store.ListSubjectsAsync(Labels.Unknown, 1_000_000, 0, c.RequestAborted);
            static double L(double p) => Math.Log10(Math.Max(p, 1e-12));
            var series = new List<(string, string, IReadOnlyList<double>)>
            {
                ("active", "#1f77b4", all.Where(x => x.State.Votes > 0 && x.State.Status == SubjectStatus.Active).Select(x => L(x.State.Posterior)).ToList()),
                ("retired: not a lens", "#aaaaaa", all.Where(x => x.State.Status == SubjectStatus.RetiredNotLens).Select(x => L(x.State.Posterior)).ToList()),
                ("retired: candidate", "#d62728", all.Where(x => x.State.Status == SubjectStatus.RetiredLens).Select(x => L(x.State.Posterior)).ToList()),
            };
            return Results.Text(SvgPlot.Histogram("Posterior of classified unknown images", "log10 P(lens)", "images", -12, 0, 24, series), "image/svg+xml");
        });

        g.MapPost("/import", async (HttpContext c, LensFinderState s) =>
        {
            if (c.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = MaxUploadBytes;
            if (!c.Request.HasFormContentType) return Caller.Error(400, "send multipart/form-data with a labels CSV and the files");
            var form = await c.Request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = MaxUploadBytes, ValueCountLimit = 100_000 }, c.RequestAborted);
            string? labels = form["labels"].FirstOrDefault();
            if (form.Files.GetFile("labels") is { } lf) { using var r = new StreamReader(lf.OpenReadStream()); labels = await r.ReadToEndAsync(c.RequestAborted); }
            if (string.IsNullOrWhiteSpace(labels)) return Caller.Error(400, "no labels CSV (field \"labels\")");
            int mocks = int.TryParse(form["mocks"].FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int m) ? m : 0;
            string upload = s.Folder.Resolve($"cache/upload-{Guid.NewGuid():N}");
            Directory.CreateDirectory(upload);
            try
            {
                foreach (var f in form.Files.Where(f => f.Name != "labels"))
                {
                    string name = Path.GetFileName(f.FileName);
                    if (name.Length == 0 || name.StartsWith('.') || name != f.FileName.Replace('\\', '/').Split('/').Last())
                        return Caller.Error(400, $"{f.FileName}: file names must be plain names");
                    string path = Path.Combine(upload, name);
                    if (File.Exists(path)) return Caller.Error(400, $"{name}: uploaded twice");
                    await using var o = File.Create(path);
                    await f.CopyToAsync(o, c.RequestAborted);
                }
                var result = await new ProjectImporter(s.Folder, s.Store).ImportAsync(upload, labels, mocks, Random.Shared.Next(), s.Settings, c.RequestAborted);
                s.TeachingCache = null;
                return Results.Json(new ImportInfo(result.Batch, result.Training, result.Unknown, result.Mocks, result.SubjectIds.Count), LensJsonContext.Default.ImportInfo, statusCode: 201);
            }
            catch (ImportException e) { return Caller.Error(400, e.Message); }
            finally { try { Directory.Delete(upload, recursive: true); } catch (IOException) { } }
        });
    }

    public static string Status(SubjectStatus s) => s switch { SubjectStatus.RetiredLens => "retired-lens", SubjectStatus.RetiredNotLens => "retired-not-lens", _ => "active" };

    private static VoteInfo Vote(ClassificationRow r, Dictionary<long, string?> names) =>
        new(r.Id, r.VolunteerId, names.GetValueOrDefault(r.VolunteerId) ?? $"guest-{r.VolunteerId}", r.Label, r.PosteriorAfter, r.CreatedMs, r.Hit);

    /// <summary>A CSV cell: quoted when it holds a comma or quote, and never starting like a spreadsheet formula.</summary>
    private static string Csv(string v)
    {
        if (v.Length > 0 && v[0] is '=' or '+' or '-' or '@') v = "'" + v;
        return v.Contains(',') || v.Contains('"') ? "\"" + v.Replace("\"", "\"\"") + "\"" : v;
    }
}
