using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using StarPlugin.Evaluation;
using StarPlugin.Lensing;
using StarPlugin.Web.Hosting;
using StarPlugin.Web.Storage;

namespace StarPlugin.Web.Features;

/// <summary>
/// The quick judge: the next subject (training images mixed in, often at first and less
/// with experience), classifications answered with feedback, images, arc outlines,
/// reports, and the teaching page's examples and practice round.
/// </summary>
public static class ClassifyEndpoints
{
    private static readonly string[] LookalikeCategories = ["spiral", "ring", "merger", "edge-on", "artefact"];

    public static string ImageUrl(long id) => $"/api/images/{id}";
    public static string ArcUrl(long id) => $"/api/images/{id}/arc";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/next", async (HttpContext c, LensFinderState s, long? exclude) =>
        {
            if (Caller.Id(c) is not long me) return Caller.Error(401, "sign in or start as a guest first");
            var v = await s.Store.GetVolunteerAsync(me, c.RequestAborted);
            if (v == null) return Caller.Error(401, "unknown volunteer");
            var teaching = await TeachingIdsAsync(s, c.RequestAborted);
            var rng = Random.Shared;
            bool training = rng.NextDouble() < s.Options.TrainingProbability(v.Classified);
            long? pick = null;
            if (training) pick = await PickTrainingAsync(s, me, rng, teaching, exclude, c.RequestAborted);
            pick ??= await PickUnknownAsync(s, me, rng, exclude, c.RequestAborted);
            if (!training) pick ??= await PickTrainingAsync(s, me, rng, teaching, exclude, c.RequestAborted);
            if (pick is not long id) return Results.NoContent();
            var subject = await s.FixedSubjectAsync(id, c.RequestAborted);
            return Results.Json(new NextSubject(id, ImageUrl(id), ImageUrl(id) + "?brighter=1", subject!.Width, subject.Height), LensJsonContext.Default.NextSubject);
        });

        app.MapPost("/api/classifications", async (HttpContext c, LensFinderState s, ClassificationRequest r) =>
        {
            if (Caller.Id(c) is not long me) return Caller.Error(401, "sign in or start as a guest first");
            if (r.Label is not (0 or 1)) return Caller.Error(400, "label must be 0 (not a lens) or 1 (lens)");
            var subject = await s.FixedSubjectAsync(r.SubjectId, c.RequestAborted);
            if (subject == null) return Caller.Error(404, "no such subject");
            if ((r.X is null) != (r.Y is null)) return Caller.Error(400, "give both x and y, or neither");
            if (r.X is double x && r.Y is double y && !(double.IsFinite(x) && double.IsFinite(y) && x >= 0 && y >= 0 && x < subject.Width && y < subject.Height))
                return Caller.Error(400, $"x and y must lie inside the {subject.Width}×{subject.Height} image");
            bool? hit = null;
            if (r.X is double hx && r.Y is double hy && subject.ArcMask != null)
                hit = ArcRegion.Unpack(subject.Width, subject.Height, subject.ArcMask).Hit(hx, hy);
            ClassifyOutcome o;
            try
            {
                o = await s.Store.ClassifyAsync(new NewClassification(me, r.SubjectId, r.Label.Value, r.X, r.Y, hit, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), s.Settings, c.RequestAborted);
            }
            catch (DuplicateException) { return Caller.Error(409, "you have classified this image already"); }
            catch (KeyNotFoundException e) { return Caller.Error(404, e.Message); }
            var skill = Skill(o.Agent);
            var fb = subject.IsTraining
                ? new Feedback(o.ClassificationId, true, subject.Truth, r.Label == subject.Truth, hit, subject.ArcMask != null ? ArcUrl(subject.Id) : null, skill)
                : new Feedback(o.ClassificationId, false, null, null, null, null, skill);
            return Results.Json(fb, LensJsonContext.Default.Feedback, statusCode: 201);
        }).RequireRateLimiting("classify");

        app.MapGet("/api/images/{id:long}", async (HttpContext c, LensFinderState s, long id, int? brighter) =>
        {
            var subject = await s.FixedSubjectAsync(id, c.RequestAborted);
            if (subject == null) return Results.NotFound();
            var (path, type) = s.Images.Display(subject, brighter == 1);
            c.Response.Headers.CacheControl = "private, max-age=3600";
            return Results.File(path, type);
        });

        app.MapGet("/api/images/{id:long}/arc", async (HttpContext c, LensFinderState s, long id) =>
        {
            if (Caller.Id(c) is not long me) return Caller.Error(401, "not signed in");
            var subject = await s.FixedSubjectAsync(id, c.RequestAborted);
            if (subject == null) return Results.NotFound();
            // The outline gives the answer away: only after one's own classification, on the teaching page, or to scientists.
            bool allowed = Caller.IsScientist(c) || (await TeachingIdsAsync(s, c.RequestAborted)).Contains(id) || await s.Store.HasClassifiedAsync(me, id, c.RequestAborted);
            if (!allowed) return Caller.Error(403, "classify this image first");
            var path = s.Images.ArcOutline(subject);
            return path == null ? Results.NotFound() : Results.File(path, "image/png");
        });

        app.MapPost("/api/reports", async (HttpContext c, LensFinderState s, ReportRequest r) =>
        {
            if (Caller.Id(c) is not long me) return Caller.Error(401, "not signed in");
            string comment = (r.Comment ?? "").Trim();
            if (comment.Length is 0 or > 1000) return Caller.Error(400, "the comment needs 1 to 1000 characters");
            try { await s.Store.AddReportAsync(me, r.SubjectId, comment, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), c.RequestAborted); }
            catch (KeyNotFoundException) { return Caller.Error(404, "no such subject"); }
            return Results.StatusCode(201);
        }).RequireRateLimiting("classify");

        app.MapGet("/api/teaching", async (HttpContext c, LensFinderState s) =>
        {
            var mocks = await s.Store.ListSubjectsAsync(Labels.Lens, 200, 0, c.RequestAborted);
            var lenses = mocks.Where(m => m.ArcMask != null).Take(3).Select(m => new TeachingExample(m.Id, ImageUrl(m.Id), ArcUrl(m.Id), "lens")).ToList();
            var negatives = await s.Store.ListSubjectsAsync(Labels.NotLens, 2000, 0, c.RequestAborted);
            var lookalikes = LookalikeCategories.Select(cat => negatives.FirstOrDefault(n => n.Category == cat)).OfType<Subject>()
                .Select(n => new TeachingExample(n.Id, ImageUrl(n.Id), null, n.Category!)).ToList();
            var practice = Caller.Id(c) is long me ? await PracticeAsync(s, me, c.RequestAborted) : [];
            return Results.Json(new TeachingInfo(lenses, lookalikes, practice), LensJsonContext.Default.TeachingInfo);
        });
    }

    public static SkillInfo Skill(AgentState a) => new(a.PLens, a.PNotLens, a.BitsPerDecision, a.TrainingVotes);

    /// <summary>Subjects shown with their answers on the teaching page: kept out of the quick judge.</summary>
    private static async Task<HashSet<long>> TeachingIdsAsync(LensFinderState s, CancellationToken ct)
    {
        // Cached for a few seconds: /api/next asks on every call, and only an import changes it.
        if (s.TeachingCache is { } cached && Environment.TickCount64 - cached.At < 5000) return cached.Ids;
        var mocks = await s.Store.ListSubjectsAsync(Labels.Lens, 200, 0, ct);
        var ids = mocks.Where(m => m.ArcMask != null).Take(3).Select(m => m.Id).ToHashSet();
        s.TeachingCache = (Environment.TickCount64, ids);
        return ids;
    }

    private static async Task<IReadOnlyList<long>> PracticeAsync(LensFinderState s, long me, CancellationToken ct)
    {
        var teaching = await TeachingIdsAsync(s, ct);
        var lenses = (await s.Store.QueueAsync(me, Labels.Lens, 10, ct)).Where(i => !teaching.Contains(i)).Take(2);
        var nots = (await s.Store.QueueAsync(me, Labels.NotLens, 10, ct)).Take(3);
        return lenses.Concat(nots).OrderBy(_ => Random.Shared.Next()).ToList();
    }

    private static async Task<long?> PickTrainingAsync(LensFinderState s, long me, Random rng, HashSet<long> teaching, long? exclude, CancellationToken ct)
    {
        int first = rng.Next(2);
        foreach (int truth in new[] { first, 1 - first })
        {
            var ids = (await s.Store.QueueAsync(me, truth, 12, ct)).Where(i => !teaching.Contains(i) && i != exclude).ToList();
            if (ids.Count > 0) return ids[rng.Next(Math.Min(ids.Count, 6))];
        }
        return null;
    }

    /// <summary>An active unknown subject among those with the fewest votes, at random so concurrent volunteers spread out.</summary>
    private static async Task<long?> PickUnknownAsync(LensFinderState s, long me, Random rng, long? exclude, CancellationToken ct)
    {
        var ids = (await s.Store.QueueAsync(me, null, 16, ct)).Where(i => i != exclude).ToList();
        return ids.Count == 0 ? null : ids[rng.Next(Math.Min(ids.Count, 8))];
    }
}
