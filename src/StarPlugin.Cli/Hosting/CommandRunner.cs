using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Removal;

namespace StarPlugin.Cli.Hosting;

/// <summary>
/// Runs a command body and turns every exception into one stderr line and an exit
/// code, so scripts and the G'MIC/GIMP shims can rely on both.
/// </summary>
public static class CommandRunner
{
    public static int Run(CliContext ctx, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (UsageException e) { return Fail(ctx, ExitCodes.Usage, e.Message); }
        catch (Exception e) when (e is ImageFormatException or ImageSizeException or FileNotFoundException
                                   or DirectoryNotFoundException or InputException or ModelFileException)
        { return Fail(ctx, ExitCodes.InputError, e.Message); }
        catch (OperationCanceledException) { return Fail(ctx, ExitCodes.ProcessingError, "cancelled"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { Debug(ctx, e); return Fail(ctx, ExitCodes.ProcessingError, e.Message); }
        // Messages say what went wrong in words; an exception's type name means nothing to a
        // user (STARPLUGIN_DEBUG=1 adds the stack trace for a bug report).
        catch (Exception e) { Debug(ctx, e); return Fail(ctx, ExitCodes.ProcessingError, e.Message); }
    }

    private static void Debug(CliContext ctx, Exception e)
    {
        if (Environment.GetEnvironmentVariable("STARPLUGIN_DEBUG") == "1") ctx.Error.WriteLine(e.ToString());
    }

    public static int Fail(CliContext ctx, int code, string message)
    {
        ctx.Error.WriteLine("starplugin: error: " + message.ReplaceLineEndings(" "));
        return code;
    }
}
