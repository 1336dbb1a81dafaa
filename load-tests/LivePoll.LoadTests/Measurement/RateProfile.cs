using System.Globalization;

namespace LivePoll.LoadTests.Measurement;

/// <summary>One stage of an arrival schedule: over <see cref="Duration"/> the rate moves in a straight line to <see cref="Rate"/>.</summary>
public sealed record RateStage(TimeSpan Duration, double Rate);

/// <summary>
/// An open-model arrival schedule in stages, as k6's ramping-arrival-rate: from zero, each stage moves the rate linearly to
/// its target (a ramp), keeps it (a hold: the same target as before) or jumps (a spike: a short stage to a high target).
/// <see cref="DueBy"/> is how many arrivals should have happened after a time, whatever the server's speed: a slow server
/// does not slow the arrivals; what the tool cannot send when due is counted as dropped, never sent late.
/// </summary>
public sealed class RateProfile
{
    public RateProfile(IReadOnlyList<RateStage> stages)
    {
        if (stages.Count == 0 || stages.Any(s => s.Duration < TimeSpan.Zero || s.Rate < 0 || double.IsNaN(s.Rate) || double.IsInfinity(s.Rate)))
        {
            throw new ArgumentException("A rate profile needs at least one stage, each with a duration and a rate that are not negative.", nameof(stages));
        }
        Stages = stages;
    }

    /// <summary>The classic surge: climb to <paramref name="rate"/> over the ramp-up, hold it, fall back to zero over the ramp-down.</summary>
    public RateProfile(double rate, TimeSpan rampUp, TimeSpan hold, TimeSpan rampDown)
        : this([new RateStage(rampUp, rate), new RateStage(hold, rate), new RateStage(rampDown, 0)])
    {
    }

    public IReadOnlyList<RateStage> Stages { get; }

    public TimeSpan Duration => Stages.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.Duration);

    public long Total => DueBy(Duration);

    /// <summary>The highest rate any stage reaches.</summary>
    public double PeakRate => Stages.Max(s => s.Rate);

    /// <summary>
    /// Where the rate is steady (the longest stage that holds a rate above zero; the whole run if none does): server CPU
    /// and the hold's acknowledged rate are measured there, away from ramps.
    /// </summary>
    public (TimeSpan From, TimeSpan To) Steady
    {
        get
        {
            (TimeSpan From, TimeSpan To) best = (TimeSpan.Zero, Duration);
            var longest = TimeSpan.Zero;
            var (start, previous) = (TimeSpan.Zero, 0d);
            foreach (var stage in Stages)
            {
                if (stage.Rate > 0 && stage.Rate == previous && stage.Duration > longest)
                {
                    (best, longest) = ((start, start + stage.Duration), stage.Duration);
                }
                (start, previous) = (start + stage.Duration, stage.Rate);
            }
            return best;
        }
    }

    /// <summary>The profile with every rate multiplied by <paramref name="factor"/> (one shard's share of a surge).</summary>
    public RateProfile Scaled(double factor) => new(Stages.Select(s => s with { Rate = s.Rate * factor }).ToList());

    public long DueBy(TimeSpan elapsed)
    {
        var t = Math.Max(0, elapsed.TotalSeconds);
        double n = 0, from = 0;
        foreach (var stage in Stages)
        {
            var length = stage.Duration.TotalSeconds;
            var within = Math.Min(t, length);
            // The area under a straight line from 'from' to the stage's rate, up to 'within' seconds into the stage.
            n += length == 0 ? 0 : from * within + (stage.Rate - from) * within * within / (2 * length);
            t -= within;
            from = stage.Rate;
            if (t <= 0)
            {
                break;
            }
        }
        return (long)Math.Floor(n + 1e-9);
    }

    /// <summary>The stages in words, for the report: "to 500/s in 30 s, hold 60 s, to 5,000/s in 2 s, …".</summary>
    public override string ToString()
    {
        var previous = 0d;
        var parts = new List<string>();
        foreach (var stage in Stages)
        {
            var seconds = stage.Duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            parts.Add(stage.Rate == previous
                ? $"hold {seconds} s"
                : $"to {stage.Rate.ToString("#,0.###", CultureInfo.InvariantCulture)}/s in {seconds} s");
            previous = stage.Rate;
        }
        return string.Join(", ", parts);
    }
}
