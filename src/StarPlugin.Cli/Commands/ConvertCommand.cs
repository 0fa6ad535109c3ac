using System.CommandLine;
using StarPlugin.Cli.Hosting;
using StarPlugin.IO;

namespace StarPlugin.Cli.Commands;

/// <summary>`starplugin convert IN OUT`: format by extension, depth kept unless --depth says otherwise.</summary>
public static class ConvertCommand
{
    public static Command Create(CliContext ctx)
    {
        var input = new Argument<string>("input") { Description = "Input image" };
        var output = new Argument<string>("output") { Description = "Output image; the extension picks the format" };
        var force = CommonOptions.Force();
        var maxMegapixels = CommonOptions.MaxMegapixels();
        var fmt = new OutputFormatOptions();
        var cmd = new Command("convert", "Convert an image between FITS, TIFF, PNG, JPEG, PFM and CImg") { input, output, force, maxMegapixels };
        fmt.AddTo(cmd);
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            string inPath = p.GetValue(input)!, outPath = p.GetValue(output)!;
            if (p.GetValue(fmt.Tile) is var t && t != 0 && (t < 16 || t % 16 != 0)) throw new UsageException("--tile must be a multiple of 16");
            OutputGuard.CheckImage(outPath, p.GetValue(force), inPath);
            var img = ImageInput.Read(inPath, p.GetValue(maxMegapixels));
            ImageFile.Write(outPath, img, fmt.Read(p, p.GetValue(force)));
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
