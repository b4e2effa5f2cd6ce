using System.Globalization;

namespace E2ePs.Bench.Results;

/// <summary>The values of one figure over the repetitions: median and spread.</summary>
public sealed class Measure
{
    private readonly List<double> _values = [];

    /// <summary>A figure in <paramref name="unit"/>, e.g. "ms", "MB/s", "requests".</summary>
    public Measure(string unit) => Unit = unit;

    /// <summary>Unit of the values.</summary>
    public string Unit { get; }

    /// <summary>The values in the order measured.</summary>
    public IReadOnlyList<double> Values => _values;

    /// <summary>Median (the mean of the two middle values for an even count).</summary>
    public double Median
    {
        get
        {
            if (_values.Count == 0)
            {
                return double.NaN;
            }

            var sorted = _values.Order().ToList();
            var middle = sorted.Count / 2;
            return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        }
    }

    /// <summary>Smallest value.</summary>
    public double Min => _values.Count == 0 ? double.NaN : _values.Min();

    /// <summary>Largest value.</summary>
    public double Max => _values.Count == 0 ? double.NaN : _values.Max();

    /// <summary>Adds one repetition's value.</summary>
    public void Add(double value) => _values.Add(value);

    /// <summary>"median (min–max) unit", or just the value when every repetition gave the same.</summary>
    public string Describe()
    {
        if (_values.Count == 0)
        {
            return "n/a";
        }

        var text = Min == Max ? Format(Median) : $"{Format(Median)} ({Format(Min)}–{Format(Max)})";
        return Unit.Length == 0 ? text : $"{text} {Unit}";
    }

    /// <summary>A number with as many digits as it deserves.</summary>
    public static string Format(double value) => Math.Abs(value) switch
    {
        _ when value == Math.Floor(value) => value.ToString("0", CultureInfo.InvariantCulture),
        >= 100 => value.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.ToString("0.00", CultureInfo.InvariantCulture),
    };
}
