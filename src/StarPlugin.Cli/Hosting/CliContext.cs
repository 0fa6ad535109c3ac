using StarPlugin.Progress;

namespace StarPlugin.Cli.Hosting;

/// <summary>Streams and flags shared by every command; tests pass string writers.</summary>
public sealed class CliContext(TextWriter output, TextWriter error, bool interactive)
{
    public TextWriter Output { get; } = output;
    public TextWriter Error { get; } = error;
    /// <summary>stderr is a terminal: show progress bars.</summary>
    public bool Interactive { get; } = interactive;
    public CancellationToken Cancellation { get; init; }

    public static CliContext FromConsole(CancellationToken token) =>
        new(Console.Out, Console.Error, !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb") { Cancellation = token };

    /// <summary>Runs work with a progress bar on stderr when interactive, silently otherwise.</summary>
    public T WithProgress<T>(string title, Func<ProgressCallback, T> work) =>
        Interactive ? ProgressDisplay.Run(title, work) : work((_, _) => !Cancellation.IsCancellationRequested);
}
