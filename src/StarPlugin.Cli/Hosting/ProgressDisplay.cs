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

/// <summary>Ctrl+C cancels the running work (the core sees a cancel from the progress callback).</summary>
public static class CliCancellation
{
    private static readonly CancellationTokenSource Source = new();
    public static CancellationToken Token => Source.Token;

    public static void Install() => Console.CancelKeyPress += (_, e) =>
    {
        if (Source.IsCancellationRequested) return; // a second Ctrl+C kills the process as usual
        e.Cancel = true;
        Source.Cancel();
    };
}
