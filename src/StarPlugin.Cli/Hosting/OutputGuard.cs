using StarPlugin.IO;

namespace StarPlugin.Cli.Hosting;

/// <summary>
/// Every output of a run, checked before any work: an image output has a format we
/// write; its folder exists and takes a new file; it is not an input of the run, however
/// the paths are spelled (device and inode, through links and mounts); it is not named
/// twice; and it does not exist unless --force. What fails is a usage error (exit 1),
/// before the model loads or anything is written.
/// </summary>
public sealed class OutputPlan
{
    private readonly bool _force;
    private readonly List<(string Path, FileIdentity Id)> _inputs = [];
    private readonly Dictionary<string, string> _outputs = new(StringComparer.Ordinal);

    public OutputPlan(bool force, IEnumerable<string> inputs)
    {
        _force = force;
        foreach (var input in inputs)
            if (FileIdentity.Of(input) is { } id) _inputs.Add((input, id));
    }

    /// <summary>Adds an output; throws <see cref="UsageException"/> when it must not be written.</summary>
    public void Add(string output, bool image)
    {
        if (Directory.Exists(output)) throw new UsageException($"{output}: is a folder; name an output file (or use --out-dir for a batch)");
        if (image && ImageFile.FormatFromExtension(output) == ImageFormat.Unknown)
            throw new UsageException($"{output}: unknown output format \"{Path.GetExtension(output)}\" (use {ImageFile.OutputExtensions})");
        string key = Key(output);
        if (_outputs.TryGetValue(key, out var first))
            throw new UsageException(first == output ? $"{output} is named twice as an output" : $"{output} and {first} are the same file: each output needs its own");
        if (FileIdentity.Of(output) is { } id)
        {
            foreach (var (input, inputId) in _inputs)
                if (id == inputId)
                    throw new UsageException(input == output ? $"{output}: refusing to overwrite the input file" : $"{output}: refusing to overwrite the input file {input} (the same file)");
            if (Directory.Exists(output)) throw new UsageException($"{output}: is a folder, not a file");
            if (!_force) throw new UsageException($"{output}: file exists (use --force to overwrite)");
        }
        try { AtomicFile.CheckWritable(output); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException(e.Message); }
        _outputs[key] = output;
    }

    /// <summary>The same key for two spellings of one output path: its folder's identity and its name.</summary>
    private static string Key(string output)
    {
        string full = Path.GetFullPath(output);
        string dir = Path.GetDirectoryName(full) ?? ".", name = Path.GetFileName(full);
        var id = FileIdentity.Of(dir);
        return id is { Path: null } d ? $"{d.Device}:{d.Inode}/{name}" : FileIdentity.Resolved(full);
    }

    /// <summary>Whether <paramref name="path"/> is, by identity, one of the inputs.</summary>
    public bool IsInput(string path) => FileIdentity.Of(path) is { } id && _inputs.Any(i => i.Id == id);
}

/// <summary>One-output checks for commands with a single output file.</summary>
public static class OutputGuard
{
    /// <summary>A non-image output (CSV, JSON).</summary>
    public static void Check(string output, bool force, params string[] inputs) => new OutputPlan(force, inputs).Add(output, image: false);

    /// <summary>An image output: its extension must name a format we write.</summary>
    public static void CheckImage(string output, bool force, params string[] inputs) => new OutputPlan(force, inputs).Add(output, image: true);
}
