namespace StarPlugin.Cli.Hosting;

/// <summary>Refuses to write over an input, or over an existing file without --force.</summary>
public static class OutputGuard
{
    public static void Check(string output, bool force, params string[] inputs)
    {
        string full = Canonical(output);
        foreach (var input in inputs)
            if (string.Equals(full, Canonical(input), StringComparison.Ordinal))
                throw new UsageException($"{output}: refusing to overwrite the input file");
        if (!force && File.Exists(full))
            throw new UsageException($"{output}: file exists (use --force to overwrite)");
    }

    private static string Canonical(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            var info = new FileInfo(full);
            if (info.LinkTarget != null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target) return target.FullName;
        }
        catch (IOException) { }
        return full;
    }
}
