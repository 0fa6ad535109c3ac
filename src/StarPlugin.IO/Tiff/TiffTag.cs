namespace StarPlugin.IO.Tiff;

/// <summary>TIFF tag numbers and field types used by the codec.</summary>
internal static class TiffTag
{
    public const ushort NewSubfileType = 254, ImageWidth = 256, ImageLength = 257, BitsPerSample = 258,
        Compression = 259, Photometric = 262, FillOrder = 266, ImageDescription = 270, StripOffsets = 273, SamplesPerPixel = 277, RowsPerStrip = 278,
        StripByteCounts = 279, PlanarConfiguration = 284, Predictor = 317, ColorMap = 320, TileWidth = 322,
        TileLength = 323, TileOffsets = 324, TileByteCounts = 325, SubIfds = 330, ExtraSamples = 338,
        SampleFormat = 339, ExifIfd = 34665, GpsIfd = 34853, InteropIfd = 40965;

    public const ushort TypeByte = 1, TypeAscii = 2, TypeShort = 3, TypeLong = 4, TypeRational = 5,
        TypeSByte = 6, TypeUndefined = 7, TypeSShort = 8, TypeSLong = 9, TypeSRational = 10,
        TypeFloat = 11, TypeDouble = 12, TypeIfd = 13;

    public static int TypeSize(ushort type) => type switch
    {
        TypeByte or TypeAscii or TypeSByte or TypeUndefined => 1,
        TypeShort or TypeSShort => 2,
        TypeLong or TypeSLong or TypeFloat or TypeIfd => 4,
        TypeRational or TypeSRational or TypeDouble => 8,
        _ => 0,
    };

    /// <summary>Tags rebuilt by the writer, or pointing at file offsets that a copy would break.</summary>
    public static bool IsStructural(ushort tag) => tag is NewSubfileType or ImageWidth or ImageLength or BitsPerSample
        or Compression or Photometric or FillOrder or StripOffsets or SamplesPerPixel or RowsPerStrip or StripByteCounts
        or PlanarConfiguration or Predictor or ColorMap or TileWidth or TileLength or TileOffsets or TileByteCounts
        or SubIfds or ExtraSamples or SampleFormat or ExifIfd or GpsIfd or InteropIfd
        or 288 or 289 /* Free offsets */ or 513 or 514 /* JPEG interchange */;
}
