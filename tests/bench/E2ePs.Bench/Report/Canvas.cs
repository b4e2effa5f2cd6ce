namespace E2ePs.Bench.Report;

/// <summary>An RGB pixel buffer with the few drawing operations a line chart needs.</summary>
public sealed class Canvas
{
    private readonly byte[] _pixels;

    /// <summary>A white canvas.</summary>
    public Canvas(int width, int height)
    {
        Width = width;
        Height = height;
        _pixels = new byte[width * height * 3];
        Array.Fill(_pixels, (byte)255);
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Sets one pixel; outside the canvas does nothing.</summary>
    public void Set(int x, int y, Rgb colour)
    {
        if (x < 0 || y < 0 || x >= Width || y >= Height)
        {
            return;
        }

        var i = ((y * Width) + x) * 3;
        _pixels[i] = colour.R;
        _pixels[i + 1] = colour.G;
        _pixels[i + 2] = colour.B;
    }

    /// <summary>Fills a rectangle.</summary>
    public void Fill(int x, int y, int width, int height, Rgb colour)
    {
        for (var j = y; j < y + height; j++)
        {
            for (var i = x; i < x + width; i++)
            {
                Set(i, j, colour);
            }
        }
    }

    /// <summary>A line <paramref name="thickness"/> pixels wide (Bresenham, with a square pen).</summary>
    public void Line(double x0, double y0, double x1, double y1, Rgb colour, int thickness = 1)
    {
        int ax = (int)Math.Round(x0), ay = (int)Math.Round(y0), bx = (int)Math.Round(x1), by = (int)Math.Round(y1);
        int dx = Math.Abs(bx - ax), dy = -Math.Abs(by - ay), sx = ax < bx ? 1 : -1, sy = ay < by ? 1 : -1, error = dx + dy;
        var half = thickness / 2;
        while (true)
        {
            Fill(ax - half, ay - half, thickness, thickness, colour);
            if (ax == bx && ay == by)
            {
                break;
            }

            var e2 = 2 * error;
            if (e2 >= dy)
            {
                error += dy;
                ax += sx;
            }

            if (e2 <= dx)
            {
                error += dx;
                ay += sy;
            }
        }
    }

    /// <summary>A dotted horizontal or vertical guide line.</summary>
    public void Dotted(int x0, int y0, int x1, int y1, Rgb colour)
    {
        var steps = Math.Max(Math.Abs(x1 - x0), Math.Abs(y1 - y0));
        for (var s = 0; s <= steps; s += 3)
        {
            Set(x0 + ((x1 - x0) * s / Math.Max(1, steps)), y0 + ((y1 - y0) * s / Math.Max(1, steps)), colour);
        }
    }

    /// <summary>Text in the pixel font, each font pixel drawn <paramref name="scale"/>×<paramref name="scale"/>; returns its width.</summary>
    public int Text(int x, int y, string text, Rgb colour, int scale = 2)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (var n = 0; n < text.Length; n++)
        {
            for (var col = 0; col < PixelFont.GlyphWidth; col++)
            {
                for (var row = 0; row < PixelFont.GlyphHeight; row++)
                {
                    if (PixelFont.IsSet(text[n], col, row))
                    {
                        Fill(x + (((n * (PixelFont.GlyphWidth + 1)) + col) * scale), y + (row * scale), scale, scale, colour);
                    }
                }
            }
        }

        return TextWidth(text, scale);
    }

    /// <summary>Width of <paramref name="text"/> in pixels.</summary>
    public static int TextWidth(string text, int scale = 2) => (text?.Length ?? 0) * (PixelFont.GlyphWidth + 1) * scale;

    /// <summary>The image as PNG.</summary>
    public byte[] ToPng() => PngEncoder.Encode(Width, Height, _pixels);
}

/// <summary>A colour.</summary>
public readonly record struct Rgb(byte R, byte G, byte B);
