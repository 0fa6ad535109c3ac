using System.Globalization;
using System.Text.RegularExpressions;

namespace StarPlugin.IO;

/// <summary>
/// Writes a file through a temporary sibling (.NAME.PID.GUID.tmp) and a rename, so a
/// crash or a full disk never leaves a half-written output, and an existing file is
/// replaced only when the caller allows it. The folder must exist: it is never created.
/// Errors name the output, never the temporary file. Temporaries of ours that a killed
/// process left next to an output (their PID no longer runs) are removed when that
/// output is next checked or written.
/// </summary>
public static partial class AtomicFile
{
    public static void Write(string path, Action<Stream> write, bool overwrite) => WriteSet([(path, write)], overwrite);

    /// <summary>
    /// Writes several files as one set: every file goes to its temporary first, and only when
    /// all are written are they renamed into place. A failed write (a full disk, an encoder's
    /// refusal) removes every temporary, so no output of the set appears and none that
    /// existed is replaced. The renames that follow need no space; one refused there (a file
    /// of another user in a sticky folder) can still leave the set partly in place.
    /// </summary>
    public static void WriteSet(IReadOnlyList<(string Path, Action<Stream> Write)> files, bool overwrite)
    {
        var fulls = new string[files.Count];
        var dirs = new string[files.Count];
        for (int i = 0; i < files.Count; i++)
        {
            string path = files[i].Path;
            fulls[i] = Path.GetFullPath(path);
            if (!overwrite && File.Exists(fulls[i]))
                throw new IOException($"{path}: file exists (use --force to overwrite)");
            dirs[i] = Folder(path, fulls[i]);
            // Two entries for one file: the second rename would replace the first output.
            if (Array.IndexOf(fulls, fulls[i], 0, i) >= 0) throw new ArgumentException($"{path}: named twice in one set of outputs");
        }
        var temporaries = new List<string>();
        int renamed = 0;
        try
        {
            for (int i = 0; i < files.Count; i++)
            {
                RemoveStaleTemporaries(fulls[i]);
                string tmp = TemporaryFor(fulls[i]);
                temporaries.Add(tmp);
                Guarded(files[i].Path, tmp, dirs[i], () => WriteTemporary(tmp, files[i].Write));
            }
            for (int i = 0; i < files.Count; i++)
            {
                Guarded(files[i].Path, temporaries[i], dirs[i], () => File.Move(temporaries[i], fulls[i], overwrite));
                renamed++;
            }
        }
        catch
        {
            foreach (var tmp in temporaries.Skip(renamed))
                try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    private static void WriteTemporary(string tmp, Action<Stream> write)
    {
        // Unbuffered file, buffered in front of the error guard: closing the file after a
        // failed write has nothing left to flush, so it cannot throw over the first error.
        var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        try
        {
            var buffered = new BufferedStream(new FileErrors(fs), 1 << 16);
            write(buffered);
            buffered.Flush();
            fs.Flush(flushToDisk: true);
        }
        finally { fs.Dispose(); }
    }

    /// <summary>File system errors name the output, never the temporary.</summary>
    private static void Guarded(string path, string tmp, string dir, Action action)
    {
        try { action(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{path}: cannot write ({Reason(e, tmp, dir)})", e);
        }
    }

    /// <summary>
    /// Checks, before any work, that <paramref name="path"/> can be written: its folder
    /// exists and a file can be created in it (a temporary, removed at once). Also clears
    /// stale temporaries of ours for this output.
    /// </summary>
    public static void CheckWritable(string path)
    {
        string full = Path.GetFullPath(path);
        string dir = Folder(path, full);
        if (Directory.Exists(full)) throw new IOException($"{path}: is a folder, not a file");
        RemoveStaleTemporaries(full);
        string tmp = TemporaryFor(full);
        try { new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1).Dispose(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{path}: cannot write in {dir} ({Reason(e, tmp, dir)})", e);
        }
        try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static string Folder(string path, string full)
    {
        string dir = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException(File.Exists(dir) ? $"{path}: {dir} is a file, not a folder" : $"{path}: folder {dir} does not exist");
        return dir;
    }

    private static string TemporaryFor(string full) =>
        Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");

    /// <summary>What went wrong, in words, with the temporary's name replaced by the folder's.</summary>
    private static string Reason(Exception e, string tmp, string dir) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        _ when e.HResult == 28 || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase) => "no space left on the device",
        _ when e.Message.Contains("too large", StringComparison.OrdinalIgnoreCase) => "the file is larger than the file system or the process's file size limit allows",
        _ => e.Message.Replace(tmp, dir).Replace(Path.GetFileName(tmp), Path.GetFileName(dir)).TrimEnd('.', ' '),
    };

    [GeneratedRegex(@"^\.(?<name>.+)\.(?<pid>[0-9]+)\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex TemporaryName();

    /// <summary>
    /// Removes .NAME.PID.GUID.tmp files next to <paramref name="full"/> whose process is
    /// gone (killed while writing: SIGKILL, a power cut). A live process's are left alone.
    /// </summary>
    public static int RemoveStaleTemporaries(string full)
    {
        string dir = Path.GetDirectoryName(full) ?? ".", name = Path.GetFileName(full);
        int removed = 0;
        IEnumerable<string> candidates;
        try { candidates = Directory.EnumerateFiles(dir, "." + name + ".*.tmp").ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return 0; }
        foreach (var file in candidates)
        {
            var m = TemporaryName().Match(Path.GetFileName(file));
            if (!m.Success || m.Groups["name"].Value != name) continue;
            if (!int.TryParse(m.Groups["pid"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || IsRunning(pid)) continue;
            try { File.Delete(file); removed++; } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        return removed;
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        if (OperatingSystem.IsLinux()) return Directory.Exists($"/proc/{pid}");
        try { using var p = System.Diagnostics.Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>
    /// The file stream as the encoder sees it: whatever the file system throws from a
    /// write (EFBIG surfaces as an ArgumentException in .NET) becomes an IOException, so it
    /// is reported as a write error on the output, while the encoder's own errors pass.
    /// </summary>
    private sealed class FileErrors(FileStream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => Guard(() => inner.Position = value); }
        public override void Flush() => Guard(inner.Flush);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) { long r = 0; Guard(() => r = inner.Seek(offset, origin)); return r; }
        public override void SetLength(long value) => Guard(() => inner.SetLength(value));
        public override void Write(byte[] buffer, int offset, int count) => Guard(() => inner.Write(buffer, offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            try { inner.Write(buffer); }
            catch (Exception e) when (e is not IOException) { throw new IOException(e.Message, e); }
        }
        public override void WriteByte(byte value) => Guard(() => inner.WriteByte(value));

        private static void Guard(Action action)
        {
            try { action(); }
            catch (Exception e) when (e is not IOException) { throw new IOException(e.Message, e); }
        }
    }
}
