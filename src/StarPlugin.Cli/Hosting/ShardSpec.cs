namespace StarPlugin.Cli.Hosting;

/// <summary>
/// `--shard i/N` for job arrays: item k belongs to shard k mod N, so shards are
/// disjoint, together hold everything, and are balanced however the items are ordered.
/// </summary>
public readonly record struct ShardSpec(int Index, int Count)
{
    public static readonly ShardSpec All = new(0, 1);

    public static ShardSpec Parse(string? spec)
    {
        if (spec == null) return All;
        var parts = spec.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int i) || !int.TryParse(parts[1], out int n) || n < 1 || i < 0 || i >= n)
            throw new UsageException($"--shard {spec}: expected i/N with 0 ≤ i < N");
        return new ShardSpec(i, n);
    }

    public bool Holds(int item) => item % Count == Index;

    public List<T> Take<T>(IEnumerable<T> items)
    {
        var self = this;
        return items.Where((_, k) => self.Holds(k)).ToList();
    }

    /// <summary>NAME.csv → NAME.shard{i}of{N}.csv for a partial output; the name itself for a single shard.</summary>
    public string PartName(string path) => Count == 1 ? path
        : Path.Combine(Path.GetDirectoryName(path) ?? "", $"{Path.GetFileNameWithoutExtension(path)}.shard{Index}of{Count}{Path.GetExtension(path)}");
}
