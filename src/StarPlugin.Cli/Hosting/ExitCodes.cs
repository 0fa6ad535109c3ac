namespace StarPlugin.Cli.Hosting;

/// <summary>Process exit codes, stable for scripts: 0 ok, 1 usage, 2 input error, 3 processing error.</summary>
public static class ExitCodes
{
    public const int Ok = 0, Usage = 1, InputError = 2, ProcessingError = 3;
}

/// <summary>A mistake in how the command was called (bad combination, output exists without --force).</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>A problem with an input file that is not a decoding error (e.g. a missing CSV column).</summary>
public sealed class InputException(string message) : Exception(message);
