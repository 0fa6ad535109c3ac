using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using StarPlugin.Evaluation;
using StarPlugin.Web.Images;
using StarPlugin.Web.Project;
using StarPlugin.Web.Storage;

namespace StarPlugin.Web.Hosting;

/// <summary>
/// One server's view of its project: the folder, the store, the SWAP settings (kept in
/// the database so every process and `rescore` use the same), and a cache of the
/// subjects' fixed parts (file, truth, arc mask). Consensus numbers are never cached:
/// several processes may be writing them.
/// </summary>
public sealed class LensFinderState : IAsyncDisposable
{
    public LensFinderOptions Options { get; }
    public ProjectFolder Folder { get; }
    public ILensStore Store { get; }
    public SubjectImages Images { get; }
    public SwapSettings Settings { get; private set; }
    private readonly ConcurrentDictionary<long, Subject> _fixed = new();
    /// <summary>The teaching page's answered examples, and when they were looked up.</summary>
    internal volatile Tuple<long, HashSet<long>>? TeachingTuple;
    internal (long At, HashSet<long> Ids)? TeachingCache
    {
        get => TeachingTuple is { } t ? (t.Item1, t.Item2) : null;
        set => TeachingTuple = value is { } v ? Tuple.Create(v.At, v.Ids) : null;
    }

    public LensFinderState(LensFinderOptions options)
    {
        Options = options;
        Folder = new ProjectFolder(options.DataDir);
        Store = options.Postgres is { } pg ? new PostgresLensStore(pg) : new SqliteLensStore(Folder.Database);
        Images = new SubjectImages(Folder);
        Settings = options.Swap;
    }

    public static async Task<LensFinderState> OpenAsync(LensFinderOptions options, CancellationToken ct = default)
    {
        var s = new LensFinderState(options);
        await s.InitializeAsync(ct);
        return s;
    }

    public async Task InitializeAsync(CancellationToken ct = default)
    {
        await Store.InitializeAsync(ct);
        var stored = await Store.GetSettingsAsync(ct);
        if (stored == null)
        {
            Options.Swap.Validate();
            await Store.SetSettingsAsync(Options.Swap, ct);
            stored = Options.Swap;
        }
        Settings = stored;
    }

    /// <summary>The subject's fixed parts (file, truth, mask), cached; its consensus fields may be stale.</summary>
    public async Task<Subject?> FixedSubjectAsync(long id, CancellationToken ct)
    {
        if (_fixed.TryGetValue(id, out var s)) return s;
        s = await Store.GetSubjectAsync(id, ct);
        if (s != null) _fixed[id] = s;
        return s;
    }

    public async ValueTask DisposeAsync() => await Store.DisposeAsync();
}

/// <summary>Opens the store when the host starts (schema, settings) and closes it at the end.</summary>
internal sealed class LensFinderStartup(LensFinderState state) : IHostedService
{
    public Task StartAsync(CancellationToken ct) => state.InitializeAsync(ct);
    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
