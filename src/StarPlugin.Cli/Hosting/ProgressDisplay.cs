using Spectre.Console;
using StarPlugin.Progress;

namespace StarPlugin.Cli.Hosting;

/// <summary>A Spectre.Console progress bar on stderr, fed by the core's progress callback.</summary>
internal static class ProgressDisplay
{
    public static T Run<T>(string title, Func<ProgressCallback, T> work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T result = default!;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: 1.0);
                result = work((fraction, stage) =>
                {
                    task.Value = Math.Clamp(fraction, 0, 1);
                    if (stage.Length > 0) task.Description = Markup.Escape($"{title}: {stage}");
                    return !CliCancellation.Token.IsCancellationRequested;
                });
                task.Value = 1.0;
            });
        return result;
    }
}

/// <summary>
/// Ctrl+C, SIGTERM and SIGHUP cancel the running work (the core sees a cancel from the
/// progress callback), so outputs stay whole: a file being written is finished or its
/// temporary removed, never left half-written. A second signal ends the process at once.
/// </summary>
public static class CliCancellation
{
    private static readonly CancellationTokenSource Source = new();
    private static readonly List<System.Runtime.InteropServices.PosixSignalRegistration> Registrations = [];
    public static CancellationToken Token => Source.Token;

    public static void Install()
    {
        Console.CancelKeyPress += (_, e) =>
        {
            if (Source.IsCancellationRequested) return; // a second Ctrl+C kills the process as usual
            e.Cancel = true;
            Source.Cancel();
        };
        if (OperatingSystem.IsWindows()) return;
        foreach (var signal in new[] { System.Runtime.InteropServices.PosixSignal.SIGTERM, System.Runtime.InteropServices.PosixSignal.SIGHUP })
            Registrations.Add(System.Runtime.InteropServices.PosixSignalRegistration.Create(signal, c =>
            {
                if (Source.IsCancellationRequested) return; // the second one terminates
                c.Cancel = true;
                Source.Cancel();
            }));
    }
}
