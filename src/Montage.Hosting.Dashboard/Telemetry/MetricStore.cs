namespace Montage.Hosting.Dashboard.Telemetry;

/// <summary>
/// Metric time series per (service, meter, instrument, attribute set). Bounded three ways: at most
/// <c>maxInstruments</c> instruments (later new ones are ignored), <see cref="MaxSeriesPerInstrument"/> series per
/// instrument, and <c>maxPointsPerSeries</c> points per series (the oldest are evicted).
/// </summary>
public sealed class MetricStore
{
    public const int MaxSeriesPerInstrument = 200;

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Service, string Scope, string Name), Instrument> _instruments = [];
    private readonly int _maxInstruments;
    private readonly int _maxPointsPerSeries;

    public MetricStore(int maxInstruments, int maxPointsPerSeries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInstruments, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPointsPerSeries, 1);
        _maxInstruments = maxInstruments;
        _maxPointsPerSeries = maxPointsPerSeries;
    }

    public ChangeSignal Changes { get; } = new();

    public int InstrumentCount
    {
        get
        {
            lock (_gate)
            {
                return _instruments.Count;
            }
        }
    }

    public void Add(IEnumerable<MetricSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var added = false;
        lock (_gate)
        {
            foreach (var sample in samples)
            {
                var key = (sample.ServiceName, sample.ScopeName, sample.InstrumentName);
                if (!_instruments.TryGetValue(key, out var instrument))
                {
                    if (_instruments.Count >= _maxInstruments)
                    {
                        continue;
                    }

                    instrument = new Instrument(sample.ServiceName, sample.ScopeName, sample.InstrumentName);
                    _instruments[key] = instrument;
                }

                added |= instrument.Add(sample, _maxPointsPerSeries);
            }
        }

        if (added)
        {
            Changes.Notify();
        }
    }

    /// <summary>Every instrument with the latest point of each series (no history), by service then name.</summary>
    public IReadOnlyList<InstrumentView> List()
    {
        lock (_gate)
        {
            return _instruments.Values
                .OrderBy(i => i.Service, StringComparer.Ordinal)
                .ThenBy(i => i.Name, StringComparer.Ordinal)
                .Select(i => i.ToView(withPoints: false))
                .ToList();
        }
    }

    /// <summary>One instrument with the retained points of every series, or null.</summary>
    public InstrumentView? Get(string serviceName, string scopeName, string instrumentName)
    {
        lock (_gate)
        {
            return _instruments.TryGetValue((serviceName, scopeName, instrumentName), out var instrument) ? instrument.ToView(withPoints: true) : null;
        }
    }

    private sealed class Instrument(string service, string scope, string name)
    {
        private readonly Dictionary<string, Series> _series = new(StringComparer.Ordinal);
        private string _description = "";
        private string _unit = "";
        private string _kind = "";
        private DateTimeOffset _lastUpdated;

        public string Service { get; } = service;

        public string Name { get; } = name;

        public bool Add(MetricSample sample, int maxPoints)
        {
            var seriesKey = string.Join('\u001f', sample.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Key + "=" + a.Value));
            if (!_series.TryGetValue(seriesKey, out var series))
            {
                if (_series.Count >= MaxSeriesPerInstrument)
                {
                    return false;
                }

                series = new Series(sample.Attributes);
                _series[seriesKey] = series;
            }

            _description = sample.Description;
            _unit = sample.Unit;
            _kind = sample.Kind;
            if (sample.Point.Timestamp > _lastUpdated)
            {
                _lastUpdated = sample.Point.Timestamp;
            }

            series.Add(sample.Point, sample.AccumulateDelta, maxPoints);
            return true;
        }

        public InstrumentView ToView(bool withPoints) => new(
            Service,
            scope,
            Name,
            _description,
            _unit,
            _kind,
            _lastUpdated,
            _series.Values.Where(s => s.Points.Count > 0).Select(s => s.ToView(withPoints)).ToList());
    }

    private sealed class Series(IReadOnlyList<Attribute> attributes)
    {
        private double _runningTotal;

        public LinkedList<MetricPoint> Points { get; } = new();

        public void Add(MetricPoint point, bool accumulateDelta, int maxPoints)
        {
            if (accumulateDelta)
            {
                _runningTotal += point.Value;
                point = point with { Value = _runningTotal };
            }

            // Points normally arrive in time order; one for an instant already held replaces it (exporter retry).
            if (Points.Last is { } last && last.Value.Timestamp >= point.Timestamp)
            {
                if (last.Value.Timestamp == point.Timestamp && !accumulateDelta)
                {
                    last.Value = point;
                }

                return;
            }

            Points.AddLast(point);
            while (Points.Count > maxPoints)
            {
                Points.RemoveFirst();
            }
        }

        public SeriesView ToView(bool withPoints) =>
            new(attributes, Points.Last!.Value, withPoints ? [.. Points] : []);
    }
}
