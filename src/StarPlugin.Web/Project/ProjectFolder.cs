namespace StarPlugin.Web.Project;

/// <summary>
/// A project's data folder: images/ (the subjects' files), cache/ (rendered composites),
/// keys/ (cookie keys), lensfinder.db (SQLite). Every path the platform opens goes
/// through <see cref="Resolve"/>, which refuses anything outside the folder ("..",
/// absolute paths, links that lead out).
/// </summary>
public sealed class ProjectFolder
{
    public string Root { get; }
    public string Images => Path.Combine(Root, "images");
    public string Cache => Path.Combine(Root, "cache");
    public string Keys => Path.Combine(Root, "keys");
    public string Database => Path.Combine(Root, "lensfinder.db");

    public ProjectFolder(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Images);
        Directory.CreateDirectory(Cache);
    }

    /// <summary>The full path of a file named relative to the folder, or an exception if it would leave it.</summary>
    public string Resolve(string relative)
    {
        if (string.IsNullOrEmpty(relative) || relative.Contains('\0') || Path.IsPathRooted(relative))
            throw new UnauthorizedAccessException($"{relative}: not a path inside the project");
        string full = Path.GetFullPath(Path.Combine(Root, relative));
        if (!Inside(full)) throw new UnauthorizedAccessException($"{relative}: outside the project folder");
        // A link inside the folder must not lead out of it either.
        var info = new FileInfo(full);
        if (info.Exists && info.LinkTarget != null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target && !Inside(target.FullName))
            throw new UnauthorizedAccessException($"{relative}: links outside the project folder");
        for (var dir = info.Directory; dir != null && Inside(dir.FullName) && dir.FullName.Length > Root.Length; dir = dir.Parent)
            if (dir.LinkTarget != null && dir.ResolveLinkTarget(returnFinalTarget: true) is { } t && !Inside(t.FullName))
                throw new UnauthorizedAccessException($"{relative}: links outside the project folder");
        return full;
    }

    private bool Inside(string full) => full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    public string Relative(string full) => Path.GetRelativePath(Root, full).Replace('\\', '/');
}
