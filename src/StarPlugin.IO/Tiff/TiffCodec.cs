using StarPlugin.Imaging;

namespace StarPlugin.IO.Tiff;

/// <summary>TIFF entry points; see <see cref="TiffReader"/> and <see cref="TiffWriter"/> for the variants.</summary>
public static class TiffCodec
{
    public static bool Sniff(ReadOnlySpan<byte> b) =>
        b.Length >= 4 && ((b[0] == 'I' && b[1] == 'I' && b[2] is 42 or 43 && b[3] == 0) || (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] is 42 or 43));

    public static AstroImage Decode(ReadOnlySpan<byte> data) => TiffReader.Decode(data);

    public static void Encode(Stream output, AstroImage image, WriteOptions options) => TiffWriter.Encode(output, image, options);
}
